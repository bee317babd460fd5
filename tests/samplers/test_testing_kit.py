"""The statistical-test helpers themselves: calibrated under the null, powerful against errors."""

from __future__ import annotations

import math
import re

import pytest
import scipy.stats
import torch

from ebm_core.testing import (
    Checklist,
    bonferroni,
    covariance_z_scores,
    ks_distance,
    ks_threshold,
    mean_z_scores,
    normal_cdf,
    z_threshold,
)

from ._support import seeded


def test_thresholds() -> None:
    assert bonferroni(1e-3, 40) == pytest.approx(2.5e-5)
    assert z_threshold(0.05) == pytest.approx(1.959964, abs=1e-6)
    assert ks_threshold(1000, 0.01) == pytest.approx(math.sqrt(math.log(200) / 2000))
    with pytest.raises(ValueError, match="n_tests"):
        bonferroni(1e-3, 0)
    with pytest.raises(ValueError, match="alpha must be a number strictly between 0 and 1"):
        z_threshold(1.5)


@pytest.mark.parametrize("distribution", ["normal", "exponential"])
def test_z_scores_are_standard_normal_under_the_null(distribution) -> None:
    """Over 1,000 replications the 5 % two-sided test rejects 5 % ± 2 % (≈ 3 binomial sd),
    also for skewed data: the standard error of a variance comes from the sample's fourth
    moments, not from a Gaussian formula."""
    g = seeded(0)
    rejected_mean = rejected_var = 0
    reps, n = 1000, 2000
    for _ in range(reps):
        if distribution == "normal":
            x, mean, var = torch.randn(n, 1, generator=g, dtype=torch.float64), 0.0, 1.0
        else:
            x = torch.empty(n, 1, dtype=torch.float64).exponential_(generator=g)
            mean, var = 1.0, 1.0
        rejected_mean += abs(mean_z_scores(x, [mean]).item()) > 1.96
        rejected_var += abs(covariance_z_scores(x, [var]).item()) > 1.96
    assert abs(rejected_mean / reps - 0.05) < 0.02
    assert abs(rejected_var / reps - 0.05) < 0.02


def test_covariance_z_scores_cover_off_diagonal_entries() -> None:
    cov = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
    x = torch.randn(20_000, 2, generator=seeded(1), dtype=torch.float64) @ torch.linalg.cholesky(cov).T
    assert covariance_z_scores(x, cov).abs().max() < 4
    assert covariance_z_scores(x, torch.diag(cov.diagonal()))[0, 1] > 20  # wrong correlation


def test_ks_distance_equals_scipy() -> None:
    x = torch.randn(3000, generator=seeded(2), dtype=torch.float64) * 2 + 1
    expected = scipy.stats.kstest(x.numpy(), scipy.stats.norm(1, 2).cdf).statistic
    assert ks_distance(x, normal_cdf(1.0, 2.0)) == pytest.approx(expected, abs=1e-12)
    assert ks_distance(x, scipy.stats.norm(1, 2).cdf) == pytest.approx(expected, abs=1e-12)


def test_the_dkw_threshold_is_conservative() -> None:
    g = seeded(3)
    n, reps, alpha = 500, 1000, 0.05
    exceed = sum(
        ks_distance(torch.randn(n, generator=g, dtype=torch.float64), normal_cdf()) > ks_threshold(n, alpha)
        for _ in range(reps)
    )
    assert exceed / reps <= alpha


def _gaussian_draws(n=4000, seed=4):
    return torch.randn(n, 2, generator=seeded(seed), dtype=torch.float64)


def test_checklist_passes_exact_draws_and_counts_its_checks() -> None:
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(_gaussian_draws(), torch.zeros(2), torch.eye(2))
    assert checks.n_checks == 2 + 3 + 2 and checks.alpha == pytest.approx(1e-3 / 7)
    assert checks.failures() == []
    checks.verify()


@pytest.mark.parametrize(
    "distort, failing",
    [
        (lambda x: x + torch.tensor([0.2, 0.0], dtype=torch.float64), "mean[0]"),
        (lambda x: x * torch.tensor([1.0, 1.15], dtype=torch.float64), "cov[1,1]"),
        # Same mean and variance, wrong shape: only the KS check can see it.
        (lambda x: (torch.rand_like(x) - 0.5) * math.sqrt(12), "marginal[0]"),
    ],
)
def test_checklist_catches_a_wrong_distribution(distort, failing) -> None:
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(distort(_gaussian_draws()), torch.zeros(2), torch.eye(2))
    with pytest.raises(AssertionError, match=rf"statistical checks failed[\s\S]*{re.escape(failing)}"):
        checks.verify()


def test_checklist_needs_checks() -> None:
    with pytest.raises(ValueError, match="empty"):
        Checklist().verify()
