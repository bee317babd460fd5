"""Quality checks beside speed: a fast sampler must also sample the right distribution.

W2 (ULA) and W3 (HMC) target the standard Gaussian, so the final states of the chains — one
per chain, independent across chains and, for this target, across coordinates — must have
pooled mean 0 and pooled variance

* ``1 / (1 − h/2)`` for ULA with step ``h``: the exact stationary variance of the
  Euler–Maruyama chain ``x ← (1 − h) x + √(2h) ξ`` on N(0, 1) (the fixed point of
  ``v = (1 − h)² v + 2h``), i.e. ULA's known O(h) bias — a system that came out unbiased
  would not be running the same ULA;
* ``1`` for HMC (the Metropolis test removes the integrator's bias).

With ``n`` pooled values the z-scores are ``z_mean = m / √(v*/n)`` and
``z_var = (s² − v*) / (v* √(2/(n − 1)))``; a check passes when both ``|z| < Z_LIMIT``. For iid
Gaussian values a correct sampler fails with probability about 1e-6 per check (two-sided
5σ), so a failure means a wrong sampler, not bad luck. The start states are over-dispersed
(N(0, 4 I)); after the benchmark's number of steps the remaining transient, at most
``3 (1 − h)^{2K}`` for ULA, is far below one standard error.

Other workloads (W1, W4, training) are checked for finiteness only; N1, N2 and T1 have their
own checks (:func:`benchmarks.samplers_ii.quality`).
"""

from __future__ import annotations

import math

import numpy as np

from .workloads import Workload

Z_LIMIT = 5.0


def expected_variance(workload: Workload) -> float:
    """The exact stationary variance of one coordinate of ``workload``'s chain (standard Gaussian)."""
    if workload.kind == "ula":
        return 1.0 / (1.0 - workload.step_size / 2.0)
    return 1.0


def moment_check(samples: np.ndarray, variance: float, z_limit: float = Z_LIMIT) -> dict:
    """Pooled mean/variance z-test of ``samples`` ``(chains, dim)`` against N(0, ``variance``)."""
    values = np.asarray(samples, dtype=np.float64).reshape(-1)
    n = values.size
    finite = bool(np.isfinite(values).all())
    if not finite or n < 2:
        return {"check": "moments", "passed": False, "finite": finite, "n": int(n)}
    mean = float(values.mean())
    var = float(values.var(ddof=1))
    z_mean = mean / math.sqrt(variance / n)
    z_var = (var - variance) / (variance * math.sqrt(2.0 / (n - 1)))
    return {
        "check": "moments",
        "passed": bool(abs(z_mean) < z_limit and abs(z_var) < z_limit),
        "finite": True,
        "n": int(n),
        "mean": mean,
        "variance": var,
        "expected_variance": variance,
        "z_mean": z_mean,
        "z_variance": z_var,
        "z_limit": z_limit,
    }


def finite_check(values: np.ndarray) -> dict:
    """Passes when every value is finite."""
    values = np.asarray(values)
    finite = bool(np.isfinite(values).all())
    return {"check": "finite", "passed": finite, "finite": finite, "n": int(values.size)}


def check(workload: Workload, samples: np.ndarray) -> dict:
    """The quality check of ``workload`` on its output (samples, or the loss for training)."""
    if workload.quality == "moments":
        return moment_check(samples, expected_variance(workload))
    if workload.quality in ("ess_moments", "mode_weights"):
        from .samplers_ii import quality

        return quality(workload, samples)
    return finite_check(samples)
