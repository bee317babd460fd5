"""``fitted_gaussian_mixture``: EM recovers a known full-covariance mixture; normalised; exact samples.

Data: 20,000 draws of a 2-component full-covariance mixture (weights 0.3/0.7, well separated).
The EM estimates of the weights and means are ML estimates with standard errors
``sqrt(w(1−w)/n)`` and ``sqrt(Σ_jj / (n w))`` (separated components: responsibilities ≈ 0/1);
z-tests on the 2 weights' shared value and the 4 mean coordinates share a false-fail budget of
1e-3 (Bonferroni). Normalisation is checked by grid quadrature and the exact samples by their
moments (z-tests in the same budget). Seeds are fixed.
"""

from __future__ import annotations

import math
import warnings

import pytest
import torch

import ebm_core
from ebm_core import quadrature
from ebm_core.testing import bonferroni, z_threshold
from ebm_plugins.energies.fitted_gaussian_mixture import UnfittedMixtureWarning

WEIGHTS = torch.tensor([0.3, 0.7], dtype=torch.float64)
MEANS = torch.tensor([[-3.0, 0.0], [3.0, 1.0]], dtype=torch.float64)
COVS = torch.tensor([[[1.0, 0.6], [0.6, 0.8]], [[0.5, -0.2], [-0.2, 0.4]]], dtype=torch.float64)
N = 20_000
LIMIT = z_threshold(bonferroni(1e-3, 7))


def _draws(n: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    k = torch.multinomial(WEIGHTS, n, replacement=True, generator=g)
    z = torch.randn(n, 2, dtype=torch.float64, generator=g)
    return MEANS[k] + torch.einsum("bij,bj->bi", torch.linalg.cholesky(COVS)[k], z)


@pytest.fixture(scope="module")
def fitted():
    return ebm_core.energy("fitted_gaussian_mixture", dim=2, components=2).fit_to_data(_draws(N, 0))


def test_em_recovers_weights_and_means_within_standard_error(fitted) -> None:
    order = torch.argsort(fitted.means[:, 0])
    w, mu = fitted.weights[order], fitted.means[order]
    z_w = (float(w[0]) - 0.3) / math.sqrt(0.3 * 0.7 / N)
    assert abs(z_w) < LIMIT, f"weight {float(w[0]):.4f} vs 0.3 (z = {z_w:.2f})"
    se_mu = (COVS.diagonal(dim1=-2, dim2=-1) / (N * WEIGHTS[:, None])).sqrt()
    z_mu = (mu - MEANS) / se_mu
    assert z_mu.abs().max() < LIMIT, z_mu
    torch.testing.assert_close(fitted.covariances[order], COVS, atol=0.05, rtol=0)
    assert fitted.is_fitted


def test_density_is_normalised_and_samples_have_the_mixture_moments(fitted) -> None:
    assert abs(quadrature.grid_log_partition(fitted, ((-9, 9), (-6, 7)), 401)) < 1e-4
    x = fitted.sample_exact(N, generator=torch.Generator().manual_seed(1))
    assert x.dtype == torch.float64 and x.shape == (N, 2)
    mean = (fitted.weights[:, None] * fitted.means).sum(0)
    second = (fitted.weights[:, None, None] * (fitted.covariances + fitted.means[:, :, None] * fitted.means[:, None, :])).sum(0)
    variance = second.diagonal() - mean * mean
    z = (x.mean(0) - mean) / (variance / N).sqrt()
    assert z.abs().max() < LIMIT, z
    torch.testing.assert_close(fitted.log_prob(x[:5]), -fitted(x[:5]))


def test_state_dict_rebuilds_the_fit_exactly(fitted) -> None:
    rebuilt = ebm_core.energy("fitted_gaussian_mixture", dim=2, components=2)
    assert not rebuilt.is_fitted
    rebuilt.load_state_dict(fitted.state_dict())
    x = torch.randn(7, 2, dtype=torch.float64)
    assert torch.equal(rebuilt(x), fitted(x)) and rebuilt.is_fitted


def test_unfitted_mixture_is_a_standard_normal_and_bad_fits_are_refused() -> None:
    energy = ebm_core.energy("fitted_gaussian_mixture", dim=3, components=4)
    x = torch.randn(5, 3, dtype=torch.float64)
    with pytest.warns(UnfittedMixtureWarning, match="fit_to_data"):
        torch.testing.assert_close(energy(x), 0.5 * x.pow(2).sum(1) + 1.5 * math.log(2 * math.pi))
    with pytest.raises(ValueError, match="at least 4 samples"):
        energy.fit_to_data(torch.randn(3, 3))
    with pytest.raises(ValueError, match=r"shape \(n, 3\)"):
        energy.fit_to_data(torch.randn(50, 2))
    with pytest.raises(ValueError, match="components must be"):
        ebm_core.energy("fitted_gaussian_mixture", components=0)


def test_em_warns_when_max_iter_ends_before_tol_is_reached() -> None:
    """Two EM iterations from a 4-component start on 2-component data are far from converged
    at tol 1e-12; 500 iterations at tol 1e-3 converge (no warning)."""
    from ebm_plugins.energies._mixture_em import MixtureConvergenceWarning, fit_mixture_em

    x = _draws(2000, 1)
    with pytest.warns(MixtureConvergenceWarning, match=r"max_iter=2.*tol=1e-12"):
        fit_mixture_em(x, 4, max_iter=2, tol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("error", MixtureConvergenceWarning)
        fit_mixture_em(x, 2, max_iter=500, tol=1e-3)


def test_an_unfitted_mixture_warns_once_and_a_fitted_one_never() -> None:
    energy = ebm_core.energy("fitted_gaussian_mixture", dim=2, components=2)
    with pytest.warns(UnfittedMixtureWarning, match="fit_to_data") as record:
        energy.sample_exact(4)
        energy.grad(torch.zeros(3, 2, dtype=torch.float64))
        energy(torch.zeros(3, 2, dtype=torch.float64))
    assert len([w for w in record if issubclass(w.category, UnfittedMixtureWarning)]) == 1
    fitted = ebm_core.energy("fitted_gaussian_mixture", dim=2, components=2).fit_to_data(_draws(500, 2))
    with warnings.catch_warnings():
        warnings.simplefilter("error", UnfittedMixtureWarning)
        fitted(fitted.sample_exact(4))
        fitted.grad(torch.zeros(3, 2, dtype=torch.float64))


def test_the_default_fit_converges_on_checkerboard() -> None:
    """The default ``max_iter`` covers the slowest built-in 2-D data set: EM on 50,000
    checkerboard draws (what the trainer fits) needs 73–91 iterations at ``tol = 1e-4``, so a
    bare ``ebm train --dataset checkerboard`` must not warn (it did at ``max_iter = 60``).
    10,000 draws (a fifth of the time) behave alike: they warned at 60 on seeds 0–2."""
    from ebm_plugins.energies._mixture_em import MixtureConvergenceWarning

    energy = ebm_core.energy("fitted_gaussian_mixture", dim=2)
    data = ebm_core.dataset("checkerboard").sample(10_000, generator=torch.Generator().manual_seed(0))
    with warnings.catch_warnings():
        warnings.simplefilter("error", MixtureConvergenceWarning)
        energy.fit_to_data(data)
    assert energy.is_fitted
