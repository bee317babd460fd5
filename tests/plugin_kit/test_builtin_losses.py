"""The built-in losses are minimised at the closed form on E = ½ a ‖x‖², data N(0, s² I).

Each class spends the kit's default false-fail budget 1e-3 (fixed seeds: the result is the
same on every run). Denoising score matching fits the noised data N(0, (s² + σ²) I), so its
minimiser is 1/(s² + σ²); contrastive divergence is checked without its energy-magnitude
regulariser (alpha=0), whose optimum is elsewhere by design, and with negatives started at
the data (CD-k) — at the optimum they are already distributed as the model.
"""

from __future__ import annotations

import torch

import ebm_core
from ebm_core.testing import LossConformance

S2 = 2.0**2


class TestScoreMatching(LossConformance):
    loss = "score_matching"


class TestSlicedScoreMatching(LossConformance):
    loss = "sliced_score_matching"


class TestSlicedScoreMatchingGaussianVR(LossConformance):
    loss = "sliced_score_matching"
    loss_kwargs = {"projection": "gaussian", "variance_reduction": True, "n_projections": 2}


class TestDenoisingScoreMatching(LossConformance):
    loss = "denoising_score_matching"
    loss_kwargs = {"sigma": 0.5}
    expected = 1 / (S2 + 0.5**2)


class TestContrastiveDivergence(LossConformance):
    loss = "cd"
    loss_kwargs = {"sampler": "mala", "k": 10, "alpha": 0.0, "sampler_kwargs": {"step_size": 0.5}}


class TestImportanceML(LossConformance):
    """Importance-sampled maximum likelihood with an exact N(0, 3² I) proposal covering the data."""

    loss = "importance_ml"
    loss_kwargs = {
        "proposal": ebm_core.energy("gaussian", dim=4, covariance=torch.tensor(9.0, dtype=torch.float64)),
        "n_proposals": 4096,
        "generator": torch.Generator().manual_seed(0),
    }
