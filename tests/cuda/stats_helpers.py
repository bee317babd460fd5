"""Exact targets and test statistics for the statistical tests of the fused chains.

A test runs many independent chains from over-dispersed starts, keeps the final states (≈ iid
draws once the chains have mixed) and compares them with the exact target:

* means and variances/covariances as z-scores, each scaled by its standard error estimated from
  the same sample (se of a mean: s/√n; of a (co)variance: √((m₄ − v²)/n) with m₄ the fourth
  central (cross-)moment);
* one-dimensional marginals with the Kolmogorov–Smirnov test against an exact CDF obtained by
  quadrature on a fine grid.

Thresholds are Bonferroni-corrected over every comparison in a module (see ``z_threshold``).
"""

from __future__ import annotations

import numpy as np
from scipy import stats


def z_threshold(family_level: float, n_tests: int) -> float:
    """Two-sided |z| bound so that n_tests tests together falsely fail with rate family_level."""
    return float(stats.norm.isf(family_level / (2 * n_tests)))


def mean_z(x: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """z-scores of the sample means of the columns of x against the exact means."""
    n = x.shape[0]
    return (x.mean(0) - mean) / (x.std(0, ddof=1) / np.sqrt(n))


def covariance_z(x: np.ndarray, mean: np.ndarray, cov: np.ndarray) -> np.ndarray:
    """z-scores of the sample (co)variances (upper triangle, diagonal included).

    Centred at the exact mean, so E[(xᵢ − μᵢ)(xⱼ − μⱼ)] = Σᵢⱼ exactly and the standard error is
    that of a plain mean of the products.
    """
    n, d = x.shape
    c = x - mean
    zs = []
    for i in range(d):
        for j in range(i, d):
            prod = c[:, i] * c[:, j]
            zs.append((prod.mean() - cov[i, j]) / (prod.std(ddof=1) / np.sqrt(n)))
    return np.array(zs)


def quadrature_cdf(log_density, lo: float, hi: float, points: int = 200_001):
    """The CDF of the 1-D density ∝ exp(log_density(x)) on [lo, hi] (trapezoidal rule)."""
    grid = np.linspace(lo, hi, points)
    logp = log_density(grid)
    p = np.exp(logp - logp.max())
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (p[1:] + p[:-1]) * np.diff(grid))])
    cdf /= cdf[-1]
    return lambda x: np.interp(x, grid, cdf)


def ks_pvalue(sample: np.ndarray, cdf) -> float:
    """Kolmogorov–Smirnov p-value of sample against a CDF callable."""
    return float(stats.kstest(sample, cdf).pvalue)
