"""parallel_tempering: right mode weights where MALA alone is stuck; equalised swap rates.

Target: a 1-D mixture of three unit-variance Gaussians at −10, 0, 10 (10 standard deviations
apart) with weights 0.2, 0.5, 0.3; every chain starts in the lightest mode. The mode weights
are estimated from the kept β = 1 trajectories, with standard errors from batch means where
each batch is one chain's whole trajectory (chains are independent, so the batch means are
iid and their spread gives the standard error whatever the autocorrelation). Each of the
three weights must lie within 4 standard errors of the truth: a correct sampler fails this
by chance with probability ≤ 3 · 6.3e-5 < 2e-4 (normal approximation; fixed seed, so every
run is identical). MALA from the same start never leaves the first mode (its estimate is
1, 0, 0 — dozens of standard errors off), which the test shows side by side.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.errors import UnknownComponentError
from ebm_plugins.samplers.tempering_ladder import equalised_ladder, geometric_ladder

from ._support import seeded

WEIGHTS = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64)
CHAINS, N_STEPS, BURN_IN = 200, 800, 400
#: A poor starting ladder: the last gap carries nearly all the rejection (swap rates
#: ≈ 0.96, 0.95, 0.27 when it is kept), so the adaptation has real work to do.
POOR_LADDER = [1.0, 0.9, 0.8, 0.02]


def _mixture():
    return ebm_core.energy("gaussian_mixture", means=[[-10.0], [0.0], [10.0]], weights=WEIGHTS)


def _start(g):
    return -10.0 + torch.randn(CHAINS, 1, generator=g)


def _mode_weights(trajectory):
    """Weights and batch-means standard errors (one batch per chain)."""
    t = trajectory[..., 0]
    in_mode = torch.stack([t < -5, t.abs() <= 5, t > 5], dim=-1).double().mean(dim=1)
    return in_mode.mean(0), in_mode.std(0) / in_mode.shape[0] ** 0.5


def test_tempering_finds_the_mode_weights_mala_alone_does_not() -> None:
    g = seeded(0)
    x0 = _start(g)
    pt = ebm_core.sampler("parallel_tempering", _mixture(), base="mala", betas=POOR_LADDER)
    result = pt.run(x0, n_steps=N_STEPS, burn_in=BURN_IN, generator=g, return_trajectory=True)
    weights, se = _mode_weights(result.trajectory)
    z = (weights - WEIGHTS) / se
    assert bool((z.abs() <= 4).all()), f"weights {weights.tolist()} ± {se.tolist()}"

    mala = ebm_core.sampler("mala", _mixture())
    stuck = mala.run(x0, n_steps=N_STEPS, burn_in=BURN_IN, generator=g, return_trajectory=True)
    mala_weights, mala_se = _mode_weights(stuck.trajectory)
    error = (mala_weights - WEIGHTS).abs().max()
    assert error > 4 * torch.maximum(mala_se, se).max(), f"MALA alone: {mala_weights.tolist()}"

    # After the ladder adaptation every neighbour pair swaps at the same rate (±0.1) ...
    rates = pt.swap_acceptance
    assert rates.shape == (3,) and bool(((rates - rates.mean()).abs() <= 0.1).all()), rates
    # ... the ladder kept its ends, and every replica label travelled it end to end.
    assert pt.betas[0] == 1 and abs(float(pt.betas[-1]) - 0.02) < 1e-12
    assert pt.round_trips.shape == (4,) and bool((pt.round_trips > 0).all())
    # Each temperature tuned its own MALA step: hotter replicas take longer steps.
    steps = torch.tensor([s.step_size for s in pt.samplers])
    assert bool((steps[1:] > steps[:-1]).all()), steps


def test_without_ladder_adaptation_the_swap_rates_stay_unequal() -> None:
    """The adaptation is what equalises them above."""
    g = seeded(1)
    pt = ebm_core.sampler("parallel_tempering", _mixture(), betas=POOR_LADDER, adapt_ladder=False)
    pt.run(_start(g)[:50], n_steps=200, burn_in=100, generator=g)
    assert pt.betas.tolist() == POOR_LADDER
    rates = pt.swap_acceptance
    assert float(rates.max() - rates.min()) > 0.5, rates


def test_equalised_ladder_keeps_a_ladder_whose_rates_are_already_equal() -> None:
    betas = geometric_ladder(6, 0.001)
    equal_rates = torch.full((5,), 0.3, dtype=torch.float64)
    assert torch.allclose(equalised_ladder(betas, equal_rates), betas)
    # Rejection concentrated in the first gap: the new ladder crowds β there.
    new = equalised_ladder(betas, torch.tensor([0.9, 0.1, 0.1, 0.1, 0.1], dtype=torch.float64))
    assert new[0] == 1 and new[-1] == betas[-1] and bool((new[1:] < new[:-1]).all())
    assert new[1] > betas[1]


@pytest.mark.parametrize(
    "base, base_kwargs, grads_per_step",
    [("mala", {}, 1), ("langevin", {"step_size": 0.1}, 1), ("hmc", {"n_leapfrog": 3}, 3),
     ("kinetic_langevin", {"step_size": 0.3}, 1), ("nuts", {}, None)],
)
def test_swaps_keep_each_replica_consistent_with_its_temperature(
    base, base_kwargs, grads_per_step
) -> None:
    """After swaps, every replica's energy and gradient are β·E and β·∇E at its own x.

    Also for bases that carry no energy (langevin), a persistent momentum (kinetic_langevin)
    or a variable number of gradients per step (nuts).
    """
    e = _mixture()
    pt = ebm_core.sampler(
        "parallel_tempering", e, base=base, base_kwargs=base_kwargs, n_replicas=3, beta_min=0.1
    )
    g = seeded(2)
    state = pt.init(torch.randn(64, 1, generator=g) * 5)
    n_swapped = 0
    for _ in range(6):
        before = state.label.clone()
        state = pt.step(state, g)
        n_swapped += int((state.label != before).sum())
    assert n_swapped > 0
    for beta, replica in zip(pt.betas, state.replicas):
        energy, grad = e.energy_and_grad(replica.x)
        if replica.energy is not None:
            assert torch.allclose(replica.energy, float(beta) * energy, rtol=1e-5, atol=1e-5)
        assert torch.allclose(replica.grad, float(beta) * grad, rtol=1e-5, atol=1e-5)
    assert state.x is state.replicas[0].x
    if grads_per_step is not None:
        assert state.n_grad_evals == 3 * (1 + 6 * grads_per_step)


def test_the_tuned_ladder_and_base_steps_are_checkpointed() -> None:
    g = seeded(3)
    pt = ebm_core.sampler("parallel_tempering", _mixture(), n_replicas=3, beta_min=0.05)
    pt.run(_start(g)[:50], n_steps=150, burn_in=100, generator=g)
    fresh = ebm_core.sampler("parallel_tempering", _mixture(), n_replicas=3, beta_min=0.05)
    fresh.load_state_dict(pt.state_dict())
    assert torch.equal(fresh.betas, pt.betas)
    assert not torch.equal(fresh.betas, geometric_ladder(3, 0.05))
    assert [s.step_size for s in fresh.samplers] == [s.step_size for s in pt.samplers]
    assert [float(t.beta) for t in fresh.tempered] == pt.betas.tolist()


def test_reports_need_a_run() -> None:
    pt = ebm_core.sampler("parallel_tempering", _mixture())
    with pytest.raises(RuntimeError, match="run"):
        pt.swap_acceptance


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"base": "no_such_sampler"}, UnknownComponentError, "base='no_such_sampler'"),
        ({"base": object()}, TypeError, "base"),
        ({"n_replicas": 1}, ValueError, "n_replicas must be an integer >= 2, got n_replicas=1"),
        ({"n_replicas": 2.5}, TypeError, "n_replicas"),
        ({"beta_min": 1.5}, ValueError, "beta_min"),
        ({"betas": [0.5, 0.1]}, ValueError, "decrease strictly from 1"),
        ({"betas": [1.0, 0.1, 0.2]}, ValueError, "decrease strictly from 1"),
        ({"betas": [1.0]}, ValueError, "at least 2"),
        ({"betas": [1.0, 0.1], "n_replicas": 3}, ValueError, "n_replicas=3"),
        ({"base_kwargs": {"no_such_argument": 1}}, Exception, "no_such_argument"),
    ],
)
def test_bad_arguments_are_refused_by_name(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ebm_core.sampler("parallel_tempering", _mixture(), **kwargs)
