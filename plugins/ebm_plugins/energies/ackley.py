"""The Ackley energy (the Ackley test function read as an energy)."""

from __future__ import annotations

import math

import torch

from ebm_core.checks import finite_float, positive_float, positive_int

from ._analytic import AnalyticEnergy, sum_last


class Ackley(AnalyticEnergy):
    """Ackley's test function as an energy: a deep funnel at 0 under a plate of ripples.

    ``E(x) = −a exp(−b r) − exp(m) + a + e`` with ``r = √(‖x‖²/d)`` and
    ``m = (1/d) Σᵢ cos(c xᵢ)``: a nearly flat plate full of local minima around a deep funnel
    at ``x = 0`` where ``E = 0``.

    Gradient: ``∂E/∂xᵢ = a b exp(−b r) xᵢ/(d r) + (c/d) exp(m) sin(c xᵢ)``; at the tip of the
    funnel (``r = 0``, where ``E`` is not differentiable) the first term is taken as 0.

    ``E`` is bounded above by ``a + e``, so ``exp(−E)`` is *not* normalisable on ℝᵈ: use it
    as an optimisation landscape, or sample it inside a box (e.g. a sampler's ``clamp``).

    Args:
        dim: number of coordinates (≥ 1).
        a: depth of the funnel, ``a > 0``.
        b: inverse width of the funnel, ``b > 0``.
        c: frequency of the ripples (any finite value).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("ackley", dim=2)
        assert torch.equal(e(torch.zeros(3, 2)), torch.zeros(3))
        assert e.grad(torch.randn(5, 2)).shape == (5, 2)
    """

    def __init__(self, dim: int = 2, a: float = 20.0, b: float = 0.2, c: float = 2.0 * math.pi) -> None:
        super().__init__(event_shape=(positive_int(dim, "dim"),))
        self.a = positive_float(a, "a")
        self.b = positive_float(b, "b")
        self.c = finite_float(c, "c")

    # Written with expm1 so that E(0) = 0 exactly: −a(e^(−br) − 1) − e(e^(m−1) − 1).
    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        r = (sum_last(x * x) / self.dim).sqrt()
        m = sum_last(torch.cos(self.c * x)) / self.dim
        return -self.a * torch.expm1(-self.b * r) - math.e * torch.expm1(m - 1.0)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        return self._energy_and_grad(x)[1]  # the gradient needs every term of the energy

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phase = self.c * x
        r = (sum_last(x * x) / self.dim).sqrt().unsqueeze(-1)
        funnel = torch.expm1(-self.b * r)  # e^(−br) − 1
        ripple = torch.expm1(sum_last(torch.cos(phase)) / self.dim - 1.0).unsqueeze(-1)  # e^(m−1) − 1
        energy = (-self.a * funnel - math.e * ripple).squeeze(-1)
        # Near r = 0 the clamp only replaces the non-differentiable tip by a 0 subgradient.
        denominator = (self.dim * r).clamp_min(torch.finfo(x.dtype).eps)
        gradient = (self.a * self.b) * (funnel + 1.0) * x / denominator + (
            math.e * self.c / self.dim
        ) * (ripple + 1.0) * torch.sin(phase)
        return energy, gradient

    def extra_repr(self) -> str:
        return f"dim={self.dim}, a={self.a}, b={self.b}, c={self.c}"
