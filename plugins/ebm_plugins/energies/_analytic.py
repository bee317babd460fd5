"""Base class of the built-in energies that have a closed-form gradient."""

from __future__ import annotations

import abc

import torch

from ebm_core import Energy


class AnalyticEnergy(Energy):
    """An :class:`ebm_core.Energy` with closed-form ``grad`` and a fused ``energy_and_grad``.

    Subclasses implement three pure-torch methods on an already checked input ``x`` of shape
    ``(batch, *event_shape)``: ``_energy(x) -> (batch,)``, ``_grad(x) -> x.shape`` and
    ``_energy_and_grad(x)``, which shares the intermediate terms of the two. This class
    checks the input once per call and builds an autograd graph only when asked: with
    ``create_graph=False`` the results are plain tensors (as for the autograd default), with
    ``create_graph=True`` they stay differentiable with respect to ``x``.
    """

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self._energy(self.check_input(x))

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        x = self.check_input(x)
        with torch.set_grad_enabled(create_graph):
            return self._grad(x)

    def energy_and_grad(
        self, x: torch.Tensor, *, create_graph: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        x = self.check_input(x)
        with torch.set_grad_enabled(create_graph):
            return self._energy_and_grad(x)

    @abc.abstractmethod
    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        """E(x) for a checked batch."""

    @abc.abstractmethod
    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        """∇ₓE(x) for a checked batch."""

    @abc.abstractmethod
    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(E(x), ∇ₓE(x))`` for a checked batch, sharing work between the two."""


def sum_last(values: torch.Tensor) -> torch.Tensor:
    """``values.sum(-1)`` as a product with a ones vector.

    Same result, but PyTorch's reduction kernel is slow over a short last dimension (the
    ``d = 2`` of most toy energies: ~4× slower for a (10⁴, 2) batch on CPU), while a
    matrix–vector product is not.
    """
    return values @ values.new_ones(values.shape[-1])
