#!/usr/bin/env bash
# Install the programs the report tests drive, when they are missing:
# Chromium and its driver (HTML in a real browser), xmllint (XML), genhtml
# (LCOV), git (diff-cover).  Debian/Ubuntu packages through apt-get, as root
# or with password-less sudo.  Never fails: it writes what it did, or why it
# could not, to tests/out/system-tools.txt, which the skipping tests quote.
set -u
cd "$(dirname "$0")/.."
mkdir -p tests/out
note=tests/out/system-tools.txt

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
{ command -v chromedriver >/dev/null 2>&1 || [ -x /usr/lib/chromium/chromedriver ]; } || need+=(chromium-driver)
command -v xmllint >/dev/null 2>&1 || need+=(libxml2-utils)
command -v genhtml >/dev/null 2>&1 || need+=(lcov)
command -v git >/dev/null 2>&1 || need+=(git)

if [ ${#need[@]} -eq 0 ]; then
    echo "all installed" > "$note"
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "missing ${need[*]}, and there is no apt-get here to install them" | tee "$note"
    exit 0
fi
sudo=""
if [ "$(id -u)" != 0 ]; then
    if sudo -n true 2>/dev/null; then sudo="sudo -n"; else
        echo "missing ${need[*]}: installing needs root (or password-less sudo)" | tee "$note"
        exit 0
    fi
fi
echo "Installing ${need[*]} with apt-get"
log=tests/out/apt-get.log
if { $sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q "${need[@]}"; } >"$log" 2>&1; then
    echo "installed ${need[*]}" > "$note"
else
    echo "apt-get install ${need[*]} failed: $(tail -n 3 "$log" | tr '\n' ' ')" | tee "$note"
fi
exit 0
