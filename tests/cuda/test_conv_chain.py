"""ebm-cuda's ULA kernel on the ``conv`` energy's strided net (``langevin/conv/cpu``).

Evidence, as for the fused MLP chain (test_mlp_chain.py):

* **The native stem against torch** (deterministic, float32 tolerance): the fused first
  convolution + SiLU and its input gradient equal ``F.silu(F.conv2d(...))`` and its autograd
  gradient, for input channels 1–4, output channels and widths that are and are not multiples
  of the SIMD width, and a 1×1 image.
* **Same chains as the torch path with the same noise**: the kernel's states equal a loop of
  ``x − h∇E(x) + σ√(2h)ξ`` with the energy's own autograd gradient and the update kernel's
  normals (the torch path's noise for the same generator), with clamp, temperature, burn-in,
  thinning and spectral norm.
* **Exact one-step law**: x₁ | x₀ ~ N(x₀ − h∇E(x₀), 2hT·I); the standardised residuals of
  12,000 chains pass a Checklist (means, covariances, KS of every marginal) against N(0, I).
* **Same K-step law as the torch path** (accelerate=False, its own normal generator): fused −
  torch differences of x and x² per pixel have mean 0.

The two statistical checklists each have a false-fail rate of 1e-3 (Bonferroni within each),
so this module fails a correct kernel with probability at most 2e-3; the seeds are fixed.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
from pathlib import Path

import pytest
import torch
import torch.nn.functional as F

import ebm_core
from ebm_core.kernels import ChainRequest
from ebm_core.registry import REGISTRY
from ebm_core.testing import Checklist

from ebm_cuda import _native
from ebm_cuda.conv_chain import FusedConvLangevin

from .same_noise_reference import STEPS, run_beside_reference

KERNEL = "ebm-cuda:langevin/conv/cpu"
RATE = 1e-3


def _conv(event_shape, channels, seed: int = 0, spectral_norm: bool = False, head_scale: float = 1.0):
    """A strided conv energy; ``head_scale`` multiplies the output layer's weight (a freshly
    initialised net has |∇ₓE| ≈ 0.02, too flat for a statistical test to see the gradient)."""
    torch.manual_seed(seed)
    energy = ebm_core.energy("conv", event_shape=event_shape, channels=channels, spectral_norm=spectral_norm)
    if head_scale != 1.0:
        with torch.no_grad():
            energy.net.head.weight.mul_(head_scale)
    return energy


def _stem_args(x: torch.Tensor, weight: torch.Tensor, bias: torch.Tensor) -> _native.ConvStemArgs:
    args = _native.ConvStemArgs()
    args.images, args.in_channels, args.height, args.width = x.shape
    args.out_channels = weight.shape[0]
    args.x, args.weight, args.bias = x.data_ptr(), weight.data_ptr(), bias.data_ptr()
    return args


@pytest.mark.parametrize(
    "shape, out_channels",
    [((64, 1, 28, 28), 32), ((5, 3, 8, 8), 20), ((3, 2, 7, 19), 33), ((4, 4, 5, 17), 16), ((2, 1, 1, 1), 1)],
)
def test_native_stem_equals_torch_forward_and_input_gradient(shape, out_channels) -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(shape, generator=g)
    weight = 0.5 * torch.randn(out_channels, shape[1], 3, 3, generator=g)
    bias = 0.1 * torch.randn(out_channels, generator=g)
    leaf = x.clone().requires_grad_(True)
    expected = F.silu(F.conv2d(leaf, weight, bias, padding=1))
    upstream = torch.randn(expected.shape, generator=g)
    (expected_grad,) = torch.autograd.grad(expected, leaf, upstream)

    activation = torch.empty(expected.shape, memory_format=torch.channels_last)
    args = _stem_args(x, weight, bias)
    args.activation = activation.data_ptr()
    _native.conv_stem_forward_cpu(args)
    torch.testing.assert_close(activation, expected.detach(), rtol=1e-5, atol=1e-5)

    upstream = upstream.contiguous(memory_format=torch.channels_last)
    grad_x = torch.full_like(x, float("nan"))  # every element must be written
    args.grad_activation, args.grad_x = upstream.data_ptr(), grad_x.data_ptr()
    _native.conv_stem_backward_cpu(args)
    torch.testing.assert_close(grad_x, expected_grad, rtol=1e-5, atol=5e-5)


def test_native_stem_backward_ignores_an_overflow_past_the_end_of_a_row() -> None:
    """Only the left column of taps is non-zero, so the last image column feeds no real output
    (its gradient is 0) but the padding lane just past the row: there z = ±inf must not leak
    a NaN into that column's gradient."""
    weight = torch.zeros(4, 1, 3, 3)
    weight[:, :, :, 0] = torch.tensor([1.0, -1.0, 2.0, 0.5]).view(4, 1, 1)
    bias = torch.zeros(4)
    x = torch.rand(2, 1, 3, 5, generator=torch.Generator().manual_seed(0))
    x[:, :, :, -1] = 3e38
    leaf = x.clone().requires_grad_(True)
    expected = F.silu(F.conv2d(leaf, weight, bias, padding=1))
    upstream = torch.ones_like(expected)
    (expected_grad,) = torch.autograd.grad(expected, leaf, upstream)
    assert torch.isfinite(expected_grad).all()
    upstream = upstream.contiguous(memory_format=torch.channels_last)
    grad_x = torch.empty_like(x)
    args = _stem_args(x, weight, bias)
    args.grad_activation, args.grad_x = upstream.data_ptr(), grad_x.data_ptr()
    _native.conv_stem_backward_cpu(args)
    torch.testing.assert_close(grad_x, expected_grad, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("level", ["x86-64-v3", "baseline"])
def test_native_stem_at_the_other_instruction_set_levels(level: str) -> None:
    """The stem test again with 8- and 4-float vectors (the tile transpose has log₂ kW stages)."""
    if level not in _native.cpu_isas_supported():
        pytest.skip(f"this CPU cannot run the {level} copy")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", __file__, "-k", "native_stem_equals or past_the_end"],
        env=dict(os.environ, EBM_CUDA_CPU_ISA=level), capture_output=True, text=True,
        cwd=Path(__file__).resolve().parents[2], timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-4000:] + proc.stderr[-2000:]
    assert "6 passed" in proc.stdout


@pytest.mark.parametrize(
    "event_shape, channels, spectral_norm",
    [((1, 28, 28), (32, 64, 64), False), ((1, 9, 20), (5, 7), True), ((3, 6, 6), (17,), False)],
)
@pytest.mark.parametrize("clamp, temperature", [(None, 1.0), (0.8, 0.5)])
def test_same_chains_as_the_torch_path_for_the_same_noise(event_shape, channels, spectral_norm, clamp, temperature) -> None:
    energy = _conv(event_shape, channels, spectral_norm=spectral_norm)
    x0 = torch.rand(7, *event_shape, generator=torch.Generator().manual_seed(1))
    result, states, kept = run_beside_reference(energy, x0, h=0.02, temperature=temperature, clamp=clamp)
    assert result.backend == KERNEL, result.fallback_reason
    torch.testing.assert_close(result.samples, states[-1], rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(result.trajectory, kept, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(result.energy, energy(states[-1]).detach(), rtol=1e-5, atol=1e-4)
    assert result.n_grad_evals == STEPS and not result.divergent.any()


def test_one_step_has_the_exact_gaussian_transition_law() -> None:
    """x₁ | x₀ ~ N(x₀ − h∇E(x₀), 2hT·I): standardised residuals are N(0, I) (16 pixels)."""
    energy = _conv((1, 4, 4), (6, 8), seed=3, head_scale=100.0)
    h, temperature = 0.2, 0.7
    x0 = torch.rand(12000, 1, 4, 4, generator=torch.Generator().manual_seed(4))
    result = ebm_core.sampler("langevin", energy, step_size=h, temperature=temperature).run(
        x0.clone(), 1, generator=torch.Generator().manual_seed(5))
    assert result.backend == KERNEL
    mean = x0 - h * energy.grad(x0)
    residual = ((result.samples - mean).double() / math.sqrt(2 * h * temperature)).reshape(12000, 16)
    checks = Checklist(false_fail_rate=RATE)
    checks.gaussian(residual, torch.zeros(16), torch.eye(16))
    checks.verify()


def test_k_steps_have_the_same_law_as_the_torch_path() -> None:
    """Differences fused − torch (independent noise) of x and x² per pixel after 30 steps have mean 0."""
    energy = _conv((1, 3, 3), (4, 6), seed=6, head_scale=100.0)
    x0 = torch.full((20000, 1, 3, 3), 0.5)
    finals = {}
    for accelerate, seed in ((True, 8), (False, 9)):
        result = ebm_core.sampler("langevin", energy, step_size=0.05).run(
            x0.clone(), 30, generator=torch.Generator().manual_seed(seed), accelerate=accelerate)
        assert (result.backend == KERNEL) == accelerate, result.backend
        finals[accelerate] = result.samples.double().reshape(20000, 9)
    fused, plain = finals[True], finals[False]
    checks = Checklist(false_fail_rate=RATE)
    checks.mean(fused - plain, torch.zeros(9), label="x")
    checks.mean(fused**2 - plain**2, torch.zeros(9), label="x^2")
    checks.verify()


def test_a_non_finite_chain_is_flagged_and_leaves_the_others_alone() -> None:
    energy = _conv((1, 6, 6), (4, 4))
    x0 = torch.rand(10, 1, 6, 6, generator=torch.Generator().manual_seed(0))
    x0[3] = 3e38  # finite, but the first convolution overflows to inf
    result = ebm_core.sampler("langevin", energy, step_size=0.01).run(
        x0.clone(), 4, generator=torch.Generator().manual_seed(0))
    assert result.backend == KERNEL
    assert result.divergent.tolist() == [i == 3 for i in range(10)]
    clean = torch.arange(10) != 3
    assert torch.isfinite(result.samples[clean]).all()


@pytest.mark.parametrize(
    "kwargs, dtype, why",
    [
        ({"event_shape": (1, 8, 8)}, torch.float32, "strided net"),
        ({"event_shape": (5, 6, 6), "channels": (4,)}, torch.float32, "up to 4 input channels"),
        ({"event_shape": (1, 6, 6), "channels": (4,)}, torch.float64, "float32"),
    ],
)
def test_other_conv_energies_fall_back_to_the_torch_path(kwargs, dtype, why) -> None:
    energy = ebm_core.energy("conv", **kwargs).to(dtype)
    result = ebm_core.sampler("langevin", energy, step_size=0.01).run(
        torch.rand(3, *kwargs["event_shape"], dtype=dtype), 2, generator=torch.Generator().manual_seed(0))
    assert result.backend == "torch+ebm-cuda:langevin/update/cpu", result.backend
    assert "langevin/conv/cpu declined" in result.fallback_reason and why in result.fallback_reason


def _request(energy_params, step_size: float = 0.1) -> ChainRequest:
    return ChainRequest(
        sampler="langevin", sampler_params={"step_size": step_size, "noise_scale": 1.0, "clamp": None},
        energy="conv", energy_params=energy_params, x0=torch.zeros(2, 36), n_steps=1, burn_in=0,
        thin=1, seed=0, record_trajectory=False)


def test_a_strided_first_layer_is_declined() -> None:
    params = dict(_conv((1, 6, 6), (4, 4)).kernel_params(), strides=(2, 2))
    assert "stride-1 first convolution" in FusedConvLangevin().unsupported_reason(_request(params))


def test_bad_sampler_parameters_are_declined_with_their_name() -> None:
    request = _request(_conv((1, 6, 6), (4, 4)).kernel_params(), step_size=-0.1)
    assert "step_size" in FusedConvLangevin().unsupported_reason(request)


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda p: dict(p, biases=p["biases"][:1]), "1 biases"),
        (lambda p: dict(p, weights=(p["weights"][0][:, :, :2], p["weights"][1])), "energy_params['weights'][0]"),
        (lambda p: dict(p, weights=(p["weights"][0], p["weights"][1][:, :3])), "energy_params['weights'][1]"),
        (lambda p: dict(p, biases=(p["biases"][0][:2], p["biases"][1])), "energy_params['biases'][0]"),
        (lambda p: dict(p, head_weight=torch.zeros(2, 4)), "head_weight (1, 4)"),
        (lambda p: dict(p, event_shape=(1, 36)), "energy_params['event_shape']"),
        (lambda p: dict(p, weights=(p["weights"][0].double(), p["weights"][1])), "energy_params['weights'][0] must be a float32 CPU tensor"),
    ],
)
def test_malformed_network_parameters_are_declined_with_their_name(change, named) -> None:
    params = change(_conv((1, 6, 6), (4, 4)).kernel_params())
    reason = FusedConvLangevin().unsupported_reason(_request(params))
    assert reason is not None and named in reason, reason


def test_one_preparation_per_sampler_run(monkeypatch) -> None:
    calls = []
    original = FusedConvLangevin._prepare
    monkeypatch.setattr(FusedConvLangevin, "_prepare", lambda self, request: calls.append(1) or original(self, request))
    result = ebm_core.sampler("langevin", _conv((1, 6, 6), (4, 4)), step_size=0.01).run(
        torch.rand(3, 1, 6, 6), 2, generator=torch.Generator().manual_seed(0))
    assert result.backend == KERNEL and len(calls) == 1


def test_kernel_is_registered_before_the_any_energy_update() -> None:
    names = [r.qualified_name for r in REGISTRY.kernels_for("langevin", "conv", "cpu")
             if r.source.distribution == "ebm-cuda"]
    assert names == [KERNEL, "ebm-cuda:langevin/update/cpu"]


def test_native_arguments_are_checked() -> None:
    x, weight, bias = torch.zeros(1, 5, 4, 4), torch.zeros(3, 5, 3, 3), torch.zeros(3)
    args = _stem_args(x, weight, bias)
    args.activation = x.data_ptr()
    with pytest.raises(ValueError, match="in_channels must be 1 to 4"):
        _native.conv_stem_forward_cpu(args)
    args.in_channels = 1
    with pytest.raises(ValueError, match="grad_activation and grad_x must be set"):
        _native.conv_stem_backward_cpu(args)
