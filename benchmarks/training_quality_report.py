"""The training-quality report: Markdown tables, the benchmark's targets checked, and figures.

Summaries are mean ± standard error over seeds (SE = sample SD / √n). The targets checked:

* every data set and every seed: ``ebm`` held-out NLL ≤ ``gmm50``'s + 0.05 nats;
* on ``eight_gaussians``, every seed: all eight modes present with weights within ±25 % of 1/8
  (``mode_weight_error_max`` ≤ 0.25);
* same configuration: ``ebm_same_config``'s mean NLL below ``torchebm``'s and ``ebmkit``'s on
  every data set.

Beside that target the report gives the **paired** difference ``ebm_same_config − peer`` per data
set: the same seed gives all three systems the same initial weights and the same batches, so the
per-seed differences are paired; their mean ± SE, and ``z = mean / SE``. With 5 seeds, |z| > 2.78
(Student t, 4 degrees of freedom, two-sided 5 %) is a difference the seeds resolve; below it the
order of the means is within the seed-to-seed noise.
"""

from __future__ import annotations

import math
import re
import statistics
from pathlib import Path
from typing import Any

NLL_MARGIN_OVER_GMM = 0.05
MODE_WEIGHT_TOLERANCE = 0.25


def _mean_se(values: list[float]) -> tuple[float, float]:
    values = [v for v in values if v is not None and math.isfinite(v)]
    if not values:
        return math.nan, math.nan
    se = statistics.stdev(values) / math.sqrt(len(values)) if len(values) > 1 else math.nan
    return statistics.fmean(values), se


def _fmt(mean: float, se: float, digits: int = 3) -> str:
    if math.isnan(mean):
        return "—"
    return f"{mean:.{digits}f}" + ("" if math.isnan(se) else f" ± {se:.{digits}f}")


def _cells(document: dict, dataset: str, system: str) -> list[dict]:
    return [c for c in document["cells"] if c["dataset"] == dataset and c["system"] == system]


def _ok(cells: list[dict]) -> list[dict]:
    return [c for c in cells if c["status"] == "ok"]


def _value(cell: dict, key: str) -> float | None:
    if cell.get("status") != "ok":
        return None
    if key in ("mode_weight_error_max", "modes_present", "mode_coverage_min"):
        return cell.get("modes", {}).get(key)
    if key == "train_s":  # ebm train's own training time where it printed one, else the wall time
        return cell.get("info", {}).get("train_s") or cell.get("wall_s")
    return cell.get(key)


def _summary_table(document: dict, key: str, title: str, digits: int, datasets: list[str]) -> list[str]:
    systems = document["meta"]["systems"]
    lines = [f"**{title}**", "", "| data set | " + " | ".join(systems) + " |", "|---|" + "---|" * len(systems)]
    for dataset in datasets:
        row = []
        for system in systems:
            cells = _cells(document, dataset, system)
            values = [_value(c, key) for c in cells]
            text = _fmt(*_mean_se([v for v in values if v is not None]), digits)
            n_ok = len([v for v in values if v is not None])
            if cells and n_ok < len(cells):
                text += f" ({n_ok}/{len(cells)} seeds)"
            row.append(text)
        lines.append(f"| {dataset} | " + " | ".join(row) + " |")
    return lines + [""]


def _reference_table(document: dict) -> list[str]:
    lines = ["**Yardsticks** (mean over seeds): the true density's held-out NLL where the data set has "
             "one, and the MMD² of fresh data to the held-out set (the MMD²'s noise floor)", "",
             "| data set | true NLL | data MMD² |", "|---|---|---|"]
    for dataset, by_seed in document["references"].items():
        true = [r["true_nll"] for r in by_seed.values() if "true_nll" in r]
        floor = [r["data_mmd2"] for r in by_seed.values()]
        lines.append(f"| {dataset} | {_fmt(*_mean_se(true))} | {_fmt(*_mean_se(floor), 4)} |")
    return lines + [""]


#: A cell is flagged when the quadrature found the density at the box's edge at least this
#: fraction of its peak (then the grid may miss some of the model's mass and the NLL is doubtful).
EDGE_FLAG = 1e-3


def edge_ratio(cell: dict) -> float:
    """The largest edge-to-peak density ratio the quadrature warned about in ``cell`` (0 if none)."""
    ratios = [float(m.group(1)) for w in cell.get("warnings", [])
              for m in [re.search(r"is ([0-9.e+-]+) of its peak", w)] if m]
    return max(ratios, default=0.0)


def _detail_table(document: dict, dataset: str) -> list[str]:
    seeds = document["meta"]["seeds"]
    has_modes = any("modes" in c for c in document["cells"] if c["dataset"] == dataset)
    what = "NLL · max mode-weight error · modes present" if has_modes else "NLL"
    lines = [f"*{dataset}* ({what}; † the density at the edge of the box is ≥ {EDGE_FLAG:g} of its peak: "
             "the NLL may miss mass outside)", "",
             "| system | " + " | ".join(f"seed {s}" for s in seeds) + " |", "|---|" + "---|" * len(seeds)]
    for system in document["meta"]["systems"]:
        entries = []
        for seed in seeds:
            cell = next((c for c in _cells(document, dataset, system) if c["seed"] == seed), None)
            if cell is None or cell["status"] == "missing":
                entries.append("—")
            elif cell["status"] == "error":
                entries.append("error")
            else:
                text = f"{cell['nll']:.3f}" + ("†" if edge_ratio(cell) >= EDGE_FLAG else "")
                if "modes" in cell:
                    m = cell["modes"]
                    text += f" · {m['mode_weight_error_max']:.2f} · {int(m['modes_present'])}/{int(m['modes_total'])}"
                entries.append(text)
        lines.append(f"| {system} | " + " | ".join(entries) + " |")
    return lines + [""]


def _compact(items: list[tuple[str, int]]) -> list[str]:
    """``[(data set, seed), …]`` as ``["data set seeds 0, 1, 2", …]``."""
    by_dataset: dict[str, list[int]] = {}
    for dataset, seed in items:
        by_dataset.setdefault(dataset, []).append(seed)
    return [f"{d} seed{'s' if len(v) > 1 else ''} {', '.join(map(str, v))}" for d, v in by_dataset.items()]


def targets(document: dict) -> dict[str, dict[str, Any]]:
    """Each target of the benchmark: ``holds`` (True, False, or None when nothing was measured), the
    ``failures`` and the cells ``unmeasured`` (missing or failed)."""
    datasets, systems = document["meta"]["datasets"], document["meta"]["systems"]
    out: dict[str, dict[str, Any]] = {}

    def verdict(failures: list[str], unmeasured: list[str], measured: int) -> dict[str, Any]:
        holds = False if failures else (None if not measured else True)
        return {"holds": holds, "failures": failures, "unmeasured": unmeasured}

    if "ebm" in systems and "gmm50" in systems:
        failures, unmeasured, measured = [], [], 0
        for dataset in datasets:
            gmm = {c["seed"]: c for c in _ok(_cells(document, dataset, "gmm50"))}
            for cell in _cells(document, dataset, "ebm"):
                if cell["status"] != "ok" or cell["seed"] not in gmm:
                    unmeasured.append((dataset, cell["seed"]))
                    continue
                measured += 1
                gap = cell["nll"] - gmm[cell["seed"]]["nll"]
                if not gap <= NLL_MARGIN_OVER_GMM:
                    failures.append(f"{dataset} seed {cell['seed']}: ebm {cell['nll']:.3f} vs GMM-50 "
                                    f"{gmm[cell['seed']]['nll']:.3f} ({gap:+.3f})")
        out["ebm NLL ≤ GMM-50 + 0.05 on every data set and seed"] = verdict(failures, _compact(unmeasured), measured)
    if "ebm" in systems and "eight_gaussians" in datasets:
        failures, unmeasured, measured = [], [], 0
        for cell in _cells(document, "eight_gaussians", "ebm"):
            if cell["status"] != "ok":
                unmeasured.append(("eight_gaussians", cell["seed"]))
                continue
            measured += 1
            m = cell["modes"]
            if m["modes_present"] < m["modes_total"] or m["mode_weight_error_max"] > MODE_WEIGHT_TOLERANCE:
                failures.append(f"seed {cell['seed']}: {int(m['modes_present'])}/8 modes present, max weight "
                                f"error {m['mode_weight_error_max']:.2f}")
        out["eight_gaussians: 8/8 modes, weights within ±25 % of 1/8, every seed"] = verdict(
            failures, _compact(unmeasured), measured)
    if {"ebm_same_config", "torchebm", "ebmkit"} <= set(systems):
        failures, unmeasured, measured = [], [], 0
        for dataset in datasets:
            rows = {s: _ok(_cells(document, dataset, s)) for s in ("ebm_same_config", "torchebm", "ebmkit")}
            counts = {s: len(v) for s, v in rows.items()}
            if min(counts.values()) < len(_cells(document, dataset, "ebm_same_config")):
                unmeasured.append(f"{dataset} (seeds done: " + ", ".join(f"{s} {n}" for s, n in counts.items()) + ")")
            if not min(counts.values()):
                continue
            measured += 1
            ours = _mean_se([c["nll"] for c in rows["ebm_same_config"]])[0]
            for peer in ("torchebm", "ebmkit"):
                theirs = _mean_se([c["nll"] for c in rows[peer]])[0]
                if not ours < theirs:
                    failures.append(f"{dataset}: ebm_same_config {ours:.3f} vs {peer} {theirs:.3f}")
        out["same configuration: ebm's mean NLL below TorchEBM's and ebmkit's on every data set"] = verdict(
            failures, unmeasured, measured)
    return out


def paired_differences(document: dict, ours: str = "ebm_same_config",
                       peers: tuple[str, ...] = ("torchebm", "ebmkit")) -> list[dict[str, Any]]:
    """Per data set and peer: the seeds where both trained, and the mean ± SE of the per-seed NLL
    difference ``ours − peer`` (negative: ours lower), ``z = mean / SE`` and whether |z| exceeds
    Student's two-sided 5 % quantile for ``n − 1`` degrees of freedom."""
    from scipy.stats import t as student_t

    rows = []
    for dataset in document["meta"]["datasets"]:
        mine = {c["seed"]: c["nll"] for c in _ok(_cells(document, dataset, ours))}
        for peer in peers:
            theirs = {c["seed"]: c["nll"] for c in _ok(_cells(document, dataset, peer))}
            seeds = sorted(set(mine) & set(theirs))
            if len(seeds) < 2:
                continue
            mean, se = _mean_se([mine[s] - theirs[s] for s in seeds])
            z = mean / se if se > 0 else (0.0 if mean == 0 else math.copysign(math.inf, mean))
            critical = float(student_t.ppf(0.975, len(seeds) - 1))
            rows.append({"dataset": dataset, "peer": peer, "seeds": len(seeds), "mean": mean, "se": se,
                         "z": z, "resolved": abs(z) > critical})
    return rows


def _paired_table(document: dict) -> list[str]:
    rows = paired_differences(document)
    if not rows:
        return []
    lines = ["**Same configuration, paired by seed**: NLL difference `ebm_same_config − peer` (negative: ebm "
             "lower), mean ± SE over the seeds both trained, z = mean / SE; *resolved* when |z| exceeds Student's "
             "two-sided 5 % quantile for the seeds (2.78 for 5)", "",
             "| data set | peer | seeds | difference | z | resolved |", "|---|---|---|---|---|---|"]
    for r in rows:
        lines.append(f"| {r['dataset']} | {r['peer']} | {r['seeds']} | {r['mean']:+.3f} ± {r['se']:.3f} | "
                     f"{r['z']:+.1f} | {'yes' if r['resolved'] else 'no'} |")
    return lines + [""]


def markdown(document: dict) -> str:
    meta = document["meta"]
    datasets = meta["datasets"]
    modal = [d for d in datasets if any("modes" in c for c in document["cells"] if c["dataset"] == d)]
    status = [c["status"] for c in document["cells"]]
    cell_minutes = sum(c.get("wall_s", 0.0) for c in document["cells"]) / 60
    run = ("report written from the cells in the output folder" if meta.get("report_only") else
           f"{meta['jobs']} process(es) at a time, {meta['settings']['threads']} torch thread(s) each; "
           f"load average before {meta['load_before']}, after {meta['load_after']}; {meta['seconds'] / 60:.1f} min")
    lines = [
        "# Training quality", "",
        f"Command: `{meta['command']}`  ", f"Seeds: {', '.join(map(str, meta['seeds']))}; {run}.  ",
        f"Cells: {status.count('ok')} done, {status.count('missing')} missing, {status.count('error')} failed; "
        f"their own times add up to {cell_minutes:.0f} min.", "",
    ]
    lines += _summary_table(document, "nll", "Held-out NLL (nats; lower is better), mean ± SE over seeds", 3, datasets)
    if modal:
        lines += _summary_table(document, "mode_weight_error_max",
                                "Largest relative mode-weight error max_k |ŵ_k/w_k − 1|, mean ± SE", 3, modal)
        lines += _summary_table(document, "modes_present", "Modes present (of 8 or 3), mean ± SE", 2, modal)
    lines += _summary_table(document, "mmd2", "MMD² to the held-out data, mean ± SE", 4, datasets)
    lines += _summary_table(document, "train_s", "Training time per run (s), mean ± SE: `ebm` is the time "
                            "`ebm train` reports (its loop with the periodic evaluations; the whole command "
                            "with its plots is `wall_s` in results.json), the others their fit or training loop",
                            1, datasets)
    lines += _reference_table(document)
    lines += _paired_table(document)
    lines += ["**Targets**", ""]
    for name, result in targets(document).items():
        verdict = {True: "holds", False: "does not hold", None: "not measured"}[result["holds"]]
        if result["holds"] is not None and result["unmeasured"]:
            verdict += " where measured"
        lines.append(f"* {name}: **{verdict}**" + (":" if result["failures"] else ""))
        lines += [f"  * {f}" for f in result["failures"]]
        if result["unmeasured"]:
            lines.append("  * not measured: " + "; ".join(result["unmeasured"]))
    lines += ["", "**Per seed**", ""]
    for dataset in datasets:
        lines += _detail_table(document, dataset)
    lines += ["**Systems**", ""] + [f"* `{s}`: {meta['descriptions'][s]}" for s in meta["systems"]]
    lines += [f"* `{s}`: missing — {why}" for s, why in meta.get("missing_systems", {}).items()]
    lines += ["", "**Where the same-configuration rows depart from the shared configuration**", ""]
    for system, notes in meta["deviations"].items():
        lines += [f"* `{system}`: " + "; ".join(notes)]
    errors = [c for c in document["cells"] if c["status"] == "error"]
    if errors:
        lines += ["", "**Failed cells**", ""] + [
            f"* {c['dataset']} / {c['system']} / seed {c['seed']}: {c['error']}" for c in errors]
    return "\n".join(lines) + "\n"


def write_figures(document: dict, out: str, figure_dir: str, datasets: list[str]) -> list[str]:
    """``quality-<data set>.png`` in ``figure_dir``: learned densities, systems × seeds."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import torch

    from .training_quality import cell_name

    paths = []
    systems, seeds = document["meta"]["systems"], document["meta"]["seeds"]
    for dataset in datasets:
        fig, axes = plt.subplots(len(systems), len(seeds), figsize=(2.0 * len(seeds) + 0.6, 2.0 * len(systems) + 0.6),
                                 squeeze=False)
        for i, system in enumerate(systems):
            for j, seed in enumerate(seeds):
                ax = axes[i][j]
                path = Path(out, "pictures", cell_name(system, dataset, seed) + ".pt")
                cell = next((c for c in _cells(document, dataset, system) if c["seed"] == seed), {})
                if path.exists() and cell.get("status") == "ok":
                    grid = torch.load(path, weights_only=True)
                    x, y = grid["x"].numpy(), grid["y"].numpy()
                    ax.imshow(grid["density"].numpy().T, origin="lower", extent=(x[0], x[-1], y[0], y[-1]),
                              cmap="magma", aspect="auto")
                    ax.set_title(f"{system}, seed {seed}\nNLL {cell['nll']:.3f}", fontsize=8)
                else:
                    ax.text(0.5, 0.5, cell.get("status", "missing"), ha="center", va="center", transform=ax.transAxes)
                    ax.set_title(f"{system}, seed {seed}", fontsize=8)
                ax.tick_params(labelsize=6)
                if j == 0:
                    ax.set_ylabel("x₂", fontsize=8)
                if i == len(systems) - 1:
                    ax.set_xlabel("x₁", fontsize=8)
        fig.suptitle(f"Learned densities exp(−E)/Z on {dataset} (held-out NLL in nats per panel)", fontsize=10)
        fig.tight_layout()
        Path(figure_dir).mkdir(parents=True, exist_ok=True)
        target = Path(figure_dir, f"quality-{dataset}.png")
        fig.savefig(target, dpi=80)
        plt.close(fig)
        paths.append(str(target))
    return paths
