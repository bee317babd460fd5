"""PNG plots for 2-D energies and training runs (matplotlib, Agg backend, atomic writes).

* :func:`plot_landscape` — the density ``exp(−E)/Z`` of a 2-D energy on a grid, with samples on top;
* :func:`plot_data_vs_samples` — data and model samples side by side, on shared axes;
* :func:`plot_curves` — loss and metric curves from a metrics log.

matplotlib is an optional dependency (``pip install ebm-core[plot]``); a clear error says so.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import torch

from .atomic_files import atomic_path
from .quadrature import grid_density


def _pyplot() -> Any:
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError as exc:  # pragma: no cover - depends on the environment
        raise ImportError("plots need matplotlib: pip install 'ebm-core[plot]'") from exc
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

    Example::

        import tempfile, pathlib, ebm_core
        from ebm_core.plotting import plot_landscape
        out = pathlib.Path(tempfile.mkdtemp()) / "landscape.png"
        plot_landscape(ebm_core.energy("double_well"), out, bounds=((-2, 2), (-2, 2)), n=50)
        assert out.stat().st_size > 0
    """
    plt = _pyplot()
    grid = grid_density(energy, bounds, n)
    fig, ax = plt.subplots(figsize=(5, 5))
    extent = (*bounds[0], *bounds[1])
    ax.imshow(grid.density.T.numpy(), origin="lower", extent=extent, aspect="auto", cmap="viridis")
    if samples is not None:
        pts = samples.detach().double().cpu()
        ax.scatter(pts[:, 0], pts[:, 1], s=2, c="white", alpha=0.5, linewidths=0)
    ax.set_xlim(*bounds[0])
    ax.set_ylim(*bounds[1])
    ax.set_title(title or "density exp(−E)/Z" + (" with samples" if samples is not None else ""))
    return _save(fig, path)


def plot_data_vs_samples(data: torch.Tensor, samples: torch.Tensor, path: str | Path, *, title: str = "") -> Path:
    """Scatter plots of ``data`` and model ``samples`` (both (N, 2)) on the same axes limits."""
    plt = _pyplot()
    both = torch.cat([data.detach().double().cpu(), samples.detach().double().cpu()])
    finite = both[torch.isfinite(both).all(1)]
    (x0, x1), (y0, y1) = bounds_around(finite)
    fig, axes = plt.subplots(1, 2, figsize=(9, 4.5), sharex=True, sharey=True)
    for ax, pts, name in zip(axes, (data, samples), ("data", "model samples")):
        pts = pts.detach().double().cpu()
        ax.scatter(pts[:, 0], pts[:, 1], s=2, alpha=0.5, linewidths=0)
        ax.set_title(name)
        ax.set_xlim(x0, x1)
        ax.set_ylim(y0, y1)
    if title:
        fig.suptitle(title)
    return _save(fig, path)


def plot_curves(records: Sequence[Mapping[str, Any]], path: str | Path, *, keys: Sequence[str] | None = None) -> Path:
    """One panel per metric (``step`` on x) from metrics-log ``records``."""
    plt = _pyplot()
    numeric = list(keys or _metric_keys(records))
    if not numeric:
        raise ValueError("no numeric metrics to plot: records need 'step' and at least one number")
    cols = min(3, len(numeric))
    rows = math.ceil(len(numeric) / cols)
    fig, axes = plt.subplots(rows, cols, figsize=(4 * cols, 3 * rows), squeeze=False)
    for ax, key in zip(axes.flat, numeric):
        pts = [(r["step"], r[key]) for r in records if isinstance(r.get(key), (int, float))]
        ax.plot([p[0] for p in pts], [p[1] for p in pts], lw=1)
        ax.set_title(key)
        ax.set_xlabel("step")
    for ax in list(axes.flat)[len(numeric):]:
        ax.axis("off")
    fig.tight_layout()
    return _save(fig, path)


def _metric_keys(records: Sequence[Mapping[str, Any]]) -> list[str]:
    keys: dict[str, None] = {}
    for record in records:
        for key, value in record.items():
            if key != "step" and isinstance(value, (int, float)) and not isinstance(value, bool):
                keys[key] = None
    return list(keys)
