"""Two interleaved spirals (each the other rotated by π), blurred by noise.

With ``u ~ U[0, 1]``, the angle ``t = turns · 2π · √u`` (the square root spreads points evenly
along the arc, whose length grows like ``t²``) and radius ``scale · t / (turns · 2π)``; a fair
coin picks the arm (the second is the first rotated by π), then ``N(0, noise² I)`` is added.
No closed-form density.

Example::

    import torch, ebm_core
    x = ebm_core.dataset("two_spirals", turns=1.5).sample(800, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_float

from .base import ToyDataset, gaussian_noise, polar, uniform


class TwoSpirals(ToyDataset):
    """Two Archimedean spiral arms of ``turns`` turns reaching radius ``scale``."""

    def __init__(self, turns: float = 1.25, scale: float = 3.0, noise: float = 0.1) -> None:
        self.turns = positive_float(turns, "turns")
        self.scale = positive_float(scale, "scale")
        self.noise = non_negative_float(noise, "noise")

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        full = self.turns * 2 * math.pi
        t = full * uniform(n, generator).sqrt()
        second_arm = torch.rand(n, generator=generator, dtype=torch.float64) < 0.5
        angle = t + math.pi * second_arm.to(torch.float64)
        return polar(self.scale * t / full, angle) + gaussian_noise(n, self.noise, generator)
