"""Critical values with a stated false-fail rate (Bonferroni, normal, Kolmogorov–Smirnov).

A statistical test of a sampler fails by chance with some probability even when the sampler
is right. These functions turn an overall false-fail budget into per-test thresholds:

* :func:`bonferroni` — m tests at level α/m fail together with probability ≤ α (the union
  bound; no independence needed);
* :func:`z_threshold` — the two-sided critical value of a standard-normal statistic;
* :func:`ks_threshold` — the Dvoretzky–Kiefer–Wolfowitz bound with Massart's constant,
  ``P(sup|Fₙ − F| > ε) ≤ 2 exp(−2nε²)``: exact for every n (no asymptotics) and for any
  continuous F.

Example::

    from ebm_core.testing import bonferroni, ks_threshold, z_threshold
    alpha = bonferroni(1e-3, n_tests=40)       # 2.5e-5 per test
    assert 4.2 < z_threshold(alpha) < 4.3      # |z| above this fails
    assert abs(ks_threshold(4000, alpha) - 0.0376) < 1e-3
"""

from __future__ import annotations

import math
import numbers
from statistics import NormalDist


def bonferroni(false_fail_rate: float, n_tests: int) -> float:
    """Per-test level ``false_fail_rate / n_tests``."""
    _check_rate(false_fail_rate, "false_fail_rate")
    if isinstance(n_tests, bool) or not isinstance(n_tests, numbers.Integral) or n_tests < 1:
        raise ValueError(f"n_tests must be an integer >= 1, got {n_tests!r}")
    return false_fail_rate / n_tests


def z_threshold(alpha: float) -> float:
    """``z`` with ``P(|Z| > z) = alpha`` for ``Z ~ N(0, 1)``."""
    _check_rate(alpha, "alpha")
    return NormalDist().inv_cdf(1.0 - alpha / 2.0)


def ks_threshold(n: int, alpha: float) -> float:
    """``ε`` with ``P(sup|Fₙ − F| > ε) ≤ alpha`` for ``n`` iid draws (DKW–Massart)."""
    _check_rate(alpha, "alpha")
    if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 1:
        raise ValueError(f"n must be a positive integer (the sample size), got {n!r}")
    return math.sqrt(math.log(2.0 / alpha) / (2.0 * n))


def _check_rate(value: float, name: str) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a probability in (0, 1), got {value!r}")
