"""The losses are plugins: registered through the ``ebm_core_losses`` entry point, listed by ``ebm plugins``."""

from __future__ import annotations

import pytest

import ebm_core
from ebm_core.cli.main import main

NAMES = ["cd", "denoising_score_matching", "pcd", "score_matching", "sliced_score_matching"]


def test_every_loss_is_registered_by_the_builtin_plugin() -> None:
    assert set(NAMES) <= set(ebm_core.available("loss"))
    for name in NAMES:
        record = ebm_core.describe("loss", name)
        assert record.source.name == "ebm_core_losses"
        assert record.description  # first docstring line, shown by `ebm plugins`


def test_ebm_plugins_lists_the_losses(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["plugins"]) == 0
    listed = {tuple(line.split()[:2]) for line in capsys.readouterr().out.splitlines()}
    assert {("loss", name) for name in NAMES} <= listed
