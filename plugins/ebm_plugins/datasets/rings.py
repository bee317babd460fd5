"""Concentric rings: radii ``r_i = i · spacing`` for ``i = 1..n_rings``, blurred by noise.

A ring is chosen with probability proportional to its radius (so the points have the same
density along every ring), the angle is uniform, and ``N(0, noise² I)`` is added. No
closed-form density (circles convolved with a Gaussian involve Bessel functions).

Example::

    import torch, ebm_core
    x = ebm_core.dataset("rings", n_rings=3).sample(600, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_float, positive_int

from .base import ToyDataset, gaussian_noise, polar, uniform


class Rings(ToyDataset):
    """``n_rings`` concentric circles ``spacing`` apart, blurred by Gaussian ``noise``."""

    def __init__(self, n_rings: int = 4, spacing: float = 0.9, noise: float = 0.08) -> None:
        self.n_rings = positive_int(n_rings, "n_rings")
        self.spacing = positive_float(spacing, "spacing")
        self.noise = non_negative_float(noise, "noise")

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        radii = self.spacing * torch.arange(1, self.n_rings + 1, dtype=torch.float64)
        if n == 0:
            return torch.empty(0, 2, dtype=torch.float64)
        ring = torch.multinomial(radii, n, replacement=True, generator=generator)
        angle = uniform(n, generator, 0.0, 2 * math.pi)
        return polar(radii[ring], angle) + gaussian_noise(n, self.noise, generator)
