"""Exponential moving average of a module's parameters.

θ_ema ← d·θ_ema + (1 − d)·θ after each optimiser step. Evaluating and sampling with the
averaged parameters often gives smoother energies than the last iterate.
"""

from __future__ import annotations

import copy

import torch
from torch import nn

from ..checks import probability


class ParameterEMA:
    """Keeps ``averaged``, a copy of ``module`` whose parameters track the EMA.

    Example::

        import torch
        from ebm_core.training.ema import ParameterEMA
        net = torch.nn.Linear(2, 1)
        ema = ParameterEMA(net, decay=0.9)
        ema.update(net)
    """

    def __init__(self, module: nn.Module, decay: float) -> None:
        self.decay = probability(decay, "decay", "typical values are 0.99–0.999")
        self.averaged = copy.deepcopy(module).requires_grad_(False)

    @torch.no_grad()
    def update(self, module: nn.Module) -> None:
        for avg, current in zip(self.averaged.parameters(), module.parameters()):
            avg.lerp_(current.detach(), 1.0 - self.decay)

    def state_dict(self) -> dict:
        return {"decay": self.decay, "averaged": self.averaged.state_dict()}

    def load_state_dict(self, state: dict) -> None:
        self.decay = float(state["decay"])
        self.averaged.load_state_dict(state["averaged"])
