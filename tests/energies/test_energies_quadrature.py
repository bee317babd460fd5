"""ebm_core.quadrature: 1-D marginals and 2-D grid densities are exact references."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch

import ebm_core
from ebm_core import quadrature

H, B = 2.0, 1.3  # double well E = h Σ (xᵢ² − b²)²


def double_well_marginal(n=4001):
    return quadrature.density_1d(lambda t: H * (t * t - B * B) ** 2, bounds=(-3.5, 3.5), n=n)


def test_double_well_marginal_normalises_to_one():
    integrate = pytest.importorskip("scipy.integrate")
    marginal = double_well_marginal()
    z, _ = integrate.quad(lambda t: math.exp(-H * (t * t - B * B) ** 2), -np.inf, np.inf, epsabs=1e-13)
    assert marginal.log_partition == pytest.approx(math.log(z), abs=1e-10)
    assert float(torch.trapezoid(marginal.density, marginal.points)) == pytest.approx(1.0, abs=1e-12)
    assert marginal.cdf_values[0] == 0.0 and marginal.cdf_values[-1] == 1.0


def test_double_well_cdf_is_monotone_with_median_zero():
    marginal = double_well_marginal()
    assert bool((marginal.cdf_values.diff() >= 0).all())
    assert marginal.quantile(0.5) == pytest.approx(0.0, abs=1e-9)
    assert marginal.cdf(0.0) == pytest.approx(0.5, abs=1e-12)
    t = np.linspace(-3.0, 3.0, 101)
    np.testing.assert_allclose(marginal.cdf(t) + marginal.cdf(-t), 1.0, atol=1e-12)  # symmetric
    assert marginal.mean() == pytest.approx(0.0, abs=1e-12)


def test_double_well_cdf_matches_independent_integration():
    integrate = pytest.importorskip("scipy.integrate")
    marginal = double_well_marginal()
    density = lambda t: math.exp(-H * (t * t - B * B) ** 2 - marginal.log_partition)  # noqa: E731
    for t in (-2.0, -1.3, -0.4, 0.9, 1.7):
        expected, _ = integrate.quad(density, -np.inf, t, epsabs=1e-13)
        assert marginal.cdf(t) == pytest.approx(expected, abs=1e-7)
        assert marginal.quantile(expected) == pytest.approx(t, abs=1e-5)


def test_separable_marginal_of_the_energy_equals_the_1d_formula():
    energy = ebm_core.energy("double_well", dim=3, barrier_height=H, b=B)
    for coordinate in range(3):
        marginal = quadrature.separable_marginal(energy, bounds=(-3.5, 3.5), coordinate=coordinate)
        torch.testing.assert_close(marginal.density, double_well_marginal().density, rtol=1e-6, atol=1e-9)
    with pytest.raises(ValueError, match=r"coordinate must lie in \[0, 3\)"):
        quadrature.separable_marginal(energy, bounds=(-3.5, 3.5), coordinate=3)


def test_separable_marginal_of_a_callable_needs_dim():
    with pytest.raises(ValueError, match="pass dim="):
        quadrature.separable_marginal(lambda x: x.pow(2).sum(-1), bounds=(-5, 5))
    marginal = quadrature.separable_marginal(lambda x: 0.5 * x.pow(2).sum(-1), bounds=(-9, 9), dim=2)
    assert marginal.variance() == pytest.approx(1.0, abs=1e-12)


def test_ks_test_of_exact_gaussian_samples_against_the_grid_marginal():
    """The marginal CDF is what scipy's KS test takes; exact samples pass it (fixed seed)."""
    stats = pytest.importorskip("scipy.stats")
    covariance = torch.tensor([[1.0, 0.8], [0.8, 2.0]], dtype=torch.float64)
    energy = ebm_core.energy("gaussian", mean=[1.0, 0.0], covariance=covariance)
    samples = energy.sample_exact(3000, generator=torch.Generator().manual_seed(0))
    for axis in (0, 1):
        marginal = quadrature.grid_marginal(energy, bounds=((-7.0, 9.0), (-10.0, 10.0)), axis=axis, n=401)
        assert stats.kstest(samples[:, axis].numpy(), marginal.cdf).pvalue > 1e-3
        exact = stats.norm(loc=energy.mean[axis].item(), scale=math.sqrt(covariance[axis, axis]))
        grid_t = np.linspace(-3.0, 4.0, 57)
        np.testing.assert_allclose(marginal.cdf(grid_t), exact.cdf(grid_t), atol=1e-6)


def test_rosenbrock_2d_first_marginal_is_normal():
    """∫ exp(−b(y − x²)² − (a − x)²) dy = √(π/b) exp(−(a − x)²): x ~ N(a, ½), log Z = log(π/√b)."""
    energy = ebm_core.energy("rosenbrock", a=0.5, b=20.0)
    grid = quadrature.grid_density(energy, bounds=((-4.5, 5.5), (-5.0, 31.0)), n=(401, 1201))
    assert grid.log_partition == pytest.approx(math.log(math.pi / math.sqrt(20.0)), abs=1e-10)
    first = grid.marginal(0)
    assert first.mean() == pytest.approx(0.5, abs=1e-8)
    assert first.variance() == pytest.approx(0.5, abs=1e-8)
    t = torch.linspace(-2.0, 3.0, 11, dtype=torch.float64)
    exact = torch.special.ndtr((t - 0.5) / math.sqrt(0.5))
    torch.testing.assert_close(first.cdf(t), exact, atol=1e-7, rtol=0)
    # y = x² + ε with ε ~ N(0, 1/(2b)): E[y] = a² + ½.
    assert grid.marginal(1).mean() == pytest.approx(0.25 + 0.5, abs=1e-6)


def test_grid_log_partition_of_gaussians_converges_with_the_grid():
    energy = ebm_core.energy("gaussian", covariance=torch.tensor([[1.0, -0.5], [-0.5, 0.6]], dtype=torch.float64))
    exact = energy.log_partition()
    errors = [
        abs(quadrature.grid_log_partition(energy, bounds=(-8.0, 8.0), n=n) - exact) for n in (21, 41, 161)
    ]
    assert errors[0] > errors[1] > 1e-15 or errors[1] < 1e-12
    assert errors[-1] < 1e-12


def test_grid_nll_of_a_neural_energy_in_float32_chunks():
    torch.manual_seed(0)
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    wrapped = ebm_core.energy("neural", module=net, event_shape=2)  # float32 parameters
    with pytest.warns(RuntimeWarning, match="widen the bounds"):  # exp(−net) is not integrable
        grid = quadrature.grid_density(wrapped, bounds=(-1.0, 1.0), n=11)
    assert grid.energy.dtype == torch.float64  # evaluated in float32, accumulated in float64
    # A confining term makes exp(−E) integrable; chunking does not change the result.
    energy = ebm_core.energy("neural", module=lambda x: net(x).squeeze(-1) + 0.5 * (x**2).sum(-1), event_shape=2)
    with pytest.raises(RuntimeError, match="dtype"):  # a plain callable exposes no parameters:
        quadrature.grid_density(energy, bounds=(-9.0, 9.0), n=11)  # evaluated in float64
    net.double()
    small = quadrature.grid_density(energy, bounds=(-9.0, 9.0), n=201, chunk_size=1000)
    whole = quadrature.grid_density(energy, bounds=(-9.0, 9.0), n=201)
    assert small.log_partition == pytest.approx(whole.log_partition, abs=1e-13)


def test_cdf_answers_in_kind():
    marginal = double_well_marginal(n=501)
    assert isinstance(marginal.cdf(0.3), float)
    assert isinstance(marginal.cdf(np.array([0.3, 0.4])), np.ndarray)
    tensor = marginal.cdf(torch.tensor([0.3, -9.0, 9.0, float("nan")], dtype=torch.float32))
    assert tensor.dtype == torch.float64 and tensor[1] == 0.0 and tensor[2] == 1.0 and tensor[3].isnan()
    assert marginal.pdf(10.0) == 0.0 and marginal.pdf(B) > marginal.pdf(0.0)


def test_truncating_bounds_warn():
    with pytest.warns(RuntimeWarning, match="widen the bounds"):
        quadrature.density_1d(lambda t: 0.5 * t * t, bounds=(-2.0, 2.0))
    with pytest.warns(RuntimeWarning, match="widen the bounds"):
        quadrature.grid_density(ebm_core.energy("gaussian", dim=2), bounds=(-3.0, 3.0), n=51)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        quadrature.density_1d(lambda t: 0.5 * t * t, bounds=(-6.0, 6.0))


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: quadrature.density_1d(lambda t: t * t, bounds=(1.0, -1.0)), "lo < hi"),
        (lambda: quadrature.density_1d(lambda t: t * t, bounds=(0.0, math.inf)), "finite"),
        (lambda: quadrature.density_1d(lambda t: t * t, bounds=(-1.0, 1.0), n=4), "n must be an integer >= 5, got n=4"),
        (lambda: quadrature.density_1d(lambda t: t[:3], bounds=(-1.0, 1.0), n=11), "map the 11 points"),
        (lambda: quadrature.density_1d(lambda t: t * float("nan"), bounds=(-1.0, 1.0)), "NaN"),
        (lambda: quadrature.density_1d(lambda t: torch.full_like(t, math.inf), bounds=(-1.0, 1.0)), "integrates to 0"),
        (lambda: quadrature.grid_density(ebm_core.energy("gaussian", dim=3), bounds=(-1, 1)), r"event shape \(3,\)"),
        (lambda: quadrature.grid_density(lambda x: x.sum(-1), bounds=(1, 2, 3)), "bounds must be"),
        (lambda: double_well_marginal(n=101).quantile(1.5), r"q must lie in \[0, 1\]"),
        (lambda: quadrature.grid_density(ebm_core.energy("gaussian"), bounds=(-9, 9), n=11).marginal(2), "axis must be 0"),
    ],
)
def test_bad_arguments_raise(call, match):
    with pytest.raises(ValueError, match=match):
        call()
