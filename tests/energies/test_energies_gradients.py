"""Analytic gradients of the built-in energies agree with autograd (float64, gradcheck-level)."""

from __future__ import annotations

import pytest
import torch

from energy_cases import random_points


def autograd_grad(energy, x):
    leaf = x.detach().clone().requires_grad_(True)
    (gradient,) = torch.autograd.grad(energy(leaf).sum(), leaf)
    return gradient


@pytest.mark.parametrize("batch", [1, 7, 64])
def test_grad_matches_autograd(analytic_energy, batch):
    x = random_points(analytic_energy, batch, seed=batch)
    expected = autograd_grad(analytic_energy, x)
    torch.testing.assert_close(analytic_energy.grad(x), expected, rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(analytic_energy.score(x), -expected, rtol=1e-10, atol=1e-10)


def test_energy_and_grad_matches_forward_and_grad(analytic_energy):
    x = random_points(analytic_energy, 16, seed=1)
    energy, gradient = analytic_energy.energy_and_grad(x)
    torch.testing.assert_close(energy, analytic_energy(x), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(gradient, analytic_energy.grad(x), rtol=1e-12, atol=1e-12)
    assert energy.shape == (16,) and gradient.shape == x.shape


def test_gradcheck_forward(analytic_energy):
    x = random_points(analytic_energy, 3, seed=2).requires_grad_(True)
    assert torch.autograd.gradcheck(analytic_energy, (x,))


def test_analytic_grad_is_differentiable_when_create_graph(analytic_energy):
    """gradcheck of x ↦ ∇E(x) with create_graph=True: the analytic Hessian-vector products are right."""
    x = random_points(analytic_energy, 2, seed=3).requires_grad_(True)
    assert torch.autograd.gradcheck(lambda y: analytic_energy.grad(y, create_graph=True), (x,))
    energy, gradient = analytic_energy.energy_and_grad(x, create_graph=True)
    assert energy.requires_grad and gradient.requires_grad


def test_grad_without_create_graph_builds_no_graph(analytic_energy):
    x = random_points(analytic_energy, 4, seed=4).requires_grad_(True)
    energy, gradient = analytic_energy.energy_and_grad(x)
    assert not gradient.requires_grad and not energy.requires_grad
    assert not analytic_energy.grad(x).requires_grad


def test_analytic_grad_matches_autograd_in_float32(analytic_energy):
    x = random_points(analytic_energy, 32, seed=5, dtype=torch.float32)
    torch.testing.assert_close(
        analytic_energy.grad(x), autograd_grad(analytic_energy, x), rtol=1e-4, atol=1e-4
    )


def test_ackley_grad_at_the_funnel_tip_is_finite():
    import ebm_core

    energy = ebm_core.energy("ackley", dim=3)
    x = torch.zeros(2, 3)
    assert torch.equal(energy(x), torch.zeros(2))
    assert torch.equal(energy.grad(x), torch.zeros(2, 3))
