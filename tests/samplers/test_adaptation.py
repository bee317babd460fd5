"""Burn-in adaptation: dual averaging, Welford variance, Stan windows, freezing, checkpoints."""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.sampling import DualAveraging, WelfordVariance, mass_matrix_windows

from ._support import COV_2D, VAR_10D, gaussian_2d, gaussian_10d, overdispersed, seeded


def test_dual_averaging_finds_the_root_of_a_monotone_acceptance_curve() -> None:
    da = DualAveraging(target=0.65)
    step = da.restart(torch.tensor(2.0, dtype=torch.float64))
    for _ in range(500):
        step = da.update(torch.exp(-step))  # acceptance exp(−ε): the root is ε = −log 0.65
    assert abs(torch.exp(-da.final_step_size()).item() - 0.65) < 0.005


def test_dual_averaging_state_round_trips() -> None:
    da = DualAveraging(target=0.8)
    da.restart(torch.tensor(0.3))
    for a in (0.9, 0.5, 0.7):
        da.update(torch.tensor(a))
    copy = DualAveraging(target=0.5)
    copy.load_state_dict(da.state_dict())
    copy.to(torch.tensor(0.0))
    assert copy.state_dict() == pytest.approx(da.state_dict())
    assert torch.allclose(copy.update(torch.tensor(0.6)), da.update(torch.tensor(0.6)))


def test_welford_matches_the_two_pass_variance() -> None:
    g = seeded(0)
    sizes = (1, 7, 500, 33)
    batches = [torch.randn(n, 3, generator=g, dtype=torch.float64) * 5 + 100 for n in sizes]
    w = WelfordVariance()
    for b in batches:
        w.add(b)
    everything = torch.cat(batches)
    assert w.count == everything.shape[0]
    assert torch.allclose(w.mean, everything.mean(0), rtol=0, atol=1e-12)
    assert torch.allclose(w.variance(), everything.var(0), rtol=1e-12)


@pytest.mark.parametrize(
    "n, windows",
    [
        (1000, [(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]),
        (200, [(75, 100), (100, 150)]),
        (100, [(15, 90)]),
        (19, []),
    ],
)
def test_stan_adaptation_windows(n, windows) -> None:
    assert mass_matrix_windows(n) == windows


@pytest.mark.parametrize(
    "name, kwargs, target",
    [
        ("mala", {}, 0.574),
        ("hmc", {"step_size_jitter": 0.9}, 0.8),
        ("hmc", {"step_size_jitter": 0.9, "target_accept": 0.65, "adapt_mass": False}, 0.65),
    ],
)
@pytest.mark.parametrize("which", ["2d", "10d"])
def test_dual_averaging_reaches_the_target_acceptance_on_the_gaussians(
    name, kwargs, target, which
) -> None:
    """Realised acceptance after burn-in within ±0.05 of the target.

    HMC runs with step-size jitter: with a fixed εL, HMC on a Gaussian resonates with its
    periods and the acceptance rate is not monotone in ε (we measured bumps of ±0.1 between
    ε = 0.3 and 1.3 on both targets), so no step-size search can promise a given rate.
    Jitter smooths the curve; MALA's is monotone as is.
    """
    energy, cov = (gaussian_2d(), COV_2D) if which == "2d" else (gaussian_10d(), VAR_10D)
    g = seeded(11)
    s = ebm_core.sampler(name, energy, step_size=0.05, **kwargs)
    r = s.run(overdispersed(cov, 2000, g), n_steps=500, burn_in=300, generator=g)
    assert abs(r.mean_acceptance_rate - target) < 0.05
    assert r.step_size == s.step_size != 0.05


def test_parameters_are_frozen_after_burn_in() -> None:
    s = ebm_core.sampler("hmc", gaussian_10d(), step_size=0.05, n_leapfrog=3)
    seen = []
    step = s.step

    def recording_step(state, generator=None):
        out = step(state, generator)
        seen.append((tuple(state.step_size.reshape(-1).tolist()), state.inv_mass.clone()))
        return out

    s.step = recording_step
    s.run(n_samples=200, n_steps=120, burn_in=100, generator=seeded(0))
    during, after = seen[:100], seen[100:]
    assert len({eps for eps, _ in during}) > 10  # it adapted...
    assert len({eps for eps, _ in after}) == 1  # ...then froze
    assert all(torch.equal(m, after[0][1]) for _, m in after)
    assert not torch.equal(during[0][1], after[0][1])
    assert after[0][0] == (s.step_size,) and torch.equal(after[0][1], s.inv_mass)
    assert len(during[0][0]) == 200 and len(during[-1][0]) == 1  # per chain early, then shared


def test_no_burn_in_means_no_adaptation() -> None:
    s = ebm_core.sampler("hmc", gaussian_10d(), step_size=0.05)
    s.run(n_samples=50, n_steps=30)
    assert s.step_size == 0.05 and s.inv_mass is None


def test_adaptation_can_be_switched_off() -> None:
    s = ebm_core.sampler(
        "hmc", gaussian_10d(), step_size=0.05, adapt_step_size=False, adapt_mass=False
    )
    s.run(n_samples=50, n_steps=60, burn_in=40)
    assert s.step_size == 0.05 and s.inv_mass is None
    s = ebm_core.sampler("mala", gaussian_10d(), step_size=0.05, adapt_step_size=False)
    assert s.adaptation(40) is None


def test_mass_matrix_adapts_to_the_target_variances() -> None:
    g = seeded(2)
    s = ebm_core.sampler("hmc", gaussian_10d(), step_size=0.05, n_leapfrog=5)
    s.run(overdispersed(VAR_10D, 1000, g), n_steps=401, burn_in=400, generator=g)
    assert torch.allclose(s.inv_mass.double(), VAR_10D, rtol=0.1)


def test_state_dict_checkpoints_and_resumes_the_adaptation_exactly() -> None:
    s = ebm_core.sampler("hmc", gaussian_2d(), step_size=0.05, n_leapfrog=4)
    s.run(n_samples=100, n_steps=120, burn_in=100, generator=seeded(0))
    state = s.state_dict()
    assert set(state) == {"step_size", "dual_averaging", "inv_mass"}
    assert state["dual_averaging"]["iteration"] > 0 and state["inv_mass"].device.type == "cpu"

    restored = ebm_core.sampler("hmc", gaussian_2d(), n_leapfrog=4)  # same configuration...
    restored.load_state_dict(state)  # ...and the tuned state
    x0 = torch.zeros(100, 2)
    a = s.run(x0, n_steps=80, burn_in=60, generator=seeded(1))
    b = restored.run(x0, n_steps=80, burn_in=60, generator=seeded(1))
    assert torch.equal(a.samples, b.samples) and a.step_size == b.step_size


def test_a_later_burn_in_continues_the_dual_averaging_and_assigning_restarts_it() -> None:
    s = ebm_core.sampler("mala", gaussian_2d(), step_size=0.05)
    # The shared sequence runs after the per-chain early phase: 15 % of a short burn-in.
    s.run(n_samples=100, n_steps=60, burn_in=50, generator=seeded(0))
    assert s.state_dict()["dual_averaging"]["iteration"] == 50 - 7
    s.run(n_samples=100, n_steps=40, burn_in=30, generator=seeded(0))
    assert s.state_dict()["dual_averaging"]["iteration"] == 50 - 7 + 30 - 4
    s.step_size = 0.2
    restarted = s.state_dict()["dual_averaging"]
    assert restarted["iteration"] == 0 and restarted["mu"] is None


class _FailingEnergy(ebm_core.Energy):
    """A 10-D Gaussian whose gradient raises after ``fail_after`` calls (a crash mid-burn-in)."""

    def __init__(self, fail_after: int | None = None) -> None:
        super().__init__(event_shape=(10,))
        self.inner = gaussian_10d()
        self.calls, self.fail_after = 0, fail_after

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.inner(x)

    def energy_and_grad(self, x, *, create_graph=False):
        self.calls += 1
        if self.fail_after is not None and self.calls > self.fail_after:
            raise RuntimeError("energy failed")
        return self.inner.energy_and_grad(x)

    def grad(self, x, *, create_graph=False):
        return self.energy_and_grad(x)[1]


def test_burn_in_never_writes_into_the_samplers_mass_matrix_until_it_commits() -> None:
    """float64 CPU chains: the state's M⁻¹ once aliased the sampler's, so adaptation drifted it
    in place and a crash mid-burn-in left it (and the dual averaging) half adapted."""
    energy = _FailingEnergy()
    s = ebm_core.sampler("hmc", energy, step_size=0.05, n_leapfrog=3, inv_mass=[2.0] * 10)
    before_mass, before_da = s.inv_mass.clone(), s.state_dict()["dual_averaging"]
    seen = []
    step = s.step

    def watching_step(state, generator=None):
        seen.append(s.inv_mass.clone())
        return step(state, generator)

    s.step = watching_step
    energy.fail_after = 3 * 150  # inside the second mass-matrix window
    x0 = torch.randn(64, 10, dtype=torch.float64, generator=seeded(0))
    with pytest.raises(RuntimeError, match="energy failed"):
        s.run(x0, n_steps=250, burn_in=200, generator=seeded(1))
    assert all(torch.equal(m, before_mass) for m in seen) and len(seen) > 110
    assert torch.equal(s.inv_mass, before_mass) and s.step_size == 0.05
    assert s.state_dict()["dual_averaging"] == before_da

    energy.fail_after = None  # a completed burn-in commits
    s.run(x0, n_steps=250, burn_in=200, generator=seeded(1))
    assert not torch.equal(s.inv_mass, before_mass) and s.step_size != 0.05
    assert s.state_dict()["dual_averaging"]["iteration"] > 0
