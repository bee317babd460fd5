"""Bad input gives a clear error naming the argument (from ``run``/``update_``) and the same
message as a reason from ``unsupported_reason`` — so the sampler loop falls back instead of
crashing."""

from __future__ import annotations

import re

import pytest
import torch

import ebm_cuda
from ebm_cuda import FusedChainKernel, FusedLangevinUpdate, KernelDTypeError, KernelInputError
from ebm_cuda import runtime

from .conftest import chain_request

GAUSS = {"mean": torch.zeros(3), "precision_diag": torch.ones(3)}


def _mala(x0: torch.Tensor, **energy_params):
    return chain_request("mala", {"step_size": 0.1}, "gaussian", {**GAUSS, **energy_params}, x0, 5)


def _expect(kernel, request, error, match: str) -> None:
    reason = kernel.unsupported_reason(request)
    assert reason is not None and match in reason, reason
    with pytest.raises(error, match=re.escape(match)):
        kernel.run(request)


@pytest.fixture()
def kernel() -> FusedChainKernel:
    return FusedChainKernel("mala", "gaussian", "cpu")


def test_non_contiguous_x0(kernel) -> None:
    x0 = torch.zeros(3, 10).T  # (10, 3), transposed view
    _expect(kernel, _mala(x0), KernelInputError, "x0 must be contiguous")


@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.int64])
def test_unsupported_dtype(kernel, dtype) -> None:
    _expect(kernel, _mala(torch.zeros(10, 3, dtype=dtype)), KernelDTypeError, "x0 must be float32 or float64")


def test_wrong_rank(kernel) -> None:
    _expect(kernel, _mala(torch.zeros(10, 3, 1)), KernelInputError, "x0 must have shape (chains, d)")
    _expect(kernel, _mala(torch.zeros(10)), KernelInputError, "x0 must have at least 2 dimension")


def test_mismatched_parameter_shapes(kernel) -> None:
    _expect(kernel, _mala(torch.zeros(10, 3), mean=torch.zeros(4)), KernelInputError,
            "energy_params['mean'] must have shape (3,)")
    request = chain_request("mala", {"step_size": 0.1}, "gaussian",
                            {"mean": torch.zeros(3), "precision": torch.eye(2)}, torch.zeros(10, 3), 5)
    _expect(kernel, request, KernelInputError, "energy_params['precision'] must have shape (3, 3)")
    hmc = FusedChainKernel("hmc", "gaussian", "cpu")
    request = chain_request("hmc", {"step_size": 0.1, "n_leapfrog": 2, "inv_mass": torch.ones(2)}, "gaussian",
                            GAUSS, torch.zeros(10, 3), 5)
    _expect(hmc, request, KernelInputError, "sampler_params['inv_mass'] must have shape (3,)")


def test_parameter_on_another_device(kernel) -> None:
    request = _mala(torch.zeros(10, 3), mean=torch.zeros(3, device="meta"))
    _expect(kernel, request, KernelInputError, "energy_params['mean'] is on meta")


def test_x0_on_another_device(kernel) -> None:
    _expect(kernel, _mala(torch.zeros(10, 3, device="meta")), KernelInputError, "x0 is on meta but must be on cpu; this kernel runs on cpu")


def test_bad_numbers(kernel) -> None:
    for params, match in [({"step_size": 0.0}, "sampler_params['step_size'] must be a finite number > 0, got"),
                          ({"step_size": float("nan")}, "must be a finite number > 0, got sampler_params['step_size']=nan"),
                          ({}, "sampler_params must give 'step_size'")]:
        request = chain_request("mala", params, "gaussian", GAUSS, torch.zeros(10, 3), 5)
        _expect(kernel, request, KernelInputError, match)
    request = chain_request("mala", {"step_size": 0.1}, "gaussian", GAUSS, torch.zeros(10, 3), 5, burn_in=6)
    _expect(kernel, request, KernelInputError, "burn_in (6) must not exceed n_steps (5)")
    request = chain_request("mala", {"step_size": 0.1}, "gaussian", GAUSS, torch.zeros(10, 3), 5, thin=0)
    _expect(kernel, request, KernelInputError, "thin must be an integer >= 1, got thin=0")


def test_parameters_the_kernel_does_not_implement_are_declined(kernel) -> None:
    request = chain_request("mala", {"step_size": 0.1, "preconditioner": torch.eye(3)}, "gaussian", GAUSS,
                            torch.zeros(10, 3), 5)
    _expect(kernel, request, KernelInputError, "'preconditioner', which the fused sampler 'mala' kernel does not implement")
    request = chain_request("mala", {"step_size": 0.1}, "gaussian",
                            {**GAUSS, "precision": torch.eye(3)}, torch.zeros(10, 3), 5)
    _expect(kernel, request, KernelInputError, "exactly one of 'precision'")


def test_request_for_another_sampler_or_energy_is_declined(kernel) -> None:
    request = chain_request("mala", {"step_size": 0.1}, "double_well", {"barrier_height": 1.0, "b": 1.0},
                            torch.zeros(10, 3), 5)
    _expect(kernel, request, KernelInputError, "this kernel runs 'mala' on 'gaussian', not 'mala' on 'double_well'")


def test_unknown_kernel_combination() -> None:
    with pytest.raises(ValueError, match="unsupported kernel"):
        FusedChainKernel("nuts", "gaussian", "cpu")


def test_cuda_kernel_without_cuda(monkeypatch) -> None:
    request = _mala(torch.zeros(10, 3))
    if runtime.cuda_device_count() == 0:  # compiled in or not, no GPU is visible here
        _expect(FusedChainKernel("mala", "gaussian", "cuda"), request, ebm_cuda.CudaNotAvailableError,
                "CUDA not available")
    monkeypatch.setattr(runtime._build_config, "CUDA_COMPILED", False)
    kernel = FusedChainKernel("mala", "gaussian", "cuda")
    _expect(kernel, request, ebm_cuda.CudaNotAvailableError, "CUDA not available: ebm-cuda was built without CUDA")
    update = FusedLangevinUpdate("cuda")
    assert "built without CUDA" in update.unsupported_reason(torch.zeros(2, 2), torch.zeros(2, 2))


def test_update_input_errors() -> None:
    update = FusedLangevinUpdate("cpu")
    x = torch.zeros(4, 6)
    cases = [
        (x.T, torch.zeros(6, 4), "x must be contiguous"),
        (x, torch.zeros(4, 5), "grad has shape (4, 5) but x has shape (4, 6)"),
        (x, torch.zeros(4, 6, dtype=torch.float64), "grad is torch.float64 but x is torch.float32"),
        (x.half(), torch.zeros(4, 6).half(), "x must be float32 or float64"),
        (torch.zeros(4, 6, device="meta"), torch.zeros(4, 6, device="meta"), "x is on meta"),
        (torch.zeros(4, 6, requires_grad=True), torch.zeros(4, 6), "x requires grad"),
    ]
    for xs, gs, match in cases:
        assert match in update.unsupported_reason(xs, gs)
        with pytest.raises(KernelInputError, match=re.escape(match)):
            update.update_(xs, gs, step_size=0.1, noise_scale=1.0, seed=0, step=0)
    with pytest.raises(KernelInputError, match="step_size must be a finite number > 0"):
        update.update_(x, torch.zeros_like(x), step_size=-1.0, noise_scale=1.0, seed=0, step=0)
    with pytest.raises(KernelInputError, match="step must be an integer >= 0"):
        update.update_(x, torch.zeros_like(x), step_size=0.1, noise_scale=1.0, seed=0, step=-1)
