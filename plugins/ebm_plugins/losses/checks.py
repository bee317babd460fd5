"""What the losses check about their energy and data batches (numbers: :mod:`ebm_core.checks`)."""

from __future__ import annotations

import torch

from ebm_core import Energy


def check_energy(energy: object) -> Energy:
    """``energy`` after checking it is an :class:`ebm_core.Energy` (losses need ``grad``)."""
    if not isinstance(energy, Energy):
        raise TypeError(
            f"energy must be an ebm_core.Energy, got {type(energy).__name__}; build one with "
            "ebm_core.energy(name, ...) or wrap a network with ebm_core.energy('neural', module=net)"
        )
    return energy


def check_data(energy: Energy, data: object, *, min_batch: int = 1) -> torch.Tensor:
    """Return ``data`` after checking it is a floating batch ``energy`` accepts.

    Raises ``TypeError`` for a non-tensor or integer tensor, ``ValueError`` for a batch
    smaller than ``min_batch`` or a shape that is not ``(batch, *energy.event_shape)``.
    """
    data = energy.check_input(data, name="data")
    if data.dim() < 2:
        raise ValueError(
            f"data must be a batch of shape (batch, *event_shape), got shape {tuple(data.shape)}; "
            "add a batch dimension with data.unsqueeze(0) for a single point"
        )
    if data.shape[0] < min_batch:
        raise ValueError(
            f"data has a batch of {data.shape[0]} but this loss needs at least {min_batch} "
            f"sample{'s' if min_batch > 1 else ''}"
        )
    return data





