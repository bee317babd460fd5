"""The one evaluator of the training-quality benchmark: the same held-out set, grid and metrics
for every system.

For a data set and a seed ``S`` the held-out set is what ``ebm train --dataset NAME --seed S``
itself evaluates on (:func:`ebm_core.cli.components.heldout_data`: 2,000 fresh draws with seed
``S + 1``). A trained model is any callable ``E: (batch, 2) → (batch,)``; with
``p = exp(−E)/Z`` on the box ``B = bounds_around(held-out, margin=0.5)``:

* ``nll`` — ``mean E(held-out) + log Z``, ``log Z`` by grid quadrature on ``B``
  (:func:`ebm_core.evaluation.metrics.negative_log_likelihood`, 501 × 501 points);
* ``mmd2`` — the unbiased MMD² (:func:`ebm_core.evaluation.metrics.mmd2`; slightly negative
  when the two sets are alike, so the floor is visible) between 2,000 exact draws from the gridded density (a grid cell with
  probability ``p × cell area``, then uniform within the cell) and the held-out data, RBF
  kernel with the held-out data's median-heuristic bandwidth. Drawing from the grid, not from a
  system's own sampler, makes the MMD a property of the learned density like the NLL;
* ``modes`` — where the data set has known modes (``eight_gaussians``, ``gaussian_mixture``):
  :func:`ebm_core.evaluation.mode_weights` on the same box (mode weights, their errors,
  coverage, modes present).

:func:`references` adds the yardsticks of each data set and seed: the true density's NLL where
the data set has ``log_prob``, and the MMD² of fresh data to the held-out set (the MMD²'s noise
floor at these sample sizes).
"""

from __future__ import annotations

import dataclasses
import warnings
from typing import Any, Callable

import torch

import ebm_core
from ebm_core.cli import components
from ebm_core.evaluation import metrics, mode_weights
from ebm_core.plotting import bounds_around
from ebm_core.quadrature import grid_density

GRID_POINTS = 501
NLL_MARGIN = 0.5
MMD_SAMPLES = 2000
#: The figure's density grid: points per axis and the box margin (as ``ebm train``'s landscape).
PICTURE_POINTS = 160
PICTURE_MARGIN = 0.25


def builtin_2d_datasets() -> list[str]:
    """The registered data sets that are built-in 2-D toy data (``ebm plugins`` lists them)."""
    from ebm_plugins.datasets.base import ToyDataset

    names = []
    for name in ebm_core.available("dataset"):
        factory = ebm_core.describe("dataset", name).factory
        if isinstance(factory, type) and issubclass(factory, ToyDataset):
            names.append(name)
    return names


@dataclasses.dataclass(frozen=True)
class HeldOut:
    """One data set's held-out points for one seed, and the evaluation box around them."""

    dataset_name: str
    seed: int
    points: torch.Tensor
    bounds: tuple[tuple[float, float], tuple[float, float]]

    @classmethod
    def of(cls, dataset_name: str, seed: int, n: int = 2000) -> "HeldOut":
        config = {"dataset": {"name": dataset_name}}
        dataset = components.build_dataset(config)
        points = components.heldout_data(config, dataset, n, seed).to(torch.float64)
        return cls(dataset_name, seed, points, bounds_around(points, margin=NLL_MARGIN))

    @property
    def dataset(self) -> Any:
        return ebm_core.dataset(self.dataset_name)


def grid_samples(grid: Any, n: int, generator: torch.Generator) -> torch.Tensor:
    """``n`` draws from a :class:`ebm_core.quadrature.GridDensity2D`: a grid point with
    probability ``p × trapezoid weight``, then uniform over the cell of side ``h`` around it."""
    mass = (grid.density * grid.weights).reshape(-1)
    index = torch.multinomial(mass / mass.sum(), n, replacement=True, generator=generator)
    ix, iy = index // len(grid.y), index % len(grid.y)
    hx, hy = float(grid.x[1] - grid.x[0]), float(grid.y[1] - grid.y[0])
    jitter = torch.rand(n, 2, generator=generator, dtype=torch.float64) - 0.5
    return torch.stack([grid.x[ix] + hx * jitter[:, 0], grid.y[iy] + hy * jitter[:, 1]], dim=1)


def evaluate(
    energy: Callable[[torch.Tensor], torch.Tensor], heldout: HeldOut, grid_points: int = GRID_POINTS
) -> dict[str, Any]:
    """``nll``, ``mmd2``, ``warnings`` and (where the data set has modes) ``modes`` of one model,
    on a ``grid_points × grid_points`` grid (the smoke test's is coarser)."""
    with torch.no_grad(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        nll = metrics.negative_log_likelihood(energy, heldout.points, heldout.bounds, n=grid_points)
        grid = grid_density(energy, heldout.bounds, grid_points)
        samples = grid_samples(grid, MMD_SAMPLES, torch.Generator().manual_seed(heldout.seed + 3))
        bandwidth = metrics.median_bandwidth(heldout.points)
        result: dict[str, Any] = {"nll": nll, "mmd2": float(metrics.mmd2(samples, heldout.points, bandwidth))}
        modes = getattr(heldout.dataset, "modes", None)
        if modes is not None:
            result["modes"] = mode_weights(energy, modes, heldout.bounds, grid_points).as_dict()
    result["warnings"] = sorted({str(w.message) for w in caught})
    return result


def picture_density(energy: Callable[[torch.Tensor], torch.Tensor], heldout: HeldOut) -> dict[str, Any]:
    """The normalised density on the figure's grid (float32), with its axes."""
    bounds = bounds_around(heldout.points, margin=PICTURE_MARGIN)
    with torch.no_grad():
        grid = grid_density(energy, bounds, PICTURE_POINTS)
    return {"x": grid.x.float(), "y": grid.y.float(), "density": grid.density.float()}


def references(heldout: HeldOut) -> dict[str, float]:
    """``true_nll`` (where the data set has ``log_prob``) and ``data_mmd2`` (the MMD² floor)."""
    dataset = heldout.dataset
    out: dict[str, float] = {}
    if callable(getattr(dataset, "log_prob", None)):
        out["true_nll"] = float(-dataset.log_prob(heldout.points).mean())
    fresh = dataset.sample(MMD_SAMPLES, generator=torch.Generator().manual_seed(heldout.seed + 20_000))
    out["data_mmd2"] = float(metrics.mmd2(fresh.double(), heldout.points, metrics.median_bandwidth(heldout.points)))
    return out
