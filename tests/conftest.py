"""Shared pytest configuration.

Tests run with the installed ebm-core (editable in development, as the README installs it).
``EBM_STRICT_PLUGINS`` is cleared for each test so tests that plant broken plugins see the
default behaviour; a test that wants strict mode sets it with ``monkeypatch``.

Thread sharing (``ebm_core.thread_sharing``) is off in every test (``EBM_THREAD_SHARING=0``, also
for the subprocesses tests start): a test runs at the thread count it set, whatever else the
machine runs — the bitwise-resume tests depend on it. Its own tests turn it back on.

Every test runs with one torch intra-op thread (restored afterwards). The suite's work is many
small tensors — thousands of short chains, small MLPs, batches of a few hundred — where extra
threads only add synchronisation; on CI's two shared cores two threads made some tests ~6×
slower. Tests about thread counts set them explicitly or use subprocesses.
"""

from __future__ import annotations

from typing import Iterator

import pytest
import torch


@pytest.fixture(autouse=True)
def _default_plugin_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBM_STRICT_PLUGINS", raising=False)


@pytest.fixture(autouse=True)
def _no_thread_sharing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("EBM_THREAD_SHARING", "0")


@pytest.fixture(autouse=True)
def _one_intra_op_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
