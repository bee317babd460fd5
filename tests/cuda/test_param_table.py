"""The kernel parameter table is declared once, in ebm_core.kernels; the native argument struct
(csrc/ebm/args.h), its Python binding and the contract's docstring table must agree with that
declaration field by field (item: one source of truth for kernel parameters)."""

from __future__ import annotations

import re
from pathlib import Path

import ebm_core.kernels as contract
import torch
from ebm_core.kernels import ENERGY_PARAMS, KERNEL_ENERGIES, KERNEL_SAMPLERS, SAMPLER_PARAMS

from ebm_cuda import _native, chains

from .conftest import chain_request

ARGS_H = Path(__file__).resolve().parents[2] / "ebm_cuda" / "csrc" / "ebm" / "args.h"
CPP_TYPE = {"real": "double", "integer": "int64_t", "vector": "uintptr_t", "matrix": "uintptr_t"}


def _expected_fields() -> dict[str, str]:
    """field name → C++ type, from the Python declaration and the naming rule of args.h."""
    fields: dict[str, str] = {}
    declared = [("", p) for ps in SAMPLER_PARAMS.values() for p in ps]
    declared += [(f"{energy}_", p) for energy, ps in ENERGY_PARAMS.items() for p in ps]
    for prefix, param in declared:
        name = prefix + param.name
        assert fields.get(name, CPP_TYPE[param.kind]) == CPP_TYPE[param.kind], f"{name}: two kinds"
        fields[name] = CPP_TYPE[param.kind]
        if param.nullable:
            fields[f"has_{name}"] = "bool"
    return fields


def _args_h_fields() -> dict[str, str]:
    """The fields between BEGIN/END CONTRACT PARAMETERS in struct ChainArgs."""
    text = ARGS_H.read_text()
    block = re.search(r"// BEGIN CONTRACT PARAMETERS\n(.*?)// END CONTRACT PARAMETERS", text, re.S)
    assert block, "args.h lost its BEGIN/END CONTRACT PARAMETERS markers"
    fields = {}
    for line in block.group(1).splitlines():
        line = line.strip()
        if not line or line.startswith("//"):
            continue
        m = re.fullmatch(r"(double|int64_t|uintptr_t|bool) (\w+) = [^,;]+;(\s*//.*)?", line)
        assert m, f"args.h: one field per line, '<type> <name> = <default>;', got {line!r}"
        assert m.group(2) not in fields, f"args.h declares {m.group(2)} twice"
        fields[m.group(2)] = m.group(1)
    return fields


def test_args_h_declares_exactly_the_declared_parameters() -> None:
    assert _args_h_fields() == _expected_fields()


def test_every_parameter_field_is_bound_in_python() -> None:
    args = _native.ChainArgs()
    missing = [name for name in _expected_fields() if not hasattr(args, name)]
    assert not missing, f"module.cpp does not bind {missing}"


def test_native_kinds_match_the_declared_keys() -> None:
    assert tuple(_native.SamplerKind.__members__) == KERNEL_SAMPLERS
    energies = {name.removesuffix("_diag").removesuffix("_full") for name in _native.EnergyKind.__members__}
    assert energies == set(KERNEL_ENERGIES)
    assert chains.SAMPLERS is KERNEL_SAMPLERS and chains.ENERGIES is KERNEL_ENERGIES


def test_the_docstring_tables_name_every_declared_parameter() -> None:
    doc = contract.__doc__
    for table in (SAMPLER_PARAMS, ENERGY_PARAMS):
        for key, params in table.items():
            row = re.search(rf"^``{key}`` +(.*?)(?=^``|^=)", doc, re.S | re.M)
            assert row, f"no row for {key!r} in ebm_core.kernels' docstring table"
            named = set(re.findall(r"``(\w+)``", row.group(1)))
            assert named == {p.name for p in params}, (key, named)


def test_the_wrapper_sets_every_field_from_the_declaration() -> None:
    """Each given parameter reaches its native field (chains.py has no hand-written copy)."""
    x0 = torch.zeros(4, 2, dtype=torch.float64)
    for sampler, energy, sp, ep in [
        ("langevin", "double_well", {"step_size": 0.25, "noise_scale": 0.5, "clamp": 2.0},
         {"barrier_height": 3.0, "b": 0.75}),
        ("hmc", "rosenbrock", {"step_size": 0.5, "n_leapfrog": 3, "inv_mass": [2.0, 4.0]}, {"a": 1.5, "b": 7.0}),
        ("mala", "harmonic", {"step_size": 0.125}, {"k": 2.5, "center": [1.0, -1.0]}),
    ]:
        launch = chains.FusedChainKernel(sampler, energy, "cpu")._prepare(
            chain_request(sampler, sp, energy, ep, x0, 1))
        tensors = {t.data_ptr(): t.tolist() for t in launch.keep_alive}
        given = {**sp, **{f"{energy}_{k}": v for k, v in ep.items()}}
        for field, value in given.items():
            got = getattr(launch.args, field)
            assert (tensors[got] if isinstance(value, list) else got) == value, (sampler, energy, field)
        assert launch.args.has_clamp == ("clamp" in sp)
