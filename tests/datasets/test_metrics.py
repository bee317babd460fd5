"""``ebm_core.evaluation.metrics``: unbiased MMD with the median heuristic, exact 2-D NLL and KL.

MMD reference: for ``x ~ N(μ₁, s₁² I)`` and ``y ~ N(μ₂, s₂² I)`` in ``d`` dimensions and the
kernel ``exp(−‖a − b‖²/(2h²))``,
``E k(x, y) = (h² / (h² + s₁² + s₂²))^{d/2} · exp(−‖μ₁ − μ₂‖² / (2(h² + s₁² + s₂²)))``,
so the population MMD² is known in closed form; the unbiased estimator's mean over
independent repetitions must match it within 4 standard errors.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.spatial.distance
import torch

import ebm_core
from ebm_core.evaluation import metrics


def _expected_kernel(s1: float, s2: float, shift: float, h: float, d: int) -> float:
    total = h**2 + s1**2 + s2**2
    return (h**2 / total) ** (d / 2) * math.exp(-(shift**2) / (2 * total))


def _repeated_mmd2(shift: float, s2: float, h: float, reps: int = 30, n: int = 400) -> torch.Tensor:
    g = torch.Generator().manual_seed(0)
    values = []
    for _ in range(reps):
        x = torch.randn(n, 2, generator=g, dtype=torch.float64)
        y = s2 * torch.randn(n, 2, generator=g, dtype=torch.float64) + torch.tensor([shift, 0.0], dtype=torch.float64)
        values.append(metrics.mmd2(x, y, bandwidth=h))
    return torch.stack(values)


def test_unbiased_mmd2_matches_the_closed_form() -> None:
    h, shift, s2 = 1.0, 1.0, 1.5
    expected = (
        _expected_kernel(1.0, 1.0, 0.0, h, 2) + _expected_kernel(s2, s2, 0.0, h, 2)
        - 2 * _expected_kernel(1.0, s2, shift, h, 2)
    )
    values = _repeated_mmd2(shift, s2, h)
    standard_error = values.std() / math.sqrt(len(values))
    assert abs(values.mean() - expected) < 4 * standard_error
    assert expected > 20 * standard_error  # the check resolves the value


def test_unbiased_mmd2_is_zero_on_average_for_equal_distributions() -> None:
    values = _repeated_mmd2(0.0, 1.0, 1.0)
    assert abs(values.mean()) < 4 * values.std() / math.sqrt(len(values))
    assert (values < 0).any()  # unbiased: it does go below zero


def test_mmd_is_the_clamped_square_root() -> None:
    g = torch.Generator().manual_seed(1)
    x, y = torch.randn(300, 2, generator=g), torch.randn(300, 2, generator=g) + 2.0
    assert math.isclose(metrics.mmd(x, y), metrics.mmd2(x, y).sqrt().item(), rel_tol=1e-6)
    same = torch.randn(300, 2, generator=g)
    assert metrics.mmd(same, same.clone()) == 0.0  # identical sets: MMD² < 0 unbiased, clamped


def test_median_heuristic_is_the_median_pairwise_distance() -> None:
    g = torch.Generator().manual_seed(2)
    x, y = torch.randn(40, 3, generator=g, dtype=torch.float64), torch.randn(25, 3, generator=g, dtype=torch.float64)
    pooled = torch.cat([x, y]).numpy()
    assert math.isclose(metrics.median_bandwidth(x, y), float(np.median(scipy.spatial.distance.pdist(pooled))))
    assert metrics.mmd2(x, y) == metrics.mmd2(x, y, bandwidth=metrics.median_bandwidth(x, y))


def test_large_sets_use_a_strided_subset_for_the_median() -> None:
    x = torch.randn(10_000, 2, generator=torch.Generator().manual_seed(3), dtype=torch.float64)
    full = float(np.median(scipy.spatial.distance.pdist(x[:3000].numpy())))
    assert abs(metrics.median_bandwidth(x) - full) < 0.03 * full


def test_events_are_flattened() -> None:
    g = torch.Generator().manual_seed(4)
    x, y = torch.randn(50, 2, 3, generator=g), torch.randn(60, 2, 3, generator=g)
    assert metrics.mmd2(x, y) == metrics.mmd2(x.reshape(50, 6), y.reshape(60, 6))


@pytest.mark.parametrize(
    "x, y, message",
    [
        (torch.zeros(1, 2), torch.zeros(5, 2), "x has 1 sample"),
        (torch.zeros(5, 2), torch.zeros(0, 2), "y has 0 sample"),
        (torch.zeros(5, 2), torch.zeros(5, 3), "same event size"),
    ],
)
def test_mmd_bad_input(x: torch.Tensor, y: torch.Tensor, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        metrics.mmd2(x, y)


def test_mmd_bad_types_and_bandwidth() -> None:
    with pytest.raises(TypeError, match="x must be a floating-point"):
        metrics.mmd2(torch.zeros(5, 2, dtype=torch.int64), torch.zeros(5, 2))
    with pytest.raises(ValueError, match="bandwidth must be"):
        metrics.mmd2(torch.randn(5, 2), torch.randn(5, 2), bandwidth=0.0)
    with pytest.raises(ValueError, match="median pairwise distance is 0"):
        metrics.mmd2(torch.zeros(5, 2), torch.zeros(5, 2))


class IsotropicGaussian(ebm_core.Energy):
    """``E = ‖x − m‖² / (2s²)``: ``log Z = log(2π s²)`` in 2-D."""

    def __init__(self, mean: tuple[float, float] = (0.0, 0.0), std: float = 1.0) -> None:
        super().__init__(event_shape=(2,))
        self.register_buffer("m", torch.tensor(mean, dtype=torch.float64))
        self.s = std

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.m).pow(2).sum(-1) / (2 * self.s**2)


def test_negative_log_likelihood_is_exact_for_a_gaussian() -> None:
    energy = IsotropicGaussian(mean=(0.5, -0.5), std=1.5)
    data = torch.randn(500, 2, generator=torch.Generator().manual_seed(5), dtype=torch.float64)
    expected = (energy(data).mean() + math.log(2 * math.pi * 1.5**2)).item()
    assert math.isclose(metrics.negative_log_likelihood(energy, data, bounds=(-12, 12), n=301), expected, rel_tol=1e-9)


def test_kl_divergence_between_gaussians_in_both_directions() -> None:
    """KL(N(m, s²I) ‖ N(0, I)) = ½(2s² + ‖m‖² − 2 − 2 log s²) in 2-D, and the reverse."""
    m, s = (1.0, -0.5), 0.7
    known = ebm_core.dataset("gaussian_mixture", means=[m], stds=s)
    model = IsotropicGaussian()
    norm2 = m[0] ** 2 + m[1] ** 2
    forward = 0.5 * (2 * s**2 + norm2 - 2 - 2 * math.log(s**2))
    reverse = 0.5 * (2 / s**2 + norm2 / s**2 - 2 + 2 * math.log(s**2))
    assert math.isclose(metrics.kl_divergence(known.log_prob, model, bounds=(-9, 9), n=401), forward, rel_tol=1e-8)
    assert math.isclose(
        metrics.kl_divergence(known.log_prob, model, bounds=(-9, 9), n=401, reverse=True), reverse, rel_tol=1e-8
    )


def test_kl_is_zero_for_the_true_density_and_infinite_off_its_support() -> None:
    eight = ebm_core.dataset("eight_gaussians")

    class Exact(ebm_core.Energy):
        def forward(self, x):
            return -eight.log_prob(x)

    assert abs(metrics.kl_divergence(eight.log_prob, Exact(), bounds=(-6, 6), n=301)) < 1e-10
    board = ebm_core.dataset("checkerboard")
    assert math.isfinite(metrics.kl_divergence(board.log_prob, IsotropicGaussian(std=2.0), bounds=(-14, 14)))
    assert metrics.kl_divergence(board.log_prob, IsotropicGaussian(std=2.0), bounds=(-14, 14), reverse=True) == math.inf
