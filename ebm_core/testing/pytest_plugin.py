"""The kit's pytest plugin: command-line options and fixtures for testing ebm plugins.

Enable it in your test suite's ``conftest.py``::

    pytest_plugins = ["ebm_core.testing.pytest_plugin"]

Options (they also steer the conformance suites of :mod:`ebm_core.testing.suites`):

* ``--ebm-device DEVICE`` (repeatable) — devices the contract checks run on; default: CPU,
  plus CUDA when torch sees a GPU;
* ``--ebm-false-fail-rate RATE`` — the budget of every statistical check (default 1e-3).

Fixtures:

* ``ebm_devices`` — the list of ``torch.device`` to test on;
* ``ebm_false_fail_rate`` — the statistical budget;
* ``ebm_generator`` — a CPU ``torch.Generator`` seeded with 0, fresh for each test;
* ``ebm_single_thread`` — runs the test with one intra-op thread (restored afterwards):
  statistical checks run thousands of tiny chains, where extra threads only add overhead,
  and CI machines are shared;
* ``ebm_plugin`` — a factory registering an in-process plugin for the test's duration:
  ``ebm_plugin(my_module)`` (your plugin works before it is pip-installed).

Example test using them::

    def test_rwm_contract(ebm_devices, ebm_single_thread):
        import ebm_core.testing as kit
        kit.check_sampler_contract("rwm", devices=ebm_devices)
"""

from __future__ import annotations

from typing import Any, Callable, Iterator

import pytest
import torch

from .. import api
from .sampler_contract import available_devices

#: Default overall false-fail rate of one statistical check.
DEFAULT_FALSE_FAIL_RATE = 1e-3


def pytest_addoption(parser: pytest.Parser) -> None:
    group = parser.getgroup("ebm", "ebm conformance kit")
    group.addoption("--ebm-device", action="append", dest="ebm_device", default=None, metavar="DEVICE",
                    help="device to run the ebm contract checks on (repeatable; default: cpu, plus cuda if present)")
    group.addoption("--ebm-false-fail-rate", type=float, dest="ebm_false_fail_rate", default=None, metavar="RATE",
                    help=f"false-fail budget of each ebm statistical check (default {DEFAULT_FALSE_FAIL_RATE})")


def devices_from(config: pytest.Config) -> list[torch.device]:
    """The devices chosen with ``--ebm-device`` (works with or without this plugin loaded)."""
    chosen = config.getoption("ebm_device", default=None)
    return [torch.device(d) for d in chosen] if chosen else available_devices()


def false_fail_rate_from(config: pytest.Config, default: float = DEFAULT_FALSE_FAIL_RATE) -> float:
    """The rate chosen with ``--ebm-false-fail-rate``, else ``default``."""
    rate = config.getoption("ebm_false_fail_rate", default=None)
    return default if rate is None else float(rate)


@pytest.fixture
def ebm_devices(request: pytest.FixtureRequest) -> list[torch.device]:
    return devices_from(request.config)


@pytest.fixture
def ebm_false_fail_rate(request: pytest.FixtureRequest) -> float:
    return false_fail_rate_from(request.config)


@pytest.fixture
def ebm_generator() -> torch.Generator:
    return torch.Generator().manual_seed(0)


@pytest.fixture
def ebm_single_thread() -> Iterator[None]:
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(before)


@pytest.fixture
def ebm_plugin() -> Iterator[Callable[..., Any]]:
    added: list[str] = []

    def register(plugin: Any, name: str | None = None) -> Any:
        source = api.register_plugin(plugin, name=name)
        added.append(source.name)
        return source

    yield register
    for name in reversed(added):
        api.unregister_plugin(name)
