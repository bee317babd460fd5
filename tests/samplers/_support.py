"""Targets and helpers shared by the sampler tests."""

from __future__ import annotations

import torch

import ebm_core

#: The issue's correlated 2-D Gaussian.
MEAN_2D = torch.tensor([1.0, -1.0], dtype=torch.float64)
COV_2D = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
#: The issue's 10-D Gaussian with variances log-spaced in [0.1, 10].
VAR_10D = torch.logspace(-1, 1, 10, dtype=torch.float64)


def gaussian_2d():
    return ebm_core.energy("gaussian", mean=MEAN_2D.float(), covariance=COV_2D.float())


def gaussian_10d():
    return ebm_core.energy("gaussian", covariance=VAR_10D.float())


def overdispersed(covariance: torch.Tensor, n: int, generator: torch.Generator, scale: float = 3.0):
    """``n`` starts from N(0, scale² Σ): wider than the target and off its mean."""
    if covariance.dim() == 1:
        covariance = torch.diag(covariance)
    factor = torch.linalg.cholesky(covariance).float()
    z = torch.randn(n, covariance.shape[0], generator=generator)
    return scale * z @ factor.T


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
