"""Out-of-distribution detection metrics: AUROC, AUPR and FPR at 95 % TPR.

A score ranks points from in-distribution (low) to out-of-distribution (high) — for an EBM,
the energy ``E(x)`` itself. With OOD as the positive class:

* **AUROC** ``= P(s_out > s_in) + ½ P(s_out = s_in)``, the Mann–Whitney U statistic over
  ``n_in · n_out`` (computed by :func:`scipy.stats.mannwhitneyu`); 0.5 is chance, 1 perfect;
* **AUPR** — average precision ``Σₖ (Rₖ − Rₖ₋₁) Pₖ`` over the distinct score thresholds;
* **FPR@95%TPR** — the fraction of in-distribution points flagged at the highest threshold
  that still flags 95 % of the OOD points (lower is better).

Example::

    import torch
    from ebm_core.evaluation import ood_metrics

    g = torch.Generator().manual_seed(0)
    result = ood_metrics(torch.randn(500, generator=g), torch.randn(500, generator=g) + 3.0)
    assert result.auroc > 0.95
"""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

#: The true-positive rate at which :attr:`OODMetrics.fpr_at_95_tpr` is read.
TPR_LEVEL = 0.95


@dataclasses.dataclass(frozen=True)
class OODMetrics:
    """Detection metrics for OOD (positive, high score) against in-distribution points."""

    auroc: float
    aupr: float
    fpr_at_95_tpr: float
    n_in: int
    n_out: int

    def as_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def ood_metrics(in_scores: Any, out_scores: Any) -> OODMetrics:
    """AUROC, AUPR and FPR@95%TPR of scores where higher means "more out-of-distribution"."""
    from scipy.stats import mannwhitneyu
    s_in, s_out = _scores("in_scores", in_scores), _scores("out_scores", out_scores)
    n_in, n_out = s_in.numel(), s_out.numel()
    u = mannwhitneyu(s_out.numpy(), s_in.numpy(), alternative="two-sided").statistic
    tpr, fpr, precision = _curve(s_in, s_out)
    recall_steps = torch.diff(tpr, prepend=torch.zeros(1, dtype=tpr.dtype))
    aupr = float((recall_steps * precision).sum())
    reached = tpr >= TPR_LEVEL - 1e-12
    return OODMetrics(
        auroc=float(u) / (n_in * n_out),
        aupr=aupr,
        fpr_at_95_tpr=float(fpr[reached][0]),
        n_in=n_in,
        n_out=n_out,
    )


def _curve(s_in: torch.Tensor, s_out: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """TPR, FPR and precision at each distinct threshold, from the highest score down."""
    scores = torch.cat([s_out, s_in])
    positive = torch.cat([torch.ones_like(s_out), torch.zeros_like(s_in)])
    order = torch.argsort(scores, descending=True, stable=True)
    scores, positive = scores[order], positive[order]
    tp = torch.cumsum(positive, 0)
    fp = torch.cumsum(1.0 - positive, 0)
    last_of_tie = torch.ones_like(scores, dtype=torch.bool)
    last_of_tie[:-1] = scores[1:] != scores[:-1]
    tp, fp = tp[last_of_tie], fp[last_of_tie]
    return tp / s_out.numel(), fp / s_in.numel(), tp / (tp + fp)


def _scores(name: str, values: Any) -> torch.Tensor:
    t = torch.as_tensor(values).detach().to("cpu", torch.float64).flatten()
    if t.numel() < 1:
        raise ValueError(f"{name} is empty")
    if not bool(torch.isfinite(t).all()):
        raise ValueError(f"{name} contains NaN or inf; drop those points or fix the score")
    return t
