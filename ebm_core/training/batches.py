"""Training batches, identical on every rank before sharding.

Each step draws the *global* batch from a generator that has the same seed and state on
every rank, then each rank keeps its contiguous slice. So a job with W ranks of batch B/W
sees exactly the batches a single process of batch B sees — the property the distributed
equivalence test relies on — and the generator state is one small tensor to checkpoint.
"""

from __future__ import annotations

from typing import Any

import torch

from ..checks import integer_in_range
from .distributed import ProcessGroup


class BatchSource:
    """Draws batches from a tensor (rows sampled with replacement) or a data set object.

    ``data`` is a tensor ``(n, *event)`` or an object with ``sample(n, generator=None)``
    (every registered data set). ``batch_size`` is the global batch; it must divide by the
    number of ranks.
    """

    def __init__(self, data: Any, batch_size: int, *, seed: int, group: ProcessGroup) -> None:
        integer_in_range(batch_size, "batch_size", 2)
        if batch_size % group.world_size:
            raise ValueError(
                f"batch_size {batch_size} must be divisible by the number of ranks ({group.world_size})"
            )
        if isinstance(data, torch.Tensor):
            if data.dim() < 2 or len(data) < 2:
                raise ValueError(f"data tensor must have shape (n ≥ 2, *event), got {tuple(data.shape)}")
        elif not callable(getattr(data, "sample", None)):
            raise TypeError(
                f"data must be a tensor or a data set with sample(n, generator), got {type(data).__name__}"
            )
        self.data = data
        self.batch_size = batch_size
        self.group = group
        self.generator = torch.Generator().manual_seed(seed)

    @property
    def labelled(self) -> bool:
        """Whether the data can give labels (a data set with ``sample_labelled``)."""
        return callable(getattr(self.data, "sample_labelled", None))

    def next(self) -> torch.Tensor:
        """This rank's share of the next global batch."""
        if isinstance(self.data, torch.Tensor):
            index = torch.randint(len(self.data), (self.batch_size,), generator=self.generator)
            return self._share(self.data[index])
        return self._share(self.data.sample(self.batch_size, generator=self.generator))

    def next_labelled(self) -> tuple[torch.Tensor, torch.Tensor | None]:
        """This rank's share of the next global batch and its labels (``None`` when unlabelled).

        Draws the same rows as :meth:`next` would (``sample`` and ``sample_labelled`` of a
        data set consume its generator alike), so a run's batches do not depend on labels.
        """
        if not self.labelled:
            return self.next(), None
        batch, labels = self.data.sample_labelled(self.batch_size, generator=self.generator)
        return self._share(batch), None if labels is None else self._share(labels)

    def _share(self, batch: torch.Tensor) -> torch.Tensor:
        share = self.batch_size // self.group.world_size
        return batch[self.group.rank * share : (self.group.rank + 1) * share]
