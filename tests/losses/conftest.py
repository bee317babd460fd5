"""Fixtures of the loss tests."""

from __future__ import annotations

from typing import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_intra_op_thread() -> Iterator[None]:
    """Run each test with one intra-op thread, restoring the setting afterwards.

    These tests train small models on small batches (≤ 128×128 matrices), where torch's
    intra-op threads add synchronisation and nothing else: on a 2-core machine that is
    shared with other processes, two threads made the eight-Gaussians training ~6× slower.
    """
    previous = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(previous)
