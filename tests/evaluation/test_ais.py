"""``ais``: annealed importance sampling against exact log-partition functions.

Statistical design. A run with ``G × n`` chains gives ``G`` independent estimates (groups of
``n`` chains, each summarised by the estimator's own ``LogZEstimate.from_log_weights``) and the
pooled one. For an honest estimator the pooled estimate lies within 3 reported standard errors
of the exact ``log Z`` (false-fail rate 0.27 % per check if the z-score is normal), and the
group z-scores ``(log Ẑ_g − log Z) / SE_g`` have a standard deviation in [0.6, 1.5] (for 20
normal z-scores P(sd < 0.6) ≈ 0.3 %, P(sd > 1.5) ≈ 0.15 %). The seeds are fixed, so the tests
are deterministic; the rates say how unlucky a seed would have to be.
"""

from __future__ import annotations

import math
import statistics

import pytest
import torch

import ebm_core
from ebm_core.evaluation import EstimateError, EstimateWarning, LogZEstimate

from .gaussians import random_gaussian

HMC = {"step_size": 0.4, "n_leapfrog": 3}
GROUPS, PER_GROUP = 20, 100


def _group_z_scores(estimate: LogZEstimate, exact: float) -> list[float]:
    scores = []
    for log_w in estimate.log_weights.view(GROUPS, PER_GROUP):
        group = LogZEstimate.from_log_weights(log_w, log_z_base=estimate.log_z_base)
        scores.append((group.log_z - exact) / group.stderr)
    return scores


@pytest.mark.parametrize("d", [2, 10, 50])
def test_log_z_of_random_gaussians_within_3_se_and_se_is_honest(d):
    target = random_gaussian(d, seed=d)
    exact = target.log_partition()
    g = torch.Generator().manual_seed(100 + d)
    samples = target.sample_exact(max(200, 10 * d), generator=g)  # the fitted base is close, not exact
    ais = ebm_core.estimator(
        "ais", target, samples=samples, n_chains=GROUPS * PER_GROUP, n_temperatures=50, sampler_kwargs=HMC
    )
    estimate = ais.estimate(generator=g)
    assert abs(estimate.log_z - exact) < 3 * estimate.stderr, (estimate, exact)
    z = _group_z_scores(estimate, exact)
    assert 0.6 <= statistics.stdev(z) <= 1.5, z
    assert estimate.n_nonfinite == 0 and estimate.ess > 0.3 * estimate.n_chains
    acceptance = estimate.acceptance
    assert math.isnan(acceptance[0]) and math.isnan(acceptance[-1])
    assert bool((acceptance[1:-1] > 0.5).all())


def test_standard_normal_base_by_default():
    target = random_gaussian(10, seed=3)
    ais = ebm_core.estimator("ais", target, n_chains=500, n_temperatures=100, sampler_kwargs=HMC)
    estimate = ais.estimate(generator=torch.Generator().manual_seed(0))
    assert estimate.log_z_base == pytest.approx(5 * math.log(2 * math.pi))
    assert abs(estimate.log_z - target.log_partition()) < 3 * estimate.stderr


def test_well_separated_gaussian_mixture_within_3_se():
    """Modes 6 apart with σ = 0.5 and unequal weights: HMC never crosses between them at β = 1,
    so only the annealing (from a wide base covering both) gets the weights right. log Z = 0."""
    mixture = ebm_core.energy(
        "gaussian_mixture",
        means=torch.tensor([[-3.0, 0.0], [3.0, 1.0]], dtype=torch.float64),
        stds=0.5,
        weights=torch.tensor([0.3, 0.7], dtype=torch.float64),
    )
    base = ebm_core.energy("gaussian", covariance=torch.tensor(9.0, dtype=torch.float64), dim=2)
    ais = ebm_core.estimator(
        "ais", mixture, base=base, n_chains=1000, n_temperatures=100,
        sampler_kwargs={"step_size": 0.2, "n_leapfrog": 5},
    )
    estimate = ais.estimate(generator=torch.Generator().manual_seed(1))
    assert abs(estimate.log_z - 0.0) < 3 * estimate.stderr, estimate
    assert estimate.stderr < 0.05


@pytest.mark.filterwarnings("ignore::ebm_core.evaluation.EstimateWarning")  # 5 temperatures: tiny ESS, as expected
def test_mean_log_weight_gap_shrinks_with_more_temperatures():
    """``E[log w] = log Z − log Z₀ − (sum of KL divergences between neighbours)``: the gap below the
    exact value shrinks roughly like 1/K. Its Monte Carlo error is far below the differences checked."""
    target = random_gaussian(10, seed=4)
    exact = target.log_partition()
    gaps = []
    for k in (5, 20, 80):
        ais = ebm_core.estimator("ais", target, n_chains=400, n_temperatures=k, sampler_kwargs=HMC)
        estimate = ais.estimate(generator=torch.Generator().manual_seed(k))
        gaps.append(exact - (estimate.log_z_base + float(estimate.log_weights.mean())))
    assert gaps[0] > 2 * gaps[1] > 4 * gaps[2] > 0, gaps


def test_schedules_and_explicit_betas():
    target = random_gaussian(2, seed=5)
    for schedule in ("sigmoid", "geometric", "linear", [0.0, 0.1, 0.3, 0.6, 1.0]):
        ais = ebm_core.estimator("ais", target, n_chains=400, n_temperatures=30, schedule=schedule, sampler_kwargs=HMC)
        estimate = ais.estimate(generator=torch.Generator().manual_seed(0))
        assert float(estimate.betas[0]) == 0.0 and float(estimate.betas[-1]) == 1.0
        assert abs(estimate.log_z - target.log_partition()) < 4 * estimate.stderr, (schedule, estimate)


def test_adaptation_and_other_samplers_run():
    target = random_gaussian(2, seed=6)
    for sampler, kwargs, adapt in (("mala", {"step_size": 0.5}, True), ("hmc", {"step_size": 2.0}, True)):
        ais = ebm_core.estimator(
            "ais", target, n_chains=300, n_temperatures=40, sampler=sampler, sampler_kwargs=kwargs,
            steps_per_temperature=2, adapt=adapt,
        )
        estimate = ais.estimate(generator=torch.Generator().manual_seed(0))
        assert abs(estimate.log_z - target.log_partition()) < 4 * estimate.stderr, (sampler, estimate)
        assert float(estimate.acceptance.nanmean()) > 0.4


def test_same_seed_same_estimate():
    target = random_gaussian(2, seed=7)
    ais = ebm_core.estimator("ais", target, n_chains=50, n_temperatures=10, sampler_kwargs=HMC)
    a = ais.estimate(generator=torch.Generator().manual_seed(3))
    b = ais.estimate(generator=torch.Generator().manual_seed(3))
    assert a.log_z == b.log_z and torch.equal(a.log_weights, b.log_weights)


def _energy_nan_beyond(limit: float):
    def f(x):
        e = 0.5 * (x**2).sum(-1)
        return torch.where(x[:, 0] > limit, torch.full_like(e, float("nan")), e)

    return ebm_core.energy("neural", module=f, event_shape=2)


def test_nan_weights_are_reported_never_a_silent_nan():
    energy = _energy_nan_beyond(1.5)  # ~7 % of the base's mass gives NaN energies
    ais = ebm_core.estimator("ais", energy, n_chains=400, n_temperatures=5, sampler_kwargs=HMC)
    with pytest.warns(EstimateWarning, match="NaN"):
        estimate = ais.estimate(generator=torch.Generator().manual_seed(0))
    assert math.isfinite(estimate.log_z) and estimate.n_nonfinite > 0
    strict = ebm_core.estimator("ais", energy, n_chains=400, n_temperatures=5, sampler_kwargs=HMC, strict=True)
    with pytest.raises(EstimateError, match="NaN"):
        strict.estimate(generator=torch.Generator().manual_seed(0))
    everywhere = ebm_core.estimator("ais", _energy_nan_beyond(-100.0), n_chains=10, n_temperatures=3)
    with pytest.raises(EstimateError, match="only 0 of 10"):
        everywhere.estimate(generator=torch.Generator().manual_seed(0))


def test_bad_input_errors_name_the_argument():
    gaussian = ebm_core.energy("gaussian", dim=2)
    no_shape = ebm_core.energy("neural", module=lambda x: (x**2).sum(-1))
    with pytest.raises(ValueError, match="no event_shape.*samples=.*base="):
        ebm_core.estimator("ais", no_shape)
    with pytest.raises(ValueError, match="n_temperatures must be an integer >= 2"):
        ebm_core.estimator("ais", gaussian, n_temperatures=1)
    with pytest.raises(ValueError, match="base has event shape \\(3,\\)"):
        ebm_core.estimator("ais", gaussian, base=ebm_core.energy("gaussian", dim=3))
    with pytest.raises(TypeError, match="log_partition"):
        ebm_core.estimator("ais", gaussian, base=ebm_core.energy("double_well"))
    with pytest.raises(TypeError, match="ebm_core.Energy"):
        ebm_core.estimator("ais", lambda x: x.sum(-1))
    with pytest.raises(ValueError, match="schedule"):
        ebm_core.estimator("ais", gaussian, schedule="cosine")
    with pytest.raises(ValueError, match="strictly increasing"):
        ebm_core.estimator("ais", gaussian, schedule=[0.0, 0.5, 0.4, 1.0])
    with pytest.raises(ValueError, match="n_chains"):
        ebm_core.estimator("ais", gaussian, n_chains=0)
    with pytest.raises(ebm_core.UnknownComponentError, match="hmcc"):
        ebm_core.estimator("ais", gaussian, sampler="hmcc")
    with pytest.raises(ebm_core.InvalidArgumentError, match="step_sise"):
        ebm_core.estimator("ais", gaussian, sampler_kwargs={"step_sise": 0.1})
    with pytest.raises(ValueError, match="samples has event shape"):
        ebm_core.estimator("ais", gaussian, samples=torch.randn(100, 3))
    # an energy without event shape is fine once samples or a base fix the space
    assert ebm_core.estimator("ais", no_shape, samples=torch.randn(100, 2)).base.event_shape == (2,)


def test_registered_through_the_entry_point():
    record = ebm_core.describe("estimator", "ais")
    assert record.source.distribution == "ebm-core" and record.source.name == "ebm_core_estimators"
    assert "ais" in ebm_core.available()["estimator"]
