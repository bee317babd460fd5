"""The replay buffer of persistent contrastive divergence: chain states kept between batches.

The states live in a registered buffer (``samples``), so they are part of the owning loss's
``state_dict`` — a checkpoint resumes the chains where they were — and move with ``.to()``.
The buffer is allocated on first use, when the event shape is known; loading a state dict
into an unallocated buffer takes the stored shape.

Example::

    import torch
    from ebm_plugins.losses.replay_buffer import ReplayBuffer

    buffer = ReplayBuffer(capacity=100)
    buffer.fill(torch.zeros(100, 2))
    rows, states = buffer.draw(10, generator=torch.Generator().manual_seed(0))
    buffer.write(rows, states + 1.0)
    assert buffer.samples.sum() == 20.0
"""

from __future__ import annotations

from typing import Any

import torch
from torch import nn

from ebm_core.checks import positive_int


class ReplayBuffer(nn.Module):
    """``capacity`` stored chain states, drawn from without replacement and written back."""

    def __init__(self, capacity: int) -> None:
        super().__init__()
        self.capacity = positive_int(capacity, "buffer_size")
        self.register_buffer("samples", torch.empty(0))

    @property
    def is_filled(self) -> bool:
        """Whether the buffer holds states (after :meth:`fill` or loading a checkpoint)."""
        return self.samples.shape[:1] == (self.capacity,)

    def fill(self, states: torch.Tensor) -> None:
        """Replace the whole content by ``states`` (``capacity`` rows)."""
        if states.shape[0] != self.capacity:
            raise ValueError(f"fill needs {self.capacity} states, got {states.shape[0]}")
        self.samples = states.detach().clone()

    def draw(self, n: int, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """``(rows, states)``: ``n`` distinct rows chosen uniformly at random, and their states."""
        device = generator.device if generator is not None else self.samples.device
        rows = torch.randperm(self.capacity, generator=generator, device=device)[:n]
        rows = rows.to(self.samples.device)
        return rows, self.samples[rows].clone()

    def write(self, rows: torch.Tensor, states: torch.Tensor) -> None:
        """Store ``states`` at ``rows`` (as drawn by :meth:`draw`)."""
        self.samples[rows] = states.detach().to(self.samples)

    def _load_from_state_dict(
        self, state_dict: dict[str, Any], prefix: str, *args: Any, **kwargs: Any
    ) -> None:
        stored = state_dict.get(prefix + "samples")
        if isinstance(stored, torch.Tensor) and stored.shape != self.samples.shape:
            held = stored.shape[0] if stored.dim() else 0
            if held not in (0, self.capacity):  # 0: saved before the first batch
                raise ValueError(
                    f"the checkpoint's replay buffer holds {held} states but this loss has "
                    f"buffer_size={self.capacity}; build the loss with buffer_size={held} to resume it"
                )
            self.samples = torch.empty_like(stored, device=self.samples.device)
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)

    def extra_repr(self) -> str:
        return f"capacity={self.capacity}, filled={self.is_filled}"
