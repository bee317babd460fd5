"""The data sets are plugins: registered through ``ebm_core_datasets``, listed by ``ebm plugins``."""

from __future__ import annotations

import pytest

import ebm_core
from ebm_core.cli.main import main

NAMES = [
    "checkerboard",
    "eight_gaussians",
    "gaussian_mixture",
    "pinwheel",
    "rings",
    "swiss_roll",
    "two_moons",
    "two_spirals",
]


def test_every_dataset_is_registered_by_the_builtin_plugin() -> None:
    assert set(NAMES) <= set(ebm_core.available("dataset"))
    for name in NAMES:
        assert ebm_core.describe("dataset", name).source.name == "ebm_core_datasets"


def test_ebm_plugins_lists_the_datasets(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    listed = {tuple(line.split()[:2]) for line in capsys.readouterr().out.splitlines()}
    assert {("dataset", name) for name in NAMES} <= listed
