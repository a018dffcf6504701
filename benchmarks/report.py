"""From raw runs to the numbers quoted: ratios, geometric means, tables."""

from __future__ import annotations

import math
from typing import Any, Optional


def _median(values: list[float]) -> float:
    s = sorted(values)
    n = len(s)
    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2


def geomean(values: list[float]) -> Optional[float]:
    values = [v for v in values if v and v > 0]
    if not values:
        return None
    return math.exp(sum(math.log(v) for v in values) / len(values))


def summarize(meta: dict[str, Any], status: dict[str, Any], data: dict[str, Any],
              micro: Optional[dict[str, Any]]) -> dict[str, Any]:
    """Per workload and tool: median ratios of CPU time, wall time and peak RSS to plain."""
    per_config: dict[str, Any] = {}
    for wname, entry in data.items():
        plain = entry["plain"]
        entry["plain_median"] = {k: _median([r[k] for r in plain]) for k in ("cpu", "wall", "rss_kb")} if plain else {}
        for cfg, runs in entry["runs"].items():
            samples = runs.get("samples", [])
            if runs.get("error") or not samples or len(plain) < 1:
                runs["ratio"] = None
                continue
            # Pair each run with the plain run of its own repetition.
            by_rep = {r.get("rep", i): r for i, r in enumerate(plain)}
            cpu = [s["cpu"] / by_rep[s["rep"]]["cpu"] for s in samples if s["rep"] in by_rep]
            wall = [s["wall"] / by_rep[s["rep"]]["wall"] for s in samples if s["rep"] in by_rep]
            rss = [s["rss_kb"] / by_rep[s["rep"]]["rss_kb"] for s in samples if s["rep"] in by_rep]
            runs["ratio"] = _median(cpu)
            runs["ratio_spread"] = [min(cpu), max(cpu)]
            runs["wall_ratio"] = _median(wall)
            runs["rss_ratio"] = _median(rss)
            runs["save_ms"] = _median([s["save"] * 1000 for s in samples])
            if all("minflt" in s for s in samples) and all("minflt" in r for r in plain):
                runs["faults_added"] = _median([s["minflt"] - by_rep[s["rep"]]["minflt"]
                                                for s in samples if s["rep"] in by_rep])
    for cfg, st in status.items():
        if st["tool"] == "plain":
            continue
        ratios, walls, rss, saves, missing = [], [], [], [], []
        for wname, entry in data.items():
            r = entry["runs"].get(cfg)
            if r and r.get("ratio"):
                ratios.append(r["ratio"])
                walls.append(r["wall_ratio"])
                rss.append(r["rss_ratio"])
                saves.append(r["save_ms"])
            else:
                missing.append(wname)
        per_config[cfg] = dict(st, geomean=geomean(ratios), wall_geomean=geomean(walls),
                               rss_geomean=geomean(rss), save_ms_median=_median(saves) if saves else None,
                               workloads_measured=len(ratios),
                               workloads_failed=[w for w in missing if st["ok"]])
    return {"meta": meta, "summary": per_config, "workloads": data, "micro": micro}


def _x(v: Optional[float]) -> str:
    return "—" if v is None else f"{v:.2f}x"


def _tools_in(results: dict[str, Any]) -> list[str]:
    seen: list[str] = []
    for st in results["summary"].values():
        if st["tool"] not in seen:
            seen.append(st["tool"])
    return seen


def markdown(results: dict[str, Any]) -> str:
    """The tables: summary per tool and mode, then per workload in each mode."""
    meta, summary, data = results["meta"], results["summary"], results["workloads"]
    m = meta["machine"]
    lines = [
        f"### Python {meta['python']}: overhead of measuring coverage (covered / plain)",
        "",
        f"{meta['date']}; {m['cpu']}, {m['cores']} cores, {m['system']}; "
        f"{meta['reps']} repetitions{' (quick)' if meta['quick'] else ''}. "
        f"Versions: " + ", ".join(f"{k} {v}" for k, v in sorted(
            {v_k.split('-')[0]: v for v_k, v in meta['versions'].items() if v}.items())) + ".",
        f"Ratio: {meta['measure']}.",
        "",
        "| tool | mode | geomean time | geomean wall | peak RSS | data-file write | workloads |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for cfg, s in summary.items():
        mode = "branch" if s["branch"] else "line"
        if not s["ok"]:
            lines.append(f"| {s['tool']} | {mode} | missing | | | | {s['reason']} |")
            continue
        save = "—" if s["save_ms_median"] is None else f"{s['save_ms_median']:.1f} ms"
        failed = f" ({len(s['workloads_failed'])} failed)" if s["workloads_failed"] else ""
        lines.append(f"| {s['tool']} | {mode} | **{_x(s['geomean'])}** | {_x(s['wall_geomean'])} | "
                     f"{_x(s['rss_geomean'])} | {save} | {s['workloads_measured']}{failed} |")
    tools = _tools_in(results)
    for branch in (False, True):
        cols = [t for t in tools if f"{t}/{'branch' if branch else 'line'}" in summary]
        if not cols:
            continue
        mode = "branch" if branch else "line"
        lines += ["", f"#### {mode} mode, per workload (CPU time ratio; plain time in seconds)", "",
                  "| workload | plain s | " + " | ".join(cols) + " |",
                  "|---|---:|" + "---:|" * len(cols)]
        for wname, entry in data.items():
            cells = []
            for t in cols:
                cfg = f"{t}/{mode}"
                s = summary[cfg]
                r = entry["runs"].get(cfg)
                if not s["ok"]:
                    cells.append("missing")
                elif r is None:
                    cells.append("—")
                elif r.get("error"):
                    cells.append("failed")
                else:
                    cells.append(_x(r.get("ratio")))
            plain = entry.get("plain_median", {}).get("cpu")
            lines.append(f"| {wname} | {plain:.2f} | " + " | ".join(cells) + " |" if plain else
                         f"| {wname} | — | " + " | ".join(cells) + " |")
        lines.append("| **geomean** | | " + " | ".join(
            f"**{_x(summary[f'{t}/{mode}']['geomean'])}**" if summary[f"{t}/{mode}"]["ok"] else "missing"
            for t in cols) + " |")
    failures = [(w, c, r["error"]) for w, e in data.items() for c, r in e["runs"].items() if r.get("error")]
    if failures:
        lines += ["", "Failed runs:"] + [f"- {w} {c}: {err}" for w, c, err in failures]
    missing = [(c, s["reason"]) for c, s in summary.items() if not s["ok"]]
    if missing:
        lines += ["", "Missing tools:"] + [f"- {c}: {why}" for c, why in missing]
    micro = results.get("micro")
    if micro:
        lines += ["", micro_markdown(micro)]
    return "\n".join(lines) + "\n"


def _ns(value: float) -> str:
    # A core that stops the events it no longer needs (sys.monitoring's
    # DISABLE) costs nothing measurable: the difference is timing noise.
    return "≈0" if value < 2 else f"{value:.1f}"


def micro_markdown(micro: dict[str, Any]) -> str:
    """The microbenchmarks' table."""
    lines = ["#### Microbenchmarks (median of repeated timings, in-process; ≈0: the core "
             "turns those events off once it has recorded them)", "",
             "| core | ns per line event | ns per arc event (branch) | ns per call of an unmeasured file (decision cache hit) |",
             "|---|---:|---:|---:|"]
    for core, r in micro.get("cores", {}).items():
        if r.get("error"):
            lines.append(f"| {core} | {r['error']} | | |")
            continue
        lines.append(f"| {core} | {_ns(r['line_ns'])} | {_ns(r['arc_ns'])} | {_ns(r['cache_hit_ns'])} |")
    saves = micro.get("save", {})
    if saves:
        lines += ["", "| data store | write 100,000 lines | write 100,000 arcs |", "|---|---:|---:|"]
        for name, r in saves.items():
            lines.append(f"| {name} | {r['lines_ms']:.1f} ms | {r['arcs_ms']:.1f} ms |")
    return "\n".join(lines)


def callgrind_markdown(results: dict[str, Any]) -> str:
    """Instruction counts under callgrind, as ratios to plain."""
    meta, cg = results["meta"], results["callgrind"]
    configs: list[str] = []
    for entry in cg.values():
        for cfg in entry["configs"]:
            if cfg not in configs:
                configs.append(cfg)
    lines = [f"### Python {meta['python']}: instructions executed (callgrind), covered / plain", "",
             f"{meta['date']}; {'quick' if meta.get('quick', True) else 'full'}-size workloads, "
             "one run each (instruction counts hardly vary).", "",
             "| workload | plain Ir | " + " | ".join(configs) + " |", "|---|---:|" + "---:|" * len(configs)]
    ratios: dict[str, list[float]] = {c: [] for c in configs}
    for wname, entry in cg.items():
        plain = entry["plain"]
        cells = []
        for c in configs:
            r = entry["configs"].get(c)
            if not r or r.get("error") or not plain:
                cells.append("failed" if r else "—")
                continue
            ratio = r["ir"] / plain
            ratios[c].append(ratio)
            cells.append(f"{ratio:.2f}x")
        lines.append(f"| {wname} | {plain / 1e6:.0f} M | " + " | ".join(cells) + " |")
    lines.append("| **geomean** | | " + " | ".join(f"**{_x(geomean(ratios[c]))}**" for c in configs) + " |")
    missing = [(c, s["reason"]) for c, s in results["status"].items() if not s["ok"]]
    if missing:
        lines += ["", "Missing tools:"] + [f"- {c}: {why}" for c, why in missing]
    return "\n".join(lines) + "\n"


README_START = "<!-- bench:start: generated by `python -m benchmarks --readme` from benchmarks/results/ -->"
README_END = "<!-- bench:end -->"
#: What the runs in results/X.Y/<folder>/ are for, by folder.
LATER_RUNS = {
    "sysmon": "A later run: the sys.monitoring core after its branch-mode flow model",
    "hooks": "The cores with and without the hooks of docs/trouble.md (`make bench-hooks`)",
    "repeat": "A repeat on later code, the fastest core next to coverage.py's and SlipCover",
    "repeat9": "The same code again, with 9 repetitions",
    "repeat-faults": "The same package again, the harness now counting the page faults each tool adds",
}


def readme_section(all_results: dict[str, dict[str, Any]],
                   later: Optional[dict[str, dict[str, Any]]] = None) -> str:
    """The README's Performance section, from the committed full results of each Python.

    `later`: runs of a few tools made after the full ones ("3.12/sysmon":
    results), each shown in a table of its own with its date and commit.
    """
    versions = sorted(all_results, key=lambda v: tuple(int(x) for x in v.split(".")))
    if not versions:
        return ""
    first = all_results[versions[-1]]
    meta = first["meta"]
    m = meta["machine"]
    n_work = len(first["workloads"])
    tools: list[str] = []
    for v in versions:
        for st in all_results[v]["summary"].values():
            if st["tool"] not in tools:
                tools.append(st["tool"])
    head = "| tool | " + " | ".join(f"{v} line | {v} branch" for v in versions) + " |"
    lines = [
        README_START,
        "",
        "covcore's cost next to coverage.py and SlipCover: CPU time of the whole process measured "
        f"/ not measured, geometric mean over {n_work} workloads (16 pyperformance benchmarks, the "
        "pyflakes and toolz test suites under pytest, 32 threads at once, importing 600 small "
        f"modules), each ratio the median of {meta['reps']} interleaved runs. 1.00x would be free; "
        "lower is better.",
        "",
        head,
        "|---|" + "---:|" * (2 * len(versions)),
    ]
    for tool in tools:
        cells = []
        for v in versions:
            for mode in ("line", "branch"):
                s = all_results[v]["summary"].get(f"{tool}/{mode}")
                if s is None:
                    cells.append("")
                elif not s["ok"]:
                    cells.append("n/a")
                else:
                    cells.append(_x(s["geomean"]))
        lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    lines.append("")
    lines.append("n/a: the tool can't run in that mode on that Python (covcore's and coverage.py's "
                 "sys.monitoring cores need 3.12; coverage.py 7.18 measures branches with "
                 "sys.monitoring only from 3.14).")
    micro_rows = []
    for v in versions:
        micro = all_results[v].get("micro") or {}
        for core, r in micro.get("cores", {}).items():
            if not r.get("error"):
                micro_rows.append(f"| {v} | {core} | {_ns(r['line_ns'])} | {_ns(r['arc_ns'])} | "
                                  f"{_ns(r['cache_hit_ns'])} |")
    if micro_rows:
        lines += ["", "Hot paths (ns per event, in-process microbenchmarks):", "",
                  "| Python | core | per line | per arc (branch) | per call into an unmeasured file |",
                  "|---|---|---:|---:|---:|", *micro_rows]
    order = list(LATER_RUNS)
    for name, res in sorted((later or {}).items(),
                            key=lambda kv: (order.index(kv[0].split("/")[-1])
                                            if kv[0].split("/")[-1] in order else len(order), kv[0])):
        lmeta = res["meta"]
        ltools: list[str] = []
        for st in res["summary"].values():
            if st["tool"] not in ltools:
                ltools.append(st["tool"])
        what = LATER_RUNS.get(name.split("/")[-1], "A later run of a few tools")
        lines += [
            "",
            f"{what}: Python {lmeta['python']}, {lmeta['date']}, covcore "
            f"{lmeta.get('covcore_source', '')[:12]}, {lmeta['reps']} interleaved runs "
            f"([{name}](benchmarks/results/{name}/results.md)):",
            "",
            "| tool | line | branch |",
            "|---|---:|---:|",
        ]
        for tool in ltools:
            cells = []
            for mode in ("line", "branch"):
                s = res["summary"].get(f"{tool}/{mode}")
                cells.append("" if s is None else "n/a" if not s["ok"] else _x(s["geomean"]))
            lines.append(f"| {tool} | " + " | ".join(cells) + " |")
    lines += [""]
    for v in versions:
        lines.append(f"![Coverage overhead per workload, Python {v}](benchmarks/results/{v}/chart.png)")
        lines.append("")
    vers = meta["versions"]
    lines += [
        f"Measured {meta['date']} on {m['cpu']} ({m['cores']} cores, {m['system']}), a shared machine; "
        f"Python " + ", ".join(all_results[v]["meta"]["python"] for v in versions) + "; "
        f"covcore {vers.get('covcore-ctrace')} ({meta.get('covcore_source', '')[:12]}), "
        f"coverage.py {vers.get('coverage-ctrace')}, SlipCover {vers.get('slipcover')}, "
        f"pyperformance {meta['other_versions'].get('pyperformance')}. "
        "Per-workload tables, peak memory and data-file write times: "
        + ", ".join(f"[{v}](benchmarks/results/{v}/results.md)" for v in versions)
        + "; what they say, and why: [analysis](benchmarks/results/analysis.md).",
        "Run it yourself with `make bench` (all workloads, the Python of `make`), "
        "`make bench BENCH_ARGS=--quick` (about 2 minutes on an idle machine), or "
        "`python -m benchmarks --python 3.12 --tools plain,covcore-ctrace,coverage-ctrace --branch both`; "
        "`--callgrind` counts instructions instead of timing.",
        "",
        README_END,
    ]
    return "\n".join(lines)


def update_readme(readme: str, section: str) -> str:
    """README text with its Performance section replaced (or added before Documentation)."""
    if README_START in readme and README_END in readme:
        before = readme[:readme.index(README_START)]
        after = readme[readme.index(README_END) + len(README_END):]
        return before + section + after
    marker = "## Documentation"
    block = "## Performance\n\n" + section + "\n\n"
    if marker in readme:
        i = readme.index(marker)
        return readme[:i] + block + readme[i:]
    return readme.rstrip("\n") + "\n\n" + block
