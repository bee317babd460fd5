"""The harmonic (isotropic quadratic) energy E(x) = ½ k ‖x − c‖²."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Mapping

import torch

from ebm_core.checks import positive_float, positive_int

from ._analytic import AnalyticEnergy, sum_last
from ._params import as_vector, constant_dtype


class Harmonic(AnalyticEnergy):
    """Harmonic well E(x) = ½ k ‖x − c‖² (the Gaussian N(c, I/k) up to its normaliser).

    Gradient ``∇E = k (x − c)``; ``log Z = (d/2) log(2π/k)`` (:meth:`log_partition`).

    Args:
        dim: number of coordinates (≥ 1).
        k: spring constant, ``k > 0``.
        center: ``c``, a scalar or a ``(dim,)`` vector (default 0); kept as a buffer, so
            ``.to(device)`` moves it; float64 if given as a float64 tensor, else the default
            dtype.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("harmonic", dim=2, k=4.0, center=[1.0, 0.0])
        x = torch.tensor([[1.0, 1.0]])
        assert torch.allclose(e(x), torch.tensor([2.0]))
        assert torch.allclose(e.grad(x), torch.tensor([[0.0, 4.0]]))
    """

    kernel_key: ClassVar[str] = "harmonic"

    def __init__(self, dim: int = 2, k: float = 1.0, center: Any = None) -> None:
        dim = positive_int(dim, "dim")
        super().__init__(event_shape=(dim,))
        self.k = positive_float(k, "k")
        center_t = as_vector(0.0 if center is None else center, "center", dim)
        self.register_buffer("center", center_t.to(constant_dtype(center)))

    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        diff = x - self.center.to(x)
        return (0.5 * self.k) * sum_last(diff * diff)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        return self.k * (x - self.center.to(x))

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        diff = x - self.center.to(x)
        return (0.5 * self.k) * sum_last(diff * diff), self.k * diff

    def log_partition(self) -> float:
        """``log Z = log ∫ exp(−E(x)) dx = (d/2) log(2π/k)``."""
        return 0.5 * self.dim * math.log(2.0 * math.pi / self.k)

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent draws from ``N(c, I/k)``, shape ``(n, dim)``, in ``center``'s dtype."""
        noise = torch.randn(
            (n, self.dim), generator=generator, dtype=self.center.dtype, device=self.center.device
        )
        return self.center + noise / math.sqrt(self.k)

    def kernel_params(self) -> Mapping[str, Any]:
        return {"k": self.k, "center": self.center}

    def extra_repr(self) -> str:
        return f"dim={self.dim}, k={self.k}"
