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

from .same_noise_reference import run_beside_reference
from .test_mlp_chain import KERNEL, _mlp


@pytest.mark.parametrize("dim", range(1, 10))
def test_every_hand_fan_in_gives_the_reference_updates(dim: int) -> None:
    energy = _mlp(dim, [40, 24], seed=dim)
    x0 = 1.5 * torch.randn(37, dim, generator=torch.Generator().manual_seed(10 + dim))
    result, states, kept = run_beside_reference(energy, x0, h=0.05, temperature=1.0, clamp=None,
                                                steps=4, burn_in=0, thin=1, generator_seed=3)
    assert result.backend == KERNEL, result.fallback_reason
    torch.testing.assert_close(result.trajectory, kept, rtol=1e-5, atol=2e-6)
    torch.testing.assert_close(result.energy, energy(states[-1]), rtol=1e-5, atol=1e-5)
