"""``as_iterable``: a data set as an ``IterableDataset`` of batches for ``DataLoader``."""

from __future__ import annotations

import itertools

import pytest
import torch
from torch.utils.data import DataLoader, IterableDataset

import ebm_core


def test_batches_are_seeded_and_repeatable() -> None:
    stream = ebm_core.dataset("eight_gaussians").as_iterable(64, seed=3, num_batches=4)
    assert isinstance(stream, IterableDataset) and len(stream) == 4
    first, second = list(stream), list(stream)
    assert len(first) == 4 and all(b.shape == (64, 2) for b in first)
    assert all(torch.equal(a, b) for a, b in zip(first, second))
    assert not torch.equal(first[0], first[1])
    expected = ebm_core.dataset("eight_gaussians").sample(64, torch.Generator().manual_seed(3))
    assert torch.equal(first[0], expected)  # the same draws as sample() with that seed


def test_endless_without_num_batches_and_unseeded_follows_the_global_seed() -> None:
    stream = ebm_core.dataset("two_moons").as_iterable(8)
    torch.manual_seed(0)
    first = list(itertools.islice(stream, 50))
    torch.manual_seed(0)
    assert torch.equal(torch.stack(first), torch.stack(list(itertools.islice(stream, 50))))
    with pytest.raises(TypeError, match="num_batches"):
        len(stream)


def test_dataloader_without_workers() -> None:
    stream = ebm_core.dataset("rings").as_iterable(32, seed=0, num_batches=3)
    batches = list(DataLoader(stream, batch_size=None))
    assert [b.shape for b in batches] == [(32, 2)] * 3
    assert all(torch.equal(a, b) for a, b in zip(batches, stream))


def test_dataloader_workers_share_the_batches_and_do_not_repeat_each_other() -> None:
    stream = ebm_core.dataset("pinwheel").as_iterable(16, seed=7, num_batches=5)
    batches = list(DataLoader(stream, batch_size=None, num_workers=2))
    assert len(batches) == 5
    rows = torch.cat(batches)
    assert torch.unique(rows, dim=0).shape[0] == rows.shape[0]


@pytest.mark.parametrize(
    "kwargs, error, message",
    [
        ({"batch_size": 0}, ValueError, "batch_size must be"),
        ({"batch_size": 4, "num_batches": -1}, ValueError, "num_batches must be"),
        ({"batch_size": 4, "seed": 1.5}, TypeError, "seed must be"),
    ],
)
def test_bad_arguments(kwargs: dict, error: type, message: str) -> None:
    batch_size = kwargs.pop("batch_size")
    with pytest.raises(error, match=message):
        ebm_core.dataset("two_moons").as_iterable(batch_size, **kwargs)
