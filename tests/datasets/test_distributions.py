"""Each data set draws from the distribution its docstring defines.

Mixtures and the checkerboard are checked against their exact densities (and those densities
against independent computations); the curve-shaped sets are drawn without noise, where each
point must lie exactly on the defining curve, and their random parameters are tested for the
documented law. Statistical checks use 4-standard-error bounds or p > 1e-4 (false-fail rate
≈ 1e-4 per check) with fixed seeds.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import scipy.stats
import torch

import ebm_core
from ebm_core import quadrature

N = 20_000


def _sample(name: str, n: int = N, seed: int = 0, **kwargs) -> torch.Tensor:
    return ebm_core.dataset(name, **kwargs).sample(n, torch.Generator().manual_seed(seed)).double()


def _angle(x: torch.Tensor) -> torch.Tensor:
    return torch.atan2(x[:, 1], x[:, 0])


def _wrapped(a: torch.Tensor, period: float = 2 * math.pi) -> torch.Tensor:
    """``a`` wrapped to ``[−period/2, period/2)``."""
    return torch.remainder(a + period / 2, period) - period / 2


# ---------------------------------------------------------------- exact densities
@pytest.mark.parametrize("name", ["eight_gaussians", "gaussian_mixture"])
def test_mixture_density_integrates_to_one(name: str) -> None:
    """Trapezoid rule on a grid: spectrally accurate for a smooth density that has decayed."""
    data = ebm_core.dataset(name)
    grid = quadrature.grid_density(lambda x: -data.log_prob(x), bounds=(-7.0, 7.0), n=201)
    assert abs(grid.log_partition) < 1e-10  # log ∫ p = 0


def test_mixture_log_prob_matches_scipy() -> None:
    means, stds, weights = [[-1.0, 0.5], [2.0, 1.0]], [[0.3, 0.6], [1.0, 0.5]], [0.25, 0.75]
    mix = ebm_core.dataset("gaussian_mixture", means=means, stds=stds, weights=weights)
    x = torch.randn(200, 2, generator=torch.Generator().manual_seed(0), dtype=torch.float64) * 2
    reference = np.log(
        sum(
            w * scipy.stats.multivariate_normal(m, np.diag(np.square(s))).pdf(x.numpy())
            for m, s, w in zip(means, stds, weights)
        )
    )
    assert np.allclose(mix.log_prob(x).numpy(), reference, rtol=0, atol=1e-10)


def test_mixture_samples_have_the_mixture_moments() -> None:
    """Mean and per-axis variance of the default mixture: z-tests with SE from the sample."""
    mix = ebm_core.dataset("gaussian_mixture")
    x = _sample("gaussian_mixture")
    w, mu, sd = mix.weights.double(), mix.means.double(), mix.stds.double()
    mean = (w[:, None] * mu).sum(0)
    second = (w[:, None] * (sd**2 + mu**2)).sum(0)
    variance = second - mean**2
    assert ((x.mean(0) - mean).abs() < 4 * (variance / N).sqrt()).all()
    centred4 = ((x - mean) ** 4).mean(0)
    assert ((x.var(0) - variance).abs() < 4 * ((centred4 - variance**2) / N).sqrt()).all()


def test_eight_gaussians_equal_modes_of_the_given_width() -> None:
    radius, std = 2.0, 0.2
    x = _sample("eight_gaussians", radius=radius, std=std)
    centres = ebm_core.dataset("eight_gaussians", radius=radius, std=std).means.double()
    assert torch.allclose(centres.norm(dim=1), torch.full((8,), radius, dtype=torch.float64))
    nearest = torch.cdist(x, centres).argmin(dim=1)
    counts = torch.bincount(nearest, minlength=8).numpy()
    assert scipy.stats.chisquare(counts).pvalue > 1e-4
    residual = x - centres[nearest]
    assert abs(residual.std().item() - std) < 0.01  # SE ≈ std/√(2N) = 0.001


def test_checkerboard_fills_the_black_cells_uniformly() -> None:
    board = ebm_core.dataset("checkerboard", n_cells=4, extent=3.0)
    x = _sample("checkerboard", n_cells=4, extent=3.0)
    assert torch.allclose(board.log_prob(x), torch.tensor(-math.log(8 * 1.5**2), dtype=torch.float64))
    cell = torch.floor((x + 3.0) / 1.5).long()
    assert ((cell.sum(1) % 2) == 0).all()
    counts = torch.bincount(cell[:, 0] * 4 + cell[:, 1], minlength=16).numpy()
    black = counts[[i * 4 + j for i in range(4) for j in range(4) if (i + j) % 2 == 0]]
    assert scipy.stats.chisquare(black).pvalue > 1e-4
    white = torch.tensor([[-3.0 + 1.5 * 1.5, -3.0 + 0.5 * 1.5]], dtype=torch.float64)  # cell (1, 0)
    assert board.log_prob(white).item() == -math.inf
    assert board.log_prob(torch.tensor([[10.0, 0.0]])).item() == -math.inf


# ------------------------------------------------------------ noise-free curves
def test_two_moons_lie_on_two_half_circles_of_radius_scale() -> None:
    scale = 2.0
    x = _sample("two_moons", noise=0.0, scale=scale)
    upper_centre = scale * torch.tensor([-0.5, -0.25], dtype=torch.float64)
    lower_centre = scale * torch.tensor([0.5, 0.25], dtype=torch.float64)
    on_upper = ((x - upper_centre).norm(dim=1) - scale).abs() < 1e-5
    on_lower = ((x - lower_centre).norm(dim=1) - scale).abs() < 1e-5
    assert (on_upper | on_lower).all()
    assert (x[on_upper & ~on_lower, 1] >= upper_centre[1] - 1e-6).all()  # upper half circle
    assert (x[on_lower & ~on_upper, 1] <= lower_centre[1] + 1e-6).all()  # lower half circle
    assert abs(on_upper.double().mean().item() - 0.5) < 4 * 0.5 / math.sqrt(N)


def test_swiss_roll_radius_grows_with_the_angle() -> None:
    """r = scale·t/(4.5π) and the polar angle ≡ t (mod 2π), with t uniform on [1.5π, 4.5π]."""
    scale = 3.0
    x = _sample("swiss_roll", noise=0.0, scale=scale)
    t = x.norm(dim=1) * 4.5 * math.pi / scale
    assert (_wrapped(_angle(x) - t).abs() < 1e-4).all()
    u = ((t - 1.5 * math.pi) / (3 * math.pi)).numpy()
    assert scipy.stats.kstest(u, "uniform").pvalue > 1e-4


def test_rings_have_the_given_radii_and_uniform_density_along_them() -> None:
    n_rings, spacing = 3, 1.0
    x = _sample("rings", noise=0.0, n_rings=n_rings, spacing=spacing)
    radius = x.norm(dim=1)
    ring = torch.round(radius / spacing).long()
    assert ((radius - ring * spacing).abs() < 1e-5).all()
    counts = torch.bincount(ring - 1, minlength=n_rings).numpy()
    assert scipy.stats.chisquare(counts, N * np.arange(1, n_rings + 1) / 6).pvalue > 1e-4
    angles = ((_angle(x) + math.pi) / (2 * math.pi)).numpy()
    assert scipy.stats.kstest(angles, "uniform").pvalue > 1e-4


def test_two_spirals_are_archimedean_and_evenly_spread_along_the_arc() -> None:
    """r = scale·t/T, angle ≡ t or t + π; t = T√u, so (r/scale)² is uniform."""
    turns, scale = 1.25, 3.0
    full = turns * 2 * math.pi
    x = _sample("two_spirals", noise=0.0, turns=turns, scale=scale)
    t = x.norm(dim=1) * full / scale
    first = _wrapped(_angle(x) - t).abs() < 1e-4
    second = _wrapped(_angle(x) - t - math.pi).abs() < 1e-4
    assert (first | second).all()
    assert abs(first.double().mean().item() - 0.5) < 4 * 0.5 / math.sqrt(N)
    assert scipy.stats.kstest(((t / full) ** 2).numpy(), "uniform").pvalue > 1e-4


def test_pinwheel_arms_are_rotated_by_rate_times_exp_radius() -> None:
    """Without tangential noise a point is (r, 0) rotated by 2πk/n + rate·eʳ: check the angle."""
    n_arms, rate, scale = 5, 0.25, 2.0
    x = _sample("pinwheel", n_arms=n_arms, tangential_std=0.0, rate=rate, scale=scale, radial_std=0.2)
    r = x.norm(dim=1) / scale  # r ~ N(1, 0.2²) > 0 here (5 SE from zero)
    offset = _wrapped(_angle(x) - rate * r.exp(), 2 * math.pi / n_arms)
    assert (offset.abs() < 1e-4).all()
    assert scipy.stats.kstest(r.numpy(), "norm", args=(1.0, 0.2)).pvalue > 1e-4
