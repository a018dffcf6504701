#!/usr/bin/env bash
# Install the programs the report tests drive, when they are missing:
# Chromium and its driver (HTML in a real browser), xmllint (XML), genhtml
# (LCOV), git (diff-cover).  Debian/Ubuntu packages through apt-get, as root
# or with password-less sudo.  Never fails: it writes what it did, or why it
# could not, to tests/out/system-tools.txt, which the skipping tests quote.
#
# Only what is missing is installed, without the packages apt merely
# recommends, and nothing already installed is upgraded or removed: for each
# package the newest version whose install (simulated first, apt-get -s)
# leaves every installed package as it is.  A package that can't be had
# that way is not installed; the note says which installed package it would
# have upgraded.
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
log=tests/out/apt-get.log
if ! $sudo apt-get update -q >"$log" 2>&1; then
    echo "apt-get update failed: $(tail -n 3 "$log" | tr '\n' ' ')" | tee "$note"
    exit 0
fi

# The installed packages a simulated install of "$@" would change (upgrade,
# downgrade or remove), one a line; "?" if apt can't resolve it at all.
changed_by() {
    local out
    if ! out=$(apt-get -s -q install --no-install-recommends "$@" 2>&1); then
        echo "?"
        return
    fi
    printf '%s\n' "$out" | sed -n -e 's/^Inst \([^ ]*\) \[.*/\1/p' -e 's/^Remv \([^ ]*\).*/\1/p'
}

chosen=()
refused=()
for pkg in "${need[@]}"; do
    # The candidate first (no version given), then every version apt knows, newest first.
    versions=$(apt-cache madison "$pkg" 2>/dev/null | awk -F'|' '{gsub(/ /, "", $2); print $2}' | awk '!seen[$0]++')
    pick=""
    first_change=""
    for spec in "$pkg" $(printf '%s\n' $versions | sed "s/^/$pkg=/"); do
        changes=$(changed_by "${chosen[@]}" "$spec")
        if [ -z "$changes" ]; then
            pick=$spec
            break
        fi
        [ -n "$first_change" ] || first_change=$(echo "$changes" | tr '\n' ' ' | sed 's/ $//')
    done
    if [ -n "$pick" ]; then
        chosen+=("$pick")
    else
        refused+=("$pkg (it would upgrade or remove: ${first_change:-?})")
    fi
done

result=""
if [ ${#chosen[@]} -gt 0 ]; then
    echo "Installing ${chosen[*]} with apt-get"
    if DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -q --no-install-recommends --no-upgrade \
            "${chosen[@]}" >>"$log" 2>&1; then
        result="installed ${chosen[*]}"
    else
        result="apt-get install ${chosen[*]} failed: $(tail -n 3 "$log" | tr '\n' ' ')"
    fi
fi
if [ ${#refused[@]} -gt 0 ]; then
    result="${result:+$result; }not installed, to leave the installed packages as they are: ${refused[*]}"
fi
echo "$result" | tee "$note"
exit 0
