"""Gaussian mixture: normalised density, stable far away, exact samples.

The sampling z-tests use fixed seeds; threshold 4.5 over 12 statistics → false-fail rate
of a fresh seed below 1e-4.
"""

from __future__ import annotations

import pytest
import torch
from torch import distributions as D

import ebm_core
from ebm_core import quadrature

F64 = torch.float64
MEANS = torch.tensor([[-2.0, 0.0], [2.0, 1.0], [0.0, -2.5]], dtype=F64)
STDS = torch.tensor([[0.6, 1.0], [0.8, 0.5], [1.2, 0.7]], dtype=F64)
WEIGHTS = torch.tensor([2.0, 5.0, 3.0], dtype=F64)


def mixture():
    return ebm_core.energy("gaussian_mixture", means=MEANS, stds=STDS, weights=WEIGHTS)


def reference():
    return D.MixtureSameFamily(
        D.Categorical(probs=WEIGHTS / WEIGHTS.sum()), D.Independent(D.Normal(MEANS, STDS), 1)
    )


def test_log_prob_matches_torch_distributions():
    x = 3.0 * torch.randn(50, 2, generator=torch.Generator().manual_seed(0), dtype=F64)
    torch.testing.assert_close(mixture().log_prob(x), reference().log_prob(x), rtol=1e-12, atol=1e-12)


def test_is_normalised_on_a_grid():
    energy = mixture()
    log_z = quadrature.grid_log_partition(energy, bounds=((-8.0, 8.0), (-9.0, 7.0)), n=401)
    assert log_z == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize("stds", [0.5, [0.5, 1.0, 2.0]])
def test_scalar_and_per_component_stds_expand(stds):
    energy = ebm_core.energy("gaussian_mixture", means=MEANS, stds=stds)
    expected = torch.as_tensor(stds, dtype=F64)  # MEANS is float64, so the constants are
    expected = expected.expand(3, 2) if expected.dim() == 0 else expected[:, None].expand(3, 2)
    torch.testing.assert_close(energy.stds, expected)
    assert energy.stds.is_contiguous()
    torch.testing.assert_close(energy.weights, torch.full((3,), 1 / 3, dtype=F64))


def test_stable_far_from_every_component():
    energy = ebm_core.energy("gaussian_mixture", means=[[0.0], [1.0]], stds=0.01)
    x = torch.tensor([[1e3], [-1e3]])
    energy_value, gradient = energy.energy_and_grad(x)
    assert torch.isfinite(energy_value).all() and torch.isfinite(gradient).all()
    # Far right the nearest component (mean 1) dominates: ∇E = (x − 1)/σ².
    assert gradient[0, 0].item() == pytest.approx((1e3 - 1.0) / 1e-4, rel=1e-5)


def test_sample_exact_moments():
    energy = mixture()
    n = 50_000
    x = energy.sample_exact(n, generator=torch.Generator().manual_seed(11))
    assert x.shape == (n, 2) and x.dtype == F64
    mean, variance = reference().mean, reference().variance
    centred = x - mean
    z_mean = centred.mean(0) / (variance / n).sqrt()
    # Var of the sample second moment is (μ₄ − σ⁴)/n; μ₄ estimated from the same draw.
    z_var = ((centred**2).mean(0) - variance) / (((centred**4).mean(0) - variance**2) / n).sqrt()
    assert z_mean.abs().max() < 4.5, z_mean
    assert z_var.abs().max() < 4.5, z_var


def test_sample_exact_marginal_ks():
    """KS test of the first coordinate against the exact mixture CDF Σₖ wₖ Φ((t − μₖ₀)/σₖ₀)."""
    scipy_stats = pytest.importorskip("scipy.stats")
    x = mixture().sample_exact(4000, generator=torch.Generator().manual_seed(5))
    w = WEIGHTS / WEIGHTS.sum()

    def cdf(t):
        t = torch.as_tensor(t, dtype=F64)[:, None]
        return (w * torch.special.ndtr((t - MEANS[:, 0]) / STDS[:, 0])).sum(-1).numpy()

    assert scipy_stats.kstest(x[:, 0].numpy(), cdf).pvalue > 1e-3


def test_single_component_is_a_gaussian():
    energy = ebm_core.energy("gaussian_mixture", means=[[1.0, -1.0]], stds=[[2.0, 0.5]])
    gaussian = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[4.0, 0.25])
    x = torch.randn(10, 2, generator=torch.Generator().manual_seed(2), dtype=F64)
    torch.testing.assert_close(energy.log_prob(x), gaussian.log_prob(x), rtol=1e-6, atol=1e-6)
    torch.testing.assert_close(energy.grad(x), gaussian.grad(x), rtol=1e-6, atol=1e-6)
