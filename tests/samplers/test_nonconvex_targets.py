"""MALA and HMC on non-Gaussian targets: double well and Rosenbrock marginals.

References: the double well E = h Σ (xᵢ² − b²)² (h = 2, b = 1) factorises, so each marginal
is ∝ exp(−h (t² − b²)²), tabulated by quadrature; the 2-D Rosenbrock E = b (x₂ − x₁²)² +
(a − x₁)² with a = 1 and b = 5 (the issue's "scaled to be samplable") is tabulated on a fine
grid — its first marginal is exactly N(1, ½), its second is heavy-tailed.

4,000 chains start over-dispersed and asymmetric (chains must cross the double well's
barrier to balance the wells). The energies grow faster than quadratically, where MALA and
fixed-step HMC are not geometrically ergodic (Roberts & Tweedie 1996): a chain far in the
tails, at a step size tuned for the bulk, proposes moves that overshoot and are all rejected.
So every run first warms up with a tiny fixed MALA step (it only moves the chains into the
bulk), then adapts during burn-in and samples. The final states pass KS tests of both
marginals (DKW threshold, Bonferroni over the two); each test fails by chance with
probability ≤ 5e-5, the 11 statistical tests of tests/samplers together ≤ 5.5e-4.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core import quadrature
from ebm_core.testing import Checklist

from ._support import FALSE_FAIL_RATE, seeded

CHAINS = 4000


def _double_well():
    energy = ebm_core.energy("double_well", dim=2, barrier_height=2.0, b=1.0)
    marginal = quadrature.separable_marginal(energy, bounds=(-3.0, 3.0))
    start = lambda g: 0.5 + 1.5 * torch.randn(CHAINS, 2, generator=g)  # noqa: E731
    return energy, [marginal.cdf, marginal.cdf], start


def _rosenbrock():
    energy = ebm_core.energy("rosenbrock", dim=2, a=1.0, b=5.0)
    grid = quadrature.grid_density(energy, bounds=((-4.0, 5.5), (-5.0, 30.0)), n=1001)
    start = lambda g: 1.0 + 2.0 * torch.randn(CHAINS, 2, generator=g)  # noqa: E731
    return energy, [grid.marginal(0).cdf, grid.marginal(1).cdf], start


TARGETS = {"double_well": _double_well, "rosenbrock": _rosenbrock}
#: (kwargs, n_steps, burn_in); MALA crawls along Rosenbrock's curved valley, hence longer.
SCHEDULES = {
    ("mala", "double_well"): ({}, 1000, 400),
    ("mala", "rosenbrock"): ({}, 2500, 400),
    ("hmc", "double_well"): ({"n_leapfrog": 10}, 300, 200),
    ("hmc", "rosenbrock"): ({"n_leapfrog": 10}, 300, 200),
}


@pytest.mark.parametrize("target", list(TARGETS))
@pytest.mark.parametrize("name", ["mala", "hmc"])
def test_marginals_match_quadrature(name, target) -> None:
    energy, cdfs, start = TARGETS[target]()
    kwargs, n_steps, burn_in = SCHEDULES[(name, target)]
    g = seeded(99)
    warm_up = ebm_core.sampler("mala", energy, step_size=1e-3, adapt_step_size=False)
    x0 = warm_up.sample(start(g), n_steps=200, generator=g)
    sampler = ebm_core.sampler(name, energy, step_size=0.05, **kwargs)
    result = sampler.run(x0, n_steps=n_steps, burn_in=burn_in, generator=g)
    assert result.n_divergent == 0
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    checks.marginals(result.samples, cdfs)
    checks.verify()


def test_the_double_well_chains_cross_the_barrier() -> None:
    """Started in the right well, the chains end up split evenly: they cross the barrier.

    Mixed chains end in the left well independently with probability ½, so the fraction is
    within 5 binomial standard errors of ½ but for a chance of 6e-7; unmixed chains give ~0.
    """
    energy = ebm_core.energy("double_well", dim=1, barrier_height=2.0, b=1.0)
    g = seeded(5)
    x0 = 1.0 + 0.1 * torch.randn(CHAINS, 1, generator=g)  # all in the right well
    s = ebm_core.sampler("mala", energy, step_size=0.05)
    x = s.sample(x0, n_steps=1000, burn_in=300, generator=g)
    left = (x < 0).double().mean().item()
    assert abs(left - 0.5) < 5 * (0.25 / CHAINS) ** 0.5
