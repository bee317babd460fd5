"""The public adaptive-sampler bases (``ebm_core.AdaptiveSampler``, ``AdaptiveMassSampler``):
what a subclass that writes only ``init`` and ``step`` gets — step size tuned towards
``target_accept`` in burn-in and frozen after it, per-chain early step sizes on request, the
diagonal mass matrix, checkpoints that resume exactly, a reset when ``step_size`` is assigned,
a failed burn-in that changes nothing, and clear errors for bad arguments."""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.sampling import ChainState
from ebm_core.sampling.state import per_chain_view

from ._support import VAR_10D, gaussian_10d, overdispersed, seeded


class _Walk:
    """Random-walk Metropolis, proposal ``N(0, ε² · inv_mass)`` (``inv_mass`` = 1 without a
    mass matrix): ``init`` and ``step`` are all a subclass of the bases writes. ``seen`` records
    ``state.step_size`` at every step."""

    seen: list[torch.Tensor]

    def init(self, x):
        e = self.energy(x)
        no = torch.zeros_like(e)
        return ChainState(x=x, grad=torch.zeros_like(x), energy=e, accepted=no.bool(),
                          accept_prob=no, n_grad_evals=0, **self.tuned_fields(x))

    def step(self, state, generator=None):
        self.seen.append(state.step_size.clone())
        x = state.x
        scale = per_chain_view(state.step_size, x)
        if state.inv_mass is not None:
            scale = scale * state.inv_mass.sqrt()
        y = x + scale * torch.randn(x.shape, generator=generator, dtype=x.dtype)
        e_y = self.energy(y)
        log_r = torch.where(torch.isfinite(e_y), state.energy - e_y, -torch.inf)
        ok = torch.rand(log_r.shape, generator=generator, dtype=x.dtype).log() < log_r
        state.x = torch.where(ok[:, None], y, x)
        state.energy = torch.where(ok, e_y, state.energy)
        state.accepted, state.accept_prob = ok, log_r.clamp(max=0).exp()
        return state


class RandomWalk(_Walk, ebm_core.AdaptiveSampler):
    def __init__(self, energy, step_size=0.1, target_accept=0.3, adapt_step_size=True):
        super().__init__(energy, step_size=step_size, target_accept=target_accept,
                         adapt_step_size=adapt_step_size)
        self.seen = []


class PerChainRandomWalk(RandomWalk):
    per_chain_step_size = True


class ScaledRandomWalk(_Walk, ebm_core.AdaptiveMassSampler):
    per_chain_step_size = True

    def __init__(self, energy, step_size=0.1, inv_mass=None, adapt_mass=True, target_accept=0.3):
        super().__init__(energy, step_size=step_size, target_accept=target_accept,
                         inv_mass=inv_mass, adapt_mass=adapt_mass)
        self.seen = []


class FailingQuadratic(ebm_core.Energy):
    """``½‖x‖²`` on R², raising from its 61st evaluation on."""

    def __init__(self):
        super().__init__(event_shape=(2,))
        self.calls = 0

    def forward(self, x):
        self.calls += 1
        if self.calls > 60:
            raise RuntimeError("energy failed")
        return 0.5 * x.square().sum(1)


def gaussian_2d():
    return ebm_core.energy("gaussian", dim=2)


# ---------------------------------------------------------------- tuning and freezing
@pytest.mark.parametrize("walk", [RandomWalk, PerChainRandomWalk])
def test_step_size_moves_towards_target_accept_in_burn_in_then_freezes(walk) -> None:
    """From ε = 0.1 (acceptance ~0.95 on N(0, I₂)) dual averaging grows ε until the kept
    steps accept at the target 0.3. Measured: 0.299 (shared) and 0.296 (per chain early) over
    800 chains × 300 kept steps (binomial SE < 0.002; the ±0.03 allowed is for the bias of the
    averaged ε̄, not chance; a step size left at 0.1 accepts ~0.95). During burn-in ε changes; after it, it is one value — the
    sampler's ``step_size``."""
    s = walk(gaussian_2d(), step_size=0.1, target_accept=0.3)
    r = s.run(n_samples=800, n_steps=600, burn_in=300, generator=seeded(0))
    assert abs(r.mean_acceptance_rate - 0.3) < 0.03, r.mean_acceptance_rate
    during, after = s.seen[:300], s.seen[300:]
    assert len({tuple(e.reshape(-1).tolist()) for e in during}) > 100
    assert all(e.dim() == 0 and float(e) == s.step_size for e in after)
    assert s.step_size > 1.0 and r.step_size == s.step_size
    # Early in warm-up a per-chain sampler gets one step size per chain, the other one shared.
    assert during[0].shape == ((800,) if walk.per_chain_step_size else ())


def test_without_burn_in_or_with_adaptation_off_nothing_is_tuned() -> None:
    s = RandomWalk(gaussian_2d(), step_size=0.1)
    s.run(n_samples=50, n_steps=30, generator=seeded(1))
    assert s.step_size == 0.1 and all(torch.equal(e, torch.tensor(0.1)) for e in s.seen)
    fixed = RandomWalk(gaussian_2d(), step_size=0.1, adapt_step_size=False)
    assert fixed.adaptation(100) is None
    fixed.run(n_samples=50, n_steps=60, burn_in=40, generator=seeded(1))
    assert fixed.step_size == 0.1


def test_the_mass_matrix_adapts_to_the_target_variances() -> None:
    """``inv_mass`` ends within 15 % of the 10-D target's variances (log-spaced 0.1 … 10)
    after 400 warm-up steps of 1,000 chains started 3× overdispersed (measured: 0.4–4 % off;
    without mass adaptation it would stay at 1, up to 10× off)."""
    g = seeded(2)
    s = ScaledRandomWalk(gaussian_10d(), step_size=0.5)
    s.run(overdispersed(VAR_10D, 1000, g), n_steps=401, burn_in=400, generator=g)
    assert torch.allclose(s.inv_mass.double(), VAR_10D, rtol=0.15), s.inv_mass / VAR_10D
    off = ScaledRandomWalk(gaussian_10d(), step_size=0.5, adapt_mass=False)
    off.run(n_samples=100, n_steps=101, burn_in=100, generator=seeded(2))
    assert off.inv_mass is None and off.step_size != 0.5  # step size tuned, mass untouched


# ---------------------------------------------------------------- checkpoints and resets
@pytest.mark.parametrize("walk", [PerChainRandomWalk, ScaledRandomWalk])
def test_state_dict_round_trips_and_a_restored_sampler_resumes_exactly(walk) -> None:
    s = walk(gaussian_2d(), step_size=0.1)
    s.run(n_samples=100, n_steps=151, burn_in=150, generator=seeded(3))
    state = s.state_dict()
    keys = {"step_size", "dual_averaging"} | ({"inv_mass"} if walk is ScaledRandomWalk else set())
    assert set(state) == keys and state["dual_averaging"]["iteration"] > 0
    assert isinstance(state["step_size"], float)
    if "inv_mass" in state:
        assert state["inv_mass"].device.type == "cpu"

    restored = walk(gaussian_2d(), step_size=0.7, target_accept=0.9)  # other settings...
    restored.load_state_dict(state)  # ...replaced by the checkpoint
    assert _same_state(restored.state_dict(), state)
    assert restored.target_accept == s.target_accept
    x0 = torch.zeros(100, 2, dtype=torch.float64)
    a = s.run(x0, n_steps=120, burn_in=100, generator=seeded(4))  # a second burn-in continues
    b = restored.run(x0, n_steps=120, burn_in=100, generator=seeded(4))
    assert torch.equal(a.samples, b.samples) and restored.step_size == s.step_size


def _same_state(a, b) -> bool:
    return a.keys() == b.keys() and all(
        torch.equal(a[k].double(), b[k].double()) if isinstance(a[k], torch.Tensor) else a[k] == b[k]
        for k in a
    )


def test_load_state_dict_refuses_another_samplers_state() -> None:
    with pytest.raises(ValueError, match=r"missing key\(s\) \['inv_mass'\]"):
        ScaledRandomWalk(gaussian_2d()).load_state_dict(RandomWalk(gaussian_2d()).state_dict())


def test_assigning_step_size_restarts_the_adaptation() -> None:
    """Without assignment a second burn-in continues the dual-averaging sequence (its first
    step uses the last iterate, not ``step_size``); after ``s.step_size = v`` it starts
    afresh from v, exactly like a new sampler built with ``step_size=v``."""
    x0 = torch.zeros(200, 2)
    s = RandomWalk(gaussian_2d(), step_size=0.1)
    s.run(x0, n_steps=101, burn_in=100, generator=seeded(5))
    tuned = s.step_size
    s.seen.clear()
    s.run(x0, n_steps=51, burn_in=50, generator=seeded(6))
    assert float(s.seen[0]) != tuned and s.state_dict()["dual_averaging"]["iteration"] == 150

    s.step_size = 0.5
    assert s.state_dict()["dual_averaging"]["iteration"] == 0 and s.step_size == 0.5
    s.seen.clear()
    fresh = RandomWalk(gaussian_2d(), step_size=0.5)
    s.run(x0, n_steps=51, burn_in=50, generator=seeded(7))
    fresh.run(x0, n_steps=51, burn_in=50, generator=seeded(7))
    assert float(s.seen[0]) == 0.5 and s.step_size == fresh.step_size
    assert s.state_dict() == fresh.state_dict()


def test_a_burn_in_that_fails_midway_leaves_the_sampler_unchanged() -> None:
    s = ScaledRandomWalk(FailingQuadratic(), step_size=0.1)
    before = s.state_dict()
    with pytest.raises(RuntimeError, match="energy failed"):
        s.run(n_samples=100, n_steps=200, burn_in=150, generator=seeded(8))
    assert _same_state(s.state_dict(), before) and s.inv_mass is None


# ---------------------------------------------------------------- arguments
@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        ({"step_size": -0.1}, ValueError, "step_size"),
        ({"step_size": "big"}, TypeError, "step_size"),
        ({"target_accept": 1.5}, ValueError, "target_accept"),
        ({"inv_mass": [1.0, -1.0]}, ValueError, "inv_mass"),
    ],
)
def test_bad_arguments_are_refused_with_the_argument_named(kwargs, error, name) -> None:
    with pytest.raises(error, match=name):
        ScaledRandomWalk(gaussian_2d(), **kwargs)


def test_an_inv_mass_of_the_wrong_size_is_refused_when_the_chains_start() -> None:
    s = ScaledRandomWalk(gaussian_2d(), inv_mass=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="inv_mass has 3 entries but one sample has 2 elements"):
        s.run(n_samples=10, n_steps=2)
    scalar = ScaledRandomWalk(gaussian_2d(), inv_mass=2.0, adapt_mass=False)
    assert torch.equal(scalar.inv_mass_for(torch.Size([2])), torch.tensor([2.0, 2.0], dtype=torch.float64))
