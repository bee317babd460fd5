"""Shared pytest configuration.

Tests run with the installed ebm-core (editable in development, as the README installs it).
``EBM_STRICT_PLUGINS`` is cleared for each test so tests that plant broken plugins see the
default behaviour; a test that wants strict mode sets it with ``monkeypatch``.
"""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _default_plugin_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("EBM_STRICT_PLUGINS", raising=False)
