"""Kernel Stein discrepancy (KSD) of samples against an energy's score, with the IMQ kernel.

For samples ``xᵢ`` and the model's score ``s(x) = ∇ log p(x) = −∇E(x)`` (no ``Z`` needed), the
Stein kernel of a base kernel ``k`` is

.. math::

    u(x, y) = s(x)^\\top s(y)\\, k + s(x)^\\top \\nabla_y k + s(y)^\\top \\nabla_x k
              + \\operatorname{tr} \\nabla_x \\nabla_y k,

and ``KSD² = E u(x, x')`` over independent ``x, x' ~ q``; it is 0 exactly when ``q = p``. With
the inverse multi-quadric kernel ``k = (c² + ‖x − y‖²)^β``, ``β ∈ (−1, 0)`` (Gorham & Mackey
2017: it detects non-convergence, which the Gaussian kernel does not), ``r = x − y`` and
``q = c² + ‖r‖²``,

.. math::

    u = q^\\beta s_x^\\top s_y + 2\\beta q^{\\beta-1} (s_y - s_x)^\\top r
        - 2\\beta \\left[ d\\, q^{\\beta-1} + 2(\\beta - 1) q^{\\beta-2} \\|r\\|^2 \\right].

:func:`kernel_stein_discrepancy` returns the unbiased U-statistic (mean over ``i ≠ j``, so it
can be slightly negative when ``q = p``) and, optionally, a p-value for ``H₀: q = p`` from the
Rademacher wild bootstrap ``(1/(n(n−1))) Σ_{i≠j} εᵢ εⱼ u(xᵢ, xⱼ)`` (Liu, Lee & Jordan 2016;
Chwialkowski et al. 2016), which assumes independent samples — thin MCMC output first.

Example::

    import torch, ebm_core
    from ebm_core.evaluation import kernel_stein_discrepancy

    e = ebm_core.energy("gaussian", dim=2)
    g = torch.Generator().manual_seed(0)
    exact = kernel_stein_discrepancy(e, torch.randn(300, 2, generator=g))
    shifted = kernel_stein_discrepancy(e, torch.randn(300, 2, generator=g) + 1.0)
    assert shifted.ksd > 3 * exact.ksd
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from .. import checks

#: Above this many samples the ``n × n`` Stein-kernel matrix is refused (memory).
MAX_SAMPLES = 10_000


@dataclasses.dataclass(frozen=True)
class SteinDiscrepancy:
    """The KSD estimate and, when a bootstrap ran, its p-value and null 95 % quantile."""

    ksd_squared: float
    n_samples: int
    p_value: float | None = None
    null_quantile_95: float | None = None

    @property
    def ksd(self) -> float:
        """``√max(KSD², 0)``."""
        return math.sqrt(max(self.ksd_squared, 0.0))

    def as_dict(self) -> dict[str, Any]:
        return {**dataclasses.asdict(self), "ksd": self.ksd}


def kernel_stein_discrepancy(
    energy: Any,
    samples: torch.Tensor,
    *,
    c: float = 1.0,
    beta: float = -0.5,
    n_bootstrap: int = 0,
    generator: torch.Generator | None = None,
) -> SteinDiscrepancy:
    """KSD² (U-statistic) of ``samples`` against ``energy``'s score with the IMQ kernel.

    Args:
        energy: an :class:`ebm_core.Energy` (its ``score``) or a callable ``x ↦ ∇ log p(x)``.
        samples: ``(n, *event_shape)``, 2 ≤ n ≤ :data:`MAX_SAMPLES`.
        c, beta: the IMQ kernel ``(c² + ‖x − y‖²)^β``, ``c > 0``, ``−1 < β < 0``.
        n_bootstrap: wild-bootstrap draws for a p-value of ``H₀: samples ~ p`` (0: none).
        generator: randomness of the bootstrap.
    """
    if not isinstance(samples, torch.Tensor) or not samples.is_floating_point() or samples.dim() < 2:
        raise TypeError("samples must be a floating-point torch.Tensor of shape (n, *event_shape)")
    n = samples.shape[0]
    if not 2 <= n <= MAX_SAMPLES:
        raise ValueError(f"samples must hold between 2 and {MAX_SAMPLES} points, got {n}; subsample them")
    c = checks.positive_float(c, "c", "the IMQ kernel's scale, e.g. 1.0")
    beta = checks.float_in_range(beta, "beta", -1.0, 0.0, "the IMQ exponent, e.g. -0.5")
    if beta in (-1.0, 0.0):
        raise ValueError(f"beta must be strictly between -1 and 0, got beta={beta!r}")
    n_bootstrap = checks.non_negative_int(n_bootstrap, "n_bootstrap", "0 runs no bootstrap test")
    score_fn = energy.score if hasattr(energy, "score") else energy
    x = samples.detach()
    reference = energy.reference_tensor() if hasattr(energy, "reference_tensor") else None
    if reference is not None and reference.is_floating_point():
        x = x.to(device=reference.device, dtype=reference.dtype)
    score = score_fn(x).detach().reshape(n, -1).to(torch.float64)
    if not bool(torch.isfinite(score).all()):
        raise ValueError("the score is NaN or inf at some samples; drop them or check the energy")
    points = x.reshape(n, -1).to(torch.float64)
    u = _stein_kernel_matrix(points, score, c, beta)
    u.fill_diagonal_(0.0)
    ksd_squared = float(u.sum()) / (n * (n - 1))
    if n_bootstrap == 0:
        return SteinDiscrepancy(ksd_squared, n)
    device = generator.device if generator is not None else torch.device("cpu")
    signs = torch.randint(0, 2, (n_bootstrap, n), generator=generator, device=device)
    signs = (2.0 * signs - 1.0).to(u)
    null = ((signs @ u) * signs).sum(1) / (n * (n - 1))
    p_value = (1.0 + float((null >= ksd_squared).sum())) / (n_bootstrap + 1.0)
    return SteinDiscrepancy(ksd_squared, n, p_value, float(torch.quantile(null, 0.95)))


def _stein_kernel_matrix(x: torch.Tensor, s: torch.Tensor, c: float, beta: float) -> torch.Tensor:
    """``u(xᵢ, xⱼ)`` for all pairs (see the module docstring), float64 ``(n, n)``."""
    d = x.shape[1]
    r2 = torch.cdist(x, x).pow(2)
    q = c * c + r2
    # (s_y − s_x)ᵀ (x − y) for x = xᵢ, y = xⱼ: sⱼ·xᵢ − sⱼ·xⱼ − sᵢ·xᵢ + sᵢ·xⱼ
    sx = (s * x).sum(1)
    cross = x @ s.T  # [i, j] = xᵢ · sⱼ
    drift = cross - sx[None, :] - sx[:, None] + cross.T
    return (
        q.pow(beta) * (s @ s.T)
        + 2 * beta * q.pow(beta - 1) * drift
        - 2 * beta * (d * q.pow(beta - 1) + 2 * (beta - 1) * q.pow(beta - 2) * r2)
    )
