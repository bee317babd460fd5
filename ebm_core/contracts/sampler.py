"""The :class:`Sampler` contract: a Markov kernel on the energy's density.

A sampler is a small kernel in the BlackJAX style — ``init(x) -> state`` and
``step(state, generator) -> state`` — and the base class owns everything around it.
"""

from __future__ import annotations

import abc
from typing import Any, ClassVar, Mapping

import torch

from .energy import Energy
from ..kernels import ParamValue


class Sampler(abc.ABC):
    """Base class of MCMC samplers targeting ``p(x) ∝ exp(−E(x))``.

    Subclasses implement :meth:`init` and :meth:`step`; both act on all chains at once
    (the leading dimension of ``x`` indexes chains).
    """

    #: Name under which fused kernels know this sampler's math; honoured only on the class
    #: that declares it (see :mod:`ebm_core.kernels`).
    kernel_key: ClassVar[str | None] = None

    def __init__(self, energy: Energy) -> None:
        if not isinstance(energy, Energy):
            raise TypeError(
                f"energy must be an ebm_core.Energy, got {type(energy).__name__}; build one with "
                "ebm_core.energy(name, ...) or wrap a callable with ebm_core.energy('neural', module=f)"
            )
        self.energy = energy

    @abc.abstractmethod
    def init(self, x: torch.Tensor) -> Any:
        """The chain state at positions ``x`` (shape ``(chains, *event_shape)``)."""

    @abc.abstractmethod
    def step(self, state: Any, generator: torch.Generator | None = None) -> Any:
        """One transition of every chain; draws randomness only from ``generator``."""

    def kernel_params(self) -> Mapping[str, ParamValue] | None:
        """Parameters a fused kernel needs (see :mod:`ebm_core.kernels`), or ``None``."""
        return None
