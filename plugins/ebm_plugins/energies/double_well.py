"""The double-well energy E(x) = h Σᵢ (xᵢ² − b²)²."""

from __future__ import annotations

from typing import ClassVar, Mapping

import torch

from ebm_core.checks import positive_float, positive_int

from ._analytic import AnalyticEnergy, sum_last


class DoubleWell(AnalyticEnergy):
    """Double well in every coordinate: E(x) = h Σᵢ (xᵢ² − b²)².

    Each coordinate has two wells at ``±b`` separated by a barrier of height ``h b⁴`` at 0;
    the density factorises over coordinates, so every 1-D marginal is
    ``p(t) ∝ exp(−h (t² − b²)²)`` (tabulate it with :func:`ebm_core.quadrature.density_1d`).

    Gradient: ``∂E/∂xᵢ = 4 h xᵢ (xᵢ² − b²)``.

    Args:
        dim: number of coordinates (≥ 1).
        barrier_height: ``h > 0``.
        b: position of the wells, ``b > 0``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("double_well", dim=2, barrier_height=2.0)
        x = torch.tensor([[1.0, -1.0], [0.0, 0.0]])
        assert torch.allclose(e(x), torch.tensor([0.0, 4.0]))
        assert torch.allclose(e.grad(x), torch.zeros(2, 2))
    """

    kernel_key: ClassVar[str] = "double_well"

    def __init__(self, dim: int = 2, barrier_height: float = 1.0, b: float = 1.0) -> None:
        super().__init__(event_shape=(positive_int(dim, "dim"),))
        self.barrier_height = positive_float(barrier_height, "barrier_height")
        self.b = positive_float(b, "b")

    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        u = x * x - self.b**2
        return self.barrier_height * sum_last(u * u)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        return (4.0 * self.barrier_height) * x * (x * x - self.b**2)

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        u = x * x - self.b**2
        return self.barrier_height * sum_last(u * u), (4.0 * self.barrier_height) * x * u

    def kernel_params(self) -> Mapping[str, float]:
        return {"barrier_height": self.barrier_height, "b": self.b}

    def extra_repr(self) -> str:
        return f"dim={self.dim}, barrier_height={self.barrier_height}, b={self.b}"
