"""The kit's Student-t critical value is the exact two-sided quantile at small degrees of freedom.

The Cornish–Fisher expansion it replaced erred low — an anti-conservative threshold — by
up to 37 % at ν = 3 (alpha = 1e-6) and 0.5 % at ν = 10. Reference values: the two-sided
Student-t table (Abramowitz & Stegun, Table 26.10), quoted to 6 digits.
"""

from __future__ import annotations

import pytest
import torch

from ebm_core.testing import t_threshold


@pytest.mark.parametrize(
    "alpha, dof, table",
    [(0.05, 1, 12.7062), (0.05, 3, 3.18245), (0.01, 10, 3.16927), (0.05, 30, 2.04227),
     (0.001, 5, 6.86883), (0.2, 2, 1.88562)],
)
def test_t_threshold_matches_the_two_sided_table(alpha: float, dof: int, table: float) -> None:
    assert t_threshold(alpha, dof) == pytest.approx(table, rel=2e-5)


def test_t_threshold_has_its_stated_false_fail_rate_on_simulated_t_statistics() -> None:
    """|T| of 3 Gaussian replicates exceeds t(0.05, ν=2) in 5 % of 200,000 trials.

    Binomial SE of the rate: sqrt(0.05·0.95/2e5) = 4.9e-4; the band ±2.5e-3 is 5.1 SE
    (false-fail ≈ 3e-7). The old Cornish–Fisher value (anti-conservative) gave ≈ 6.3 %.
    """
    g = torch.Generator().manual_seed(0)
    x = torch.randn(200_000, 3, generator=g, dtype=torch.float64)
    t = x.mean(1) / (x.std(1) / 3**0.5)
    rate = float((t.abs() > t_threshold(0.05, 2)).double().mean())
    assert abs(rate - 0.05) < 2.5e-3


def test_t_threshold_rejects_bad_degrees_of_freedom() -> None:
    with pytest.raises(ValueError, match="dof must be an integer >= 1"):
        t_threshold(0.05, 0)
    with pytest.raises(TypeError, match="dof must be an integer >= 1"):
        t_threshold(0.05, 2.5)
    with pytest.raises(ValueError, match="alpha must be a number strictly between 0 and 1"):
        t_threshold(0.0, 5)
