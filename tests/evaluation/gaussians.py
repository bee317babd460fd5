"""Exact targets for the evaluation tests: Gaussians with a random full covariance."""

from __future__ import annotations

import torch

import ebm_core


def random_gaussian(d: int, seed: int) -> torch.nn.Module:
    """N(μ, Σ) in float64 with ``Σ = Q diag(λ) Qᵀ``, Q random orthogonal, λ ∈ [e⁻¹, e], μ ~ N(0, ¼ I)."""
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    eigenvalues = torch.empty(d, dtype=torch.float64).uniform_(-1.0, 1.0, generator=g).exp()
    covariance = q @ torch.diag(eigenvalues) @ q.T
    mean = 0.5 * torch.randn(d, generator=g, dtype=torch.float64)
    return ebm_core.energy("gaussian", mean=mean, covariance=0.5 * (covariance + covariance.T))
