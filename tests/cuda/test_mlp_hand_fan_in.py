"""The fused MLP chain's hand-written first layer for every fan-in it covers (d = 1 … 8).

The kernel runs ``z₁ = x W₁ᵀ`` and ``∇E = (g₁ ⊙ s₁) W₁`` by hand, compiled once per input
dimension d ≤ 8 (the loops unrolled, the accumulators in registers) and picked at run time;
d = 9 takes the GEMM path. For each d the states after every step must equal the torch
reference ``x − h∇E(x) + √(2h)ξ`` computed with the kernel's own normals (deterministic;
float32 tolerances as in ``test_mlp_chain``), so a dispatch to the wrong fan-in, or a
first-layer or gradient error for one d, fails here.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.sampling.fast_path import draw_seed

from .test_mlp_chain import KERNEL, _mlp, _reference


@pytest.mark.parametrize("dim", range(1, 10))
def test_every_hand_fan_in_gives_the_reference_updates(dim: int) -> None:
    energy = _mlp(dim, [40, 24], seed=dim)
    x0 = 1.5 * torch.randn(37, dim, generator=torch.Generator().manual_seed(10 + dim))
    h, steps = 0.05, 4
    sampler = ebm_core.sampler("langevin", energy, step_size=h)
    result = sampler.run(x0.clone(), steps, return_trajectory=True, generator=torch.Generator().manual_seed(3))
    assert result.backend == KERNEL, result.fallback_reason
    seed = draw_seed(torch.Generator().manual_seed(3), torch.device("cpu"))
    states = _reference(energy, x0, steps=steps, h=h, temperature=1.0, clamp=None, seed=seed)
    torch.testing.assert_close(result.trajectory, torch.stack(states, dim=1), rtol=1e-5, atol=2e-6)
    torch.testing.assert_close(result.energy, energy(states[-1]), rtol=1e-5, atol=1e-5)
