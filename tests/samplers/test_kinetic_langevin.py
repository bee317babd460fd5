"""kinetic_langevin: BAOAB's exact position marginal and known momentum bias on N(0, σ²).

For a Gaussian target N(0, σ²) the BAOAB chain is linear, and its stationary law is known
in closed form (Leimkuhler & Matthews 2013): the position variance is exactly σ² at every
stable step h < 2σ and every friction γ, and the momentum variance is 1 − h²/(4σ²).
20,000 independent chains start at x ~ N(0, σ²), run 200 steps (many relaxation times at
every (h, γ) below) and their final states are iid draws of the stationary law, so the
standard errors of the variances come from the sample itself (z-tests of
:mod:`ebm_core.testing.moments`). One Bonferroni-corrected checklist (mean and variance of x
and p at four (h, γ) pairs, 16 checks) fails by chance with probability ≤ 5e-5
(``FALSE_FAIL_RATE``); so does the Metropolised one.

A wrong splitting order fails it (checked below by running other orders through the same
pieces; measured at h/σ ≈ 1.06): OBABO biases the position variance to σ²/(1 − h²/(4σ²)),
OABAO to σ²(1 − h²/(4σ²)), each ~30 standard errors away; ABOBA samples x exactly too but
its momentum variance is 1/(1 − h²/(4σ²)) instead of 1 − h²/(4σ²).
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core.testing import Checklist

from ._support import FALSE_FAIL_RATE, seeded

SIGMA2 = 2.0
CHAINS = 20_000
N_STEPS = 200
#: (h, γ): under- and over-damped, up to h/σ ≈ 1.77 (stable below 2).
SETTINGS = [(0.5, 0.5), (1.0, 2.0), (1.5, 1.0), (2.5, 4.0)]


class _Splitting(type(ebm_core.sampler("kinetic_langevin", ebm_core.energy("gaussian", dim=1)))):
    """The same B, A, O pieces composed in another order (each letter's share of h is equal)."""

    order = "BAOAB"

    def step(self, state, generator=None):
        if state.momentum is None:
            state.momentum = torch.randn(state.x.shape, generator=generator, dtype=state.x.dtype)
        h, fresh = self.step_size, True
        for letter in self.order:
            dt = h / self.order.count(letter)
            if letter == "A":
                self._drift(state, dt)
                fresh = False
            elif letter == "O":
                self._friction(state, dt, generator)
            else:
                if not fresh:
                    state.energy, state.grad = self.energy.energy_and_grad(state.x)
                    fresh = True
                self._kick(state, dt)
        return state


def _final_state(sampler, seed):
    g = seeded(seed)
    state = sampler.init(math.sqrt(SIGMA2) * torch.randn(CHAINS, 1, generator=g))
    for _ in range(N_STEPS):
        state = sampler.step(state, g)
    return state.x, state.momentum


def _target():
    return ebm_core.energy("gaussian", covariance=[SIGMA2])


def test_position_variance_is_exact_and_momentum_variance_is_one_minus_h2_over_4_sigma2() -> None:
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    for i, (h, gamma) in enumerate(SETTINGS):
        sampler = ebm_core.sampler("kinetic_langevin", _target(), step_size=h, friction=gamma)
        x, p = _final_state(sampler, seed=10 + i)
        label = f"h={h} γ={gamma}"
        checks.mean(x, [0.0], label=f"x mean {label}")
        checks.covariance(x, [SIGMA2], label=f"x var {label}")
        checks.mean(p, [0.0], label=f"p mean {label}")
        checks.covariance(p, [1 - h * h / (4 * SIGMA2)], label=f"p var {label}")
    checks.verify()


def test_the_test_pieces_compose_to_the_sampler_exactly() -> None:
    """The order interpreter below, run as BAOAB, is the sampler's step bit for bit."""
    sampler = ebm_core.sampler("kinetic_langevin", _target(), step_size=1.0, friction=2.0)
    mimic = _Splitting(_target(), step_size=1.0, friction=2.0)
    a, b = _final_state(sampler, seed=3), _final_state(mimic, seed=3)
    assert torch.equal(a[0], b[0]) and torch.equal(a[1], b[1])


@pytest.mark.parametrize("order, biased", [("OBABO", "x"), ("OABAO", "x"), ("ABOBA", "p")])
def test_a_wrong_splitting_order_fails_the_test(order, biased) -> None:
    h, gamma = 1.5, 1.0
    wrong = type("Wrong", (_Splitting,), {"order": order})(_target(), step_size=h, friction=gamma)
    x, p = _final_state(wrong, seed=12)
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    checks.covariance(x, [SIGMA2], label="x var")
    checks.covariance(p, [1 - h * h / (4 * SIGMA2)], label="p var")
    failures = checks.failures()
    assert any(f.startswith(f"{biased} var") for f in failures), failures


def test_metropolis_correction_makes_both_marginals_exact() -> None:
    """With the Metropolis test the momentum variance is 1, not 1 − h²/(4σ²) ≈ 0.72."""
    h = 1.5
    sampler = ebm_core.sampler(
        "kinetic_langevin", _target(), step_size=h, friction=1.0, metropolis=True
    )
    x, p = _final_state(sampler, seed=20)
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    checks.covariance(x, [SIGMA2], label="x var")
    checks.covariance(p, [1.0], label="p var")
    checks.verify()


def test_the_run_reports_acceptance_and_one_gradient_per_step() -> None:
    e = ebm_core.energy("gaussian", dim=2)
    plain = ebm_core.sampler("kinetic_langevin", e).run(n_samples=5, n_steps=7, generator=seeded(0))
    assert plain.n_grad_evals == 8 and bool((plain.acceptance_rate == 1).all())
    adjusted = ebm_core.sampler("kinetic_langevin", e, step_size=1.9, metropolis=True).run(
        n_samples=200, n_steps=20, generator=seeded(0)
    )
    assert adjusted.n_grad_evals == 21 and 0 < adjusted.mean_acceptance_rate < 1


@pytest.mark.parametrize(
    "kwargs, name",
    [({"friction": 0.0}, "friction"), ({"friction": -1.0}, "friction"),
     ({"step_size": 0.0}, "step_size"), ({"friction": float("nan")}, "friction")],
)
def test_bad_arguments_are_refused_by_name(kwargs, name) -> None:
    with pytest.raises(ValueError, match=name):
        ebm_core.sampler("kinetic_langevin", ebm_core.energy("gaussian", dim=1), **kwargs)
