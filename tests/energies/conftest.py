"""Fixtures for the built-in energies' tests."""

from __future__ import annotations

import pytest

import ebm_core
from energy_cases import ANALYTIC_CASES


@pytest.fixture(params=ANALYTIC_CASES, ids=[case[0] for case in ANALYTIC_CASES])
def analytic_energy(request):
    """A built-in energy with a closed-form gradient, built through the registry."""
    _, name, kwargs = request.param
    return ebm_core.energy(name, **kwargs)
