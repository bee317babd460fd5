"""The samplers plugin is found through its entry point, like a third-party plugin."""

from __future__ import annotations

import json

import torch

import ebm_core
from ebm_core.cli.main import main


def test_the_three_samplers_come_from_ebm_core() -> None:
    for name in ("langevin", "mala", "hmc"):
        record = ebm_core.describe("sampler", name)
        assert record.source.distribution == "ebm-core" and record.source.name == "ebm_core_samplers"
        assert record.description  # first docstring line, shown by `ebm plugins`


def test_ebm_plugins_lists_them(capsys) -> None:
    assert main(["plugins", "--kind", "sampler", "--json"]) == 0
    listed = {c["name"]: c for c in json.loads(capsys.readouterr().out)["components"]}
    names = ("langevin", "mala", "hmc", "kinetic_langevin", "parallel_tempering", "nuts")
    assert set(names) <= set(listed)
    assert all(listed[n]["distribution"] == "ebm-core" for n in names)


def test_selected_by_qualified_name() -> None:
    energy = ebm_core.energy("gaussian", dim=3)
    s = ebm_core.sampler("ebm-core:hmc", energy, step_size=0.1, n_leapfrog=4)
    assert s.sample(torch.zeros(5, 3), n_steps=3).shape == (5, 3)
    assert s.kernel_key == "hmc" and set(s.kernel_params()) == {
        "step_size", "n_leapfrog", "inv_mass", "step_size_jitter"
    }
