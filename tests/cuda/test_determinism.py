"""Same seed → same output, independent of the thread count, the CPU instruction set and of
which other chains run in the same call."""

from __future__ import annotations

import functools
import json
import os
import subprocess
import sys
import textwrap

import pytest
import torch

from ebm_cuda import _native

from .conftest import chain_request, run_fused

_HMC_GAUSSIAN = ("gaussian", {"mean": [0.0, 1.0, 0.0], "precision": [[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.0]]})
#: case name → (sampler, sampler_params, energy, energy_params); the sampler is the name's first word.
CASES = {
    "langevin": ({"step_size": 0.05, "noise_scale": 0.9, "clamp": 2.0}, "double_well", {"barrier_height": 1.0, "b": 1.0}),
    "mala": ({"step_size": 0.1}, "rosenbrock", {"a": 1.0, "b": 3.0}),
    "hmc": ({"step_size": 0.2, "n_leapfrog": 4, "inv_mass": [1.0, 0.5, 2.0]}, *_HMC_GAUSSIAN),
    "hmc jittered": ({"step_size": 0.2, "n_leapfrog": 4, "inv_mass": [1.0, 0.5, 2.0], "step_size_jitter": 0.4},
                     *_HMC_GAUSSIAN),
}

# Prints a digest of every sampler's output in float32 and float64, with the process's thread
# count (OMP_NUM_THREADS sets torch's, which the kernels follow) and CPU instruction set.
_SCRIPT = textwrap.dedent(
    """
    import hashlib, json, sys, torch
    from ebm_core.kernels import ChainRequest
    from ebm_cuda import FusedChainKernel, _native
    cases = json.loads(sys.argv[1])
    out = {"threads": torch.get_num_threads(), "isa": _native.cpu_isa()}
    for name, (sp, energy, ep) in cases.items():
        sampler = name.split()[0]
        for dtype in (torch.float32, torch.float64):
            x0 = torch.linspace(-2, 2, 1003 * 3, dtype=dtype).reshape(1003, 3)
            sp_t = {k: torch.tensor(v, dtype=dtype) if isinstance(v, list) else v for k, v in sp.items()}
            ep_t = {k: torch.tensor(v, dtype=dtype) if isinstance(v, list) else v for k, v in ep.items()}
            r = FusedChainKernel(sampler, energy, "cpu").run(ChainRequest(
                sampler=sampler, sampler_params=sp_t, energy=energy, energy_params=ep_t, x0=x0,
                n_steps=40, burn_in=10, thin=5, seed=31337, record_trajectory=True))
            h = hashlib.sha256()
            for t in (r.samples, r.energy, r.n_accepted, r.divergent, r.trajectory):
                h.update(t.numpy().tobytes())
            out[f"{name}/{dtype}"] = h.hexdigest()
    print(json.dumps(out))
    """
)


def _digests(env_update: dict[str, str]) -> dict[str, str]:
    return dict(_cached_digests(tuple(sorted(env_update.items()))))


@functools.lru_cache(maxsize=None)
def _cached_digests(env_items: tuple[tuple[str, str], ...]) -> tuple[tuple[str, str], ...]:
    env = dict(os.environ)
    env.pop("EBM_CUDA_CPU_ISA", None)
    env.update(env_items)
    proc = subprocess.run([sys.executable, "-c", _SCRIPT, json.dumps(CASES)], capture_output=True,
                          text=True, env=env, timeout=120)
    assert proc.returncode == 0, proc.stderr
    return tuple(json.loads(proc.stdout).items())


def _strip(d: dict[str, str]) -> dict[str, str]:
    return {k: v for k, v in d.items() if k not in ("threads", "isa")}


def test_output_does_not_depend_on_thread_count() -> None:
    one = _digests({"OMP_NUM_THREADS": "1"})
    two = _digests({"OMP_NUM_THREADS": "2"})
    assert (one["threads"], two["threads"]) == (1, 2)
    assert _strip(one) == _strip(two)
    assert one["hmc/torch.float32"] != one["hmc jittered/torch.float32"]  # the jitter is applied


def test_output_does_not_depend_on_cpu_instruction_set() -> None:
    levels = _native.cpu_isas_supported()
    if len(levels) < 2:
        pytest.skip(f"this CPU runs only {levels}")
    runs = {level: _digests({"OMP_NUM_THREADS": "2"} if level == levels[0] else
                            {"EBM_CUDA_CPU_ISA": level, "OMP_NUM_THREADS": "2"}) for level in levels}
    assert {r["isa"] for r in runs.values()} == set(levels)
    first = _strip(runs[levels[0]])
    for level in levels[1:]:
        assert _strip(runs[level]) == first, level


def _request(name: str, x0: torch.Tensor, seed: int):
    sp, energy, ep = CASES[name]
    sp = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in sp.items()}
    ep = {k: torch.tensor(v) if isinstance(v, list) else v for k, v in ep.items()}
    return chain_request(name.split()[0], sp, energy, ep, x0, 25, seed=seed, record_trajectory=True)


@pytest.mark.parametrize("sampler", sorted(CASES))
def test_same_seed_same_output_other_seed_other_output(sampler: str) -> None:
    x0 = torch.linspace(-1, 1, 90).reshape(30, 3)
    a = run_fused(_request(sampler, x0, seed=5))
    b = run_fused(_request(sampler, x0, seed=5))
    c = run_fused(_request(sampler, x0, seed=6))
    assert torch.equal(a.samples, b.samples) and torch.equal(a.trajectory, b.trajectory)
    assert torch.equal(a.n_accepted, b.n_accepted)
    assert not torch.equal(a.samples, c.samples)


@pytest.mark.parametrize("sampler", sorted(CASES))
def test_a_chain_does_not_depend_on_the_other_chains(sampler: str) -> None:
    x0 = torch.linspace(-1, 1, 333).reshape(111, 3)
    full = run_fused(_request(sampler, x0, seed=9))
    head = run_fused(_request(sampler, x0[:37].contiguous(), seed=9))
    assert torch.equal(full.samples[:37], head.samples)
    assert torch.equal(full.trajectory[:37], head.trajectory)


def test_in_process_thread_setting_is_followed() -> None:
    x0 = torch.linspace(-1, 1, 3000).reshape(1000, 3)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        one = run_fused(_request("mala", x0, seed=1)).samples
        torch.set_num_threads(2)
        two = run_fused(_request("mala", x0, seed=1)).samples
    finally:
        torch.set_num_threads(before)
    assert torch.equal(one, two)


@pytest.mark.parametrize("accelerate", [True, False], ids=["chain kernel", "torch path"])
@pytest.mark.parametrize("energy_name", ["conv", "mlp"])
def test_neural_energies_give_the_same_chains_at_one_and_two_threads(
    energy_name: str, accelerate: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What makes thread sharing (ebm_core.thread_sharing) change speed only: the built-in conv
    and MLP energies' chains are the same bits at 1 and 2 threads, on the chain kernels and on
    the torch path. (Sharing is off here, so the thread count is the one asked for.)"""
    import ebm_core

    monkeypatch.setenv("EBM_THREAD_SHARING", "0")
    torch.manual_seed(0)
    if energy_name == "conv":
        energy = ebm_core.energy("conv", event_shape=(1, 12, 12), channels=(8, 16))
        x0 = torch.rand(16, 1, 12, 12)
    else:
        energy = ebm_core.energy("mlp", dim=2, hidden=(64, 64))
        x0 = torch.randn(1024, 2)
    sampler = ebm_core.sampler("langevin", energy, step_size=0.01)
    before = torch.get_num_threads()
    runs, used = [], []
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            runs.append(sampler.run(x0, n_steps=5, generator=torch.Generator().manual_seed(1), accelerate=accelerate))
            used.append(torch.get_num_threads())
    finally:
        torch.set_num_threads(before)
    assert used == [1, 2]
    expected = f"ebm-cuda:langevin/{energy_name}/cpu" if accelerate else "torch"
    assert runs[0].backend == runs[1].backend == expected
    assert torch.equal(runs[0].samples, runs[1].samples)
