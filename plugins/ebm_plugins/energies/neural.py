"""An energy computed by any ``nn.Module`` or callable (a neural network, usually)."""

from __future__ import annotations

from typing import Callable, Sequence

import torch
from torch import nn

from ebm_core import Energy
from ebm_core.checks import positive_int


class Neural(Energy):
    """Energy computed by any nn.Module or callable: (batch, *event) → (batch,) or (batch, 1).

    ``module`` may return ``(batch,)`` or ``(batch, 1)`` (the trailing 1 is squeezed); any
    other shape raises. An ``nn.Module`` is registered as the submodule ``module``, so its
    parameters appear in ``.parameters()`` and ``state_dict()`` and move with ``.to()``;
    a plain callable is only called. The gradient ``∇ₓE`` comes from autograd, and the
    dtype and device of ``x`` must match the module's parameters.

    Args:
        module: an ``nn.Module`` or a callable.
        event_shape: shape of one sample (an int for vectors). When given, inputs are checked
            against it and samplers can draw starting points; when ``None``, any shape passes.

    Example::

        import torch, ebm_core
        net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 1))
        e = ebm_core.energy("neural", module=net, event_shape=2)
        x = torch.randn(16, 2)
        assert e(x).shape == (16,) and e.grad(x).shape == (16, 2)
        assert len(list(e.parameters())) == 4
    """

    def __init__(
        self,
        module: Callable[[torch.Tensor], torch.Tensor],
        event_shape: int | Sequence[int] | None = None,
    ) -> None:
        if not callable(module):
            raise TypeError(
                f"module must be an nn.Module or a callable mapping (batch, *event) to (batch,) "
                f"energies, got {type(module).__name__}"
            )
        if event_shape is not None and not isinstance(event_shape, Sequence):
            event_shape = (positive_int(event_shape, "event_shape"),)
        super().__init__(event_shape=event_shape)
        # nn.Module.__setattr__ registers a Module as a submodule and stores anything else as is.
        self.module = module

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        energy = self.module(x)
        if not isinstance(energy, torch.Tensor):
            raise TypeError(
                f"the wrapped module returned {type(energy).__name__}; it must return a tensor of energies"
            )
        if energy.dim() == 2 and energy.shape[1] == 1:
            energy = energy.squeeze(1)
        if energy.dim() != 1 or energy.shape[0] != x.shape[0]:
            raise ValueError(
                f"the wrapped module returned shape {tuple(energy.shape)} for a batch of {x.shape[0]}; "
                f"it must return ({x.shape[0]},) or ({x.shape[0]}, 1) energies, one per sample "
                "(reduce the other dimensions, e.g. with .sum(-1))"
            )
        return energy

    def extra_repr(self) -> str:
        if isinstance(self.module, nn.Module):
            return ""  # nn.Module's repr already shows the submodule
        return f"module={getattr(self.module, '__qualname__', repr(self.module))}"
