"""The fused chains sample the right distributions (called directly through ChainRequest).

Every comparison of this module is listed in CASES/KS_CASES below; all share a Bonferroni
correction for a family-wise false-fail rate of 1e-3: with correct kernels, a fresh choice of
seeds would make this module fail about once in a thousand runs. Seeds are fixed, so runs are
reproducible.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import numpy as np
import pytest
import torch

from .conftest import chain_request, run_fused
from .stats_helpers import covariance_z, ks_pvalue, mean_z, quadrature_cdf, z_threshold

CHAINS = 4000
FAMILY_LEVEL = 1e-3


@dataclasses.dataclass
class GaussianCase:
    """Chains whose exact target has known mean and covariance."""

    name: str
    sampler: str
    sampler_params: dict[str, Any]
    energy: str
    energy_params: dict[str, Any]
    mean: np.ndarray
    cov: np.ndarray
    n_steps: int
    dtype: torch.dtype = torch.float32
    box: tuple[list[float], list[float]] | None = None  # uniform start in [lo, hi] instead of 3·N(0, I)

    @property
    def n_tests(self) -> int:
        d = len(self.mean)
        return d + d * (d + 1) // 2


def _correlated() -> tuple[np.ndarray, np.ndarray]:
    cov = np.array([[1.0, 0.6, -0.3], [0.6, 2.0, 0.4], [-0.3, 0.4, 0.5]])
    return cov, np.linalg.inv(cov)


COV3, PREC3 = _correlated()
MEAN3 = np.array([1.0, -2.0, 0.5])
DIAG_PREC = np.array([1.0, 4.0, 0.25])


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(a)


# ULA on N(0, σ²) with step h has stationary variance σ²/(1 − h/(2σ²)); with noise scale τ and
# precision p the AR(1) recursion x ← (1 − hp)x + τ√(2h)ξ gives 2hτ²/(1 − (1 − hp)²).
ULA_H = 0.5
ULA_BIASED_VAR = 1.0 / (1.0 - ULA_H / 2.0)  # 4/3

CASES = [
    GaussianCase("mala-diag", "mala", {"step_size": 0.2}, "gaussian",
                 {"mean": _t(MEAN3), "precision_diag": _t(DIAG_PREC)}, MEAN3, np.diag(1 / DIAG_PREC), 600),
    GaussianCase("hmc-diag", "hmc", {"step_size": 0.25, "n_leapfrog": 7, "inv_mass": None}, "gaussian",
                 {"mean": _t(MEAN3), "precision_diag": _t(DIAG_PREC)}, MEAN3, np.diag(1 / DIAG_PREC), 300),
    GaussianCase("mala-full-f64", "mala", {"step_size": 0.15}, "gaussian",
                 {"mean": _t(MEAN3), "precision": _t(PREC3)}, MEAN3, COV3, 800, torch.float64),
    GaussianCase("hmc-full-mass-f64", "hmc",
                 {"step_size": 0.2, "n_leapfrog": 6, "inv_mass": torch.tensor([1.0, 2.0, 0.5])}, "gaussian",
                 {"mean": _t(MEAN3), "precision": _t(PREC3)}, MEAN3, COV3, 300, torch.float64),
    GaussianCase("hmc-harmonic", "hmc", {"step_size": 0.3, "n_leapfrog": 4, "inv_mass": None}, "harmonic",
                 {"k": 2.0, "center": torch.tensor([0.5, -1.0])}, np.array([0.5, -1.0]), np.eye(2) / 2, 300),
    GaussianCase("mala-harmonic", "mala", {"step_size": 0.3}, "harmonic",
                 {"k": 2.0, "center": torch.tensor([0.5, -1.0])}, np.array([0.5, -1.0]), np.eye(2) / 2, 400),
    GaussianCase("ula-bias", "langevin", {"step_size": ULA_H, "noise_scale": 1.0, "clamp": None}, "gaussian",
                 {"mean": torch.zeros(1), "precision_diag": torch.ones(1)},
                 np.zeros(1), np.array([[ULA_BIASED_VAR]]), 200, torch.float64),
    GaussianCase("ula-noise-scale", "langevin", {"step_size": 0.2, "noise_scale": 0.7, "clamp": None}, "harmonic",
                 {"k": 2.0, "center": torch.zeros(2)}, np.zeros(2),
                 np.eye(2) * (2 * 0.2 * 0.49 / (1 - (1 - 0.2 * 2.0) ** 2)), 200),
    GaussianCase("mala-removes-ula-bias", "mala", {"step_size": ULA_H}, "gaussian",
                 {"mean": torch.zeros(1), "precision_diag": torch.ones(1)}, np.zeros(1), np.eye(1), 400,
                 torch.float64),
    GaussianCase("hmc-removes-ula-bias", "hmc", {"step_size": ULA_H, "n_leapfrog": 3, "inv_mass": None}, "gaussian",
                 {"mean": torch.zeros(1), "precision_diag": torch.ones(1)}, np.zeros(1), np.eye(1), 200,
                 torch.float64),
]


# HMC on N(0, I) with L = 10 leapfrog steps of ε = 2 sin(π/20) turns every trajectory exactly half
# a period (the leapfrog map is a rotation by θ with cos θ = 1 − ε²/2, and Lθ = π): x → −x, so
# without jitter each chain keeps |x₀| forever. A jitter of 0.5 breaks the resonance.
RESONANT_EPS = float(2 * np.sin(np.pi / 20))
RESONANT = {"step_size": RESONANT_EPS, "n_leapfrog": 10, "inv_mass": None}
CASES += [
    GaussianCase("hmc-jitter-resonant", "hmc", {**RESONANT, "step_size_jitter": 0.5}, "gaussian",
                 {"mean": torch.zeros(2), "precision_diag": torch.ones(2)}, np.zeros(2), np.eye(2), 300),
]


def _rosenbrock_moments(a: float, b: float) -> tuple[np.ndarray, np.ndarray]:
    """Exact moments of the 2-D Rosenbrock density ∝ exp(−b(x₂ − x₁²)² − (a − x₁)²).

    Integrating x₂ out leaves x₁ ~ N(a, ½); given x₁, x₂ ~ N(x₁², 1/(2b)). Hence
    E x₂ = a² + ½, Var x₂ = 1/(2b) + Var(x₁²) = 1/(2b) + 2a² + ½, Cov(x₁, x₂) = 2a·½ = a.
    """
    mean = np.array([a, a * a + 0.5])
    cov = np.array([[0.5, a], [a, 1 / (2 * b) + 2 * a * a + 0.5]])
    return mean, cov


ROSEN_MEAN, ROSEN_COV = _rosenbrock_moments(1.0, 1.0)
# Starts in a box around the banana rather than 3·N(0, I): a chain started at |x₁| ≈ 6 sits in a
# valley with curvature ~8b·x₁² and barely moves at any step size that suits the bulk.
ROSEN_BOX = ([-1.0, -2.0], [3.0, 6.0])
CASES += [
    GaussianCase("mala-rosenbrock-2d", "mala", {"step_size": 0.02}, "rosenbrock", {"a": 1.0, "b": 1.0},
                 ROSEN_MEAN, ROSEN_COV, 3000, box=ROSEN_BOX),
    GaussianCase("hmc-rosenbrock-2d", "hmc", {"step_size": 0.05, "n_leapfrog": 8, "inv_mass": None}, "rosenbrock",
                 {"a": 1.0, "b": 1.0}, ROSEN_MEAN, ROSEN_COV, 2500, box=ROSEN_BOX),
]


@dataclasses.dataclass
class KsCase:
    """Chains on the double well E = h Σ (xᵢ² − b²)²: each coordinate's marginal ∝ exp(−h(x² − b²)²)."""

    name: str
    sampler: str
    sampler_params: dict[str, Any]
    dim: int
    n_steps: int


DW = {"barrier_height": 1.0, "b": 1.0}
KS_CASES = [
    KsCase("mala", "mala", {"step_size": 0.1}, 2, 1000),
    KsCase("hmc", "hmc", {"step_size": 0.2, "n_leapfrog": 5, "inv_mass": None}, 2, 300),
    # ULA's O(h) bias is far below what 4000 draws resolve at this step size.
    KsCase("ula-small-step", "langevin", {"step_size": 0.003, "noise_scale": 1.0, "clamp": None}, 1, 8000),
]

N_TESTS = sum(c.n_tests for c in CASES) + sum(c.dim for c in KS_CASES) + 2  # + the two power checks
Z_MAX = z_threshold(FAMILY_LEVEL, N_TESTS)
P_MIN = FAMILY_LEVEL / N_TESTS


def _overdispersed(d: int, dtype: torch.dtype, seed: int, box=None) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    if box is None:
        return (3.0 * torch.randn(CHAINS, d, generator=g, dtype=torch.float64)).to(dtype)
    lo, hi = torch.tensor(box[0], dtype=torch.float64), torch.tensor(box[1], dtype=torch.float64)
    return (lo + (hi - lo) * torch.rand(CHAINS, d, generator=g, dtype=torch.float64)).to(dtype)


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_moments_match_exact_target(case: GaussianCase) -> None:
    d = len(case.mean)
    request = chain_request(case.sampler, case.sampler_params, case.energy, case.energy_params,
                            _overdispersed(d, case.dtype, seed=len(case.name), box=case.box), case.n_steps,
                            seed=1234)
    result = run_fused(request)
    x = result.samples.double().numpy()
    assert np.isfinite(x).all() and not result.divergent.any()
    z_mean = mean_z(x, case.mean)
    z_cov = covariance_z(x, case.mean, case.cov)
    assert np.abs(z_mean).max() < Z_MAX, f"mean z-scores {z_mean} (|z| < {Z_MAX:.2f})"
    assert np.abs(z_cov).max() < Z_MAX, f"covariance z-scores {z_cov} (|z| < {Z_MAX:.2f})"
    if case.sampler != "langevin":
        rate = result.n_accepted.double().mean().item() / case.n_steps
        assert 0.3 < rate < 1.0, f"acceptance rate {rate}"


def test_ula_bias_is_detected() -> None:
    """The ULA case has power: its variance is far from σ² = 1 (so MALA/HMC passing at σ² = 1
    means they removed the bias, not that the test is blind)."""
    case = next(c for c in CASES if c.name == "ula-bias")
    request = chain_request(case.sampler, case.sampler_params, case.energy, case.energy_params,
                            _overdispersed(1, case.dtype, seed=3), case.n_steps, seed=99)
    x = run_fused(request).samples.double().numpy()
    z_against_target = covariance_z(x, np.zeros(1), np.eye(1))
    assert z_against_target[0] > Z_MAX, z_against_target


def test_hmc_resonance_without_jitter_is_detected() -> None:
    """The jitter case has power: with j = 0 the same chains keep their over-dispersed radius
    (variance ≈ 9, not 1), so the jittered kernel passing means the jitter is applied."""
    request = chain_request("hmc", {**RESONANT, "step_size_jitter": 0.0}, "gaussian",
                            {"mean": torch.zeros(2), "precision_diag": torch.ones(2)},
                            _overdispersed(2, torch.float32, seed=len("hmc-jitter-resonant")), 300, seed=1234)
    x = run_fused(request).samples.double().numpy()
    z_against_target = covariance_z(x, np.zeros(2), np.eye(2))
    assert z_against_target[0] > Z_MAX and z_against_target[2] > Z_MAX, z_against_target


@pytest.mark.parametrize("case", KS_CASES, ids=lambda c: c.name)
def test_double_well_marginals_match_quadrature(case: KsCase) -> None:
    g = torch.Generator().manual_seed(11)
    x0 = (torch.rand(CHAINS, case.dim, generator=g) * 5.0 - 2.5)
    request = chain_request(case.sampler, case.sampler_params, "double_well", DW, x0, case.n_steps, seed=77)
    x = run_fused(request).samples.double().numpy()
    cdf = quadrature_cdf(lambda t: -DW["barrier_height"] * (t * t - DW["b"] ** 2) ** 2, -4.0, 4.0)
    for j in range(case.dim):
        p = ks_pvalue(x[:, j], cdf)
        assert p > P_MIN, f"coordinate {j}: KS p-value {p:.2e} (> {P_MIN:.1e})"


def test_clamp_bounds_every_langevin_state() -> None:
    request = chain_request("langevin", {"step_size": 0.5, "noise_scale": 1.0, "clamp": 0.8}, "harmonic",
                            {"k": 0.1, "center": torch.zeros(3)}, torch.zeros(500, 3), 50,
                            record_trajectory=True)
    result = run_fused(request)
    assert result.trajectory.abs().max() <= 0.8
    assert result.samples.abs().max() <= 0.8
    assert (result.samples.abs() == 0.8).any()  # the bound is reached with this wide target
