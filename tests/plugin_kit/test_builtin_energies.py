"""Every built-in energy passes the kit's energy checks (shapes, dtypes, gradient vs autograd)."""

from __future__ import annotations

import warnings

import pytest
import torch

import ebm_core
import ebm_core.testing as kit
from ebm_plugins.energies.fitted_gaussian_mixture import UnfittedMixtureWarning

#: Constructor arguments for each built-in energy (defaults where none are needed).
BUILTIN_ENERGIES = {
    "ackley": {},
    "conv": {"event_shape": (1, 6, 6), "width": 4, "depth": 1, "spectral_norm": True},
    "double_well": {"dim": 3, "barrier_height": 2.0},
    "gaussian": {"mean": [1.0, -1.0], "covariance": [[1.0, 0.5], [0.5, 2.0]]},
    "gaussian_mixture": {"means": [[-2.0, 0.0], [2.0, 0.0]], "stds": 0.5},
    "fitted_gaussian_mixture": {"dim": 2, "components": 3},
    "harmonic": {},
    "jem": {"event_shape": (1, 6, 6), "n_classes": 3, "width": 4, "depth": 1},
    "mlp": {},
    "neural": {"module": torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.SiLU(), torch.nn.Linear(8, 1)),
               "event_shape": 2},
    "rastrigin": {},
    "residual": {"dim": 2, "base": {"name": "fitted_gaussian_mixture", "components": 3},
                 "net": {"name": "mlp", "hidden": [8]}, "zero_init": False},
    "rosenbrock": {"dim": 3},
}


#: Built with an unfitted fitted_gaussian_mixture, which warns that it is a standard normal until fitted.
UNFITTED_MIXTURE = {"fitted_gaussian_mixture", "residual"}


@pytest.mark.parametrize("name", sorted(BUILTIN_ENERGIES))
def test_builtin_energy_passes_the_kit(name: str) -> None:
    with warnings.catch_warnings():
        if name in UNFITTED_MIXTURE:
            warnings.filterwarnings("ignore", category=UnfittedMixtureWarning)
        kit.check_energy(f"ebm-core:{name}", BUILTIN_ENERGIES[name])


def test_every_builtin_energy_is_covered() -> None:
    builtin = {r.name for r in ebm_core.api.REGISTRY.records("energy") if r.source.distribution == "ebm-core"}
    assert builtin <= set(BUILTIN_ENERGIES), f"add {sorted(builtin - set(BUILTIN_ENERGIES))} to BUILTIN_ENERGIES"


def test_diagonal_gaussian_with_float64_constants() -> None:
    kit.check_energy("gaussian", {"covariance": torch.tensor([0.5, 2.0], dtype=torch.float64)})


@pytest.mark.parametrize("name", ["fitted_gaussian_mixture", "residual"])
def test_fitted_mixture_gradients_match_autograd(name: str) -> None:
    """The kit sees these energies unfitted (every component N(0, I), so ∇E = x whatever the
    weights); here the mixture is first fitted to a 3-D, 4-component sample, so the closed-form
    ``grad`` / ``energy_and_grad`` must handle distinct weights, means and full covariances."""
    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[-3.0, 0.0, 1.0], [3.0, 1.0, -1.0], [0.0, -3.0, 2.0], [0.0, 3.0, -2.0]], dtype=torch.float64)
    mixing = torch.randn(4, 3, 3, dtype=torch.float64, generator=g) * 0.5 + torch.eye(3, dtype=torch.float64)
    label = torch.randint(4, (4000,), generator=g)
    sample = centres[label] + torch.einsum("nij,nj->ni", mixing[label], torch.randn(4000, 3, dtype=torch.float64, generator=g))
    mixture = ebm_core.energy("fitted_gaussian_mixture", dim=3, components=4).fit_to_data(sample)
    assert mixture.is_fitted and mixture.weights.std() > 0 and mixture.means.abs().max() > 1
    if name == "residual":
        torch.manual_seed(0)
        energy = ebm_core.energy("residual", dim=3, base=mixture, net={"name": "mlp", "hidden": [8]},
                                 zero_init=False).double()
    else:
        energy = mixture
    x = (sample[:64] + 0.3 * torch.randn(64, 3, dtype=torch.float64, generator=g)).requires_grad_(True)
    value = energy(x)
    (expected,) = torch.autograd.grad(value.sum(), x)
    torch.testing.assert_close(energy.grad(x.detach()), expected, rtol=1e-10, atol=1e-10)
    energy_value, gradient = energy.energy_and_grad(x.detach())
    torch.testing.assert_close(energy_value, value.detach(), rtol=1e-10, atol=1e-10)
    torch.testing.assert_close(gradient, expected, rtol=1e-10, atol=1e-10)
