"""Targets and helpers shared by the sampler tests."""

from __future__ import annotations

import torch

import ebm_core

#: False-fail budget of each statistical acceptance test (a Bonferroni-corrected checklist).
#: tests/samplers has 16 of them (6 Gaussian, 1 ULA bias, 4 double well/Rosenbrock,
#: 2 kinetic_langevin, 3 nuts) plus the parallel-tempering mode weights (≤ 2e-4), so a
#: correct implementation fails the suite by chance with probability ≤ 1e-3 — for another
#: seed; with the fixed seeds here every run is identical.
FALSE_FAIL_RATE = 5e-5

#: The issue's correlated 2-D Gaussian.
MEAN_2D = torch.tensor([1.0, -1.0], dtype=torch.float64)
COV_2D = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
#: The issue's 10-D Gaussian with variances log-spaced in [0.1, 10].
VAR_10D = torch.logspace(-1, 1, 10, dtype=torch.float64)


def gaussian_2d():
    return ebm_core.energy("gaussian", mean=MEAN_2D.float(), covariance=COV_2D.float())


def gaussian_10d():
    return ebm_core.energy("gaussian", covariance=VAR_10D.float())


#: The exact Gaussian targets every sampler's final states are tested against:
#: name → (energy factory, exact mean, exact covariance), float64 references.
GAUSSIAN_TARGETS = {
    "correlated-2d": (gaussian_2d, MEAN_2D, COV_2D),
    "log-spaced-10d": (gaussian_10d, torch.zeros(10, dtype=torch.float64), torch.diag(VAR_10D)),
}


def overdispersed(covariance: torch.Tensor, n: int, generator: torch.Generator, scale: float = 3.0):
    """``n`` starts from N(0, scale² Σ): wider than the target and off its mean."""
    if covariance.dim() == 1:
        covariance = torch.diag(covariance)
    factor = torch.linalg.cholesky(covariance).float()
    z = torch.randn(n, covariance.shape[0], generator=generator)
    return scale * z @ factor.T


def seeded(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)
