"""The fused MLP kernel checks ``sampler_params`` with the one check every ebm-cuda chain kernel
uses (``ebm_cuda.chains.set_sampler_params`` over ``ebm_core.kernels.SAMPLER_PARAMS``): each bad
set of Langevin parameters is declined with the generic chain kernel's message, and good ones
reach the native fields. Deterministic.
"""

from __future__ import annotations

import dataclasses

import pytest
import torch

import ebm_core
from ebm_core.kernels import ChainRequest
from ebm_cuda.chains import FusedChainKernel
from ebm_cuda.mlp_chain import FusedMLPLangevin


def _requests(sampler_params: dict) -> tuple[ChainRequest, ChainRequest]:
    energy = ebm_core.energy("mlp", dim=2, hidden=[8])
    mlp = ChainRequest(
        sampler="langevin", sampler_params=sampler_params, energy="mlp",
        energy_params=energy.kernel_params(), x0=torch.zeros(4, 2), n_steps=2, burn_in=0, thin=1,
        seed=0, record_trajectory=False,
    )
    return mlp, dataclasses.replace(mlp, energy="harmonic", energy_params={"k": 1.0})


@pytest.mark.parametrize(
    "sampler_params",
    [
        {"step_size": 0.01, "temperature": 2.0},  # not a kernel parameter
        {"noise_scale": 1.0},  # step_size missing
        {"step_size": 0.0},
        {"step_size": 0.01, "noise_scale": -1.0},
        {"step_size": 0.01, "clamp": float("nan")},
    ],
)
def test_bad_sampler_params_are_declined_with_the_generic_kernels_message(sampler_params: dict) -> None:
    mlp, harmonic = _requests(sampler_params)
    expected = FusedChainKernel("langevin", "harmonic", "cpu").unsupported_reason(harmonic)
    assert expected is not None
    assert FusedMLPLangevin().unsupported_reason(mlp) == expected


def test_good_sampler_params_reach_the_native_fields() -> None:
    mlp, _ = _requests({"step_size": 0.02, "noise_scale": 0.5, "clamp": 3.0})
    args, _, _ = FusedMLPLangevin()._prepare(mlp)
    assert (args.step_size, args.noise_scale, args.has_clamp, args.clamp) == (0.02, 0.5, True, 3.0)
    unclamped, _ = _requests({"step_size": 0.02})
    args, _, _ = FusedMLPLangevin()._prepare(unclamped)
    assert (args.noise_scale, args.has_clamp) == (1.0, False)
