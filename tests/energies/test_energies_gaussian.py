"""Gaussian: closed-form log Z, exact sampling, and agreement of its parametrisations.

Statistical tests use fixed seeds (deterministic); the z-score threshold 4.5 over the ~20
statistics checked here keeps the false-fail rate of a fresh seed below 2e-4 (Bonferroni).
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core import quadrature

Z_THRESHOLD = 4.5

COVARIANCE = torch.tensor([[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.7]], dtype=torch.float64)
MEAN = torch.tensor([1.0, -1.0, 0.5], dtype=torch.float64)


def reference(energy):
    return torch.distributions.MultivariateNormal(
        energy.mean.double(), covariance_matrix=energy.covariance_matrix().double()
    )


@pytest.mark.parametrize(
    "kwargs",
    [
        dict(dim=4),
        dict(mean=MEAN, covariance=2.0),
        dict(mean=MEAN, covariance=torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)),
        dict(mean=MEAN, precision=torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)),
        dict(mean=MEAN, covariance=COVARIANCE),
        dict(mean=MEAN, precision=COVARIANCE),
    ],
    ids=["standard", "isotropic", "diagonal-cov", "diagonal-prec", "full-cov", "full-prec"],
)
def test_log_prob_and_log_partition_match_torch_distributions(kwargs):
    energy = ebm_core.energy("gaussian", **kwargs)
    x = torch.randn(10, energy.dim, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    expected = reference(energy).log_prob(x)
    torch.testing.assert_close(energy.log_prob(x), expected, rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(-energy(x) - energy.log_partition(), expected, rtol=1e-12, atol=1e-12)


def test_covariance_and_precision_parametrisations_agree():
    by_covariance = ebm_core.energy("gaussian", mean=MEAN, covariance=COVARIANCE)
    by_precision = ebm_core.energy("gaussian", mean=MEAN, precision=torch.linalg.inv(COVARIANCE))
    torch.testing.assert_close(by_covariance.precision_matrix(), by_precision.precision_matrix())
    torch.testing.assert_close(by_covariance.covariance_matrix(), by_precision.covariance_matrix())
    assert by_covariance.log_partition() == pytest.approx(by_precision.log_partition(), rel=1e-12)


def test_diagonal_fast_path_equals_full_matrix():
    variances = torch.tensor([0.5, 2.0, 3.0], dtype=torch.float64)
    diagonal = ebm_core.energy("gaussian", mean=MEAN, covariance=variances)
    full = ebm_core.energy("gaussian", mean=MEAN, covariance=torch.diag(variances))
    assert diagonal.is_diagonal and not full.is_diagonal
    x = torch.randn(20, 3, generator=torch.Generator().manual_seed(1), dtype=torch.float64)
    torch.testing.assert_close(diagonal(x), full(x))
    torch.testing.assert_close(diagonal.grad(x), full.grad(x))
    assert diagonal.log_partition() == pytest.approx(full.log_partition(), rel=1e-12)


def test_standard_normal_defaults():
    energy = ebm_core.energy("gaussian", dim=10)
    assert energy.event_shape == (10,) and energy.is_diagonal
    torch.testing.assert_close(energy.covariance_matrix(), torch.eye(10))
    assert energy.log_partition() == pytest.approx(5 * math.log(2 * math.pi), rel=1e-12)
    assert ebm_core.energy("gaussian").event_shape == (2,)
    assert ebm_core.energy("gaussian", mean=3.0, dim=2).mean.tolist() == [3.0, 3.0]


def test_log_partition_matches_1d_quadrature():
    energy = ebm_core.energy("gaussian", mean=0.7, covariance=torch.tensor([2.3], dtype=torch.float64))
    marginal = quadrature.density_1d(lambda t: energy(t[:, None]), bounds=(-15.0, 15.0), n=2001)
    assert marginal.log_partition == pytest.approx(energy.log_partition(), abs=1e-12)
    assert marginal.mean() == pytest.approx(0.7, abs=1e-12)
    assert marginal.variance() == pytest.approx(2.3, abs=1e-12)


def test_log_partition_matches_2d_grid():
    covariance = torch.tensor([[1.5, 0.7], [0.7, 0.8]], dtype=torch.float64)
    energy = ebm_core.energy("gaussian", mean=[0.5, -0.5], covariance=covariance)
    grid = quadrature.grid_density(energy, bounds=((-9.0, 10.0), (-8.0, 7.0)), n=301)
    assert grid.log_partition == pytest.approx(energy.log_partition(), abs=1e-9)
    torch.testing.assert_close(grid.mean(), torch.tensor([0.5, -0.5], dtype=torch.float64), atol=1e-9, rtol=0)
    torch.testing.assert_close(grid.covariance(), covariance, atol=1e-9, rtol=0)


@pytest.mark.parametrize("kind", ["diagonal", "full-cov", "full-prec"])
def test_sample_exact_moments(kind):
    if kind == "diagonal":
        energy = ebm_core.energy("gaussian", mean=MEAN, covariance=COVARIANCE.diagonal())
    elif kind == "full-cov":
        energy = ebm_core.energy("gaussian", mean=MEAN, covariance=COVARIANCE)
    else:
        energy = ebm_core.energy("gaussian", mean=MEAN, precision=torch.linalg.inv(COVARIANCE))
    n = 40_000
    x = energy.sample_exact(n, generator=torch.Generator().manual_seed(123))
    assert x.shape == (n, 3) and x.dtype == torch.float64
    sigma = energy.covariance_matrix()
    # Mean: z = (x̄ − μ) / √(Σᵢᵢ / n).
    z_mean = (x.mean(0) - MEAN) / (sigma.diagonal() / n).sqrt()
    # Second moments: Var[(xᵢ−μᵢ)(xⱼ−μⱼ)] = ΣᵢᵢΣⱼⱼ + Σᵢⱼ² for a Gaussian.
    centred = x - MEAN
    products = centred[:, :, None] * centred[:, None, :]
    se = ((sigma.diagonal()[:, None] * sigma.diagonal()[None, :] + sigma**2) / n).sqrt()
    z_cov = (products.mean(0) - sigma) / se
    assert z_mean.abs().max() < Z_THRESHOLD, z_mean
    assert z_cov.abs().max() < Z_THRESHOLD, z_cov


def test_sample_exact_is_reproducible_and_follows_buffer_dtype():
    energy = ebm_core.energy("gaussian", mean=[0.0, 1.0], covariance=[[1.0, 0.2], [0.2, 1.0]])
    a = energy.sample_exact(5, generator=torch.Generator().manual_seed(7))
    b = energy.sample_exact(5, generator=torch.Generator().manual_seed(7))
    assert torch.equal(a, b) and a.dtype == torch.float32
    assert energy.double().sample_exact(3).dtype == torch.float64


def test_ill_conditioned_full_precision_round_trip():
    """A precision with condition number 1e8 still gives a consistent covariance and log Z."""
    q, _ = torch.linalg.qr(torch.randn(4, 4, generator=torch.Generator().manual_seed(3), dtype=torch.float64))
    precision = q @ torch.diag(torch.tensor([1e-4, 1.0, 10.0, 1e4], dtype=torch.float64)) @ q.T
    energy = ebm_core.energy("gaussian", precision=precision)
    torch.testing.assert_close(energy.covariance_matrix() @ precision, torch.eye(4, dtype=torch.float64), atol=1e-8, rtol=0)
    expected = 2 * math.log(2 * math.pi) - 0.5 * float(torch.logdet(precision))
    assert energy.log_partition() == pytest.approx(expected, abs=1e-8)
