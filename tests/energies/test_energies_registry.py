"""Every built-in energy is selectable by name, came through ebm-core's entry point, and
declares exactly the fused-kernel parameters of ebm_core/kernels.py."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ebm_core
import ebm_core.kernels

BUILT_IN = {
    "gaussian": dict(dim=2),
    "double_well": dict(),
    "rosenbrock": dict(),
    "harmonic": dict(),
    "ackley": dict(),
    "rastrigin": dict(),
    "gaussian_mixture": dict(means=[[0.0, 1.0], [1.0, 0.0]]),
    "neural": dict(module=nn.Linear(2, 1), event_shape=2),
    "mlp": dict(hidden=[8, 8]),
}

#: The ``energy_params`` table of ebm_core/kernels.py (checked against its text below).
KERNEL_PARAMS = {
    ("gaussian", "diagonal"): {"mean", "precision_diag"},
    ("gaussian", "full"): {"mean", "precision"},
    ("double_well", None): {"barrier_height", "b"},
    ("rosenbrock", None): {"a", "b"},
    ("harmonic", None): {"k", "center"},
}


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_selectable_by_name_from_the_ebm_core_distribution(name):
    energy = ebm_core.energy(name, **BUILT_IN[name])
    assert isinstance(energy, ebm_core.Energy)
    assert energy(torch.zeros(5, 2)).shape == (5,)
    record = ebm_core.describe("energy", name)
    assert record.source.distribution == "ebm-core"
    assert record.source.name == "ebm_core_energies"
    assert ebm_core.energy(f"ebm-core:{name}", **BUILT_IN[name]).__class__ is type(energy)
    assert record.description  # one line for `ebm plugins`


def test_all_built_ins_are_listed():
    assert set(BUILT_IN) <= set(ebm_core.available("energy"))


def test_typo_in_keyword_names_the_accepted_ones():
    with pytest.raises(ebm_core.InvalidArgumentError, match="barrier_height"):
        ebm_core.energy("double_well", barrier_hieght=2.0)


def test_kernel_table_in_kernels_module_names_these_parameters():
    table = ebm_core.kernels.__doc__
    for (key, _), params in KERNEL_PARAMS.items():
        assert f"``{key}``" in table
        for param in params:
            assert f"``{param}``" in table


@pytest.mark.parametrize(
    "name, kwargs, variant",
    [
        ("gaussian", dict(dim=3), "diagonal"),
        ("gaussian", dict(covariance=[1.0, 2.0]), "diagonal"),
        ("gaussian", dict(covariance=[[2.0, 0.3], [0.3, 1.0]]), "full"),
        ("gaussian", dict(precision=[[2.0, 0.3], [0.3, 1.0]]), "full"),
        ("double_well", dict(barrier_height=2.0, b=0.5), None),
        ("rosenbrock", dict(dim=4, a=2.0, b=5.0), None),
        ("harmonic", dict(dim=3, k=2.0, center=1.0), None),
    ],
)
def test_kernel_params_match_the_kernel_contract(name, kwargs, variant):
    energy = ebm_core.energy(name, **kwargs)
    assert "kernel_key" in type(energy).__dict__ and type(energy).kernel_key == name
    params = energy.kernel_params()
    assert set(params) == KERNEL_PARAMS[(name, variant)]
    for value in params.values():
        assert isinstance(value, (float, torch.Tensor))
        if isinstance(value, torch.Tensor):
            assert value.shape in {(energy.dim,), (energy.dim, energy.dim)}


def test_kernel_params_values():
    energy = ebm_core.energy("double_well", barrier_height=2.0, b=0.5)
    assert energy.kernel_params() == {"barrier_height": 2.0, "b": 0.5}
    gaussian = ebm_core.energy("gaussian", mean=[1.0, 2.0], covariance=[2.0, 4.0])
    torch.testing.assert_close(gaussian.kernel_params()["precision_diag"], torch.tensor([0.5, 0.25]))
    torch.testing.assert_close(gaussian.kernel_params()["mean"], torch.tensor([1.0, 2.0]))


@pytest.mark.parametrize("name", ["ackley", "rastrigin", "gaussian_mixture", "neural"])
def test_energies_without_fused_kernel_declare_none(name):
    energy = ebm_core.energy(name, **BUILT_IN[name])
    assert type(energy).kernel_key is None
    assert energy.kernel_params() is None
