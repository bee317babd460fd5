"""The banana (twisted Gaussian) energy of Haario, Saksman & Tamminen (1999)."""

from __future__ import annotations

import torch

import ebm_core
from ebm_core import checks


class Banana(ebm_core.Energy):
    """A Gaussian bent into a banana: ``x₁ ~ N(0, σ²)``, ``x₂ | x₁ ~ N(b (x₁² − σ²), 1)``,
    and ``xᵢ ~ N(0, 1)`` for ``i ≥ 3``.

    .. code-block:: text

        E(x) = x₁² / (2σ²) + ½ (x₂ − b (x₁² − σ²))² + ½ Σ_{i≥3} xᵢ²

        ∂E/∂x₁ = x₁ / σ² − 2 b x₁ u,   ∂E/∂x₂ = u,   ∂E/∂xᵢ = xᵢ   (u = x₂ − b (x₁² − σ²))

    The density is normalised (``log Z = (d/2) log 2π + log σ``) and the twist
    ``(x₁, x₂) ↦ (x₁ / σ, x₂ − b (x₁² − σ²))`` maps it exactly onto ``N(0, I)``
    (:meth:`untwist`), which makes it an exact test target: a sampler is right iff its
    untwisted samples are standard normal. The mean is 0 and ``Var x₂ = 1 + 2 b² σ⁴``.

    Args:
        dim: ``d ≥ 2``.
        sigma: σ > 0, the spread along the banana.
        curvature: ``b``, how strongly it bends (0 gives a Gaussian).

    Example::

        import torch, ebm_core
        banana = ebm_core.energy("banana", sigma=2.0, curvature=0.25)
        x = banana.sample_exact(4, generator=torch.Generator().manual_seed(0))
        assert torch.allclose(banana.grad(x), -banana.score(x))
        assert banana.untwist(x).shape == (4, 2)
    """

    def __init__(self, dim: int = 2, sigma: float = 2.0, curvature: float = 0.25) -> None:
        dim = checks.integer_in_range(dim, "dim", 2, hint="the banana bends x₂ around x₁")
        super().__init__(event_shape=(dim,))
        self.sigma = checks.positive_float(sigma, "sigma")
        self.curvature = checks.finite_float(curvature, "curvature")

    def _twist(self, x: torch.Tensor) -> torch.Tensor:
        """``u = x₂ − b (x₁² − σ²)``."""
        return x[:, 1] - self.curvature * (x[:, 0] ** 2 - self.sigma**2)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        u = self._twist(x)
        return 0.5 * (x[:, 0] / self.sigma) ** 2 + 0.5 * u**2 + 0.5 * x[:, 2:].pow(2).sum(-1)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        x = self.check_input(x)
        u = self._twist(x)
        g = x.clone()
        g[:, 0] = x[:, 0] / self.sigma**2 - 2.0 * self.curvature * x[:, 0] * u
        g[:, 1] = u
        return g

    def untwist(self, x: torch.Tensor) -> torch.Tensor:
        """The bijection onto ``N(0, I)``: ``(x₁ / σ, x₂ − b (x₁² − σ²), x₃, …)``."""
        x = self.check_input(x)
        z = x.clone()
        z[:, 0] = x[:, 0] / self.sigma
        z[:, 1] = self._twist(x)
        return z

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent draws (float64): twist standard normal draws."""
        z = torch.randn(n, self.dim, generator=generator, dtype=torch.float64)
        x = z.clone()
        x[:, 0] = self.sigma * z[:, 0]
        x[:, 1] = z[:, 1] + self.curvature * (x[:, 0] ** 2 - self.sigma**2)
        return x

    def extra_repr(self) -> str:
        return f"dim={self.dim}, sigma={self.sigma:g}, curvature={self.curvature:g}"
