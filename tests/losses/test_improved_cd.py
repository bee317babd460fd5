"""Improved CD's KL term (``cd`` with ``kl_weight``): the gradient reaches θ through the last sampler step.

On ``E = ½ a x²`` with CD-1 from the data (``x₀`` = data, so the whole step is the
differentiable Langevin step ``x₁ = x₀ − h a x₀ + √(2h) ξ``) the loss with ``α = 0`` is

    L = ½ a mean(x₀²) − ½ a mean(x₁²) + w · mean(½ ā x₁²),

whose derivative is ``½ mean(x₀²) − ½ mean(x₁²) + w · mean(a x₁ · (−h x₀))`` (``ā`` is the
stop-gradient copy). The checks are exact (float64, fixed seeds): false-fail rate 0.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core

from .gaussian_energies import ScaledQuadratic


def _loss(energy, **kwargs):
    return ebm_core.loss("cd", energy, sampler="langevin", k=1, alpha=0.0, kl_weight=0.7,
                         sampler_kwargs={"step_size": 0.05}, generator=torch.Generator().manual_seed(1), **kwargs)


def test_kl_gradient_matches_the_analytic_derivative() -> None:
    energy = ScaledQuadratic(a=1.3, dim=3)
    loss = _loss(energy)
    data = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    loss(data).backward()
    x1 = loss.last["negatives"]
    a, h, w = 1.3, 0.05, 0.7
    sq = lambda v: v.pow(2).sum(1)  # noqa: E731
    expected = 0.5 * sq(data).mean() - 0.5 * sq(x1).mean() + w * (a * (x1 * (-h * data)).sum(1)).mean()
    torch.testing.assert_close(energy.a.grad, expected)
    torch.testing.assert_close(loss.last["kl_term"], (0.5 * a * sq(x1)).mean())


def test_without_the_kl_term_the_step_is_a_constant() -> None:
    """The same loss with kl_weight=0 gives plain CD's derivative ½ mean(x₀²) − ½ mean(x₁²)."""
    energy = ScaledQuadratic(a=1.3, dim=3)
    loss = ebm_core.loss("cd", energy, sampler="langevin", k=1, alpha=0.0, sampler_kwargs={"step_size": 0.05})
    data = torch.randn(50, 3, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    loss(data).backward()
    x1 = loss.last["negatives"]
    torch.testing.assert_close(energy.a.grad, 0.5 * data.pow(2).sum(1).mean() - 0.5 * x1.pow(2).sum(1).mean())
    assert "kl_term" not in loss.last


def test_k_steps_run_the_sampler_k_minus_1_times_then_the_differentiable_step() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    loss = ebm_core.loss("pcd", energy, sampler="mala", k=4, buffer_size=32, kl_weight=1.0, kl_step_size=0.1,
                         sampler_kwargs={"step_size": 0.3}, generator=torch.Generator().manual_seed(0))
    steps = []
    original = loss.sampler.run
    loss.sampler.run = lambda chains, n_steps, generator: steps.append(n_steps) or original(chains, n_steps=n_steps, generator=generator)
    loss(torch.randn(16, 2, dtype=torch.float64)).backward()
    assert steps == [3] and loss.buffer.samples.shape == (32, 2) and energy.a.grad is not None


def test_kl_step_size_is_needed_when_the_sampler_has_none() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    with pytest.raises(ValueError, match="pass kl_step_size"):
        ebm_core.loss("cd", energy, sampler="parallel_tempering", kl_weight=1.0)
    with pytest.raises(ValueError, match="kl_weight must be"):
        ebm_core.loss("cd", energy, kl_weight=-1.0)
