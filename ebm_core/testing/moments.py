"""z-scores of sample moments against exact values, with standard errors from the sample.

For n iid draws the sample mean of a quantity ``q`` has standard error ``sd(q)/√n``; by the
central limit theorem ``(mean(q) − E[q]) / se`` is approximately N(0, 1). Applied to

* ``q = xᵢ`` — :func:`mean_z_scores`;
* ``q = (xᵢ − x̄ᵢ)(xⱼ − x̄ⱼ)`` — :func:`covariance_z_scores` (variances on the
  diagonal).
  Its standard error comes from the sample's own fourth moments, so it is right for any
  distribution with finite fourth moments, Gaussian or not.

With a few thousand draws the normal approximation is accurate far into the tails used by
Bonferroni-corrected tests; two-sided tests also cancel the leading (skewness) correction.
Inputs are ``(n, *event)``; the statistics are computed in float64.

Example::

    import torch
    from ebm_core.testing import covariance_z_scores, mean_z_scores
    x = torch.randn(4000, 3, generator=torch.Generator().manual_seed(0))
    assert mean_z_scores(x, torch.zeros(3)).abs().max() < 4
    assert covariance_z_scores(x, torch.eye(3)).abs().max() < 4
"""

from __future__ import annotations

import math
from typing import Any

import torch


def mean_z_scores(samples: torch.Tensor, mean: Any) -> torch.Tensor:
    """``(x̄ − μ) / (s / √n)`` per element, shape ``(d,)`` for ``d`` elements per draw."""
    x = _flat(samples)
    n = x.shape[0]
    mu = torch.as_tensor(mean, dtype=torch.float64).reshape(-1).expand(x.shape[1])
    return (x.mean(0) - mu) / (x.std(0) / math.sqrt(n))


def covariance_z_scores(samples: torch.Tensor, covariance: Any) -> torch.Tensor:
    """``(Ĉᵢⱼ − Σᵢⱼ) / se(Ĉᵢⱼ)``, shape ``(d, d)``; ``covariance`` is (d, d), (d,) or a scalar.

    A ``(d,)`` vector or scalar means a diagonal covariance (zero off-diagonal entries).
    """
    x = _flat(samples)
    n, d = x.shape
    sigma = torch.as_tensor(covariance, dtype=torch.float64)
    if sigma.dim() < 2:
        sigma = torch.diag(sigma.reshape(-1).expand(d))
    if tuple(sigma.shape) != (d, d):
        raise ValueError(
            f"covariance must be ({d}, {d}), ({d},) or a scalar, got {tuple(sigma.shape)}"
        )
    centred = x - x.mean(0)
    products = centred[:, :, None] * centred[:, None, :]
    estimate = products.sum(0) / (n - 1)
    standard_error = products.std(0) / math.sqrt(n)
    return (estimate - sigma) / standard_error


def _flat(samples: torch.Tensor) -> torch.Tensor:
    if not isinstance(samples, torch.Tensor):
        samples = torch.as_tensor(samples)
    if samples.dim() == 0 or samples.shape[0] < 3:
        raise ValueError(
            f"need samples shaped (n, *event) with n >= 3, got shape {tuple(samples.shape)}"
        )
    x = samples.detach().to(device="cpu", dtype=torch.float64).reshape(samples.shape[0], -1)
    if not bool(torch.isfinite(x).all()):
        raise ValueError("samples contain NaN or infinite values")
    return x
