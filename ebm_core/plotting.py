"""PNG plots for 2-D energies and training runs (matplotlib, Agg backend, atomic writes).

* :func:`plot_landscape` — the density ``exp(−E)/Z`` of a 2-D energy on a grid, with a
  colorbar and samples on top;
* :func:`plot_data_vs_samples` — data and model samples side by side, on shared axes;
* :func:`plot_curves` — one labelled panel per metric of a metrics log that changes during the
  run (constant ones, like an acceptance rate of 1, are named in a footnote instead).

Axes are labelled ``x₁``, ``x₂`` (the two coordinates of a sample) and ``training step``;
energies and the NLL are in nats (``p ∝ exp(−E)``, so ``E`` is a negative log density).
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from .atomic_files import atomic_path
from .quadrature import grid_density

#: Axis labels of the two coordinates of a 2-D sample.
AXIS_LABELS = ("x₁", "x₂")

#: ``metric key → (panel title, y-axis label)`` for the metrics ``ebm train`` logs, in the order
#: of the panels (what says most about the model first); any other key follows, titled by name.
METRIC_LABELS: dict[str, tuple[str, str]] = {
    "nll": ("held-out negative log-likelihood (exact)", "NLL (nats per point)"),
    "mmd_noise_ratio": ("MMD relative to N(0, I) noise", "MMD ÷ MMD of noise (< 1 beats noise)"),
    "mmd": ("MMD, model samples vs held-out data", "MMD (RBF kernel)"),
    "loss": ("training loss", "loss"),
    "energy_data": ("mean energy of the data batch", "E (nats)"),
    "energy_negatives": ("mean energy of the negative samples", "E (nats)"),
    "acceptance_rate": ("sampler acceptance rate (negatives)", "fraction of proposals accepted"),
    "n_divergent": ("divergent negative chains", "chains per step"),
    "n_reinitialised": ("replay buffer: chains restarted from noise", "chains per step"),
    "eval_n_divergent": ("divergent evaluation chains", "chains"),
}

# The warning grid_density gives when the window cuts off density (see plot_landscape).
_TRUNCATION_WARNING = r".* at the bounds .* widen the bounds"


def _pyplot() -> Any:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt


def _save(fig: Any, path: str | Path) -> Path:
    plt = _pyplot()
    path = Path(path)
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, bbox_inches="tight", format="png")
    plt.close(fig)
    return path


def bounds_around(points: torch.Tensor, margin: float = 0.15) -> tuple[tuple[float, float], tuple[float, float]]:
    """Square-ish plot bounds covering ``points`` (N, 2) with a relative margin."""
    lo, hi = points.min(0).values.double(), points.max(0).values.double()
    pad = (hi - lo).clamp_min(1e-3) * margin
    lo, hi = (lo - pad).tolist(), (hi + pad).tolist()
    return (lo[0], hi[0]), (lo[1], hi[1])


def plot_landscape(
    energy: Any,
    path: str | Path,
    *,
    bounds: tuple[tuple[float, float], tuple[float, float]],
    samples: torch.Tensor | None = None,
    n: int = 200,
    title: str = "",
) -> Path:
    """Heat map of the normalised density of a 2-D ``energy`` with optional ``samples`` (N, 2).

    The colour is ``exp(−E(x))/Z`` with ``Z = ∫ exp(−E)`` over the plotted window (a picture
    needs no more: mass outside the window changes nothing visible, so no truncation warning is
    given; :func:`ebm_core.quadrature.grid_density` gives one where ``Z`` itself matters).

    Example::

        import tempfile, pathlib, ebm_core
        from ebm_core.plotting import plot_landscape
        out = pathlib.Path(tempfile.mkdtemp()) / "landscape.png"
        plot_landscape(ebm_core.energy("double_well"), out, bounds=((-2, 2), (-2, 2)), n=50)
        assert out.stat().st_size > 0
    """
    plt = _pyplot()
    grid = _density_on_window(energy, bounds, n)
    fig, ax = plt.subplots(figsize=(5.6, 5))
    extent = (*bounds[0], *bounds[1])
    image = ax.imshow(grid.density.T.numpy(), origin="lower", extent=extent, aspect="auto", cmap="viridis")
    fig.colorbar(image, ax=ax, label="density exp(−E)/Z")
    if samples is not None:
        pts = samples.detach().double().cpu()
        ax.scatter(pts[:, 0], pts[:, 1], s=2, c="white", alpha=0.5, linewidths=0, label=f"{len(pts)} samples")
        ax.legend(loc="upper right", markerscale=4, framealpha=0.6)
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    ax.set_xlabel(AXIS_LABELS[0])
    ax.set_ylabel(AXIS_LABELS[1])
    ax.set_title(title or "density exp(−E)/Z" + (" with samples" if samples is not None else ""))
    return _save(fig, path)


def _density_on_window(energy: Any, bounds: Any, n: int) -> Any:
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=_TRUNCATION_WARNING, category=RuntimeWarning)
        return grid_density(energy, bounds, n)


def plot_data_vs_samples(data: torch.Tensor, samples: torch.Tensor, path: str | Path, *, title: str = "") -> Path:
    """Scatter plots of ``data`` and model ``samples`` (both (N, 2)) on the same axes limits."""
    plt = _pyplot()
    both = torch.cat([data.detach().double().cpu(), samples.detach().double().cpu()])
    finite = both[torch.isfinite(both).all(1)]
    (x0, x1), (y0, y1) = bounds_around(finite)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.5), sharex=True, sharey=True)
    for ax, pts, name in zip(axes, (data, samples), ("held-out data", "model samples")):
        pts = pts.detach().double().cpu()
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5, linewidths=0)
        ax.set_title(f"{name} ({len(pts)} points)")
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
        ax.set_xlabel(AXIS_LABELS[0])
    axes[0].set_ylabel(AXIS_LABELS[1])
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_curves(records: Sequence[Mapping[str, Any]], path: str | Path, *, keys: Sequence[str] | None = None) -> Path:
    """One panel per metric that changes (``training step`` on x) from metrics-log ``records``.

    ``keys`` picks the metrics (default: every numeric one). A metric with one value throughout
    (an acceptance rate of exactly 1, no divergences, a metric evaluated once) gets no panel,
    only a footnote. Long, noisy series (125 points or more) get a running mean over 4 % of the
    points drawn over the raw values.

    Example::

        import tempfile, pathlib
        from ebm_core.plotting import plot_curves
        out = pathlib.Path(tempfile.mkdtemp()) / "curves.png"
        records = [{"step": s, "loss": 1 / s, "acceptance_rate": 1.0} for s in range(1, 20)]
        plot_curves(records, out)    # one panel (loss); "acceptance_rate = 1" in the footnote
    """
    plt = _pyplot()
    wanted = list(keys or _metric_keys(records))
    if not wanted:
        raise ValueError("no numeric metrics to plot: records need 'step' and at least one number")
    series = {key: _series(records, key) for key in wanted}
    constant = {key: pts[0][1] for key, pts in series.items() if pts and _is_constant(pts)}
    shown = [key for key in wanted if series[key] and key not in constant]
    if not shown:  # nothing changes: show the constants rather than nothing
        shown, constant = [key for key in wanted if series[key]], {}
    if not shown:
        raise ValueError(f"none of the metrics {wanted} is in the records")
    cols = min(3, len(shown))
    rows = math.ceil(len(shown) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4.3 * cols, 3.2 * rows), squeeze=False)
    for ax, key in zip(axes.flat, shown):
        steps, values = zip(*series[key])
        title, ylabel = METRIC_LABELS.get(key, (key, key))
        window = len(values) // 25
        if window >= 5:
            ax.plot(steps, values, lw=0.6, alpha=0.35, color="C0", label="logged")
            ax.plot(steps, _running_mean(values, window), lw=1.4, color="C0",
                    label=f"running mean of {window}")
            ax.legend(fontsize="small")
        else:
            ax.plot(steps, values, lw=1.2, marker="o" if len(values) <= 20 else None, ms=3)
        ax.set_title(title, fontsize="medium")
        ax.set_xlabel("training step")
        ax.set_ylabel(ylabel)
    for ax in list(axes.flat)[len(shown):]:
        ax.axis("off")
    fig.tight_layout()
    if constant:
        fig.text(0.01, -0.01, f"one value throughout the run (no panel): {_describe(constant)}",
                 ha="left", va="top", fontsize="small")
    return _save(fig, path)


def _series(records: Sequence[Mapping[str, Any]], key: str) -> list[tuple[float, float]]:
    return [
        (r["step"], float(r[key])) for r in records
        if isinstance(r.get(key), (int, float)) and not isinstance(r.get(key), bool)
    ]


def _is_constant(points: list[tuple[float, float]]) -> bool:
    values = [v for _, v in points if math.isfinite(v)]
    return len(values) == len(points) and max(values) == min(values)


def _describe(constant: Mapping[str, float]) -> str:
    return ", ".join(f"{key} = {value:.4g}" for key, value in constant.items())


def _running_mean(values: Sequence[float], window: int) -> list[float]:
    """Mean of the finite values among the last ``window`` at each point (NaN if none)."""
    out = []
    for i in range(len(values)):
        recent = [v for v in values[max(0, i + 1 - window): i + 1] if math.isfinite(v)]
        out.append(sum(recent) / len(recent) if recent else math.nan)
    return out


def _metric_keys(records: Sequence[Mapping[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                keys[key] = None
    order = {key: i for i, key in enumerate(METRIC_LABELS)}
    return sorted(keys, key=lambda key: order.get(key, len(order)))
