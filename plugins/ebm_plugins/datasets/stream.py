"""A toy data set as a :class:`torch.utils.data.IterableDataset` of fresh batches.

Each item is a whole batch ``(batch_size, 2)``, so a ``DataLoader`` over it is built with
``batch_size=None`` (no re-batching). With ``seed`` set, iterating gives the same batches
every time; under a multi-worker ``DataLoader`` worker ``w`` uses ``seed + w`` so workers do
not repeat each other, and the ``num_batches`` are shared out among the workers. With ``seed=None`` the batches come from a seed drawn from torch's
global generator when iteration starts (reproducible under ``torch.manual_seed``).

Example::

    import itertools, torch, ebm_core
    from torch.utils.data import DataLoader

    stream = ebm_core.dataset("eight_gaussians").as_iterable(256, seed=0)
    loader = DataLoader(stream, batch_size=None)
    for batch in itertools.islice(loader, 3):
        assert batch.shape == (256, 2)
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Iterator

import torch
from torch.utils.data import IterableDataset, get_worker_info

from ebm_core.checks import integer_in_range, non_negative_int, positive_int

if TYPE_CHECKING:
    from .base import ToyDataset


class SampleStream(IterableDataset):
    """Batches of ``batch_size`` points from ``dataset``: ``num_batches`` of them, or endless."""

    def __init__(
        self,
        dataset: "ToyDataset",
        batch_size: int,
        *,
        seed: int | None = None,
        num_batches: int | None = None,
    ) -> None:
        super().__init__()
        self.dataset = dataset
        self.batch_size = positive_int(batch_size, "batch_size")
        self.seed = None if seed is None else integer_in_range(seed, "seed", hint="pass None for a fresh seed")
        self.num_batches = (
            None if num_batches is None else non_negative_int(num_batches, "num_batches", "pass None for an endless stream")
        )

    def __iter__(self) -> Iterator[torch.Tensor]:
        seed = self.seed
        if seed is None:
            seed = int(torch.randint(0, 2**62, (), dtype=torch.int64))
        quota = self.num_batches
        worker = get_worker_info()
        if worker is not None:
            seed += worker.id
            if quota is not None:  # share the batches out: worker w takes batches w, w + W, ...
                quota = len(range(worker.id, quota, worker.num_workers))
        generator = torch.Generator().manual_seed(seed)
        produced = 0
        while quota is None or produced < quota:
            yield self.dataset.sample(self.batch_size, generator=generator)
            produced += 1

    def __len__(self) -> int:
        if self.num_batches is None:
            raise TypeError("an endless SampleStream has no len(); pass num_batches= to give it one")
        return self.num_batches
