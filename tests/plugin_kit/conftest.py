"""Fixtures of the conformance-kit tests.

The kit's statistical checks run thousands of tiny chains, where one intra-op thread is
fastest (extra threads only add synchronisation, and CI's two cores are shared); the setting
is restored after each test.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _one_intra_op_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
