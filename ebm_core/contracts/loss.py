"""The :class:`Loss` contract.

Sign convention (stated once, used by every loss): a loss is *minimised* by training, and
when training succeeds the energy of data goes **down** relative to everything else.
"""

from __future__ import annotations

import abc
from typing import Any

import torch
from torch import nn

from .energy import Energy


#: Where a loss's ``state_dict`` holds its persistent chains, if it keeps any (see :class:`Loss`).
REPLAY_BUFFER_KEY = "buffer.samples"


class Loss(nn.Module, metaclass=abc.ABCMeta):
    """Base class of training losses: ``forward(data) -> scalar``.

    The loss owns its energy (``self.energy``), so ``loss.parameters()`` includes the
    energy's parameters and ``loss.state_dict()`` checkpoints both (plus any buffers the loss
    keeps, such as a replay buffer). What a loss sampled or measured along the way is
    recorded with :meth:`record` and read back from :attr:`last` (detached tensors), for
    logging.

    A loss that keeps persistent chains (persistent CD, JEM) holds them as ``self.buffer``
    with the states in ``self.buffer.samples``, one row per chain, so they are saved in the
    checkpoint under the key :data:`REPLAY_BUFFER_KEY` of its ``state_dict``: ``ebm train``
    draws them as ``buffer.png`` and ``ebm sample RUN --init buffer`` continues them.

    A loss that also learns from class labels (such as ``jem``) sets the class attribute
    ``takes_labels = True`` and has ``forward(data, labels=None)``; the trainer then passes
    each batch's labels, an integer tensor ``(batch,)``, when its data set is labelled (has
    ``sample_labelled(n, generator)``).

    Example::

        import torch
        import ebm_core

        class MeanEnergy(ebm_core.Loss):
            "Pushes the energy of data down (not a useful loss alone)."
            def forward(self, data):
                e = self.energy(data)
                self.record(energy_data=e.mean())
                return e.mean()

        loss = MeanEnergy(ebm_core.energy("gaussian", dim=2))
        value = loss(torch.zeros(3, 2))
        assert value.ndim == 0 and "energy_data" in loss.last
    """

    #: Whether :meth:`forward` takes ``labels`` after ``data`` (the trainer passes them).
    takes_labels: bool = False

    def __init__(self, energy: Energy) -> None:
        super().__init__()
        if not isinstance(energy, nn.Module):
            raise TypeError(
                f"energy must be an ebm_core.Energy (an nn.Module), got {type(energy).__name__}; "
                "build one with ebm_core.energy(name, ...) or wrap a network with "
                "ebm_core.energy('neural', module=net)"
            )
        self.energy = energy
        self.last: dict[str, Any] = {}

    @abc.abstractmethod
    def forward(self, data: torch.Tensor) -> torch.Tensor:
        """The scalar loss on a batch of data."""

    def record(self, **values: Any) -> None:
        """Keep ``values`` (tensors are detached) in :attr:`last` for logging."""
        for key, value in values.items():
            self.last[key] = value.detach() if isinstance(value, torch.Tensor) else value
