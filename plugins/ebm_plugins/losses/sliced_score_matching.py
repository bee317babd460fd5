"""Sliced score matching (Song et al., 2019): the Hessian trace replaced by random projections.

With the score ``s = −∇ₓE`` and projections ``v`` with ``E[v vᵀ] = I`` (Rademacher ±1 or
standard Gaussian entries), ``E_v[vᵀ ∇ₓ²E v] = tr ∇ₓ²E``, so

.. math::

    J(\\theta) = \\mathbb E_{x, v}\\Big[\\tfrac12 (v^\\top \\nabla_x E(x))^2
                 - v^\\top \\nabla_x^2 E(x)\\, v\\Big]

has the same expectation (hence the same minimiser) as exact score matching, at the cost
of one extra backward pass for any dimension (``vᵀ∇²E v = vᵀ ∇ₓ(vᵀ∇ₓE)``). With
``variance_reduction=True`` the first term is replaced by its exact expectation over ``v``,
``½‖∇ₓE‖²`` ("SSM-VR"), which lowers the variance. ``n_projections`` independent ``v`` per
data point are averaged.

Worked check: for ``E = ½ a ‖x‖²``, ``E_v[...] = ½ a² ‖x‖² − a d``, exactly the exact-score-
matching loss, minimised at ``a = d / E‖x‖²``.

Example::

    import torch, ebm_core
    energy = ebm_core.energy("neural", module=torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.SiLU(), torch.nn.Linear(32, 1)))
    loss = ebm_core.loss("sliced_score_matching", energy, n_projections=2,
                         generator=torch.Generator().manual_seed(0))
    loss(torch.randn(64, 2)).backward()
"""

from __future__ import annotations

import torch

from ebm_core import Energy, Loss
from ebm_core.checks import one_of, optional_generator, positive_int

from .checks import check_data, check_energy
from .noise import rademacher_like, randn_like

_PROJECTIONS = ("rademacher", "gaussian")


class SlicedScoreMatching(Loss):
    """Sliced score matching ``E[½(vᵀ∇ₓE)² − vᵀ∇ₓ²E v]`` with random projections ``v``."""

    def __init__(
        self,
        energy: Energy,
        n_projections: int = 1,
        projection: str = "rademacher",
        variance_reduction: bool = False,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(check_energy(energy))
        self.n_projections = positive_int(n_projections, "n_projections")
        self.projection = one_of(projection, "projection", _PROJECTIONS)
        self.variance_reduction = bool(variance_reduction)
        self.generator = optional_generator(generator, "generator")

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        repeats = (self.n_projections,) + (1,) * (data.dim() - 1)
        x = data.detach().repeat(repeats).requires_grad_(True)
        draw = rademacher_like if self.projection == "rademacher" else randn_like
        v = draw(x, self.generator)
        with torch.enable_grad():
            gradient = self.energy.grad(x, create_graph=True)
            projected = (gradient * v).flatten(1).sum(1)
            if self.variance_reduction:
                first = 0.5 * gradient.flatten(1).pow(2).sum(1)
            else:
                first = 0.5 * projected.pow(2)
            curvature = _projected_curvature(projected, x, v)
            per_sample = first - curvature
        self.record(first_term=first.mean(), projected_curvature=curvature.mean())
        return per_sample.mean()

    def extra_repr(self) -> str:
        return (
            f"n_projections={self.n_projections}, projection={self.projection!r}, "
            f"variance_reduction={self.variance_reduction}"
        )


def _projected_curvature(projected: torch.Tensor, x: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """``vᵀ ∇ₓ²E v`` per sample, from ``projected = vᵀ∇ₓE`` (one backward pass)."""
    if not projected.requires_grad:  # gradient constant in x: zero curvature
        return torch.zeros_like(projected)
    (hv,) = torch.autograd.grad(projected.sum(), x, create_graph=True, allow_unused=True)
    if hv is None:
        return torch.zeros_like(projected)
    return (hv * v).flatten(1).sum(1)
