"""Burn-in, thinning, trajectories, acceptance counts and gradient counts follow the contract
of ebm_core.kernels exactly — checked through identities between runs of the same seed, which
hold because step t of chain c always draws Philox counter (·, c, t)."""

from __future__ import annotations

import pytest
import torch

from .conftest import chain_request, run_fused

SETUPS = {
    "langevin": ({"step_size": 0.05, "noise_scale": 1.0, "clamp": None}, "double_well",
                 {"barrier_height": 1.0, "b": 1.0}),
    "mala": ({"step_size": 0.3}, "rosenbrock", {"a": 1.0, "b": 5.0}),
    "hmc": ({"step_size": 0.2, "n_leapfrog": 3, "inv_mass": None}, "gaussian",
            {"mean": torch.zeros(3), "precision": torch.eye(3) * 2}),
}


def _request(sampler: str, n_steps: int, **kw):
    params, energy, energy_params = SETUPS[sampler]
    x0 = torch.linspace(-1.5, 1.5, 51 * 3).reshape(51, 3)
    return chain_request(sampler, params, energy, energy_params, x0, n_steps, seed=2024, **kw)


@pytest.mark.parametrize("sampler", sorted(SETUPS))
def test_trajectory_holds_every_thin_th_state_after_burn_in(sampler: str) -> None:
    burn_in, thin, n_steps = 4, 3, 17  # kept: steps 6, 9, 12, 15 (0-based) → (17 − 4) // 3 = 4 states
    result = run_fused(_request(sampler, n_steps, burn_in=burn_in, thin=thin, record_trajectory=True))
    assert result.trajectory.shape == (51, 4, 3)  # chain-major
    for k in range(4):
        shorter = run_fused(_request(sampler, burn_in + (k + 1) * thin))
        assert torch.equal(result.trajectory[:, k], shorter.samples), f"recorded state {k}"
    assert torch.equal(run_fused(_request(sampler, n_steps)).samples, result.samples)


@pytest.mark.parametrize("sampler", sorted(SETUPS))
def test_acceptances_are_counted_after_burn_in_only(sampler: str) -> None:
    total = run_fused(_request(sampler, 20)).n_accepted
    during_burn_in = run_fused(_request(sampler, 7)).n_accepted
    after = run_fused(_request(sampler, 20, burn_in=7))
    assert after.n_accepted.dtype == torch.int64
    assert torch.equal(after.n_accepted, total - during_burn_in)
    if sampler == "langevin":
        assert (after.n_accepted == 13).all()
    else:
        assert 0 < after.n_accepted.sum() < 13 * 51


@pytest.mark.parametrize("sampler, per_step", [("langevin", 1), ("mala", 1), ("hmc", 3)])
def test_gradient_evaluations_per_chain(sampler: str, per_step: int) -> None:
    assert run_fused(_request(sampler, 10)).n_grad_evals == 1 + 10 * per_step
    assert run_fused(_request(sampler, 0)).n_grad_evals == 1


@pytest.mark.parametrize("sampler", sorted(SETUPS))
def test_result_shapes_dtypes_and_energy(sampler: str) -> None:
    request = _request(sampler, 5)
    result = run_fused(request)
    assert result.samples.shape == (51, 3) and result.samples.dtype == torch.float32
    assert result.energy.shape == (51,) and result.divergent.dtype == torch.bool
    assert result.trajectory is None
    assert not result.divergent.any()
    _, energy, p = SETUPS[sampler]
    x = result.samples.double()
    if energy == "double_well":
        want = p["barrier_height"] * ((x**2 - p["b"] ** 2) ** 2).sum(1)
    elif energy == "rosenbrock":
        want = (p["b"] * (x[:, 1:] - x[:, :-1] ** 2) ** 2 + (p["a"] - x[:, :-1]) ** 2).sum(1)
    else:
        want = 0.5 * (x @ p["precision"].double() * x).sum(1)
    torch.testing.assert_close(result.energy.double(), want, rtol=1e-5, atol=1e-5)


def test_zero_steps_return_the_start_and_its_energy() -> None:
    request = _request("mala", 0, record_trajectory=True)
    result = run_fused(request)
    assert torch.equal(result.samples, request.x0)
    assert result.trajectory.shape == (51, 0, 3)
    assert (result.n_accepted == 0).all()


def test_no_chains_is_a_no_op() -> None:
    request = chain_request("mala", {"step_size": 0.1}, "harmonic", {"k": 1.0, "center": torch.zeros(2)},
                            torch.zeros(0, 2), 10)
    result = run_fused(request)
    assert result.samples.shape == (0, 2) and result.n_accepted.shape == (0,)


def test_langevin_divergence_is_flagged() -> None:
    # Step far beyond stability on a stiff quartic: the state overflows to inf/NaN.
    request = chain_request("langevin", {"step_size": 5.0, "noise_scale": 1.0, "clamp": None}, "double_well",
                            {"barrier_height": 10.0, "b": 1.0}, torch.full((8, 2), 3.0), 50)
    result = run_fused(request)
    assert result.divergent.all()


def test_mala_and_hmc_reject_non_finite_proposals() -> None:
    # From x = 1000 on a stiff quartic every proposal overflows float32 (E = inf, or NaN).
    x0 = torch.full((8, 2), 1000.0)
    for sampler, params in [("mala", {"step_size": 5.0}), ("hmc", {"step_size": 3.0, "n_leapfrog": 5, "inv_mass": None})]:
        request = chain_request(sampler, params, "double_well", {"barrier_height": 10.0, "b": 1.0}, x0, 20)
        result = run_fused(request)
        assert (result.n_accepted == 0).all(), sampler
        assert torch.equal(result.samples, x0), sampler
        assert not result.divergent.any() and torch.isfinite(result.energy).all(), sampler
