"""Fixtures of the sampler tests.

* These tests prove the torch path, so fused kernels are switched off
  (``EBM_DISABLE_KERNELS=1``) unless a test turns them back on: an installed kernel plugin
  such as ebm-cuda must not change what they test. ``test_fast_path.py`` tests the dispatch
  itself with fake kernels.
* One intra-op thread, like every test (tests/conftest.py).
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _torch_path(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBM_DISABLE_KERNELS", "1")

