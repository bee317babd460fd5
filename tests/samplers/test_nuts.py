"""nuts: exact on Gaussians (warm-up and fixed step sizes), diagnostics, no wasted gradients.

Statistical tests (final states of many independent chains from over-dispersed starts, as
in test_gaussian_targets.py): z-tests of means and covariance entries and KS tests of
marginals in one Bonferroni-corrected checklist per test. Each fails by chance with
probability ≤ 5e-5 (``FALSE_FAIL_RATE``); with the fixed seeds every run is identical.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.testing import Checklist, normal_cdf

from ._support import (
    COV_2D,
    FALSE_FAIL_RATE,
    GAUSSIAN_TARGETS,
    gaussian_2d,
    overdispersed,
    seeded,
)

#: NUTS moves far per transition; the cost is dominated by the warm-up's first steps, taken
#: with an identity mass matrix on variances 100× apart.
CHAINS, N_STEPS, BURN_IN = 2000, 100, 70


@pytest.mark.parametrize("target", list(GAUSSIAN_TARGETS))
def test_final_states_match_the_exact_gaussian(target) -> None:
    make_energy, mean, cov = GAUSSIAN_TARGETS[target]
    g = seeded(2024)
    sampler = ebm_core.sampler("nuts", make_energy(), step_size=1.0)
    start = overdispersed(cov, CHAINS, g)
    result = sampler.run(start, n_steps=N_STEPS, burn_in=BURN_IN, generator=g)
    assert result.n_divergent == 0 and int(sampler.n_divergent.sum()) == 0
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    checks.gaussian(result.samples, mean, cov)
    checks.verify()
    # The warm-up found the variances and a step size near Stan's usual range.
    assert torch.allclose(sampler.inv_mass.double(), cov.diagonal(), rtol=0.25)
    assert 0.3 < sampler.step_size < 2.0


STEP_SIZES = (0.1, 0.25, 0.5, 1.0, 1.5)


def test_fixed_step_sizes_sample_the_standard_normal() -> None:
    """Detailed-balance sanity: no adaptation, step sizes 0.1 … 1.5, trees of different depths.

    3000 chains start from N(0, 9) and take 25 transitions; mean, variance and KS of the
    final states at every step size, one checklist (15 checks).
    """
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    depths = []
    for i, eps in enumerate(STEP_SIZES):
        g = seeded(100 + i)
        sampler = ebm_core.sampler(
            "nuts", ebm_core.energy("gaussian", dim=1), step_size=eps,
            adapt_step_size=False, adapt_mass=False,
        )
        x = sampler.run(3.0 * torch.randn(3000, 1, generator=g), n_steps=25, generator=g).samples
        checks.mean(x, [0.0], label=f"ε={eps} mean")
        checks.covariance(x, [1.0], label=f"ε={eps} var")
        checks.ks(f"ε={eps} KS", x[:, 0], normal_cdf())
        depths.append(float(sampler.tree_depth.mean()))
    checks.verify()
    # Smaller steps need deeper trees to reach the U-turn (about half a period, π/2 … π).
    assert depths[0] > 3 > depths[-1] >= 1, depths
    assert all(a >= b for a, b in zip(depths, depths[1:-1])), depths


class _CountingEnergy(ebm_core.Energy):
    """N(0, I) that counts the rows it evaluates."""

    def __init__(self, dim: int) -> None:
        super().__init__(event_shape=(dim,))
        self.rows = 0

    def forward(self, x):
        self.rows += x.shape[0]
        return 0.5 * x.square().sum(dim=1)

    def grad(self, x, *, create_graph=False):
        return x.clone()


def test_finished_chains_cost_no_gradient_evaluations() -> None:
    """Rows evaluated = one per chain at the start + exactly the leapfrog steps taken."""
    energy = _CountingEnergy(3)
    sampler = ebm_core.sampler(
        "nuts", energy, step_size=0.2, adapt_step_size=False, adapt_mass=False
    )
    g = seeded(5)
    chains, n_steps = 300, 20
    result = sampler.run(torch.randn(chains, 3, generator=g), n_steps=n_steps, generator=g)
    leapfrog_steps = float(sampler.n_leapfrog.sum()) * n_steps
    assert energy.rows == chains + round(leapfrog_steps)
    # Chains' trees differ in length, so a lock-step implementation would idle a large share.
    assert 0.2 < sampler.idle_fraction < 0.9
    assert result.n_grad_evals == 1 + round(leapfrog_steps) // chains


def test_max_tree_depth_bounds_the_trajectory() -> None:
    e = ebm_core.energy("gaussian", dim=2)
    for depth in (1, 2):
        s = ebm_core.sampler("nuts", e, step_size=0.05, max_tree_depth=depth, adapt_step_size=False)
        s.run(n_samples=200, n_steps=5, generator=seeded(0))
        assert bool((s.tree_depth <= depth).all()) and float(s.n_leapfrog.max()) <= 2**depth - 1
    assert float(s.tree_depth.mean()) == 2  # tiny steps never U-turn this early


def test_divergences_are_flagged_and_never_accepted() -> None:
    """Far beyond the stable step (ε = 5 on N(0, 1)) the energy error explodes."""
    s = ebm_core.sampler("nuts", ebm_core.energy("gaussian", dim=1), step_size=5.0,
                         adapt_step_size=False, adapt_mass=False)
    result = s.run(n_samples=200, n_steps=10, generator=seeded(1))
    assert int(s.n_divergent.sum()) > 0
    assert result.n_divergent == 0 and bool(torch.isfinite(result.samples).all())


def test_energy_diagnostics_are_healthy_on_a_gaussian() -> None:
    s = ebm_core.sampler("nuts", gaussian_2d(), step_size=0.5)
    s.run(overdispersed(COV_2D, 200, seeded(3)), n_steps=120, burn_in=60, generator=seeded(4))
    assert s.e_bfmi.shape == (200,) and float(s.e_bfmi.median()) > 0.5
    assert s.tree_depth.shape == (200,) and s.n_leapfrog.shape == (200,)


def test_the_tuned_state_is_checkpointed() -> None:
    s = ebm_core.sampler("nuts", gaussian_2d(), step_size=0.5)
    s.run(overdispersed(COV_2D, 100, seeded(3)), n_steps=60, burn_in=50, generator=seeded(4))
    fresh = ebm_core.sampler("nuts", gaussian_2d())
    fresh.load_state_dict(s.state_dict())
    assert fresh.step_size == s.step_size and torch.equal(fresh.inv_mass, s.inv_mass)


def test_reports_need_a_run() -> None:
    with pytest.raises(RuntimeError, match="run"):
        ebm_core.sampler("nuts", gaussian_2d()).tree_depth


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"max_tree_depth": 0}, ValueError, "max_tree_depth must be an integer >= 1"),
        ({"max_tree_depth": 2.0}, TypeError, "max_tree_depth"),
        ({"max_energy_error": -1.0}, ValueError, "max_energy_error"),
        ({"step_size": 0.0}, ValueError, "step_size"),
        ({"target_accept": 1.0}, ValueError, "target_accept"),
        ({"inv_mass": [1.0, -1.0]}, ValueError, "inv_mass"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ebm_core.sampler("nuts", gaussian_2d(), **kwargs)
