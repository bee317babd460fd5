"""Mode coverage of a 2-D model: how much mass it puts on each known mode of a mixture.

A data set with known mixture structure describes its modes by :class:`Modes`: centres
``μₖ``, weights ``wₖ`` (summing to one) and a core radius ``rₖ`` — the disc ``Dₖ = {x : ‖x −
μₖ‖ ≤ rₖ}`` is mode ``k``'s region — and the data's own mass in each disc, ``m*ₖ``. For a
component ``N(μₖ, σₖ² I)`` of weight ``wₖ`` and ``rₖ = c σₖ`` the data's mass in its disc is
``m*ₖ = wₖ (1 − e^{−c²/2})`` (other components' tails aside, nil for well-separated modes).

:func:`mode_weights` integrates the model ``p = exp(−E)/Z`` over each disc on a grid (the same
trapezoid rule and ``Z`` as :func:`ebm_core.quadrature.grid_density`):

.. math::

    m_k = \\iint_{D_k} p(x)\\,dx, \\qquad
    \\hat w_k = \\frac{m_k}{\\sum_j m_j}, \\qquad
    \\text{weight error}_k = \\frac{\\hat w_k}{w_k} - 1, \\qquad
    \\text{coverage}_k = \\frac{m_k}{m^*_k}.

The weight error says whether the model balances the modes like the data (a model that learned
the right modes with the wrong masses has a large one); the coverage says whether each mode is
there at all — a mode is *present* when the model has at least half the data's mass in its
disc (``coverageₖ ≥ 0.5``; a blurred ring through the centres of eight modes is balanced but
has too little mass in each core). The grid resolution limits both: a disc's edge is resolved
to about one grid cell, so the model's mass within ``√2 h`` of the circle (grid spacing ``h``)
bounds their discretisation error.

Example::

    import torch, ebm_core
    from ebm_core.evaluation import Modes, mode_weights

    energy = ebm_core.energy("gaussian_mixture", means=[[-2.0, 0.0], [2.0, 0.0]], stds=0.3,
                             weights=[0.5, 0.5])
    modes = Modes.isotropic(centres=[[-2.0, 0.0], [2.0, 0.0]], weights=[0.75, 0.25], stds=0.3)
    result = mode_weights(energy, modes, bounds=(-4.0, 4.0), n=401)
    assert abs(result.weight_error[0] - (0.5 / 0.75 - 1)) < 1e-3  # too little mass on mode 0
    assert result.n_present == 2
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import torch

from .. import quadrature

__all__ = ["ModeWeights", "Modes", "mode_weights", "PRESENT_COVERAGE", "CORE_RADIUS_STDS"]

#: A mode is present when the model holds at least this fraction of the data's mass in its disc.
PRESENT_COVERAGE = 0.5
#: The core radius of a Gaussian mode, in its standard deviations (:meth:`Modes.isotropic`).
CORE_RADIUS_STDS = 2.0


@dataclasses.dataclass(frozen=True)
class Modes:
    """The known modes of a 2-D data set: centres ``(k, 2)``, weights ``(k,)`` (sum 1), disc
    radii ``(k,)`` and the data's mass in each disc ``(k,)`` (all float64)."""

    centres: torch.Tensor
    weights: torch.Tensor
    radii: torch.Tensor
    data_mass: torch.Tensor

    def __post_init__(self) -> None:
        k = self.centres.shape[0] if self.centres.dim() == 2 else -1
        if self.centres.dim() != 2 or self.centres.shape[1] != 2 or k < 1:
            raise ValueError(f"centres must have shape (k, 2) with k ≥ 1, got {tuple(self.centres.shape)}")
        for name in ("weights", "radii", "data_mass"):
            value = getattr(self, name)
            if value.shape != (k,):
                raise ValueError(f"{name} must have shape ({k},) to match the {k} centres, got {tuple(value.shape)}")
            if not (torch.isfinite(value).all() and (value > 0).all()):
                raise ValueError(f"{name} must be finite and > 0, got {value.tolist()}")
        if abs(float(self.weights.sum()) - 1.0) > 1e-9:
            raise ValueError(f"weights must sum to 1, got {self.weights.tolist()} (sum {float(self.weights.sum())})")

    @classmethod
    def isotropic(
        cls,
        centres: Sequence[Sequence[float]] | torch.Tensor,
        weights: Sequence[float] | torch.Tensor,
        stds: float | Sequence[float] | torch.Tensor,
        radius_stds: float = CORE_RADIUS_STDS,
    ) -> "Modes":
        """Modes of a mixture of isotropic Gaussians ``Σₖ wₖ N(μₖ, σₖ² I)``: discs of radius
        ``rₖ = radius_stds · σₖ``, holding ``m*ₖ = wₖ (1 − exp(−radius_stds²/2))`` of the data."""
        centres = torch.as_tensor(centres, dtype=torch.float64)
        weights = torch.as_tensor(weights, dtype=torch.float64)
        if weights.dim() != 1:
            raise ValueError(f"weights must be a list of k numbers, got shape {tuple(weights.shape)}")
        stds = torch.as_tensor(stds, dtype=torch.float64).expand(weights.shape).clone()
        if not (isinstance(radius_stds, (int, float)) and radius_stds > 0):
            raise ValueError(f"radius_stds must be a number > 0, got {radius_stds!r}")
        inside = 1.0 - math.exp(-0.5 * radius_stds**2)  # P(‖z‖ ≤ c) for z ~ N(0, I₂)
        return cls(centres=centres, weights=weights / weights.sum(), radii=radius_stds * stds,
                   data_mass=inside * weights / weights.sum())

    def __len__(self) -> int:
        return int(self.centres.shape[0])


@dataclasses.dataclass(frozen=True)
class ModeWeights:
    """What :func:`mode_weights` found: per-mode ``mass``, ``weights`` (the model's mode
    weights ``m_k / Σ m``), ``weight_error`` (``ŵₖ/wₖ − 1``) and ``coverage`` (``mₖ/m*ₖ``), all
    ``(k,)`` float64."""

    mass: torch.Tensor
    weights: torch.Tensor
    weight_error: torch.Tensor
    coverage: torch.Tensor

    @property
    def max_weight_error(self) -> float:
        """``maxₖ |ŵₖ/wₖ − 1|``: the worst relative error of a mode's weight."""
        return float(self.weight_error.abs().max())

    @property
    def present(self) -> torch.Tensor:
        """``coverageₖ ≥ PRESENT_COVERAGE``, ``(k,)`` bool."""
        return self.coverage >= PRESENT_COVERAGE

    @property
    def n_present(self) -> int:
        """How many modes are present."""
        return int(self.present.sum())

    def as_metrics(self) -> dict[str, float]:
        """The summary a training log records: ``mode_weight_error_max``, ``modes_present``,
        ``modes_total`` and ``mode_coverage_min``."""
        return {
            "mode_weight_error_max": self.max_weight_error,
            "modes_present": float(self.n_present),
            "modes_total": float(len(self.mass)),
            "mode_coverage_min": float(self.coverage.min()),
        }

    def as_dict(self) -> dict[str, object]:
        """Every number, JSON-ready."""
        return {
            "mass": self.mass.tolist(), "weights": self.weights.tolist(),
            "weight_error": self.weight_error.tolist(), "coverage": self.coverage.tolist(),
            **self.as_metrics(),
        }


def mode_weights(
    energy: Callable[[torch.Tensor], torch.Tensor],
    modes: Modes,
    bounds: quadrature.Bounds2D,
    n: int | Sequence[int] = 501,
) -> ModeWeights:
    """The model's mass on each of ``modes`` (see the module docstring), by grid quadrature.

    ``energy`` maps ``(batch, 2)`` to ``(batch,)``; ``bounds`` and ``n`` are those of
    :func:`ebm_core.quadrature.grid_density` and must hold essentially all of the model's mass
    (it warns when they do not).
    """
    if not isinstance(modes, Modes):
        raise TypeError(f"modes must be an ebm_core.evaluation.Modes, got {type(modes).__name__}")
    grid = quadrature.grid_density(energy, bounds, n)
    cell_mass = grid.density * grid.weights  # sums to 1 over the grid
    points = torch.stack(torch.meshgrid(grid.x, grid.y, indexing="ij"), dim=-1)  # (nx, ny, 2)
    distance = torch.linalg.vector_norm(points[None] - modes.centres[:, None, None, :], dim=-1)
    inside = distance <= modes.radii[:, None, None]
    mass = (cell_mass[None] * inside).sum(dim=(1, 2))
    total = mass.sum()
    weights = mass / total if total > 0 else torch.full_like(mass, math.nan)
    return ModeWeights(mass=mass, weights=weights, weight_error=weights / modes.weights - 1,
                       coverage=mass / modes.data_mass)
