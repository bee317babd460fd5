"""Test-local Gaussian energies with learnable parameters and known optima.

They depend only on the :class:`ebm_core.Energy` contract (not on the energies plugin), so
the losses are checked against closed forms alone.
"""

from __future__ import annotations

import torch

import ebm_core


class ScaledQuadratic(ebm_core.Energy):
    """``E(x) = ½ a ‖x‖²`` with learnable ``a``: the density ``N(0, I/a)``."""

    def __init__(self, a: float, dim: int, dtype: torch.dtype = torch.float64) -> None:
        super().__init__(event_shape=(dim,))
        self.a = torch.nn.Parameter(torch.tensor(a, dtype=dtype))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return 0.5 * self.a * x.pow(2).sum(-1)


class FullGaussian(ebm_core.Energy):
    """``E(x) = ½ (x − μ)ᵀ P (x − μ)`` with ``P = L Lᵀ`` (``L`` lower triangular, positive diagonal).

    The learned covariance is ``P⁻¹``; starting from ``μ = 0``, ``P = I``.
    """

    def __init__(self, dim: int, dtype: torch.dtype = torch.float64) -> None:
        super().__init__(event_shape=(dim,))
        self.mean = torch.nn.Parameter(torch.zeros(dim, dtype=dtype))
        self.off_diagonal = torch.nn.Parameter(torch.zeros(dim, dim, dtype=dtype))
        self.log_diagonal = torch.nn.Parameter(torch.zeros(dim, dtype=dtype))

    def cholesky(self) -> torch.Tensor:
        return torch.tril(self.off_diagonal, -1) + torch.diag(self.log_diagonal.exp())

    def covariance(self) -> torch.Tensor:
        return torch.cholesky_inverse(self.cholesky())  # (L Lᵀ)⁻¹

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        z = (x - self.mean) @ self.cholesky()  # zᵢ = Lᵀ(xᵢ − μ), so ‖z‖² = (x − μ)ᵀ L Lᵀ (x − μ)
        return 0.5 * z.pow(2).sum(-1)
