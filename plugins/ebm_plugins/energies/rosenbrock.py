"""The Rosenbrock energy E(x) = Σᵢ b (xᵢ₊₁ − xᵢ²)² + (a − xᵢ)²."""

from __future__ import annotations

from typing import ClassVar, Mapping

import torch
import torch.nn.functional as F

from ebm_core.checks import finite_float, integer_in_range, positive_float

from ._analytic import AnalyticEnergy, sum_last


class Rosenbrock(AnalyticEnergy):
    """Rosenbrock's banana: E(x) = Σᵢ b (xᵢ₊₁ − xᵢ²)² + (a − xᵢ)², d ≥ 2.

    The minimum ``E = 0`` is at ``x = (a, a², …)`` for ``d = 2`` (``(1, …, 1)`` for the
    defaults); large ``b`` makes a narrow curved valley, a classic hard case for samplers.
    In 2-D the density is tabulated exactly with :func:`ebm_core.quadrature.grid_density`.

    Gradient, with ``rᵢ = xᵢ₊₁ − xᵢ²``:
    ``∂E/∂xᵢ = −4 b xᵢ rᵢ − 2 (a − xᵢ)  (i < d)  +  2 b rᵢ₋₁  (i > 1)``.

    Args:
        dim: number of coordinates, ``d ≥ 2`` (the terms couple neighbours).
        a: position parameter (any finite value).
        b: valley stiffness, ``b > 0``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("rosenbrock", dim=3)
        x = torch.ones(4, 3)
        assert torch.allclose(e(x), torch.zeros(4))
        assert torch.allclose(e.grad(x), torch.zeros(4, 3))
    """

    kernel_key: ClassVar[str] = "rosenbrock"

    def __init__(self, dim: int = 2, a: float = 1.0, b: float = 100.0) -> None:
        dim = integer_in_range(dim, "dim", 2, hint="each Rosenbrock term couples x_i and x_(i+1)")
        super().__init__(event_shape=(dim,))
        self.a = finite_float(a, "a")
        self.b = positive_float(b, "b")

    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        head, tail = x[:, :-1], x[:, 1:]
        r = tail - head * head
        s = self.a - head
        return sum_last(self.b * r * r + s * s)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        head, tail = x[:, :-1], x[:, 1:]
        return self._grad_from(head, tail - head * head)

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        head, tail = x[:, :-1], x[:, 1:]
        r = tail - head * head
        s = self.a - head
        return sum_last(self.b * r * r + s * s), self._grad_from(head, r)

    def _grad_from(self, head: torch.Tensor, r: torch.Tensor) -> torch.Tensor:
        # d/dx_i of the term i (i < d) plus d/dx_(i+1) of the term i, placed one step right.
        own = -4.0 * self.b * head * r - 2.0 * (self.a - head)
        coupling = (2.0 * self.b) * r
        return F.pad(own, (0, 1)) + F.pad(coupling, (1, 0))

    def kernel_params(self) -> Mapping[str, float]:
        return {"a": self.a, "b": self.b}

    def extra_repr(self) -> str:
        return f"dim={self.dim}, a={self.a}, b={self.b}"
