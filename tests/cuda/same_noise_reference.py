"""A ULA run through the fast path beside the torch reference driven by the same noise.

For the "same chains for the same noise" tests of the neural-energy chain kernels: the sampler
runs with a fixed generator (through whichever kernel accepts it), and the reference applies
x ← clamp(x − h∇E(x) + σ√(2h)ξ) with the energy's own gradient and the normals every ebm-cuda
kernel draws for the seed that generator yields (:func:`ebm_cuda.random.sample_normals`).
"""

from __future__ import annotations

import math

import torch

import ebm_core
from ebm_core.sampling.fast_path import draw_seed
from ebm_cuda.random import sample_normals

STEPS = 5


def run_beside_reference(
    energy, x0: torch.Tensor, *, h: float, temperature: float, clamp: float | None,
    steps: int = STEPS, burn_in: int = 1, thin: int = 2, generator_seed: int = 2,
):
    """``(result, states, kept)``: the sampler's run of ``steps`` steps (trajectory after
    ``burn_in``, every ``thin``-th state) from a generator seeded ``generator_seed``, the
    reference states after each step, and the reference's kept ones."""
    sampler = ebm_core.sampler("langevin", energy, step_size=h, clamp=clamp, temperature=temperature)
    result = sampler.run(x0.clone(), steps, burn_in=burn_in, thin=thin, return_trajectory=True,
                         generator=torch.Generator().manual_seed(generator_seed))
    seed = draw_seed(torch.Generator().manual_seed(generator_seed), torch.device("cpu"))
    x, states = x0.clone(), []
    with torch.no_grad():
        for t in range(steps):
            xi = sample_normals(x.shape[0], x[0].numel(), seed=seed, step=t).view_as(x)
            x = x - h * energy.grad(x) + math.sqrt(2 * h * temperature) * xi
            if clamp is not None:
                x = x.clamp(-clamp, clamp)
            states.append(x)
    kept = torch.stack(states[burn_in + thin - 1 :: thin], dim=1)
    return result, states, kept
