"""The base sampling loop: shapes, schedule, trajectories, reproducibility, divergence, counting."""

from __future__ import annotations

import warnings

import pytest
import torch

import ebm_core
from ebm_core.sampling import DivergenceError, DivergenceWarning

from ._support import gaussian_2d, seeded

# These tests check the loop's mechanics on deliberately short runs, which the convergence
# checks rightly call unconverged (tests/samplers/test_convergence.py tests those warnings).
pytestmark = pytest.mark.filterwarnings("ignore::ebm_core.sampling.ConvergenceWarning")

SAMPLERS = [
    ("langevin", dict(step_size=0.05)),
    ("mala", dict(step_size=0.3)),
    ("hmc", dict(step_size=0.2, n_leapfrog=3)),
]


@pytest.fixture(params=SAMPLERS, ids=[name for name, _ in SAMPLERS])
def sampler(request):
    name, kwargs = request.param
    return ebm_core.sampler(name, gaussian_2d(), **kwargs)


def test_sample_returns_final_states_shaped_like_x_and_leaves_x_alone(sampler) -> None:
    x0 = torch.zeros(16, 2)
    out = sampler.sample(x0, n_steps=20, generator=seeded(0))
    assert out.shape == (16, 2) and out.dtype == x0.dtype and torch.isfinite(out).all()
    assert torch.equal(x0, torch.zeros(16, 2))
    assert not out.requires_grad


def test_n_samples_starts_from_standard_normal(sampler) -> None:
    out = sampler.sample(n_samples=7, n_steps=5, generator=seeded(0))
    assert out.shape == (7, 2)


def test_trajectory_keeps_every_thin_th_state_after_burn_in(sampler) -> None:
    x0 = torch.zeros(8, 2)
    initial = sampler.state_dict()  # burn-in adapts MALA/HMC: restore before each rerun
    full = sampler.run(
        x0, n_steps=17, burn_in=5, thin=3, generator=seeded(1), return_trajectory=True
    )
    assert full.trajectory.shape == (8, 4, 2)  # (17 - 5) // 3
    assert torch.equal(full.trajectory[:, -1], full.samples)  # step 17 = 5 + 4·3
    for k in range(1, 5):
        # The k-th kept state is the state after step burn_in + k·thin.
        sampler.load_state_dict(initial)
        shorter = sampler.run(x0, n_steps=5 + 3 * k, burn_in=5, generator=seeded(1))
        assert torch.equal(full.trajectory[:, k - 1], shorter.samples)


def test_sample_with_return_trajectory_returns_the_trajectory(sampler) -> None:
    traj = sampler.sample(torch.zeros(4, 2), n_steps=10, burn_in=2, thin=2, return_trajectory=True)
    assert traj.shape == (4, 4, 2)


def test_same_seed_same_samples_different_seed_different_samples(sampler) -> None:
    x0 = torch.zeros(32, 2)
    a = sampler.sample(x0, n_steps=30, generator=seeded(3))
    b = sampler.sample(x0, n_steps=30, generator=seeded(3))
    c = sampler.sample(x0, n_steps=30, generator=seeded(4))
    assert torch.equal(a, b)
    assert not torch.allclose(a, c)
    torch.manual_seed(5)
    d = sampler.sample(x0, n_steps=30)
    torch.manual_seed(5)
    assert torch.equal(d, sampler.sample(x0, n_steps=30))


def test_result_reports_schedule_acceptance_and_backend(sampler) -> None:
    r = sampler.run(torch.zeros(64, 2), n_steps=40, burn_in=10, generator=seeded(0))
    assert (r.n_steps, r.burn_in, r.thin, r.n_chains) == (40, 10, 1, 64)
    assert r.acceptance_rate.shape == (64,)
    assert ((r.acceptance_rate >= 0) & (r.acceptance_rate <= 1)).all()
    assert r.energy.shape == (64,) and torch.allclose(r.energy, sampler.energy(r.samples))
    assert r.backend == "torch" and r.n_divergent == 0 and r.step_size == sampler.step_size
    assert "SampleResult(chains=64" in repr(r)


def test_langevin_accepts_every_step_and_mala_hmc_reject_some() -> None:
    x0 = torch.zeros(256, 2)
    ula = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.5).run(x0, n_steps=20)
    assert torch.equal(ula.acceptance_rate, torch.ones(256))
    for name in ("mala", "hmc"):
        big = ebm_core.sampler(name, gaussian_2d(), step_size=1.8, adapt_step_size=False)
        assert 0.0 < big.run(x0, n_steps=20, generator=seeded(0)).mean_acceptance_rate < 0.9


class _CountingQuadratic(ebm_core.Energy):
    """E = ½‖x‖² with an analytic gradient that counts how many points it was evaluated at."""

    def __init__(self) -> None:
        super().__init__(event_shape=(3,))
        self.points = 0

    def forward(self, x):
        return 0.5 * x.pow(2).sum(-1)

    def grad(self, x, *, create_graph=False):
        self.points += x.shape[0]
        return x.clone()


@pytest.mark.parametrize(
    "name, kwargs, per_step",
    [("langevin", {}, 1), ("mala", {}, 1), ("hmc", {"n_leapfrog": 4}, 4)],
)
def test_gradient_evaluations_are_counted_as_in_the_kernel_contract(name, kwargs, per_step) -> None:
    energy = _CountingQuadratic()
    s = ebm_core.sampler(name, energy, step_size=0.1, **kwargs)
    r = s.run(torch.zeros(10, 3), n_steps=25, burn_in=5)
    assert r.n_grad_evals == 1 + 25 * per_step
    assert energy.points == 10 * r.n_grad_evals


def test_neural_energy_gradients_are_taken_with_respect_to_x_only() -> None:
    net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.SiLU(), torch.nn.Linear(16, 1))
    energy = ebm_core.energy("neural", module=net, event_shape=2)
    for name in ("langevin", "mala", "hmc"):
        out = ebm_core.sampler(name, energy, step_size=0.01).sample(
            torch.randn(32, 2), n_steps=5, burn_in=2
        )
        assert out.shape == (32, 2) and not out.requires_grad
    assert all(p.grad is None for p in net.parameters())


def test_every_chain_diverging_raises_and_run_flags_them() -> None:
    s = ebm_core.sampler("langevin", ebm_core.energy("double_well", dim=2), step_size=0.5)
    x0 = torch.full((8, 2), 5.0)
    r = s.run(x0, n_steps=30)
    assert r.divergent.all() and r.n_divergent == 8
    with pytest.raises(DivergenceError, match="8 of 8 chains of Langevin became non-finite.*step_size"):
        s.sample(x0, n_steps=30)


def test_some_chains_diverging_warns_and_flags_exactly_those() -> None:
    s = ebm_core.sampler("langevin", ebm_core.energy("double_well", dim=2), step_size=0.05)
    x0 = torch.tensor([[1.0, -1.0], [20.0, 0.0], [0.9, 1.1], [0.0, -30.0]])
    r = s.run(x0, n_steps=40, generator=seeded(0))
    assert r.divergent.tolist() == [False, True, False, True]
    with pytest.warns(DivergenceWarning, match="2 of 4 chains"):
        out = s.sample(x0, n_steps=40, generator=seeded(0))
    assert torch.isfinite(out[[0, 2]]).all()


@pytest.mark.parametrize("name", ["mala", "hmc"])
def test_metropolis_samplers_reject_non_finite_proposals_instead_of_diverging(name) -> None:
    energy = ebm_core.energy("double_well", dim=2)
    s = ebm_core.sampler(name, energy, step_size=0.5, adapt_step_size=False)
    x0 = torch.tensor([[1.0, -1.0], [20.0, 0.0], [0.9, 1.1], [0.0, -30.0]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = s.run(x0, n_steps=40, generator=seeded(0))
    assert r.n_divergent == 0 and torch.isfinite(r.samples).all()


def test_progress_bar_is_shown_only_when_asked(capsys) -> None:
    s = ebm_core.sampler("mala", gaussian_2d(), step_size=0.3)
    s.sample(torch.zeros(4, 2), n_steps=12, progress=True)
    shown = capsys.readouterr().err
    assert "MALA" in shown and "12/12" in shown and "acceptance" in shown
    s.sample(torch.zeros(4, 2), n_steps=12)
    assert capsys.readouterr().err == ""


def test_langevin_clamp_keeps_states_in_the_box() -> None:
    s = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.5, clamp=0.25)
    out = s.sample(torch.zeros(256, 2), n_steps=10, generator=seeded(0))
    assert out.abs().max() <= 0.25 and out.abs().max() == 0.25


def test_float64_chains_stay_float64() -> None:
    s = ebm_core.sampler("hmc", gaussian_2d(), step_size=0.2)
    r = s.run(torch.zeros(4, 2, dtype=torch.float64), n_steps=5, burn_in=2)
    assert r.samples.dtype == torch.float64 and r.energy.dtype == torch.float64


@pytest.mark.parametrize("method", ["sample", "run"])
def test_a_misspelt_keyword_names_the_closest_accepted_one(method) -> None:
    s = ebm_core.sampler("mala", gaussian_2d())
    with pytest.raises(TypeError, match=r"'n_step' \(did you mean 'n_steps'\?\).*burn_in"):
        getattr(s, method)(torch.zeros(4, 2), n_step=10)
    with pytest.raises(ebm_core.InvalidArgumentError, match=r"MALA\.%s\(\)" % method):
        getattr(s, method)(torch.zeros(4, 2), burnin=10)


@pytest.mark.parametrize("dtype", [torch.float16, torch.float32, torch.float64])
def test_the_per_step_finiteness_check_flags_exactly_the_rows_with_inf_or_nan(dtype) -> None:
    from ebm_core.sampling.divergence import nonfinite_chains

    big = torch.finfo(dtype).max
    x = torch.zeros(6, 3, 4, dtype=dtype)
    x[1, 2, 3] = float("inf")
    x[2, 0, 0] = float("-inf")
    x[3, 1, 2] = float("nan")
    x[4] = big  # finite: a row of the largest values (its plain sum overflows) is not flagged
    x[5, 0] = -big
    flags = nonfinite_chains(x, torch.zeros(6, dtype=dtype))
    assert flags.tolist() == [False, True, True, True, False, False]


def test_the_row_check_reads_channels_last_images_and_single_values() -> None:
    """Rows of a channels-last (non-contiguous) image batch and of a 1-D tensor, without reshaping."""
    from ebm_core.sampling.divergence import nonfinite_rows

    images = torch.zeros(4, 3, 5, 5).contiguous(memory_format=torch.channels_last)
    images[1, 2, 4, 0] = float("nan")
    images[3, 0, 0, 4] = float("-inf")
    assert not images.is_contiguous()
    assert nonfinite_rows(images).tolist() == [False, True, False, True]
    assert nonfinite_rows(torch.tensor([0.0, float("inf"), 1.0])).tolist() == [False, True, False]
