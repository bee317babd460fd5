"""A mixture of axis-aligned 2-D Gaussians, with its exact density.

.. math::

    p(x) = \\sum_k w_k \\, \\mathcal N(x;\\, \\mu_k, \\operatorname{diag}(\\sigma_k^2)),
    \\qquad
    \\log p(x) = \\operatorname{logsumexp}_k \\Big[\\log w_k - \\sum_j \\Big(
        \\frac{(x_j - \\mu_{kj})^2}{2\\sigma_{kj}^2} + \\log \\sigma_{kj} + \\tfrac12 \\log 2\\pi\\Big)\\Big]

Sampling picks a component ``k`` with probability ``w_k`` and adds scaled standard normal
noise to ``μ_k``. The default is three components with unequal weights and widths, so it
tests that a model gets both the modes and their masses right.

Example::

    import torch, ebm_core
    mix = ebm_core.dataset("gaussian_mixture", means=[[-1, 0], [1, 0]], stds=0.3)
    x = mix.sample(1000, generator=torch.Generator().manual_seed(0))
    log_p = mix.log_prob(x)  # exact, shape (1000,)
"""

from __future__ import annotations

import math
from typing import Sequence

import torch

from ebm_core.evaluation import Modes

from .base import ToyDataset, as_rows


#: The mixture built when no ``means`` are given: unequal masses and widths.
DEFAULT_MEANS = ((-2.0, -1.0), (2.0, -1.0), (0.0, 2.0))
DEFAULT_STDS = (0.4, 0.6, 0.3)
DEFAULT_WEIGHTS = (0.5, 0.3, 0.2)


class GaussianMixture(ToyDataset):
    """Mixture of axis-aligned 2-D Gaussians ``Σ_k w_k N(μ_k, diag σ_k²)``.

    ``means``: ``(k, 2)``. ``stds``: a number (shared), ``k`` numbers (isotropic per
    component) or ``(k, 2)`` (per axis); 0.3 when omitted. ``weights``: ``k`` non-negative
    numbers (normalised here); equal when omitted. With no ``means``, the default mixture
    (:data:`DEFAULT_MEANS`, with :data:`DEFAULT_STDS` and :data:`DEFAULT_WEIGHTS` unless
    given) is built.
    """

    def __init__(
        self,
        means: Sequence[Sequence[float]] | None = None,
        stds: float | Sequence[float] | Sequence[Sequence[float]] | None = None,
        weights: Sequence[float] | None = None,
    ) -> None:
        if means is None:
            means = DEFAULT_MEANS
            stds = DEFAULT_STDS if stds is None else stds
            weights = DEFAULT_WEIGHTS if weights is None else weights
        self._means = as_rows("means", means, 2)
        k = self._means.shape[0]
        self._stds = _component_stds(0.3 if stds is None else stds, k)
        self._weights = _normalised_weights(weights, k)

    @property
    def means(self) -> torch.Tensor:
        """Component means, ``(k, 2)``."""
        return self._means.to(torch.get_default_dtype())

    @property
    def stds(self) -> torch.Tensor:
        """Per-component, per-axis standard deviations, ``(k, 2)``."""
        return self._stds.to(torch.get_default_dtype())

    @property
    def weights(self) -> torch.Tensor:
        """Mixture weights (sum to one), ``(k,)``."""
        return self._weights.to(torch.get_default_dtype())

    @property
    def modes(self) -> Modes | None:
        """The components as known modes (:class:`ebm_core.evaluation.Modes`: discs of radius
        2σₖ about the means) for mode-coverage metrics; ``None`` when a component is not
        isotropic or two discs overlap (then the modes have no clean regions)."""
        isotropic = bool((self._stds[:, 0] == self._stds[:, 1]).all())
        modes = Modes.isotropic(self._means, self._weights, self._stds[:, 0]) if isotropic else None
        if modes is None or len(modes) == 1:
            return modes
        gaps = torch.cdist(self._means, self._means) - (modes.radii[:, None] + modes.radii[None, :])
        gaps.fill_diagonal_(math.inf)
        return modes if bool((gaps > 0).all()) else None

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        if n == 0:
            return torch.empty(0, 2, dtype=torch.float64)
        component = torch.multinomial(self._weights, n, replacement=True, generator=generator)
        noise = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        return self._means[component] + self._stds[component] * noise

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact ``log p(x)`` for ``x`` of shape ``(n, 2)``; result ``(n,)`` in ``x``'s dtype."""
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"x must be a floating-point torch.Tensor, got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"x must have shape (n, 2), got {tuple(x.shape)}")
        means = self._means.to(x)
        stds = self._stds.to(x)
        z = (x[:, None, :] - means[None]) / stds[None]  # (n, k, 2)
        per_component = -0.5 * z.pow(2).sum(-1) - stds.log().sum(-1) - math.log(2 * math.pi)
        return torch.logsumexp(per_component + self._weights.to(x).log(), dim=1)

    def __repr__(self) -> str:
        return f"GaussianMixture(k={self._means.shape[0]})"


def _component_stds(stds: float | Sequence, k: int) -> torch.Tensor:
    values = torch.as_tensor(stds, dtype=torch.float64)
    if values.dim() == 0:
        values = values.expand(k, 2)
    elif values.dim() == 1 and values.shape[0] == k:
        values = values[:, None].expand(k, 2)
    elif values.shape != (k, 2):
        raise ValueError(
            f"stds must be a number, {k} numbers, or shape ({k}, 2) to match the {k} means; "
            f"got shape {tuple(values.shape)}"
        )
    if not (torch.isfinite(values).all() and (values > 0).all()):
        raise ValueError(f"stds must be finite and > 0, got {values.tolist()}")
    return values.clone()


def _normalised_weights(weights: Sequence[float] | None, k: int) -> torch.Tensor:
    if weights is None:
        return torch.full((k,), 1.0 / k, dtype=torch.float64)
    values = torch.as_tensor(weights, dtype=torch.float64)
    if values.shape != (k,):
        raise ValueError(f"weights must have {k} entries (one per mean), got shape {tuple(values.shape)}")
    if not (torch.isfinite(values).all() and (values >= 0).all() and values.sum() > 0):
        raise ValueError(f"weights must be finite, >= 0 and not all zero, got {values.tolist()}")
    return values / values.sum()
