"""ebm-cuda's fused MLP Langevin chain (``langevin/mlp/cpu``) against the torch reference path.

Three kinds of evidence:

* **Same update for the same noise** (deterministic, float32 tolerance): the kernel's states
  after each step equal ``x − h∇E(x) + σ√(2h)ξ`` computed with the ``mlp`` energy's own
  gradient and the kernel's normals (:func:`ebm_cuda.random.sample_normals`), for networks that
  exercise every code path (first layer by hand or by GEMM, one to three hidden layers, widths
  that are not multiples of the SIMD width), with clamp, temperature, burn-in and thinning.
* **Exact one-step law**: given x₀, one ULA step is exactly N(x₀ − h∇E(x₀), 2hT·I); the
  standardised residuals of 4,000 chains must pass a Checklist (means, covariance, KS of both
  marginals) against N(0, I).
* **Same K-step law as the torch path**: 20,000 chains from one start point on each path
  (independent noise) are independent draws from the same K-step law, so the differences
  (fused − torch, chain by chain) of x, x² and x₁x₂ have mean exactly 0: z-tests with standard
  errors from the differences themselves. This detects a 5 % error in the noise variance
  (temperature 1.05 instead of 1: |z| = 5.2 against the threshold 3.7).

The two statistical checklists each have a false-fail rate of 1e-3 (Bonferroni within each),
so this module fails a correct kernel with probability at most 2e-3; the seeds are fixed, so a
run is reproducible.
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core.registry import REGISTRY
from ebm_core.testing import Checklist

from ebm_cuda import _native
from ebm_cuda.blas import matmul, platform_sgemm

from .same_noise_reference import STEPS, run_beside_reference

KERNEL = "ebm-cuda:langevin/mlp/cpu"
RATE = 1e-3


def _mlp(dim: int, hidden: list[int], seed: int = 0, activation: str = "silu"):
    torch.manual_seed(seed)
    return ebm_core.energy("mlp", dim=dim, hidden=hidden, activation=activation)


NETWORKS = {
    "2-128-128-1 (W4's network)": (2, [128, 128]),
    "3-37-1 (one hidden layer, padded width)": (3, [37]),
    "12-20-33-17-1 (first layer by GEMM)": (12, [20, 33, 17]),
    "1-300-64-1": (1, [300, 64]),
}


@pytest.mark.parametrize("name", sorted(NETWORKS))
@pytest.mark.parametrize("clamp, temperature", [(None, 1.0), (0.8, 0.5)])
def test_same_updates_as_the_torch_reference_for_the_same_noise(name, clamp, temperature) -> None:
    dim, hidden = NETWORKS[name]
    energy = _mlp(dim, hidden)
    x0 = 2.0 * torch.randn(45, dim, generator=torch.Generator().manual_seed(1))
    result, states, kept = run_beside_reference(energy, x0, h=0.05, temperature=temperature, clamp=clamp)
    assert result.backend == KERNEL, result.fallback_reason
    torch.testing.assert_close(result.samples, states[-1], rtol=1e-5, atol=2e-6)
    torch.testing.assert_close(result.trajectory, kept, rtol=1e-5, atol=2e-6)
    torch.testing.assert_close(result.energy, energy(states[-1]), rtol=1e-5, atol=1e-5)
    assert result.n_grad_evals == STEPS and not result.divergent.any()
    assert torch.equal(result.acceptance_rate, torch.ones(45))


def test_one_step_has_the_exact_gaussian_transition_law() -> None:
    """x₁ | x₀ ~ N(x₀ − h∇E(x₀), 2hT·I): standardised residuals are N(0, I)."""
    energy = _mlp(2, [64, 64], seed=3)
    h, temperature = 0.02, 0.7
    x0 = 1.5 * torch.randn(4000, 2, generator=torch.Generator().manual_seed(4))
    sampler = ebm_core.sampler("langevin", energy, step_size=h, temperature=temperature)
    result = sampler.run(x0.clone(), 1, generator=torch.Generator().manual_seed(5))
    assert result.backend == KERNEL
    residual = (result.samples.double() - (x0 - h * energy.grad(x0)).double()) / math.sqrt(2 * h * temperature)
    checks = Checklist(false_fail_rate=RATE)
    checks.gaussian(residual, torch.zeros(2), torch.eye(2))
    checks.verify()


def test_k_steps_have_the_same_law_as_the_torch_path() -> None:
    """Differences fused − torch of x, x² and x₁x₂ after 50 steps have mean 0."""
    energy = _mlp(2, [32, 32], seed=6)
    x0 = torch.zeros(20000, 2)
    finals = {}
    for accelerate, seed in ((True, 8), (False, 9)):
        sampler = ebm_core.sampler("langevin", energy, step_size=0.05)
        result = sampler.run(x0.clone(), 50, generator=torch.Generator().manual_seed(seed),
                             accelerate=accelerate)
        assert (result.backend == KERNEL) == accelerate, result.backend
        finals[accelerate] = result.samples.double()
    fused, plain = finals[True], finals[False]
    statistics = {
        "x": fused - plain,
        "x^2": fused**2 - plain**2,
        "x1*x2": (fused[:, 0] * fused[:, 1] - plain[:, 0] * plain[:, 1])[:, None],
    }
    checks = Checklist(false_fail_rate=RATE)
    for label, diff in statistics.items():
        checks.mean(diff, torch.zeros(diff.shape[1]), label=label)
    checks.verify()


def test_same_generator_state_gives_the_same_chains() -> None:
    energy = _mlp(2, [128, 128])
    x0 = torch.randn(300, 2, generator=torch.Generator().manual_seed(0))
    runs = [ebm_core.sampler("langevin", energy, step_size=0.01).run(
        x0.clone(), 20, generator=torch.Generator().manual_seed(11)) for _ in range(2)]
    assert runs[0].backend == KERNEL
    assert torch.equal(runs[0].samples, runs[1].samples) and torch.equal(runs[0].energy, runs[1].energy)


def test_a_non_finite_chain_is_flagged_and_leaves_the_others_alone() -> None:
    energy = _mlp(2, [20, 20])
    x0 = torch.linspace(-1.5, 1.5, 40).reshape(20, 2)
    x0[3] = 3e38  # finite, but the hidden layers overflow to inf
    results = {acc: ebm_core.sampler("langevin", energy, step_size=0.01).run(
        x0.clone(), 10, accelerate=acc, generator=torch.Generator().manual_seed(0)) for acc in (True, False)}
    assert results[True].backend == KERNEL
    for result in results.values():
        assert result.divergent.tolist() == [i == 3 for i in range(20)]
    clean = torch.arange(20) != 3
    assert torch.isfinite(results[True].samples[clean]).all()
    # Rows never mix: the clean rows are what they are without the NaN row.
    alone = ebm_core.sampler("langevin", energy, step_size=0.01).run(
        x0[clean].clone(), 10, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(alone.samples).all() and not alone.divergent.any()


@pytest.mark.parametrize(
    "activation, dtype, why",
    [("tanh", torch.float32, "SiLU"), ("silu", torch.float64, "float32")],
)
def test_other_networks_fall_back_to_the_torch_path(activation, dtype, why) -> None:
    energy = _mlp(2, [16], activation=activation).to(dtype)
    result = ebm_core.sampler("langevin", energy, step_size=0.01).run(
        torch.zeros(8, 2, dtype=dtype), 3, generator=torch.Generator().manual_seed(0))
    assert result.backend == "torch+ebm-cuda:langevin/update/cpu", result.backend
    assert "langevin/mlp/cpu declined" in result.fallback_reason and why in result.fallback_reason


def test_a_changed_module_falls_back() -> None:
    energy = _mlp(2, [16])
    energy.module.append(torch.nn.Tanh())  # no longer the network the kernel computes
    result = ebm_core.sampler("langevin", energy, step_size=0.01).run(torch.zeros(8, 2), 3)
    assert result.backend != KERNEL and "kernel_params() returned None" in result.fallback_reason


def test_kernel_is_registered_before_the_any_energy_update() -> None:
    names = [r.qualified_name for r in REGISTRY.kernels_for("langevin", "mlp", "cpu")
             if r.source.distribution == "ebm-cuda"]
    assert names == [KERNEL, "ebm-cuda:langevin/update/cpu"]


def test_platform_sgemm_agrees_with_torch_mm() -> None:
    address, where = platform_sgemm()
    assert address is not None, where
    g = torch.Generator().manual_seed(0)
    a, b = torch.randn(70, 33, generator=g), torch.randn(50, 33, generator=g)
    torch.testing.assert_close(matmul(address, a, b, trans_b=True), a @ b.T, rtol=1e-5, atol=1e-5)


def test_native_arguments_are_checked() -> None:
    args = _native.MlpChainArgs()
    with pytest.raises(ValueError, match="widths is empty"):
        _native.run_mlp_langevin_cpu(args)
