"""Exact targets of the conformance kit: energies whose distribution is known in closed form.

They depend only on the :class:`ebm_core.Energy` contract (never on a plugin), so the kit
tests a sampler against the mathematics, not against another plugin:

* :class:`CorrelatedGaussian` — ``N(μ, Σ)`` on ``(d,)`` events, full covariance; exact
  moments, normal marginals, :meth:`~CorrelatedGaussian.sample_exact`;
* :class:`DiagonalGaussian` — independent normals on events of *any* shape (``(3, 2)``
  events check that a sampler does not assume vectors);
* :class:`SeparableDoubleWell` — ``E = h Σᵢ (xᵢ² − 1)²``, bimodal; each marginal is
  ``∝ exp(−h (t² − 1)²)``, tabulated by :mod:`ebm_core.quadrature`;
* :class:`SteepQuartic` — ``E = c Σᵢ xᵢ⁴`` with large ``c``: explicit gradient steps
  blow up from ``|x| ≈ 3``, which exercises divergence reporting;
* :class:`ScaledQuadratic` — ``E = ½ a ‖x‖²`` with a learnable ``a`` (the density
  ``N(0, I/a)``): the family on which every loss has a closed-form minimiser.

Every target keeps its constants in float64 and evaluates in the input's dtype and device
(``.to(device)`` moves the constants). The Gaussians and the quartic override
:meth:`~ebm_core.Energy.grad` with the closed form.

Example::

    import torch
    from ebm_core.testing.targets import CorrelatedGaussian

    target = CorrelatedGaussian(mean=[1.0, -1.0], covariance=[[1.0, 0.5], [0.5, 2.0]])
    x = target.sample_exact(5, generator=torch.Generator().manual_seed(0))
    assert target(x).shape == (5,) and torch.allclose(target.grad(x), -target.score(x))
"""

from __future__ import annotations

from typing import Any

import torch

from .. import quadrature
from ..contracts import Energy
from .ks import CDF, normal_cdf


class CorrelatedGaussian(Energy):
    """``E(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ)``, events of shape ``(d,)``, ``∇E = Σ⁻¹ (x − μ)``."""

    def __init__(self, mean: Any, covariance: Any) -> None:
        mean_t = torch.as_tensor(mean, dtype=torch.float64).reshape(-1)
        cov = torch.as_tensor(covariance, dtype=torch.float64)
        d = mean_t.shape[0]
        if tuple(cov.shape) != (d, d):
            raise ValueError(f"covariance must be ({d}, {d}) for a mean of {d} entries, got {tuple(cov.shape)}")
        super().__init__(event_shape=(d,))
        self.register_buffer("mean", mean_t)
        self.register_buffer("covariance", cov)
        self.register_buffer("precision", torch.linalg.inv(cov))
        self.register_buffer("_factor", torch.linalg.cholesky(cov))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        diff = self.check_input(x) - self.mean.to(x)
        return 0.5 * ((diff @ self.precision.to(x)) * diff).sum(-1)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return (self.check_input(x) - self.mean.to(x)) @ self.precision.to(x)

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent draws in float64: ``μ + L z`` with ``L Lᵀ = Σ``."""
        z = torch.randn((n, self.dim), generator=generator, dtype=torch.float64, device=self.mean.device)
        return self.mean + z @ self._factor.T

    def marginal_cdfs(self) -> list[CDF]:
        """The exact CDF of each coordinate, ``N(μᵢ, Σᵢᵢ)``."""
        return [normal_cdf(float(m), float(v) ** 0.5) for m, v in zip(self.mean, self.covariance.diagonal())]


class DiagonalGaussian(Energy):
    """``E(x) = ½ Σ (x − μ)² / σ²`` elementwise, for events of any shape (``variances.shape``)."""

    def __init__(self, variances: Any, mean: Any = 0.0) -> None:
        var = torch.as_tensor(variances, dtype=torch.float64)
        if var.dim() == 0 or not bool((var > 0).all()):
            raise ValueError("variances must be an event-shaped tensor of positive entries")
        super().__init__(event_shape=tuple(var.shape))
        self.register_buffer("variances", var)
        self.register_buffer("mean", torch.as_tensor(mean, dtype=torch.float64).expand_as(var).clone())

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        diff = self.check_input(x) - self.mean.to(x)
        return 0.5 * (diff * diff / self.variances.to(x)).reshape(x.shape[0], -1).sum(-1)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return (self.check_input(x) - self.mean.to(x)) / self.variances.to(x)


class SeparableDoubleWell(Energy):
    """``E(x) = h Σᵢ (xᵢ² − 1)²``: two wells per coordinate at ±1, barrier height ``h``.

    The coordinates are independent, each with density ``∝ exp(−h (t² − 1)²)``;
    :meth:`marginal` tabulates it by quadrature (error far below any KS test's resolution).
    """

    def __init__(self, dim: int = 2, barrier: float = 1.0) -> None:
        super().__init__(event_shape=(int(dim),))
        self.barrier = float(barrier)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return self.barrier * (x * x - 1.0).square().sum(-1)

    def marginal(self) -> quadrature.Density1D:
        """The density of one coordinate, ``∝ exp(−h (t² − 1)²)``, tabulated on [−4, 4]."""
        h = self.barrier
        return quadrature.density_1d(lambda t: h * (t * t - 1.0) ** 2, bounds=(-4.0, 4.0))

    def marginal_cdfs(self) -> list[CDF]:
        """The exact CDF of each coordinate (all the same)."""
        return [self.marginal().cdf] * self.dim


class SteepQuartic(Energy):
    """``E(x) = c Σᵢ xᵢ⁴`` (default ``c = 100``): explicit gradient steps from ``|x| ≳ 1`` explode.

    Used to provoke divergent chains: an unadjusted step ``x − h ∇E`` overshoots further at
    every step until the state is infinite or NaN; a Metropolis-adjusted sampler rejects
    such proposals instead.
    """

    def __init__(self, dim: int = 2, c: float = 100.0) -> None:
        super().__init__(event_shape=(int(dim),))
        self.c = float(c)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.c * self.check_input(x).pow(4).sum(-1)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return 4.0 * self.c * self.check_input(x).pow(3)


class ScaledQuadratic(Energy):
    """``E(x) = ½ a ‖x‖²`` with a learnable scalar ``a`` (float64): the density ``N(0, I/a)``.

    On data ``N(0, s² I)`` maximum likelihood, exact and sliced score matching and
    contrastive divergence (without regularisers) are all minimised at ``a = 1/s²``.
    """

    def __init__(self, a: float = 1.0, dim: int = 4) -> None:
        super().__init__(event_shape=(int(dim),))
        self.a = torch.nn.Parameter(torch.tensor(float(a), dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return 0.5 * self.a.to(x.dtype) * x.pow(2).sum(-1)


def overdispersed_starts(
    covariance: Any, n: int, generator: torch.Generator, scale: float = 3.0
) -> torch.Tensor:
    """``n`` float32 starts from ``N(0, scale² Σ)``: wider than the target and centred at 0,
    away from the target's mean, so chains must travel and contract to pass."""
    cov = torch.as_tensor(covariance, dtype=torch.float64)
    z = torch.randn(n, cov.shape[0], generator=generator, dtype=torch.float64)
    return (scale * z @ torch.linalg.cholesky(cov).T).float()
