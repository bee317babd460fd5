"""The Rastrigin energy E(x) = a d + Σᵢ (xᵢ² − a cos 2πxᵢ)."""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_int

from ._analytic import AnalyticEnergy, sum_last

_TWO_PI = 2.0 * math.pi


class Rastrigin(AnalyticEnergy):
    """Rastrigin's function as an energy: E(x) = a d + Σᵢ (xᵢ² − a cos 2πxᵢ).

    A quadratic bowl covered with a lattice of local minima near the integers (depth set by
    ``a``); the global minimum ``E = 0`` is at ``x = 0``. The quadratic growth makes
    ``exp(−E)`` normalisable, and it factorises over coordinates.

    Gradient: ``∂E/∂xᵢ = 2 xᵢ + 2π a sin(2π xᵢ)``.

    Args:
        dim: number of coordinates (≥ 1).
        a: amplitude of the ripples, ``a ≥ 0`` (``a = 0`` is the plain bowl ``‖x‖²``).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("rastrigin", dim=3)
        assert torch.allclose(e(torch.zeros(2, 3)), torch.zeros(2))
        assert torch.allclose(e.grad(torch.ones(1, 3)), torch.full((1, 3), 2.0), atol=1e-4)
    """

    def __init__(self, dim: int = 2, a: float = 10.0) -> None:
        super().__init__(event_shape=(positive_int(dim, "dim"),))
        self.a = non_negative_float(a, "a")

    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        return sum_last(x * x - self.a * torch.cos(_TWO_PI * x)) + self.a * self.dim

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        return 2.0 * x + (_TWO_PI * self.a) * torch.sin(_TWO_PI * x)

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        phase = _TWO_PI * x
        energy = sum_last(x * x - self.a * torch.cos(phase)) + self.a * self.dim
        return energy, 2.0 * x + (_TWO_PI * self.a) * torch.sin(phase)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, a={self.a}"
