"""Fixtures of the sampler tests.

* These tests prove the torch path, so fused kernels are switched off
  (``EBM_DISABLE_KERNELS=1``) unless a test turns them back on: an installed kernel plugin
  such as ebm-cuda must not change what they test. ``test_fast_path.py`` tests the dispatch
  itself with fake kernels.
* Chains here are a few thousand small rows, where one intra-op thread is fastest: extra
  threads cannot speed up elementwise ops on tensors this small, and on a busy machine their
  synchronisation made the suite several times slower. The setting is restored after each test.
"""

from __future__ import annotations

import pytest
import torch


@pytest.fixture(autouse=True)
def _torch_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBM_DISABLE_KERNELS", "1")


@pytest.fixture(autouse=True)
def _one_intra_op_thread():
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
