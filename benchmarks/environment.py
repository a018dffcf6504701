"""The benchmark virtualenvs: one per Python, holding every tool measured.

``benchmarks/.venv-X.Y`` gets covcore from this repository (reinstalled
whenever its sources change) and the pinned tools of requirements.txt.
`probe()` asks the venv's interpreter what each tool is, which version, and
whether it can run here; a tool that cannot is reported with the reason.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
REQUIREMENTS = HERE / "requirements.txt"

ALL_TOOLS = (
    "plain",
    "covcore-ctrace", "covcore-sysmon", "covcore-pytrace",
    "coverage-ctrace", "coverage-sysmon",
    "slipcover",
    # The same cores without the hooks of docs/trouble.md (COVCORE_TROUBLE_HOOKS=0),
    # to show what the hooks cost a program that doesn't need them; not run by default.
    "covcore-ctrace-bare", "covcore-sysmon-bare",
)
DEFAULT_TOOLS = tuple(t for t in ALL_TOOLS if not t.endswith("-bare"))


class SetupError(Exception):
    """The benchmark environment could not be built (message for the user)."""


def find_python(spec: Optional[str]) -> str:
    """The interpreter for "3.12" (pyenv's, else python3.12 on PATH), or a path as is."""
    if not spec:
        return sys.executable
    if os.sep in spec or spec.startswith("python"):
        found = shutil.which(spec) if os.sep not in spec else spec
        if found and os.path.exists(found):
            return found
        raise SetupError(f"no Python interpreter at {spec!r}")
    try:
        prefix = subprocess.run(["pyenv", "prefix", spec], capture_output=True, text=True,
                                check=True).stdout.strip()
        candidate = os.path.join(prefix, "bin", "python")
        if os.path.exists(candidate):
            return candidate
    except (OSError, subprocess.CalledProcessError):
        pass
    found = shutil.which(f"python{spec}")
    if found:
        return found
    raise SetupError(f"no Python {spec} found (neither `pyenv prefix {spec}` nor python{spec} on PATH)")


def python_version(python: str) -> str:
    """ "3.12" for an interpreter."""
    return subprocess.run([python, "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
                          capture_output=True, text=True, check=True).stdout.strip()


def covcore_source(cache: Path, ref: str = "HEAD") -> tuple[Path, str]:
    """The covcore sources to install, and a stamp naming them.

    A committed state (``git archive REF``, HEAD by default), so that results
    name a commit and work in progress in the tree is not measured; outside
    a git checkout, or with ref "worktree", the tree as it is.
    """
    if ref != "worktree":
        head = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--verify", ref + "^{commit}"],
                              capture_output=True, text=True)
        if head.returncode != 0 and ref != "HEAD":
            raise SetupError(f"--covcore-ref {ref!r} is not a commit of {REPO}")
        if head.returncode == 0:
            commit = head.stdout.strip()
            dest = cache / f"covcore-{commit[:12]}"
            if not (dest / "setup.py").exists():
                dest.mkdir(parents=True, exist_ok=True)
                archive = subprocess.Popen(["git", "-C", str(REPO), "archive", commit], stdout=subprocess.PIPE)
                subprocess.run(["tar", "-x", "-C", str(dest)], stdin=archive.stdout, check=True)
                archive.wait()
            return dest, commit
    h = hashlib.sha256()
    files = [REPO / "setup.py", REPO / "pyproject.toml"]
    for folder in ("coverage_core", "ctracer"):
        files += sorted(p for p in (REPO / folder).rglob("*")
                        if p.is_file() and p.suffix in (".py", ".c", ".h", ".pyi"))
    for p in files:
        if p.exists():
            h.update(str(p.relative_to(REPO)).encode())
            h.update(p.read_bytes())
    return REPO, "worktree-" + h.hexdigest()[:16]


def _run(cmd: list[str], log: Path) -> None:
    with open(log, "a", encoding="utf-8") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        result = subprocess.run(cmd, stdout=out, stderr=subprocess.STDOUT)
    if result.returncode != 0:
        raise SetupError(f"`{' '.join(cmd)}` failed (exit {result.returncode}); see {log}")


def lock_venv(version: str) -> Any:
    """Hold benchmarks/.venv-<version>.lock for this run (released at exit).

    One run per Python at a time: a second run would reinstall covcore
    under the first one's feet, and the two would time each other.
    """
    import fcntl
    handle = open(HERE / f".venv-{version}.lock", "a+", encoding="utf-8")
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        handle.seek(0)
        raise SetupError(f"another benchmark run is using benchmarks/.venv-{version} "
                         f"(pid {handle.read().strip() or '?'}); wait for it to finish")
    handle.seek(0)
    handle.truncate()
    handle.write(str(os.getpid()))
    handle.flush()
    return handle


def ensure_venv(python: str, version: str, cache: Path, ref: str = "HEAD",
                say: Any = print) -> tuple[str, str]:
    """The interpreter of benchmarks/.venv-<version>, built or updated as needed, and covcore's stamp."""
    venv = HERE / f".venv-{version}"
    vpy = venv / "bin" / "python"
    log = HERE / f".venv-{version}.log"
    req_stamp = hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()[:16]
    marker_req = venv / ".covbench-requirements"
    marker_src = venv / ".covbench-covcore"
    if not vpy.exists():
        say(f"creating {venv.relative_to(REPO)} with {python}")
        _run([python, "-m", "venv", str(venv)], log)
    if not marker_req.exists() or marker_req.read_text() != req_stamp:
        say(f"installing the benchmark tools ({REQUIREMENTS.name}) into {venv.name}")
        _run([str(vpy), "-m", "pip", "install", "-q", "-r", str(REQUIREMENTS)], log)
        marker_req.write_text(req_stamp)
    src, src_stamp = covcore_source(cache, ref)
    if not marker_src.exists() or marker_src.read_text() != src_stamp:
        say(f"installing covcore ({src_stamp}) into {venv.name}")
        _run([str(vpy), "-m", "pip", "install", "-q", "--force-reinstall", "--no-deps", str(src)], log)
        marker_src.write_text(src_stamp)
    return str(vpy), src_stamp


PROBE = r'''
import json, platform, sys
out = {"python": platform.python_version(), "implementation": platform.python_implementation(),
       "executable": sys.executable, "tools": {}}
t = out["tools"]
t["plain"] = {"version": platform.python_version(), "ok": True}
try:
    import covcore, covcore.cores as cores
    avail = cores.available_cores()
    names = list(getattr(cores, "CORE_NAMES", avail))
    for core in ("ctrace", "sysmon", "pytrace"):
        ok = core in avail
        if ok:
            reason = ""
        elif core in names:
            why = getattr(cores, "_unavailable_reason", lambda name: None)(core)
            reason = (f"covcore's {core} core can't run here: {why}" if why else
                      f"covcore's {core} core can't run on this Python or build (available: {', '.join(avail)})")
        else:
            reason = f"covcore {covcore.__version__} has no {core} core (available: {', '.join(avail)})"
        t["covcore-" + core] = {"version": covcore.__version__, "ok": ok, "reason": reason}
        if core != "pytrace":
            t["covcore-" + core + "-bare"] = dict(t["covcore-" + core])
except Exception as exc:
    for core in ("ctrace", "sysmon", "pytrace", "ctrace-bare", "sysmon-bare"):
        t["covcore-" + core] = {"version": None, "ok": False, "reason": f"covcore not importable: {exc}"}
try:
    import coverage
    try:
        import coverage.tracer
        ok, reason = True, ""
    except ImportError as exc:
        ok, reason = False, f"coverage.py's C tracer is not built: {exc}"
    t["coverage-ctrace"] = {"version": coverage.__version__, "ok": ok, "reason": reason}
    from coverage import env
    ok = bool(env.PYBEHAVIOR.pep669)
    entry = {"version": coverage.__version__, "ok": ok,
             "reason": "" if ok else "sys.monitoring needs Python 3.12+"}
    if ok and not env.PYBEHAVIOR.branch_right_left:
        entry["no_branch"] = ("coverage.py can't measure branches with sys.monitoring on this "
                              "Python (it falls back to its C tracer before 3.14)")
    t["coverage-sysmon"] = entry
except Exception as exc:
    for name in ("coverage-ctrace", "coverage-sysmon"):
        t[name] = {"version": None, "ok": False, "reason": f"coverage.py not importable: {exc}"}
try:
    import slipcover, importlib.metadata as md
    t["slipcover"] = {"version": md.version("slipcover"), "ok": True, "reason": ""}
except Exception as exc:
    t["slipcover"] = {"version": None, "ok": False, "reason": f"slipcover not importable: {exc}"}
versions = {}
import importlib.metadata as md
for dist in ("pyperformance", "pytest", "matplotlib"):
    try:
        versions[dist] = md.version(dist)
    except Exception:
        versions[dist] = None
out["other_versions"] = versions
print(json.dumps(out))
'''


@dataclass
class ToolInfo:
    """What the harness knows about one tool on one interpreter."""

    name: str
    version: Optional[str]
    ok: bool
    reason: str = ""
    no_branch: str = ""     # why branch mode can't be measured, if it can't

    def supports(self, branch: bool) -> bool:
        return self.ok and not (branch and self.no_branch)

    def why_not(self, branch: bool) -> str:
        return self.reason if not self.ok else (self.no_branch if branch else "")


def probe(python: str) -> tuple[dict[str, Any], dict[str, ToolInfo]]:
    """Facts about the interpreter and every tool in ALL_TOOLS."""
    out = subprocess.run([python, "-c", PROBE], capture_output=True, text=True)
    if out.returncode != 0:
        raise SetupError(f"probing {python} failed: {out.stderr.strip()}")
    facts = json.loads(out.stdout)
    tools = {}
    for name in ALL_TOOLS:
        t = facts["tools"].get(name, {"version": None, "ok": False, "reason": "unknown tool"})
        tools[name] = ToolInfo(name, t.get("version"), bool(t.get("ok")), t.get("reason", ""),
                               t.get("no_branch", ""))
    return facts, tools


def machine() -> dict[str, Any]:
    """The machine, for the results' header."""
    cpu = ""
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as f:
            for line in f:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    import platform
    return {"cpu": cpu or platform.processor(), "cores": os.cpu_count(),
            "system": f"{platform.system()} {platform.release()}", "machine": platform.machine()}
