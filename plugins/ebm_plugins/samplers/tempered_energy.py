"""The tempered energy ``β·E`` that parallel tempering hands to its base samplers."""

from __future__ import annotations

from typing import Any

import torch

from ebm_core import Energy


class TemperedEnergy(Energy):
    """``β · E(x)``: the energy of ``p_β ∝ exp(−β E)`` (β = 1 is the target, small β is flat).

    ``beta`` is a float or a 0-dim tensor; a tensor may be a view into a ladder that is
    changed in place (parallel tempering adapts its ladder that way, without host reads).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", dim=2)
        hot = TemperedEnergy(e, 0.25)
        x = torch.ones(3, 2)
        assert torch.allclose(hot(x), 0.25 * e(x)) and torch.allclose(hot.grad(x), 0.25 * e.grad(x))
    """

    def __init__(self, energy: Energy, beta: Any) -> None:
        super().__init__(event_shape=energy.event_shape)
        self.base = energy
        self.beta = beta

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.beta * self.base(x)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return self.beta * self.base.grad(x, create_graph=create_graph)

    def energy_and_grad(
        self, x: torch.Tensor, *, create_graph: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        energy, grad = self.base.energy_and_grad(x, create_graph=create_graph)
        return self.beta * energy, self.beta * grad

    def extra_repr(self) -> str:
        return f"beta={float(self.beta):g}"
