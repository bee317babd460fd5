"""Samplers II workloads (N1, N2: NUTS; T1: parallel tempering): targets, metrics, checks.

Targets (every system writes the same formulas in its own framework):

* ``ill_gaussian`` (N1): ``E(x) = ½ Σᵢ xᵢ² / σᵢ²`` in 100-D, ``σᵢ²`` log-spaced from 10⁻² to
  10² (condition number 10⁴), see :func:`ill_gaussian_variances`.
* ``banana`` (N2): Rosenbrock's ``E(x) = b (x₂ − x₁²)² + (a − x₁)²`` with ``a = 1, b = 10`` —
  ``x₁ ~ N(1, ½)``, ``x₂ | x₁ ~ N(x₁², 1/20)``, so ``E[x] = (1, 1.5)`` exactly.
* ``mixture3`` (T1): ``E(x) = −log Σₖ wₖ N(x; μₖ, 1)``, ``μ = (−10, 0, 10)``,
  ``w = (0.2, 0.5, 0.3)`` (the mixture of ``tests/samplers/test_parallel_tempering.py``).

Metrics, the same estimator for every system:

* NUTS: the kept draws ``(chains, draws, dim)`` → ESS per coordinate with
  :func:`ebm_core.diagnostics.effective_sample_size` (Stan's multi-chain estimator); the
  workload's figure is the **minimum over coordinates** (the slowest direction). ESS per
  second divides it by the whole timed run (warm-up + kept draws, JAX compile excluded);
  ESS per gradient evaluation divides it by the gradient evaluations of the kept draws
  (all chains), and — second figure — by those of the whole run.
* Tempering: completed cold → hot → cold round trips of replica labels, summed over chains,
  per second of the timed run.
"""

from __future__ import annotations

import numpy as np

from .workloads import Workload

KINDS = ("nuts", "tempering")
BANANA = {"a": 1.0, "b": 10.0}
BANANA_MEAN = (1.0, 1.5)
MIXTURE_MEANS = (-10.0, 0.0, 10.0)
MIXTURE_WEIGHTS = (0.2, 0.5, 0.3)
#: PT ladder shared by every system: ``n`` geometric inverse temperatures from 1 to ``β_min``.
LADDER = {"n_replicas": 6, "beta_min": 0.02}
Z_LIMIT = 5.0


def ill_gaussian_variances(dim: int) -> np.ndarray:
    """``σᵢ²``: log-spaced from 10⁻² to 10² (float64)."""
    return np.logspace(-2.0, 2.0, dim)


def ladder_betas() -> np.ndarray:
    """The geometric ladder ``β_k = β_min^{k/(R−1)}``, ``k = 0 … R−1`` (β₀ = 1)."""
    n, beta_min = LADDER["n_replicas"], LADDER["beta_min"]
    return beta_min ** (np.arange(n) / (n - 1))


def exact_mean_and_variance(workload: Workload) -> tuple[np.ndarray, np.ndarray | None]:
    """The target's exact mean (and per-coordinate variance where simple) for the check."""
    if workload.target == "ill_gaussian":
        return np.zeros(workload.dim), ill_gaussian_variances(workload.dim)
    # banana: Var x₁ = ½, Var x₂ = Var x₁² + 1/(2b) = 2·½² + 4·a²·½ + 1/20
    a, b = BANANA["a"], BANANA["b"]
    return np.array(BANANA_MEAN), np.array([0.5, 0.5 + 2.0 * a * a + 1.0 / (2.0 * b)])


def round_trips(labels: np.ndarray) -> int:
    """Completed cold → hot → cold trips in a label history.

    ``labels`` is ``(sweeps, chains, R)``: after each sweep, which replica label sits at each
    rung (rung 0 is β = 1, rung R−1 the hottest). A label completes a round trip when, after
    visiting the hottest rung, it reaches rung 0 — ebm's ``parallel_tempering`` counts the
    same way (a label that starts on a hot rung counts once it has been hottest and is cold).
    """
    sweeps, chains, rungs = labels.shape
    seen_hot = np.zeros((chains, rungs), dtype=bool)  # per label: hottest rung visited since cold
    trips = 0
    rows = np.arange(chains)[:, None]
    for t in range(sweeps):
        at = labels[t]  # (chains, R): label at rung k
        seen_hot[rows, at[:, -1:]] = True
        cold = at[:, 0]
        done = seen_hot[np.arange(chains), cold]
        trips += int(done.sum())
        seen_hot[np.arange(chains), cold] = False
    return trips


def summarise(workload: Workload, draws: np.ndarray, info: dict, seconds: float) -> dict:
    """The figures of one timed run (see the module docstring)."""
    if workload.kind == "tempering":
        trips = int(info["round_trips"])
        return {"throughput": trips / seconds, "round_trips": trips}
    import torch

    from ebm_core.diagnostics import effective_sample_size

    ess = effective_sample_size(torch.from_numpy(np.asarray(draws, dtype=np.float64)))
    ess_min = float(ess.min())
    kept, total = float(info["grad_evals_kept"]), float(info["grad_evals_total"])
    return {
        "throughput": ess_min / seconds,
        "ess_min": ess_min,
        "ess_median": float(ess.median()),
        "kept_draws": int(draws.shape[0] * draws.shape[1]),
        "grad_evals_kept": kept,
        "grad_evals_total": total,
        "ess_per_grad_kept": ess_min / kept,
        "ess_per_grad_total": ess_min / total,
        "leapfrog_per_transition": kept / (draws.shape[0] * draws.shape[1]),
    }


def quality(workload: Workload, draws: np.ndarray) -> dict:
    """NUTS: every coordinate's mean within ``Z_LIMIT`` ESS-standard errors of the truth.
    Tempering: finite draws and every mode visited by the β = 1 chains."""
    values = np.asarray(draws, dtype=np.float64)
    finite = bool(np.isfinite(values).all())
    if not finite:
        return {"check": workload.quality, "passed": False, "finite": False}
    if workload.kind == "tempering":
        x = values.reshape(-1)
        weights = [float(np.mean(x < -5)), float(np.mean(np.abs(x) <= 5)), float(np.mean(x > 5))]
        return {"check": "mode_weights", "passed": min(weights) > 0, "finite": True,
                "mode_weights": weights, "true_weights": list(MIXTURE_WEIGHTS)}
    import torch

    from ebm_core.diagnostics import effective_sample_size

    mean, variance = exact_mean_and_variance(workload)
    ess = effective_sample_size(torch.from_numpy(values)).numpy()
    z = (values.mean(axis=(0, 1)) - mean) / np.sqrt(variance / ess)
    worst = float(np.abs(z).max())
    return {"check": "ess_moments", "passed": worst < Z_LIMIT, "finite": True,
            "max_abs_z_mean": worst, "z_limit": Z_LIMIT}
