"""Two interleaving half circles ("moons") with Gaussian noise.

With ``t ~ U[0, π]`` and a fair coin choosing the moon, the noise-free points are

.. math::

    \\text{upper: } (\\cos t,\\ \\sin t), \\qquad \\text{lower: } (1 - \\cos t,\\ \\tfrac12 - \\sin t),

then centred (shifted by ``(−½, −¼)``), multiplied by ``scale`` and blurred with
``N(0, noise² I)``. No closed-form density (it is a curve convolved with a Gaussian).

Example::

    import torch, ebm_core
    x = ebm_core.dataset("two_moons", noise=0.05).sample(500, generator=torch.Generator().manual_seed(1))
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_float

from .base import ToyDataset, gaussian_noise, uniform


class TwoMoons(ToyDataset):
    """Two moons of width ``≈ 3·scale``, blurred by Gaussian ``noise``."""

    def __init__(self, noise: float = 0.1, scale: float = 2.0) -> None:
        self.noise = non_negative_float(noise, "noise")
        self.scale = positive_float(scale, "scale")

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        t = uniform(n, generator, 0.0, math.pi)
        lower = torch.rand(n, generator=generator, dtype=torch.float64) < 0.5
        x = torch.where(lower, 1.0 - t.cos(), t.cos())
        y = torch.where(lower, 0.5 - t.sin(), t.sin())
        curve = torch.stack([x - 0.5, y - 0.25], dim=1)
        return self.scale * curve + gaussian_noise(n, self.noise, generator)
