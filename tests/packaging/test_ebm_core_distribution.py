"""ebm-core's sdist and wheel install into a fresh venv and find their built-in plugins;
a third-party plugin distribution installed with pip is then selectable by name."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

import ebm_core

from .fresh_venv import REPO, FreshVenv, build_distributions

pytestmark = pytest.mark.slow


def _components(venv: FreshVenv) -> dict[str, dict]:
    data = json.loads(venv.run("ebm", "plugins", "--json"))
    assert data["failures"] == [] and data["duplicate_entry_points"] == []
    return {c["qualified_name"]: c for c in data["components"]}


def test_sdist_and_wheel_install_and_register_builtins(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    sdist, wheel = build_distributions(REPO, tmp_path / "dist")
    assert wheel.name.startswith(f"ebm_core-{ebm_core.__version__}-")
    for artefact in (sdist, wheel):
        fresh_venv.pip("install", "--force-reinstall", "--no-deps", str(artefact))
        fresh_venv.pip("install", str(artefact))  # dependencies
        components = _components(fresh_venv)
        record = components["ebm-core:double_well"]
        assert (record["kind"], record["distribution"], record["version"]) == (
            "energy", "ebm-core", ebm_core.__version__,
        )
        out = fresh_venv.run(
            "python", "-c",
            "import torch, ebm_core as e; print(e.energy('double_well')(torch.zeros(3, 2)).tolist())",
        )
        assert json.loads(out) == [2.0, 2.0, 2.0]


def test_pip_installed_third_party_plugin_is_selectable(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    project = tmp_path / "ebm-quartic"
    (project / "ebm_quartic").mkdir(parents=True)
    (project / "pyproject.toml").write_text(textwrap.dedent("""
        [build-system]
        requires = ["setuptools>=68"]
        build-backend = "setuptools.build_meta"

        [project]
        name = "ebm-quartic"
        version = "0.3.0"
        dependencies = ["ebm-core"]

        [project.entry-points.ebm]
        quartic = "ebm_quartic"
    """))
    (project / "ebm_quartic" / "__init__.py").write_text(textwrap.dedent('''
        import ebm_core

        class Quartic(ebm_core.Energy):
            """E(x) = sum(x**4) / 4."""
            def __init__(self, dim: int = 2):
                super().__init__(event_shape=(dim,))
            def forward(self, x):
                return self.check_input(x).pow(4).sum(-1) / 4

        @ebm_core.hookimpl
        def ebm_register_energies(register):
            register("quartic", Quartic)
    '''))
    _, wheel = build_distributions(REPO, tmp_path / "core")
    fresh_venv.pip("install", str(wheel))
    fresh_venv.pip("install", str(project))
    record = _components(fresh_venv)["ebm-quartic:quartic"]
    assert (record["distribution"], record["version"], record["plugin"]) == ("ebm-quartic", "0.3.0", "quartic")
    out = fresh_venv.run(
        "python", "-c", "import torch, ebm_core as e; print(e.energy('quartic', dim=3)(torch.ones(2, 3)).tolist())"
    )
    assert json.loads(out) == [0.75, 0.75]
