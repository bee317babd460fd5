"""The PNG plots: scaling of ebm's two paths, memory vs chains, and ratios to the best peer.

* ``scaling_chains.png`` — chain-steps/s vs number of chains (W1's target), log–log;
* ``scaling_dim.png`` — chain-steps/s vs dimension (ULA on N(0, I_d), 1,000 chains);
* ``memory_chains.png`` — peak RSS of the worker while each chains point ran;
* ``scaling_w4_chains.png`` — W4 (ULA on the MLP) chain-steps/s vs chains, every system;
* ``ratios.png`` — each ebm path's speed ratio per workload and target condition (the best peer,
  or the peer a condition names), with the targets.

matplotlib (the ``plot`` extra) is needed; without it no plot is written and the report says so.
"""

from __future__ import annotations

import os
from typing import Any

from .report import OURS, TARGETS

STYLE = {
    "ebm-fused": ("tab:red", "o"), "ebm-torch": ("tab:blue", "s"),
    "torchebm": ("tab:green", "^"), "ebmkit": ("tab:purple", "v"), "blackjax": ("tab:orange", "D"),
}


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str) -> None:
    """Write the PNG to a temporary name and rename it over ``path`` (no half-written plot)."""
    from ebm_core.atomic_files import atomic_path  # imports torch: plots come after the run

    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def _conditions(key: str) -> tuple[tuple[str, float | None], ...]:
    """The conditions of ``key``'s target, one bar group each — or (("best", None),) without one."""
    return TARGETS.get(key, (("best", None),))


def _series(scaling: dict, variable: str, key: str, field: str) -> dict[str, tuple[list, list]]:
    series = {}
    for name, data in scaling.items():
        if data.get("status") != "ok":
            continue
        rows = [r for r in data.get(variable, []) if r.get("status") == "ok" and r.get(field) is not None]
        if rows:
            series[name] = ([r[key] for r in rows], [r[field] for r in rows])
    return series


def _line_plot(series: dict, path: str, xlabel: str, ylabel: str, title: str, logy: bool = True) -> None:
    plt = _pyplot()
    fig, ax = plt.subplots(figsize=(6, 4))
    for name, (xs, ys) in series.items():
        color, marker = STYLE.get(name, (None, "^"))
        ax.plot(xs, ys, marker=marker, color=color, label=name)
    ax.set_xscale("log")
    if logy:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel(ylabel)
    ax.set_title(title)
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def ratio_bars(report: dict) -> list[tuple[str, str, float | None, dict[str, float | None]]]:
    """What the ratio plot draws: ``(workload, against, target minimum, {ebm path: ratio})`` per
    workload and target condition — training has two (against TorchEBM and against BlackJAX)."""
    bars = []
    for key in report["workload_order"]:
        if key not in report["ratios"]:
            continue
        for against, minimum in _conditions(key):
            ratios = {}
            for name in OURS:
                mine = report["ratios"][key].get(name, {})
                ratios[name] = mine.get("vs_best") if against == "best" else mine.get("vs_peer", {}).get(against)
            bars.append((key, against, minimum, ratios))
    return bars


def _ratio_plot(report: dict, path: str) -> None:
    plt = _pyplot()
    groups = ratio_bars(report)
    fig, ax = plt.subplots(figsize=(max(7, 1.15 * len(groups)), 4))
    width = 0.38
    plotted: list[float] = []
    for i, name in enumerate(OURS):
        values = [ratios[name] or 0.0 for _, _, _, ratios in groups]
        plotted += values
        xs = [j + (i - 0.5) * width for j in range(len(groups))]
        ax.bar(xs, values, width, label=name, color=STYLE[name][0])
    for j, (_, _, minimum, _) in enumerate(groups):
        if minimum is not None:
            ax.hlines(minimum, j - 0.45, j + 0.45, colors="black", linestyles="dashed")
    ax.axhline(1.0, color="grey", linewidth=0.8)
    ax.set_yscale("log")
    shown = [v for v in plotted if v > 0] + [m for _, _, m, _ in groups if m is not None] + [1.0]
    ax.set_ylim(min(shown) / 2, max(shown) * 3)
    ax.set_xticks(range(len(groups)), [f"{k}\nvs {against}" for k, against, _, _ in groups])
    ax.set_ylabel("speed ratio (× faster); dashed: target")
    ax.set_title("ebm vs the best peer (same run)")
    ax.legend(loc="upper left", ncols=2)
    fig.tight_layout()
    _save(fig, path)
    plt.close(fig)


def write_plots(report: dict, out_dir: str) -> list[str]:
    """Write the PNGs into ``out_dir``; returns their file names (empty without matplotlib)."""
    try:
        _pyplot()
    except ImportError:
        return []
    written = []
    scaling = report.get("scaling", {})
    chains = _series(scaling, "chains", "chains", "throughput")
    if chains:
        _line_plot(chains, os.path.join(out_dir, "scaling_chains.png"), "chains",
                   "chain-steps / s", "ULA, double well 2-D: throughput vs chains")
        written.append("scaling_chains.png")
    dims = _series(scaling, "dims", "dim", "throughput")
    if dims:
        _line_plot(dims, os.path.join(out_dir, "scaling_dim.png"), "dimension",
                   "chain-steps / s", "ULA, N(0, I_d), 1,000 chains: throughput vs dimension")
        written.append("scaling_dim.png")
    memory = _series(scaling, "chains", "chains", "peak_rss_mb")
    if memory:
        _line_plot(memory, os.path.join(out_dir, "memory_chains.png"), "chains",
                   "peak RSS of the worker (MiB)", "Memory vs chains (W1's target)", logy=False)
        written.append("memory_chains.png")
    mlp = _series(scaling, "mlp_chains", "chains", "throughput")
    if mlp:
        _line_plot(mlp, os.path.join(out_dir, "scaling_w4_chains.png"), "chains",
                   "chain-steps / s", "W4: ULA on the MLP 2-128-128-1, throughput vs chains")
        written.append("scaling_w4_chains.png")
    if report.get("ratios"):
        _ratio_plot(report, os.path.join(out_dir, "ratios.png"))
        written.append("ratios.png")
    return written
