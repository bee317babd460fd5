"""Fixtures for packaging tests (slow: they build distributions and install them)."""

from __future__ import annotations

import pytest

from .fresh_venv import FreshVenv


@pytest.fixture(scope="session")
def fresh_venv(tmp_path_factory: pytest.TempPathFactory) -> FreshVenv:
    return FreshVenv(tmp_path_factory.mktemp("fresh") / "venv")
