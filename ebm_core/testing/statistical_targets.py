"""The targets on which the kit proves a sampler correct, with their exact references.

Each :class:`StatisticalTarget` bundles an energy from :mod:`ebm_core.testing.targets`, how
to start chains on it (over-dispersed: wider than the target and away from its centre, so a
chain that does not mix is caught), and what its samples must look like:

==========================  =================================================================
``"correlated_gaussian"``   N(μ, Σ) in 2-D, μ = (1, −1), Σ = [[1, 0.5], [0.5, 2]]: means,
                            covariance entries, normal marginals
``"anisotropic_gaussian"``  N(0, diag(0.25, 1, 4)): a sampler must cope with scales 4× apart
``"double_well"``           E = Σᵢ (xᵢ² − 1)² in 2-D: bimodal marginals (KS against
                            quadrature), means 0 — chains must cross the barrier
==========================  =================================================================

Example::

    from ebm_core.testing.statistical_targets import statistical_target
    target = statistical_target("double_well")
    assert target.is_gaussian is False and len(target.cdfs) == 2
"""

from __future__ import annotations

import dataclasses
from typing import Callable

import torch

from ..contracts import Energy
from .ks import CDF
from .targets import CorrelatedGaussian, SeparableDoubleWell, overdispersed_starts

Starts = Callable[[int, torch.Generator], torch.Tensor]


@dataclasses.dataclass
class StatisticalTarget:
    """An energy, its chain starts and its exact reference (Gaussian moments and/or marginal CDFs)."""

    name: str
    description: str
    energy: Energy
    starts: Starts
    cdfs: list[CDF]
    mean: torch.Tensor
    covariance: torch.Tensor | None = None
    variances: torch.Tensor | None = None

    @property
    def is_gaussian(self) -> bool:
        return self.covariance is not None


def _gaussian(name: str, description: str, mean: list[float], covariance: list[list[float]]) -> StatisticalTarget:
    energy = CorrelatedGaussian(mean, covariance)
    cov = energy.covariance
    return StatisticalTarget(
        name=name,
        description=description,
        energy=energy,
        starts=lambda n, g: overdispersed_starts(cov, n, g),
        cdfs=energy.marginal_cdfs(),
        mean=energy.mean.clone(),
        covariance=cov.clone(),
        variances=cov.diagonal().clone(),
    )


def _double_well() -> StatisticalTarget:
    energy = SeparableDoubleWell(dim=2, barrier=1.0)
    marginal = energy.marginal()
    return StatisticalTarget(
        name="double_well",
        description="E = (x₁² − 1)² + (x₂² − 1)², two wells per coordinate",
        energy=energy,
        # Asymmetric and mostly in the right-hand wells: the chains must cross the barrier.
        starts=lambda n, g: (0.5 + 0.8 * torch.randn(n, 2, generator=g, dtype=torch.float64)).float(),
        cdfs=[marginal.cdf, marginal.cdf],
        mean=torch.zeros(2, dtype=torch.float64),
        variances=torch.full((2,), marginal.variance(), dtype=torch.float64),
    )


_FACTORIES: dict[str, Callable[[], StatisticalTarget]] = {
    "correlated_gaussian": lambda: _gaussian(
        "correlated_gaussian", "N(μ, Σ), μ = (1, −1), Σ = [[1, 0.5], [0.5, 2]]",
        [1.0, -1.0], [[1.0, 0.5], [0.5, 2.0]],
    ),
    "anisotropic_gaussian": lambda: _gaussian(
        "anisotropic_gaussian", "N(0, diag(0.25, 1, 4))",
        [0.0, 0.0, 0.0], [[0.25, 0.0, 0.0], [0.0, 1.0, 0.0], [0.0, 0.0, 4.0]],
    ),
    "double_well": _double_well,
}

#: Names accepted by :func:`statistical_target`.
TARGET_NAMES: tuple[str, ...] = tuple(_FACTORIES)


def statistical_target(name: str) -> StatisticalTarget:
    """A fresh target by name (see the table in the module docstring)."""
    try:
        return _FACTORIES[name]()
    except KeyError:
        raise ValueError(f"unknown statistical target {name!r}; choose from {', '.join(TARGET_NAMES)}") from None
