"""Mode coverage (:mod:`ebm_core.evaluation.mode_coverage`) on exact mixture energies.

The model is the normalised ``gaussian_mixture`` energy, so its mass in each mode's disc is
known in closed form up to two small, bounded terms: the disc edge is resolved to one grid
cell (at most the component's mass in the annulus ``r ± √2 h``), and the other components'
tails reach into the disc (at most ``exp(−(d − r)²/2σ²)`` for a component of std ``σ`` at
distance ``d``). The tolerances are those bounds, computed per case; everything is
deterministic (no sampling), so the false-fail rate is 0.
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core.evaluation import Modes, mode_weights

MEANS = [[-2.0, -1.0], [2.0, -1.0], [0.0, 2.0]]
BOUNDS = (-5.0, 5.0)
N = 501
#: The disc radius 2σ is √1250.5 grid spacings: no grid point lies on (or within rounding of)
#: a disc's edge, so every disc about a grid point takes the same grid points.
STD = 0.5 * 0.02 * math.sqrt(1250.5)


def _tolerances(weights: list[float], radius_stds: float = 2.0) -> tuple[float, float]:
    """Bounds on the errors of the mode weights and of the coverages (module docstring).

    The means lie on grid points and the components share one std, so every disc is cut from
    the grid identically: the edge error is the same fraction of each mode's mass and cancels
    from the weights, which then err only by the other components' tails.
    """
    h = (BOUNDS[1] - BOUNDS[0]) / (N - 1)
    r, delta = radius_stds * STD, math.sqrt(2) * h
    edge = math.exp(-0.5 * ((r - delta) / STD) ** 2) - math.exp(-0.5 * ((r + delta) / STD) ** 2)
    means = torch.tensor(MEANS)
    d = torch.cdist(means, means).fill_diagonal_(math.inf).min().item()
    tails = len(MEANS) * math.exp(-0.5 * ((d - r) / STD) ** 2) / min(weights)
    return 4 * tails + 1e-9, edge / (1 - math.exp(-0.5 * radius_stds**2)) + tails


def _energy(weights: list[float]):
    return ebm_core.energy("gaussian_mixture", means=torch.tensor(MEANS, dtype=torch.float64),
                           stds=STD, weights=weights)


def test_known_weights_give_no_error() -> None:
    weights = [0.5, 0.3, 0.2]
    modes = Modes.isotropic(MEANS, weights, STD)
    result = mode_weights(_energy(weights), modes, BOUNDS, N)
    weight_tol, coverage_tol = _tolerances(weights)
    assert result.max_weight_error < weight_tol
    assert torch.allclose(result.coverage, torch.ones(3, dtype=torch.float64), atol=coverage_tol)
    assert result.n_present == 3


def test_skewed_mixture_gives_the_exact_weight_errors() -> None:
    model = [0.5, 0.3, 0.2]
    modes = Modes.isotropic(MEANS, [1 / 3] * 3, STD)  # the data: equal modes
    result = mode_weights(_energy(model), modes, BOUNDS, N)
    expected = torch.tensor([0.5 * 3 - 1, 0.3 * 3 - 1, 0.2 * 3 - 1], dtype=torch.float64)
    weight_tol, coverage_tol = _tolerances(model)
    assert torch.allclose(result.weight_error, expected, atol=weight_tol)
    assert abs(result.max_weight_error - 0.5) < weight_tol
    metrics = result.as_metrics()
    assert metrics["modes_present"] == 3 and metrics["modes_total"] == 3
    assert abs(metrics["mode_coverage_min"] - 0.6) < 0.6 * coverage_tol


def test_a_missing_mode_is_not_present() -> None:
    energy = ebm_core.energy("gaussian_mixture", means=torch.tensor(MEANS[:2], dtype=torch.float64), stds=STD)
    result = mode_weights(energy, Modes.isotropic(MEANS, [1 / 3] * 3, STD), BOUNDS, N)
    assert result.present.tolist() == [True, True, False]
    assert result.coverage[2] < 1e-6 and abs(result.weight_error[2] + 1) < 1e-6


def test_a_ring_through_the_centres_is_balanced_but_not_present() -> None:
    """A blurred ring through eight centres: every mode weight right, no mode core there."""
    data = ebm_core.dataset("eight_gaussians")
    ring = lambda x: 0.5 * ((x.norm(dim=-1) - 2.0) / 0.2) ** 2  # noqa: E731
    result = mode_weights(ring, data.modes, (-4.0, 4.0), N)
    assert result.max_weight_error < 1e-2
    assert result.n_present == 0


def test_data_sets_expose_their_modes() -> None:
    modes = ebm_core.dataset("eight_gaussians").modes
    assert len(modes) == 8 and torch.allclose(modes.weights, torch.full((8,), 1 / 8, dtype=torch.float64))
    assert torch.allclose(modes.radii, torch.full((8,), 0.4, dtype=torch.float64))
    default = ebm_core.dataset("gaussian_mixture").modes
    assert default.weights.tolist() == pytest.approx([0.5, 0.3, 0.2])
    assert ebm_core.dataset("gaussian_mixture", means=[[0, 0], [0.5, 0]]).modes is None  # discs overlap
    assert ebm_core.dataset("gaussian_mixture", means=[[0, 0], [3, 0]], stds=[[0.1, 0.2], [0.1, 0.1]]).modes is None


def test_bad_modes_are_named() -> None:
    with pytest.raises(ValueError, match="weights must sum to 1"):
        Modes(torch.zeros(2, 2), torch.tensor([0.5, 0.6]), torch.ones(2), torch.ones(2))
    with pytest.raises(ValueError, match="radii must have shape"):
        Modes(torch.zeros(2, 2), torch.tensor([0.5, 0.5]), torch.ones(3), torch.ones(2))
    with pytest.raises(ValueError, match="centres must have shape"):
        Modes(torch.zeros(2, 3), torch.tensor([0.5, 0.5]), torch.ones(2), torch.ones(2))
    with pytest.raises(TypeError, match="modes must be"):
        mode_weights(lambda x: x.pow(2).sum(-1), "eight", BOUNDS, N)


class _MeanEnergy(ebm_core.Loss):
    "Lowers E(data): a toy loss, enough to run the trainer's evaluation."

    def forward(self, data):
        return self.energy(data).mean()


@pytest.mark.filterwarnings("ignore:the 2-D density at the bounds")  # an untrained MLP
@pytest.mark.parametrize("name", ["eight_gaussians", "two_moons"])
def test_the_trainer_reports_mode_coverage_on_a_mixture_data_set(name: str) -> None:
    from ebm_core.plotting import bounds_around
    from ebm_core.training import Trainer

    torch.manual_seed(0)
    data = ebm_core.dataset(name)
    heldout = data.sample(500, generator=torch.Generator().manual_seed(1))
    energy = ebm_core.energy("mlp", dim=2, hidden=(16,))
    trainer = Trainer(_MeanEnergy(energy), data=data, batch_size=32, heldout=heldout, eval_every=2,
                      nll_bounds=bounds_around(heldout, margin=0.5), progress=False)
    result = trainer.fit(2)
    if name == "two_moons":  # no known modes: no mode metrics
        assert "nll" in result.last_eval and "modes_total" not in result.last_eval
        return
    expected = mode_weights(energy, data.modes, bounds_around(heldout, margin=0.5)).as_metrics()
    assert result.last_eval["modes_total"] == 8
    for key, value in expected.items():
        assert result.last_eval[key] == pytest.approx(value, rel=1e-6)
