"""The torch path evaluates a ULA run's final energy only when ``result.energy`` is read.

Contrastive divergence reads ``samples`` and ``divergent`` of every sampler run, never
``energy``; before, every run paid one forward pass more than its steps needed.
"""

from __future__ import annotations

import torch
from torch import nn

import ebm_core


class CountingQuadratic(nn.Module):
    """E(x) = ½‖x‖², counting its calls (each gradient by autograd is one call)."""

    def __init__(self) -> None:
        super().__init__()
        self.calls = 0

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.calls += 1
        return 0.5 * (x**2).sum(-1)


def _run(n_steps: int):
    module = CountingQuadratic()
    energy = ebm_core.energy("neural", module=module, event_shape=2)
    sampler = ebm_core.sampler("langevin", energy, step_size=0.1)
    result = sampler.run(torch.zeros(16, 2), n_steps, generator=torch.Generator().manual_seed(0))
    return module, energy, result


def test_ula_run_evaluates_no_energy_beyond_its_gradients() -> None:
    module, _, result = _run(5)
    assert result.backend.startswith("torch")
    assert result.n_grad_evals == 6
    assert module.calls == 6  # one gradient at the start and one per step, nothing else


def test_energy_is_computed_once_on_first_read_and_is_e_of_the_samples() -> None:
    module, energy, result = _run(5)
    first = result.energy
    assert module.calls == 7
    assert result.energy is first and module.calls == 7
    torch.testing.assert_close(first, 0.5 * (result.samples**2).sum(-1))
    assert not first.requires_grad


def test_divergent_flags_do_not_need_the_final_energy() -> None:
    module, _, result = _run(3)
    assert result.divergent.tolist() == [False] * 16 and module.calls == 4


def test_sample_still_checks_convergence_with_the_energy() -> None:
    module = CountingQuadratic()
    energy = ebm_core.energy("neural", module=module, event_shape=2)
    x = ebm_core.sampler("langevin", energy, step_size=0.1).sample(
        torch.zeros(16, 2), n_steps=3, generator=torch.Generator().manual_seed(0))
    assert x.shape == (16, 2) and module.calls == 5  # 4 gradients + the energy the report reads
