"""The leapfrog integrator: time reversibility and second-order energy error."""

from __future__ import annotations

import math

import torch

import ebm_core
from ebm_plugins.samplers.leapfrog import leapfrog

from ._support import VAR_10D, seeded


def _hamiltonian(energy, x, p, inv_mass):
    return energy(x) + 0.5 * (p * p * inv_mass).sum(-1)


def test_integrating_back_with_negated_momentum_returns_to_the_start() -> None:
    energy = ebm_core.energy("rosenbrock", dim=3, b=5.0)
    g = seeded(0)
    x0 = torch.randn(64, 3, generator=g, dtype=torch.float64)
    p0 = torch.randn(64, 3, generator=g, dtype=torch.float64)
    inv_mass = torch.tensor([1.0, 0.5, 0.25], dtype=torch.float64)
    x, p = x0.clone(), p0.clone()
    leapfrog(energy, x, p, energy.grad(x), 0.01, 100, inv_mass)
    assert (x - x0).abs().max() > 0.1  # it moved
    p.neg_()
    leapfrog(energy, x, p, energy.grad(x), 0.01, 100, inv_mass)
    assert (x - x0).abs().max() < 1e-5 and (p + p0).abs().max() < 1e-5


def test_energy_error_is_second_order_in_the_step_size() -> None:
    """Over a fixed time T = εL the error in H shrinks by 4 when ε halves."""
    energy = ebm_core.energy("double_well", dim=4, barrier_height=1.0)
    g = seeded(1)
    x0 = torch.randn(256, 4, generator=g, dtype=torch.float64)
    p0 = torch.randn(256, 4, generator=g, dtype=torch.float64)
    ones = torch.ones(4, dtype=torch.float64)
    errors = []
    for k in range(4):
        eps, steps = 0.02 / 2**k, 25 * 2**k
        x, p = x0.clone(), p0.clone()
        leapfrog(energy, x, p, energy.grad(x), eps, steps, ones)
        error = _hamiltonian(energy, x, p, ones) - _hamiltonian(energy, x0, p0, ones)
        errors.append(error.abs().mean().item())
    slopes = [math.log2(a / b) for a, b in zip(errors, errors[1:])]
    assert all(1.9 < s < 2.1 for s in slopes), (errors, slopes)


def test_returns_energy_and_gradient_at_the_end_point() -> None:
    energy = ebm_core.energy("gaussian", covariance=VAR_10D)
    x = torch.randn(8, 10, dtype=torch.float64)
    p = torch.randn(8, 10, dtype=torch.float64)
    e, g = leapfrog(energy, x, p, energy.grad(x), torch.tensor(0.05, dtype=torch.float64), 3)
    assert torch.allclose(e, energy(x)) and torch.allclose(g, energy.grad(x))


def test_one_leapfrog_step_of_hmc_is_a_langevin_proposal() -> None:
    """With L = 1 and M = I: x₁ = x − (ε²/2) ∇E + ε p, the Langevin move with h = ε²/2."""
    energy = ebm_core.energy("double_well", dim=2)
    x = torch.randn(8, 2, dtype=torch.float64)
    p = torch.randn(8, 2, dtype=torch.float64)
    eps = 0.3
    expected = x - 0.5 * eps**2 * energy.grad(x) + eps * p
    leapfrog(energy, x, p.clone(), energy.grad(x), eps, 1)
    assert torch.allclose(x, expected)
