"""Per-chain convergence checks: stuck chains warn, healthy runs do not, both backends report.

False-fail rates: the healthy runs below have ≥ 256 chains and ≥ 200 kept draws, where the
stuck rule's false-alarm chance is ``chains·(1 − a)ⁿ`` < 10⁻⁵⁰ (a ≈ 0.57, n ≥ 200) and the
R-hat limit 1.05 is beyond what sampling noise of ESS ≥ 10³ draws reaches with probability
< 10⁻¹⁰ (F-distribution bound of ebm_core.sampling.convergence). Seeds are fixed, so every
run is identical; the stuck runs are deterministic facts (acceptance exactly 0).
"""

from __future__ import annotations

import warnings

import pytest
import torch

import ebm_core
from ebm_core.diagnostics import split_rhat, split_rhat_critical_value
from ebm_core.sampling import (
    Adaptation,
    ConvergenceError,
    ConvergenceReport,
    ConvergenceWarning,
    DivergenceError,
)
from ebm_core.sampling.convergence import assess

from ._support import COV_2D, gaussian_2d, overdispersed, seeded


def test_the_issues_stuck_hmc_run_warns_and_strict_raises(monkeypatch) -> None:
    """``sampler("hmc", E, step_size=5.0).sample(x0, n_steps=50)`` returned x0 silently."""
    hmc = ebm_core.sampler("hmc", ebm_core.energy("gaussian", dim=2), step_size=5.0)
    x0 = torch.randn(64, 2, generator=seeded(0))
    with pytest.warns(ConvergenceWarning, match="64 of 64 chains accepted no proposal"):
        out = hmc.sample(x0, n_steps=50, generator=seeded(1))
    assert torch.equal(out, x0)
    with pytest.raises(ConvergenceError, match="burn_in"):
        hmc.sample(x0, n_steps=50, generator=seeded(1), strict=True)
    monkeypatch.setenv("EBM_STRICT_CONVERGENCE", "1")
    with pytest.raises(ConvergenceError):
        hmc.sample(x0, n_steps=50, generator=seeded(1))


def test_run_never_warns_so_training_loops_stay_quiet() -> None:
    """Losses and the trainer call run() on short chains: the report is there, no warning."""
    hmc = ebm_core.sampler("hmc", ebm_core.energy("gaussian", dim=2), step_size=5.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = hmc.run(torch.randn(16, 2, generator=seeded(0)), n_steps=50, generator=seeded(1))
    assert r.convergence.n_stuck == 16 and not r.convergence.ok


def test_mala_chains_started_far_out_in_a_double_well_are_found_stuck() -> None:
    """Starts from N(0, 4²), step 0.1, no adaptation: beyond |x| ≈ 2.7 the drift overshoots
    so far that every proposal is rejected; those chains — and only those — are stuck."""
    x0 = 4 * torch.randn(512, 2, generator=seeded(0))
    mala = ebm_core.sampler(
        "mala", ebm_core.energy("double_well", dim=2), step_size=0.1, adapt_step_size=False
    )
    r = mala.run(x0, n_steps=300, generator=seeded(1))
    report = r.convergence
    unmoved = (r.samples == x0).all(dim=1)
    start = x0.abs().max(dim=1).values
    assert torch.equal(report.stuck, unmoved) and report.n_stuck == int(unmoved.sum())
    assert report.stuck[start > 3].all() and not report.stuck[start < 2.5].any()
    assert report.energy_rhat is not None and report.energy_rhat > 100
    assert len(report.problems) == 2
    with pytest.warns(ConvergenceWarning, match=f"{report.n_stuck} of 512 chains"):
        r.check()


def test_a_healthy_run_does_not_warn_and_reports_every_diagnostic() -> None:
    mala = ebm_core.sampler("mala", gaussian_2d(), step_size=0.5)
    x0 = overdispersed(COV_2D, 256, seeded(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = mala.run(x0, n_steps=500, burn_in=300, generator=seeded(3), return_trajectory=True)
        r.check(strict=True)
        mala.sample(x0, n_steps=500, burn_in=300, generator=seeded(3))
    report = r.convergence
    assert report.ok and report.n_stuck == 0 and report.n_far == 0
    assert r.energy_trace.shape == (256, 200)
    assert torch.allclose(r.energy_trace[:, -1], r.energy)
    assert 1.0 <= report.energy_rhat < 1.05 and report.rhat.shape == (2,)
    assert (report.ess > 1_000).all()
    text = report.summary()
    assert "stuck chains 0 of 256" in text and "energy split R-hat" in text and "min ESS" in text


@pytest.mark.parametrize("accelerate", [False, True], ids=["torch", "kernel"])
def test_both_backends_report_stuck_chains(monkeypatch, accelerate) -> None:
    if accelerate:
        pytest.importorskip("ebm_cuda")
        monkeypatch.delenv("EBM_DISABLE_KERNELS")
    x0 = 4 * torch.randn(256, 2, generator=seeded(0))
    mala = ebm_core.sampler(
        "mala", ebm_core.energy("double_well", dim=2), step_size=0.1, adapt_step_size=False
    )
    for trajectory in (False, True):
        r = mala.run(
            x0, n_steps=200, generator=seeded(1), accelerate=accelerate,
            return_trajectory=trajectory,
        )
        assert (r.backend == "torch") != accelerate, r.fallback_reason
        report = r.convergence
        assert isinstance(report, ConvergenceReport)
        assert torch.equal(report.stuck, (r.samples == x0).all(dim=1)) and report.n_stuck > 100
        assert not report.ok
        # The torch loop records MALA's energies; a kernel's run has them with a trajectory.
        assert (report.energy_rhat is not None) == (trajectory or not accelerate)
        assert (report.rhat is not None) == trajectory


def test_kernel_path_healthy_run_does_not_warn(monkeypatch) -> None:
    pytest.importorskip("ebm_cuda")
    monkeypatch.delenv("EBM_DISABLE_KERNELS")
    mala = ebm_core.sampler("mala", gaussian_2d(), step_size=0.5)
    x0 = overdispersed(COV_2D, 256, seeded(2))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        r = mala.run(x0, n_steps=500, burn_in=300, generator=seeded(3))
        r.check()
    assert r.backend != "torch" and r.convergence.ok and r.convergence.energy_rhat is None


def _report(acceptance, n, energy=None):
    acceptance = torch.tensor(acceptance, dtype=torch.float64)
    chains = acceptance.numel()
    return assess(
        acceptance_rate=acceptance,
        n_sampling_steps=n,
        divergent=torch.zeros(chains, dtype=torch.bool),
        final_energy=torch.zeros(chains) if energy is None else energy,
        energy_trace=None,
        trajectory=None,
        warmup_notes=[],
        warmup_problems=[],
    )


def test_zero_acceptance_is_called_stuck_only_when_it_cannot_be_bad_luck() -> None:
    rates = [0.0] + [0.3] * 99
    # 100 · 0.7⁵ ≈ 17 chains would accept nothing in 5 steps by chance: no claim.
    assert _report(rates, 5).n_stuck == 0
    # 100 · 0.7⁴⁰ ≈ 6e-5 ≤ 1e-3: a chain that accepted nothing in 40 steps is stuck.
    assert _report(rates, 40).n_stuck == 1
    # Nobody moved: 0.9^(chains·n) decides — 1 chain × 10 steps is not enough, 100 are.
    assert _report([0.0], 10).n_stuck == 0 and _report([0.0], 100).n_stuck == 1
    # Unadjusted samplers accept everything and are never stuck.
    assert _report([1.0] * 8, 100).n_stuck == 0


def test_far_chains_are_a_problem_only_without_an_energy_trace_and_beyond_chance() -> None:
    """1,000 chains: 4 or more far chains are needed (3 happen by chance with p ≈ 10⁻³)."""
    energy = torch.randn(1000, generator=seeded(4)).abs()
    energy[:4] = 1e6
    report = _report([0.5] * 1000, 100, energy)
    assert report.n_far == 4 and report.far[:4].all()
    assert not report.ok and "4 of 1000 chains ended at energies far above" in report.problems[0]
    energy[3] = 0.5  # three can be the target's own tail
    assert _report([0.5] * 1000, 100, energy).ok


def test_divergence_is_judged_by_check_as_before_and_strict_raises() -> None:
    s = ebm_core.sampler("langevin", ebm_core.energy("double_well", dim=2), step_size=0.05)
    x0 = torch.tensor([[1.0, -1.0], [20.0, 0.0], [0.9, 1.1], [0.0, -30.0]])
    r = s.run(x0, n_steps=40, generator=seeded(0))
    with pytest.raises(DivergenceError, match="2 of 4 chains of Langevin"):
        r.check(strict=True)
    report = r.convergence
    assert report.n_divergent == 2 and report.n_stuck == 0


class _NotingAdaptation(Adaptation):
    """Records nothing; says something at finish, like a warm-up that restarted chains."""

    def __init__(self) -> None:
        super().__init__()
        self.notes, self.problems = [], []

    def start(self, state) -> None:
        pass

    def update(self, state, iteration) -> None:
        pass

    def finish(self, state) -> None:
        self.notes.append("restarted 3 of 32 chains from healthy chains during warm-up")
        self.problems.append("warm-up too short: use burn_in >= 150")


def test_warm_up_notes_and_problems_reach_the_result_and_the_report() -> None:
    mala = ebm_core.sampler("mala", gaussian_2d(), step_size=0.5)
    mala.adaptation = lambda n_burn_in: _NotingAdaptation()
    r = mala.run(torch.zeros(32, 2), n_steps=300, burn_in=50, generator=seeded(5))
    assert r.warmup_notes == ["restarted 3 of 32 chains from healthy chains during warm-up"]
    assert r.warmup_problems == ["warm-up too short: use burn_in >= 150"]
    report = r.convergence
    assert report.problems[-1] == "warm-up too short: use burn_in >= 150"
    assert "warm-up: restarted 3 of 32 chains" in report.summary()
    with pytest.warns(ConvergenceWarning, match="warm-up too short"):
        r.check()


@pytest.mark.parametrize("chains, draws", [(1, 10), (4, 50), (64, 20)])
def test_split_rhat_critical_value_is_exceeded_at_its_rate_by_iid_draws(chains, draws) -> None:
    """Split R-hat of iid Gaussian draws exceeds the alpha = 0.05 value in 5 % of 20,000 sets.

    Binomial SE sqrt(0.05·0.95/2e4) = 1.5e-3; the band ±7e-3 is 4.5 SE (false-fail ≈ 7e-6
    per case).
    """
    g = torch.Generator().manual_seed(chains * 1000 + draws)
    rates = []
    for _ in range(4):
        x = torch.randn(chains, draws, 5000, generator=g, dtype=torch.float64)
        rhat = split_rhat(x)  # one split R-hat per independent set
        rates.append(rhat > split_rhat_critical_value(chains, draws, 0.05))
    rate = float(torch.cat(rates).double().mean())
    assert abs(rate - 0.05) < 7e-3


def test_long_runs_record_at_most_1000_energies_per_chain_the_same_on_both_paths() -> None:
    from ebm_core.sampling.loop import _trajectory_energy

    mala = ebm_core.sampler("mala", gaussian_2d(), step_size=0.5)
    r = mala.run(
        torch.zeros(8, 2), n_steps=2600, burn_in=100, generator=seeded(6), return_trajectory=True
    )
    # 2500 kept steps: every 3rd is recorded (833 ≤ 1000), the ones the kernel path evaluates.
    assert r.energy_trace.shape == (8, 833)
    assert torch.equal(r.energy_trace[:, 0], mala.energy(r.trajectory[:, 2]))
    assert torch.allclose(r.energy_trace, _trajectory_energy(mala.energy, r.trajectory))


def test_constant_coordinates_are_skipped_not_hiding_unmixed_ones() -> None:
    """A coordinate equal in every state of every chain (a clamped pixel) has R-hat 0/0 = NaN;
    it is counted and left out, so an unmixed coordinate beside it is still reported (a NaN in
    the maximum used to make every comparison false)."""
    from ebm_core.diagnostics import split_rhat
    from ebm_core.sampling.convergence import assess

    chains, draws = 64, 40
    g = seeded(4)
    offsets = torch.arange(chains, dtype=torch.float64)[:, None]  # each chain in its own place
    unmixed = offsets + 0.01 * torch.randn(chains, draws, generator=g, dtype=torch.float64)
    mixed = torch.randn(chains, draws, generator=g, dtype=torch.float64)
    clamped = torch.full((chains, draws), -1.0, dtype=torch.float64)
    common = dict(acceptance_rate=torch.ones(chains), n_sampling_steps=draws,
                  divergent=torch.zeros(chains, dtype=torch.bool), final_energy=torch.zeros(chains),
                  energy_trace=None, warmup_notes=[], warmup_problems=[])

    report = assess(trajectory=torch.stack([clamped, unmixed, mixed], dim=-1), **common)
    assert report.n_constant == 1 and torch.isnan(report.rhat[0])
    assert len(report.problems) == 1 and "for 1 of 2 coordinates" in report.problems[0]
    assert "1 of 3 constant in every chain, skipped" in report.summary()
    assert "nan" not in report.summary()

    healthy = assess(trajectory=torch.stack([clamped, mixed], dim=-1), **common)
    assert healthy.ok and "min ESS" in healthy.summary() and "nan" not in healthy.summary()
    # A value that is not exact in binary: split R-hat's 0/0 rounds to inf here, yet the
    # element is constant all the same.
    inexact = torch.full((chains, draws), 0.1, dtype=torch.float64)
    assert torch.isinf(split_rhat(inexact[..., None]))
    beside_inexact = assess(trajectory=torch.stack([inexact, mixed], dim=-1), **common)
    assert beside_inexact.ok and beside_inexact.n_constant == 1 and "nan" not in beside_inexact.summary()
    # Every element constant: all chains sit on one point, which is a problem.
    collapsed = assess(trajectory=inexact[..., None], **common)
    assert "all 1 constant in every chain" in collapsed.summary()
    assert len(collapsed.problems) == 1 and "all 64 chains sit on one point" in collapsed.problems[0]
