"""What the fused MLP kernel's call no longer does, and that it still gives the right answer.

* **No final energy pass**: the kernel returns ``energy=None`` and ``SampleResult.energy`` is
  evaluated by the energy when first read (counted forward calls: none during the run, one on
  reading), equal to E(samples); the native option of evaluating it (``energy_out`` set) still
  matches the energy.
* **Live weights without copies**: contiguous layers are handed to the kernel as they are, a
  non-contiguous layer is copied, and weights changed in place after a first run (what an
  optimiser step does) are what the next run uses; a module whose layout changed after a
  first run falls back to the torch path.
* **One schedule check for both ebm-cuda chain kernels** (``chains.set_schedule``): the same
  message from each.

Deterministic: fixed seeds, exact equalities where the computation is the same, float32
tolerances where the energy is evaluated by torch instead of the kernel.
"""

from __future__ import annotations

import dataclasses

import torch

import ebm_core
from ebm_core.kernels import ChainRequest

from ebm_cuda import _native
from ebm_cuda.chains import FusedChainKernel
from ebm_cuda.mlp_chain import FusedMLPLangevin

KERNEL = "ebm-cuda:langevin/mlp/cpu"


def _mlp(seed: int = 0, hidden=(32, 32)):
    torch.manual_seed(seed)
    return ebm_core.energy("mlp", dim=2, hidden=list(hidden))


def _run(energy, x0: torch.Tensor, seed: int = 0, n_steps: int = 5):
    sampler = ebm_core.sampler("langevin", energy, step_size=0.01)
    return sampler.run(x0.clone(), n_steps=n_steps, generator=torch.Generator().manual_seed(seed))


def _request(energy, x0: torch.Tensor, **changes) -> ChainRequest:
    request = ChainRequest(
        sampler="langevin", sampler_params={"step_size": 0.01}, energy="mlp",
        energy_params=energy.kernel_params(), x0=x0, n_steps=4, burn_in=0, thin=1, seed=7,
        record_trajectory=False,
    )
    return dataclasses.replace(request, **changes)


def test_the_final_energy_is_evaluated_only_when_read(monkeypatch) -> None:
    energy = _mlp()
    calls: list[int] = []
    forward = energy.forward
    monkeypatch.setattr(energy, "forward", lambda x: calls.append(len(x)) or forward(x))
    result = _run(energy, torch.randn(64, 2, generator=torch.Generator().manual_seed(1)))
    assert result.backend == KERNEL and not isinstance(result.energy_source, torch.Tensor)
    assert calls == []  # no forward pass during the run
    assert result.n_divergent == 0 and result.n_grad_evals == 5
    value = result.energy
    assert calls == [64] and result.energy is value  # one pass, kept
    torch.testing.assert_close(value, forward(result.samples))


def test_the_kernel_returns_no_energy_and_the_native_energy_option_still_matches() -> None:
    energy = _mlp(seed=2)
    x0 = torch.randn(40, 2, generator=torch.Generator().manual_seed(3))
    kernel = FusedMLPLangevin()
    out = kernel.run(_request(energy, x0))
    assert out.energy is None
    # The same request with energy_out set: identical samples, and E(samples) from the kernel.
    args, x0c, keep = kernel._prepare(_request(energy, x0))
    samples, flags = torch.empty_like(x0c), torch.empty(40, dtype=torch.bool)
    values = torch.empty(40)
    args.samples, args.divergent, args.energy_out = samples.data_ptr(), flags.data_ptr(), values.data_ptr()
    _native.run_mlp_langevin_cpu(args)
    del keep
    assert torch.equal(samples, out.samples) and torch.equal(flags, out.divergent)
    with torch.no_grad():
        torch.testing.assert_close(values, energy(samples), rtol=1e-5, atol=1e-5)


def test_a_non_contiguous_layer_gives_the_same_chains_as_its_contiguous_copy() -> None:
    energy = _mlp(seed=4)
    x0 = torch.randn(48, 2, generator=torch.Generator().manual_seed(5))
    expected = _run(energy, x0, seed=6).samples
    hidden = energy.module[2]  # the second hidden Linear (32 × 32)
    with torch.no_grad():
        transposed = torch.nn.Parameter(hidden.weight.detach().t().contiguous().t())
    assert not transposed.is_contiguous() and torch.equal(transposed, hidden.weight)
    hidden.weight = transposed
    result = _run(energy, x0, seed=6)
    assert result.backend == KERNEL and torch.equal(result.samples, expected)


def test_weights_changed_after_a_first_run_are_the_ones_the_next_run_uses() -> None:
    energy, twin = _mlp(seed=8), _mlp(seed=9)
    x0 = torch.randn(32, 2, generator=torch.Generator().manual_seed(10))
    before = _run(energy, x0, seed=11).samples
    with torch.no_grad():  # an optimiser's in-place step: the same tensors, new values
        for mine, theirs in zip(energy.parameters(), twin.parameters()):
            mine.copy_(theirs)
    after = _run(energy, x0, seed=11)
    assert after.backend == KERNEL
    assert torch.equal(after.samples, _run(twin, x0, seed=11).samples)
    assert not torch.equal(after.samples, before)


def test_a_module_changed_after_a_first_run_falls_back_to_torch() -> None:
    energy = _mlp(seed=12)
    x0 = torch.zeros(8, 2)
    assert _run(energy, x0).backend == KERNEL
    energy.module[1] = torch.nn.Tanh()  # no longer the SiLU network the kernel computes
    result = _run(energy, x0)
    assert result.backend.startswith("torch") and "kernel_params() returned None" in result.fallback_reason


def test_both_chain_kernels_check_the_schedule_with_one_message() -> None:
    energy = _mlp()
    message = "burn_in (5) must not exceed n_steps (4)"
    mlp_request = _request(energy, torch.zeros(4, 2), burn_in=5)
    assert FusedMLPLangevin().unsupported_reason(mlp_request) == message
    harmonic = ChainRequest(
        sampler="langevin", sampler_params={"step_size": 0.01}, energy="harmonic",
        energy_params={"k": 1.0}, x0=torch.zeros(4, 2), n_steps=4, burn_in=5, thin=1, seed=0,
        record_trajectory=False,
    )
    assert FusedChainKernel("langevin", "harmonic", "cpu").unsupported_reason(harmonic) == message
    bad_seed = dataclasses.replace(mlp_request, burn_in=0, seed=1.5)
    assert "seed" in FusedMLPLangevin().unsupported_reason(bad_seed)
