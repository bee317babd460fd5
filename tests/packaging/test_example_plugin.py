"""The example plugin distribution (examples/ebm-example-plugin) installs with pip next to an
ebm-core wheel in a fresh venv; both of its components are then selectable by name, and
``ebm plugins --json`` attributes them to the example's distribution."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .fresh_venv import REPO, FreshVenv, build_distributions

pytestmark = pytest.mark.slow

EXAMPLE = REPO / "examples" / "ebm-example-plugin"


def test_example_plugin_installs_and_is_selectable_by_name(fresh_venv: FreshVenv, tmp_path: Path) -> None:
    _, core_wheel = build_distributions(REPO, tmp_path / "core")
    _, example_wheel = build_distributions(EXAMPLE, tmp_path / "example")
    assert example_wheel.name.startswith("ebm_example_plugin-0.1.0-")
    fresh_venv.pip("install", str(core_wheel))
    fresh_venv.pip("install", str(example_wheel))

    listing = json.loads(fresh_venv.run("ebm", "plugins", "--json"))
    assert listing["failures"] == [] and listing["duplicate_entry_points"] == []
    components = {c["qualified_name"]: c for c in listing["components"]}
    for kind, name in (("sampler", "rwm"), ("energy", "banana")):
        record = components[f"ebm-example-plugin:{name}"]
        assert (record["kind"], record["distribution"], record["version"], record["plugin"]) == (
            kind, "ebm-example-plugin", "0.1.0", "example",
        )
    assert components["ebm-example-plugin:rwm"]["meta"]["gradient_free"] is True
    assert components["ebm-core:mala"]["distribution"] == "ebm-core"  # the built-ins are still there

    table = fresh_venv.run("ebm", "plugins", "--kind", "sampler")
    assert any(line.split()[:4] == ["sampler", "rwm", "example", "ebm-example-plugin"] for line in table.splitlines())

    out = fresh_venv.run("python", "-c", (
        "import json, torch, ebm_core as e\n"
        "banana = e.energy('banana', sigma=2.0, curvature=0.25)\n"
        "s = e.sampler('ebm-example-plugin:rwm', banana)\n"
        "r = s.run(n_samples=64, n_steps=50, burn_in=25, generator=torch.Generator().manual_seed(0))\n"
        "print(json.dumps([type(s).__module__, list(r.samples.shape), r.n_divergent]))"
    ))
    assert json.loads(out) == ["ebm_example_plugin.random_walk", [64, 2], 0]
