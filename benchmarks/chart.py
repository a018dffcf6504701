"""Draw the results as a PNG: per workload, one bar per tool, log scale; line and branch mode.

Runs in the benchmark venv (which has matplotlib):
``python chart.py results.json chart.png``.
"""

from __future__ import annotations

import json
import sys

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402

COLORS = {
    "covcore-ctrace": "#1f77b4", "covcore-sysmon": "#17becf", "covcore-pytrace": "#aec7e8",
    "coverage-ctrace": "#d62728", "coverage-sysmon": "#ff9896", "slipcover": "#2ca02c",
    "covcore-ctrace-bare": "#9467bd", "covcore-sysmon-bare": "#c5b0d5",
}


def main(src: str, dest: str) -> None:
    with open(src, encoding="utf-8") as f:
        results = json.load(f)
    meta, summary, data = results["meta"], results["summary"], results["workloads"]
    workloads = list(data) + ["GEOMEAN"]
    modes = [m for m in ("line", "branch") if any(not s["branch"] if m == "line" else s["branch"]
                                                 for s in summary.values())]
    fig, axes = plt.subplots(1, len(modes), figsize=(7 * len(modes), 0.42 * len(workloads) + 2.8),
                             sharey=True, squeeze=False)
    axes[0][0].invert_yaxis()      # once: the axes share y, a second call would undo it
    for ax, mode in zip(axes[0], modes):
        tools = [s["tool"] for c, s in summary.items()
                 if c.endswith("/" + mode) and s["ok"] and s["geomean"]]
        height = 0.8 / max(1, len(tools))
        for k, tool in enumerate(tools):
            cfg = f"{tool}/{mode}"
            values = []
            for w in workloads:
                if w == "GEOMEAN":
                    values.append(summary[cfg]["geomean"] or 0)
                else:
                    r = data[w]["runs"].get(cfg) or {}
                    values.append(r.get("ratio") or 0)
            # top to bottom: the workloads in order, the tools in order within each
            ys = [i + (k - (len(tools) - 1) / 2) * height for i in range(len(workloads))]
            ax.barh(ys, values, height=height, label=tool, color=COLORS.get(tool))
        ax.set_xscale("log")
        ax.axvline(1.0, color="black", linewidth=0.8)
        ax.set_yticks(range(len(workloads)))
        ax.set_yticklabels(workloads)
        ax.set_title(f"{mode} mode")
        ax.set_xlabel("CPU time covered / plain (log scale)")
        ax.grid(axis="x", which="both", alpha=0.3)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.045), ncol=3, fontsize="small")
        missing = [s["tool"] for c, s in summary.items() if c.endswith("/" + mode) and not s["ok"]]
        if missing:
            ax.text(0.99, 1.0, "missing: " + ", ".join(missing), transform=ax.transAxes,
                    ha="right", va="bottom", fontsize="x-small")
    fig.suptitle(f"Coverage overhead, Python {meta['python']} ({meta['date']}, "
                 f"median of {meta['reps']})")
    fig.tight_layout()
    fig.savefig(dest, dpi=80)


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
