"""``ebm plugins`` and ``ebm --version``."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

import ebm_core
from ebm_core.cli.main import main
from ebm_core.registry import REGISTRY


class _BrokenHook:
    @ebm_core.hookimpl
    def ebm_register_energies(self, register):
        register("cli_listed", _CliEnergy)


class _CliEnergy(ebm_core.Energy):
    """Energy listed by the CLI test."""

    def forward(self, x):
        return x.sum(-1)


@pytest.fixture
def listed_plugin():
    ebm_core.register_plugin(_BrokenHook(), name="cli-test")
    yield
    ebm_core.unregister_plugin("cli-test")


def test_plugins_table_lists_kind_name_plugin_distribution(listed_plugin, capsys) -> None:
    assert main(["plugins"]) == 0
    out = capsys.readouterr().out
    header, *rows = out.splitlines()
    assert header.split() == ["KIND", "NAME", "PLUGIN", "DISTRIBUTION", "DESCRIPTION"]
    row = next(r for r in rows if "cli_listed" in r)
    assert row.split()[:4] == ["energy", "cli_listed", "cli-test", "(in-process)"]
    assert "Energy listed by the CLI test." in row
    builtin = [r for r in rows if f"ebm-core {ebm_core.__version__}" in r]
    assert builtin and all(r.split()[2].startswith("ebm_core_") for r in builtin)


def test_plugins_json_includes_failures(listed_plugin, capsys, monkeypatch) -> None:
    failure = ebm_core.PluginFailure(ebm_core.PluginSource("bad", "bad-dist", "0.1", "bad_mod"), "ImportError: x")
    REGISTRY.catalog.failures.append(failure)
    try:
        assert main(["plugins", "--json", "--kind", "energy"]) == 0
        data = json.loads(capsys.readouterr().out)
        names = {c["name"]: c for c in data["components"]}
        assert names["cli_listed"]["distribution"] == "(in-process)"
        assert {c["kind"] for c in data["components"]} == {"energy"}
        assert data["failures"][-1] == {
            "plugin": "bad", "distribution": "bad-dist", "version": "0.1",
            "entry_point": "bad_mod", "error": "ImportError: x",
        }
        assert main(["plugins"]) == 0
        text = capsys.readouterr().out
        assert "Broken plugins (" in text and "bad-dist 0.1 (entry point bad_mod): ImportError: x" in text
    finally:
        REGISTRY.catalog.failures.remove(failure)


def test_version_and_module_entry_point() -> None:
    out = subprocess.run(
        [sys.executable, "-m", "ebm_core", "--version"], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == f"ebm-core {ebm_core.__version__}"


def test_errors_exit_2_without_traceback(capsys) -> None:
    with pytest.raises(SystemExit) as info:
        main(["plugins", "--kind", "nonsense"])
    assert info.value.code == 2
    assert "invalid choice" in capsys.readouterr().err
