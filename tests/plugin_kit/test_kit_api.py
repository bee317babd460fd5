"""The kit's own machinery: thresholds, stated false-fail rates, error reporting, arguments."""

from __future__ import annotations

import math

import pytest
import scipy.stats
import torch

import ebm_core
import ebm_core.testing as kit
from ebm_core.sampling import ChainState
from ebm_core.testing import ConformanceError, Findings

from . import planted


@pytest.mark.parametrize("alpha", [0.05, 1e-3, 1e-5])
@pytest.mark.parametrize("dof", [15, 31, 63])
def test_t_threshold_matches_scipy(alpha: float, dof: int) -> None:
    assert kit.t_threshold(alpha, dof) == pytest.approx(scipy.stats.t.isf(alpha / 2, dof), rel=1e-3)


def test_ula_stationary_matches_the_one_dimensional_formula_and_a_simulation() -> None:
    h, var = 0.2, 2.0
    _, cov = kit.ula_stationary(h)(torch.zeros(1), torch.tensor([[var]]))
    assert float(cov) == pytest.approx(var / (1 - h / (2 * var)), rel=1e-12)
    # The 2-D correlated case by iterating the exact covariance recursion C ← A C A + 2h I.
    sigma = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
    a = torch.eye(2, dtype=torch.float64) - h * torch.linalg.inv(sigma)
    c = torch.zeros(2, 2, dtype=torch.float64)
    for _ in range(2000):
        c = a @ c @ a + 2 * h * torch.eye(2, dtype=torch.float64)
    assert torch.allclose(kit.ula_stationary(h)(torch.zeros(2), sigma)[1], c, atol=1e-10)


class ExactDraws(ebm_core.Sampler):
    """An ideal 'sampler': every step is a fresh exact draw from the (kit's Gaussian) target."""

    def init(self, x):
        ones = torch.ones(x.shape[0], dtype=x.dtype)
        return ChainState(x=x, grad=torch.zeros_like(x), energy=self.energy(x), accepted=ones.bool(),
                          accept_prob=ones, n_grad_evals=0)

    def step(self, state, generator=None):
        state.x = self.energy.sample_exact(state.x.shape[0], generator=generator).to(state.x.dtype)
        state.energy = self.energy(state.x)
        return state


def test_the_statistical_check_fails_exact_draws_no_more_often_than_stated() -> None:
    """At a stated rate of 0.25, 40 seeds of exact draws fail at most 16 times (the binomial
    upper tail beyond 16 has probability < 0.01 at rate 0.25; Bonferroni makes the true
    rate lower still). A threshold that was too tight would fail most seeds."""
    failures = 0
    for seed in range(40):
        try:
            kit.check_sampler_statistics(ExactDraws, targets=("correlated_gaussian",), n_chains=2000,
                                         n_steps=1, burn_in=0, false_fail_rate=0.25, seed=seed)
        except ConformanceError:
            failures += 1
    assert failures <= 16, f"{failures} of 40 seeds failed at a stated false-fail rate of 0.25"


def test_the_loss_check_fails_a_correct_loss_no_more_often_than_stated() -> None:
    failures = 0
    for seed in range(24):
        try:
            kit.check_loss_minimiser("score_matching", batch_size=256, n_batches=16, false_fail_rate=0.25, seed=seed)
        except ConformanceError:
            failures += 1
    assert failures <= 11, f"{failures} of 24 seeds failed at a stated false-fail rate of 0.25"


def test_findings_list_every_problem_with_its_check() -> None:
    findings = Findings("sampler 'x'")
    findings.add("shapes", "first")
    with findings.guard("generator", "run()", "fix it like this"):
        raise RuntimeError("boom")
    with pytest.raises(ConformanceError) as info:
        findings.raise_if_any()
    text = str(info.value)
    assert text.startswith("sampler 'x' failed 2 conformance checks:")
    assert "1. [shapes] first" in text and "2. [generator] run() raised RuntimeError: boom" in text
    assert "fix it like this" in text and isinstance(info.value, AssertionError)


def test_a_factory_that_does_not_build_a_sampler_is_reported() -> None:
    with pytest.raises(ConformanceError, match="returned a str, not an ebm_core.Sampler"):
        kit.check_sampler_contract(lambda energy: "not a sampler", devices=["cpu"])


def test_unknown_names_and_bad_arguments_say_so() -> None:
    with pytest.raises(ebm_core.UnknownComponentError, match="Did you mean 'mala'"):
        kit.check_sampler_contract("malla")
    with pytest.raises(ValueError, match="unknown statistical target 'gauss'"):
        kit.check_sampler_statistics("mala", targets=("gauss",))
    with pytest.raises(ValueError, match="Gaussian targets only"):
        kit.check_sampler_statistics("langevin", stationary=kit.ula_stationary(0.1))
    with pytest.raises(ValueError, match="pass points="):
        kit.check_energy("neural", {"module": torch.nn.Linear(2, 1)})


def test_statistical_targets_have_consistent_references() -> None:
    for name in kit.TARGET_NAMES:
        target = kit.statistical_target(name)
        x = target.starts(5, torch.Generator().manual_seed(0))
        assert target.energy(x).shape == (5,) and len(target.cdfs) == x.shape[1]
    well = kit.statistical_target("double_well")
    assert well.cdfs[0](torch.tensor([0.0], dtype=torch.float64)).item() == pytest.approx(0.5, abs=1e-9)
    assert math.isfinite(float(well.variances[0]))


def test_contract_notes_say_what_was_not_checked() -> None:
    findings = kit.check_sampler_contract("mala", devices=["cpu"])
    assert any("adapts during burn-in" in note for note in findings.notes)
    assert any("no chain diverged" in note for note in findings.notes)
    findings = kit.check_sampler_contract(planted.RandomWalk, devices=["cpu"])
    assert not any("adapts" in note for note in findings.notes)


def test_the_suites_are_importable_lazily_from_the_package() -> None:
    from ebm_core.testing import suites

    assert kit.SamplerConformance is suites.SamplerConformance
    with pytest.raises(AttributeError):
        kit.NoSuchThing  # noqa: B018
