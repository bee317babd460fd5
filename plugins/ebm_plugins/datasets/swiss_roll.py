"""The 2-D Swiss roll: a spiral whose radius grows with its angle, blurred by noise.

With ``u ~ U[0, 1]`` and angle ``t = 1.5π (1 + 2u)`` (from 1.5π to 4.5π), the noise-free point
is ``(t cos t, t sin t) · scale / (4.5π)`` — the outer end lies at distance ``scale`` — and
``N(0, noise² I)`` is added. No closed-form density.

Example::

    import torch, ebm_core
    x = ebm_core.dataset("swiss_roll").sample(1000, generator=torch.Generator().manual_seed(0))
    assert x.norm(dim=1).max() < 4.0
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_float

from .base import ToyDataset, gaussian_noise, polar, uniform


class SwissRoll(ToyDataset):
    """A Swiss-roll spiral reaching radius ``scale``, blurred by Gaussian ``noise``."""

    def __init__(self, noise: float = 0.1, scale: float = 3.0) -> None:
        self.noise = non_negative_float(noise, "noise")
        self.scale = positive_float(scale, "scale")

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        t = 1.5 * math.pi * (1.0 + 2.0 * uniform(n, generator))
        curve = polar(t * self.scale / (4.5 * math.pi), t)
        return curve + gaussian_noise(n, self.noise, generator)
