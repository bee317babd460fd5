"""The picture ``ebm evaluate`` draws: AIS weight diagnostics and OOD energy histograms.

Panels (those that apply): the normalised log importance weights ``log w − max log w`` of each
AIS estimate (a long left tail means few chains carry the estimate — see its ESS); the mean
acceptance of the transitions at each inverse temperature β; and histograms of the energy of
held-out data against each OOD set.

Example::

    import tempfile, pathlib, torch
    from ebm_core.evaluation import LogZEstimate
    from ebm_core.evaluation.plots import plot_evaluation

    est = LogZEstimate.from_log_weights(torch.randn(100, dtype=torch.float64) * 0.1, log_z_base=0.0, method="ais")
    path = pathlib.Path(tempfile.mkdtemp()) / "evaluation.png"
    plot_evaluation({"ais": est}, {"held-out": torch.randn(100), "noise": torch.randn(100) + 2}, path)
    assert path.stat().st_size > 0
"""

from __future__ import annotations

from pathlib import Path
from typing import Mapping

import torch

from ..plotting import _pyplot, _save
from .log_z import LogZEstimate


def plot_evaluation(
    estimates: Mapping[str, LogZEstimate], ood_scores: Mapping[str, torch.Tensor], path: str | Path
) -> Path:
    """Draw the panels described above into ``path`` (PNG, written atomically)."""
    weighted = {k: e for k, e in estimates.items() if e.n_chains > 0}
    annealed = {k: e for k, e in weighted.items() if e.acceptance is not None and e.betas is not None and e.betas.numel() > 2}
    n_panels = bool(weighted) + bool(annealed) + bool(ood_scores)
    if n_panels == 0:
        raise ValueError("nothing to plot: no weighted log Z estimate and no OOD scores")
    plt = _pyplot()
    fig, axes = plt.subplots(1, n_panels, figsize=(5.0 * n_panels, 3.8), squeeze=False)
    panels = iter(axes[0])
    if weighted:
        ax = next(panels)
        for name, est in weighted.items():
            log_w = est.log_weights[torch.isfinite(est.log_weights)]
            ax.hist((log_w - log_w.max()).numpy(), bins=40, alpha=0.6,
                    label=f"{name}: ESS {est.ess:.0f} of {est.n_chains}")
        ax.set_xlabel("log w − max log w (normalised log importance weight)")
        ax.set_ylabel("chains")
        ax.set_title("AIS importance weights")
        ax.legend(fontsize=8)
    if annealed:
        ax = next(panels)
        for name, est in annealed.items():
            ax.plot(est.betas.numpy(), est.acceptance.numpy(), ".", markersize=2, label=name)
        ax.set_xlabel("inverse temperature β (0 = base, 1 = model)")
        ax.set_ylabel("mean acceptance probability")
        ax.set_ylim(0.0, 1.05)
        ax.set_title("AIS transitions")
        ax.legend(fontsize=8)
    if ood_scores:
        ax = next(panels)
        values = torch.cat([s.double() for s in ood_scores.values()])
        lo, hi = torch.quantile(values, torch.tensor([0.005, 0.995], dtype=values.dtype)).tolist()
        for name, scores in ood_scores.items():
            ax.hist(scores.double().clamp(lo, hi).numpy(), bins=50, range=(lo, hi), alpha=0.5, density=True,
                    label=f"{name} ({scores.numel()})")
        ax.set_xlabel("energy E(x) (OOD score; clipped to the 0.5–99.5 % range)")
        ax.set_ylabel("density")
        ax.set_title("OOD detection")
        ax.legend(fontsize=8)
    fig.tight_layout()
    return _save(fig, path)
