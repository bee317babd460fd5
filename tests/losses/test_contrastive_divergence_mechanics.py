"""How ``cd``/``pcd`` build their negatives: samplers, chain starts, replay buffer, logging."""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.sampling import DivergenceError

from .gaussian_energies import ScaledQuadratic


class Quartic(ebm_core.Energy):
    """``E = ¼ Σ xᵢ⁴``: Langevin with a large step overshoots and blows up far from 0."""

    def __init__(self) -> None:
        super().__init__(event_shape=(2,))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.25 * self.check_input(x).pow(4).sum(-1)


def _quadratic_cd(**kwargs) -> ebm_core.Loss:
    energy = ScaledQuadratic(a=1.0, dim=2)
    options = dict(sampler="langevin", k=5, generator=torch.Generator().manual_seed(0))
    options.update(kwargs)
    return ebm_core.loss("cd", energy, **options)


def _batch(n: int = 32, seed: int = 1) -> torch.Tensor:
    return torch.randn(n, 2, generator=torch.Generator().manual_seed(seed), dtype=torch.float64)


def test_the_done_when_call_builds_a_persistent_langevin_cd() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    loss = ebm_core.loss("cd", energy, sampler="langevin", k=20, persistent=True)
    assert loss.persistent and loss.k == 20 and loss.start == "noise"
    assert type(loss.sampler).__name__ == "Langevin"
    assert loss(_batch()).ndim == 0


def test_the_gradient_treats_negatives_as_constants() -> None:
    """For E = ½a‖x‖²: dL/da = ½(mean‖x‖² − mean‖x⁻‖²) + α·d/da(mean E² terms), x⁻ fixed."""
    alpha = 0.3
    loss = _quadratic_cd(alpha=alpha)
    data = _batch()
    loss(data).backward()
    negatives = loss.last["negatives"]
    half_sq_data, half_sq_neg = 0.5 * data.pow(2).sum(1), 0.5 * negatives.pow(2).sum(1)
    a = 1.0
    expected = (
        half_sq_data.mean() - half_sq_neg.mean()
        + alpha * (2 * a * half_sq_data.pow(2).mean() + 2 * a * half_sq_neg.pow(2).mean())
    )
    assert torch.allclose(loss.energy.a.grad, expected)
    assert not negatives.requires_grad


def test_records_what_it_sampled() -> None:
    loss = _quadratic_cd(persistent=True, buffer_size=64)
    loss(_batch())
    last = loss.last
    assert last["negatives"].shape == (32, 2)
    assert {"energy_data", "energy_negatives", "acceptance_rate", "n_divergent", "n_reinitialised"} <= set(last)
    assert torch.allclose(last["energy_negatives"], loss.energy(last["negatives"]).mean())


def test_cd_k_chains_start_at_the_data() -> None:
    """With a tiny step, k steps barely move the chains: negatives stay next to their data point."""
    loss = _quadratic_cd(start="data", sampler_kwargs={"step_size": 1e-8}, k=1)
    data = _batch()
    loss(data)
    assert (loss.last["negatives"] - data).abs().max() < 1e-3


def test_persistent_chains_can_restart_at_data_points() -> None:
    loss = _quadratic_cd(
        persistent=True, start="data", reinit_fraction=1.0, buffer_size=64, sampler_kwargs={"step_size": 1e-8}, k=1
    )
    data = _batch(n=16)
    loss(data)
    distance_to_nearest_data_point = torch.cdist(loss.last["negatives"], data).min(dim=1).values
    assert distance_to_nearest_data_point.max() < 1e-3


def test_short_run_chains_start_from_noise_of_the_given_scale() -> None:
    loss = _quadratic_cd(start="noise", noise="uniform", noise_scale=5.0, sampler_kwargs={"step_size": 1e-8}, k=1)
    loss(_batch(n=2000))
    negatives = loss.last["negatives"]
    assert negatives.abs().max() <= 5.0 + 1e-3
    assert negatives.abs().max() > 4.5  # U[−5, 5]: some draw near the edge, unlike the data
    assert abs(negatives.var().item() - 25 / 3) < 0.6  # Var U[−5, 5] = 25/3; SE ≈ 0.12


def test_same_seed_same_negatives() -> None:
    first, second = _quadratic_cd(persistent=True, buffer_size=100), _quadratic_cd(persistent=True, buffer_size=100)
    first(_batch())
    second(_batch())
    assert torch.equal(first.last["negatives"], second.last["negatives"])


def test_a_sampler_instance_of_the_same_energy_is_used_as_is() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    sampler = ebm_core.sampler("mala", energy, step_size=0.3, adapt_step_size=False)
    loss = ebm_core.loss("cd", energy, sampler=sampler, k=3)
    loss(_batch())
    assert loss.sampler is sampler and 0 < loss.last["acceptance_rate"] <= 1


def test_sampler_instance_of_another_energy_or_with_kwargs_is_refused() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    other = ebm_core.sampler("langevin", ScaledQuadratic(a=1.0, dim=2))
    with pytest.raises(ValueError, match="different energy"):
        ebm_core.loss("cd", energy, sampler=other)
    mine = ebm_core.sampler("langevin", energy)
    with pytest.raises(ValueError, match="sampler_kwargs"):
        ebm_core.loss("cd", energy, sampler=mine, sampler_kwargs={"step_size": 0.1})


# ------------------------------------------------------------------ replay buffer
def test_buffer_rows_drawn_are_written_back_and_others_kept() -> None:
    loss = _quadratic_cd(persistent=True, buffer_size=100, reinit_fraction=0.0)
    loss(_batch())
    before = loss.buffer.samples.clone()
    loss(_batch(seed=2))
    changed = (loss.buffer.samples != before).any(dim=1)
    assert int(changed.sum()) == 32
    assert torch.equal(loss.buffer.samples[changed].sort(0).values, loss.last["negatives"].sort(0).values)


@pytest.mark.parametrize("fraction", [0.0, 1.0])
def test_reinit_fraction_extremes(fraction: float) -> None:
    loss = _quadratic_cd(persistent=True, buffer_size=64, reinit_fraction=fraction)
    loss(_batch())
    assert loss.last["n_reinitialised"] == int(32 * fraction)


def test_default_reinit_fraction_is_five_percent() -> None:
    """200 batches of 32 chains: 6,400 Bernoulli(p) draws; p = 0.05 ± 4 SE (SE = 0.0027)."""
    loss = _quadratic_cd(persistent=True, buffer_size=64, k=1)
    assert loss.reinit_fraction == 0.05
    total = 0
    for i in range(200):
        loss(_batch(seed=i))
        total += loss.last["n_reinitialised"]
    rate = total / (200 * 32)
    assert abs(rate - 0.05) < 4 * (0.05 * 0.95 / 6400) ** 0.5


def test_buffer_is_in_the_state_dict_and_a_checkpoint_resumes_it() -> None:
    loss = _quadratic_cd(persistent=True, buffer_size=50)
    loss(_batch())
    state = loss.state_dict()
    assert torch.equal(state["buffer.samples"], loss.buffer.samples)
    assert "energy.a" in state

    resumed = _quadratic_cd(persistent=True, buffer_size=50)
    assert not resumed.buffer.is_filled
    resumed.load_state_dict(state)
    assert torch.equal(resumed.buffer.samples, loss.buffer.samples)
    generator = torch.Generator().manual_seed(9)
    loss.generator, resumed.generator = generator, torch.Generator().manual_seed(9)
    loss(_batch(seed=5))
    resumed(_batch(seed=5))
    assert torch.equal(loss.last["negatives"], resumed.last["negatives"])  # it continues the same chains


def test_a_checkpoint_with_another_buffer_size_is_refused() -> None:
    small = _quadratic_cd(persistent=True, buffer_size=40)
    small(_batch())
    with pytest.raises(ValueError, match="buffer_size=40"):
        _quadratic_cd(persistent=True, buffer_size=50).load_state_dict(small.state_dict())


def test_pcd_name_is_persistent_cd() -> None:
    loss = ebm_core.loss("pcd", ScaledQuadratic(a=1.0, dim=2), sampler="mala", k=2, buffer_size=64)
    loss(_batch())
    assert loss.persistent and loss.state_dict()["buffer.samples"].shape == (64, 2)


# ------------------------------------------------------------------ divergence
def test_divergent_negatives_are_left_out_and_restarted_in_the_buffer() -> None:
    """Quartic energy, Langevin h = 0.1: chains starting at ±10 overshoot to inf within 4 steps."""
    data = torch.zeros(8, 2)
    data[:3] = 10.0
    loss = ebm_core.loss(
        "cd", Quartic(), sampler="langevin", k=6, start="data", sampler_kwargs={"step_size": 0.1},
        generator=torch.Generator().manual_seed(0),
    )
    value = loss(data)
    assert loss.last["n_divergent"] == 3 and torch.isfinite(value)

    persistent = ebm_core.loss(
        "pcd", Quartic(), sampler="langevin", k=6, buffer_size=64, noise_scale=10.0,
        sampler_kwargs={"step_size": 0.1}, generator=torch.Generator().manual_seed(0),
    )
    persistent(torch.zeros(64, 2))
    assert persistent.last["n_divergent"] > 0
    assert torch.isfinite(persistent.buffer.samples).all()


def test_all_chains_divergent_raises() -> None:
    loss = ebm_core.loss(
        "cd", Quartic(), sampler="langevin", k=6, start="data", sampler_kwargs={"step_size": 0.1}
    )
    with pytest.raises(DivergenceError, match="step size"):
        loss(torch.full((4, 2), 10.0))


def test_data_of_another_event_shape_than_the_buffer_is_refused() -> None:
    def any_size(x: torch.Tensor) -> torch.Tensor:
        return 0.5 * x.pow(2).flatten(1).sum(1)

    loss = ebm_core.loss("pcd", ebm_core.energy("neural", module=any_size), k=1, buffer_size=8)
    loss(torch.zeros(4, 2))
    with pytest.raises(ValueError, match=r"events of shape \(3,\) but the replay buffer holds states of shape \(2,\)"):
        loss(torch.zeros(4, 3))
