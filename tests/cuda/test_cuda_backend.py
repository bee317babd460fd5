"""The CUDA backend against its CPU twin (run only where a GPU is visible).

Both backends run the same single-source math without FMA contraction, with correctly rounded
sqrt/division and the same Philox counters, so a GPU chain reproduces the CPU chain bit for bit.
"""

from __future__ import annotations

import pytest
import torch

from ebm_cuda import FusedChainKernel, FusedLangevinUpdate

from .conftest import chain_request, requires_gpu, run_fused

pytestmark = [pytest.mark.cuda, requires_gpu]

#: case name → sampler parameters; the sampler is the name's first word.
SAMPLERS = {
    "langevin": {"step_size": 0.02, "noise_scale": 1.0, "clamp": 3.0},
    "mala": {"step_size": 0.05},
    "hmc": {"step_size": 0.1, "n_leapfrog": 4, "inv_mass": None},
    "hmc jittered": {"step_size": 0.1, "n_leapfrog": 4, "inv_mass": None, "step_size_jitter": 0.4},
}


def _energy_params(energy: str, d: int, dtype: torch.dtype) -> dict:
    if energy == "gaussian":
        a = torch.linspace(0.5, 1.5, d * d, dtype=dtype).reshape(d, d)
        return {"mean": torch.linspace(-1, 1, d, dtype=dtype), "precision": a @ a.T + torch.eye(d, dtype=dtype)}
    if energy == "double_well":
        return {"barrier_height": 1.0, "b": 1.0}
    if energy == "rosenbrock":
        return {"a": 1.0, "b": 2.0}
    return {"k": 1.5, "center": torch.linspace(0, 1, d, dtype=dtype)}


def _to(params: dict, device: str) -> dict:
    return {k: v.to(device) if isinstance(v, torch.Tensor) else v for k, v in params.items()}


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("d", [2, 5])  # 2: state in registers; 5: interleaved scratch
@pytest.mark.parametrize("energy", ["gaussian", "double_well", "rosenbrock", "harmonic"])
@pytest.mark.parametrize("sampler", sorted(SAMPLERS))
def test_gpu_chains_equal_cpu_chains(sampler: str, energy: str, d: int, dtype: torch.dtype) -> None:
    x0 = torch.linspace(-1.5, 1.5, 1000 * d, dtype=dtype).reshape(1000, d)
    params = _energy_params(energy, d, dtype)
    case, sampler = sampler, sampler.split()[0]
    cpu = run_fused(chain_request(sampler, SAMPLERS[case], energy, params, x0, 60, burn_in=10, thin=10,
                                  seed=4, record_trajectory=True))
    gpu = run_fused(chain_request(sampler, _to(SAMPLERS[case], "cuda"), energy, _to(params, "cuda"),
                                  x0.cuda(), 60, burn_in=10, thin=10, seed=4, record_trajectory=True), "cuda")
    assert gpu.samples.is_cuda and gpu.n_accepted.dtype == torch.int64
    assert torch.equal(gpu.samples.cpu(), cpu.samples)
    assert torch.equal(gpu.trajectory.cpu(), cpu.trajectory)
    assert torch.equal(gpu.energy.cpu(), cpu.energy)
    assert torch.equal(gpu.n_accepted.cpu(), cpu.n_accepted)
    assert torch.equal(gpu.divergent.cpu(), cpu.divergent)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gpu_mala_moments_and_acceptance(dtype) -> None:
    """Distributional agreement, independent of bitwise equality: standard normal in 3-D."""
    x0 = 3 * torch.randn(20000, 3, generator=torch.Generator().manual_seed(0), dtype=dtype)
    params = {"mean": torch.zeros(3, dtype=dtype, device="cuda"), "precision_diag": torch.ones(3, dtype=dtype, device="cuda")}
    result = run_fused(chain_request("mala", {"step_size": 0.5}, "gaussian", params, x0.cuda(), 300, seed=8), "cuda")
    x = result.samples.double().cpu()
    se = (1 / 20000) ** 0.5
    assert (x.mean(0).abs() < 5 * se).all(), x.mean(0)
    assert ((x.var(0) - 1).abs() < 5 * (2 / 20000) ** 0.5).all(), x.var(0)
    assert 0.5 < result.n_accepted.double().mean().item() / 300 < 1.0


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_gpu_update_equals_cpu_update(dtype) -> None:
    x = torch.linspace(-2, 2, 513 * 77, dtype=dtype).reshape(513, 7, 11)
    grad = torch.sin(3 * x)
    cpu = x.clone()
    FusedLangevinUpdate("cpu").update_(cpu, grad, step_size=0.03, noise_scale=0.8, seed=12, step=5, clamp=1.9)
    gpu = x.cuda()
    FusedLangevinUpdate("cuda").update_(gpu, grad.cuda(), step_size=0.03, noise_scale=0.8, seed=12, step=5, clamp=1.9)
    assert torch.equal(gpu.cpu(), cpu)


def test_gpu_kernels_follow_the_current_stream() -> None:
    x0 = torch.zeros(4096, 2, device="cuda")
    request = chain_request("langevin", SAMPLERS["langevin"], "double_well", _energy_params("double_well", 2, torch.float32),
                            x0, 100, seed=1)
    default = run_fused(request, "cuda").samples
    stream = torch.cuda.Stream()
    with torch.cuda.stream(stream):
        side = run_fused(request, "cuda").samples
    stream.synchronize()
    assert torch.equal(default, side)


def test_cpu_tensors_are_declined_by_cuda_kernels() -> None:
    request = chain_request("mala", {"step_size": 0.1}, "double_well", {"barrier_height": 1.0, "b": 1.0},
                            torch.zeros(4, 2), 3)
    assert "x0 is on cpu, but this kernel runs on cuda" in FusedChainKernel("mala", "double_well", "cuda").unsupported_reason(request)
    reason = FusedLangevinUpdate("cuda").unsupported_reason(torch.zeros(2, 2), torch.zeros(2, 2))
    assert "x is on cpu, but this kernel runs on cuda" in reason
