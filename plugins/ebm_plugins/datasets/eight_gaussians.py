"""Eight equal Gaussians on a circle: the standard multi-modal 2-D benchmark.

.. math::

    p(x) = \\frac18 \\sum_{k=0}^{7} \\mathcal N\\big(x;\\, r(\\cos\\tfrac{k\\pi}{4}, \\sin\\tfrac{k\\pi}{4}),\\, \\sigma^2 I\\big)

A :class:`~ebm_plugins.datasets.gaussian_mixture.GaussianMixture`, so ``log_prob`` is exact.

Example::

    import torch, ebm_core
    data = ebm_core.dataset("eight_gaussians", radius=2.0, std=0.2)
    x = data.sample(1024, generator=torch.Generator().manual_seed(0))
    nll = -data.log_prob(x).mean()  # the entropy of the data, estimated
"""

from __future__ import annotations

import math

from ebm_core.checks import positive_float

from .gaussian_mixture import GaussianMixture


class EightGaussians(GaussianMixture):
    """Eight Gaussians of standard deviation ``std`` centred on a circle of radius ``radius``."""

    def __init__(self, radius: float = 2.0, std: float = 0.2) -> None:
        self.radius = positive_float(radius, "radius")
        self.std = positive_float(std, "std")
        angles = [k * math.pi / 4 for k in range(8)]
        centres = [(self.radius * math.cos(a), self.radius * math.sin(a)) for a in angles]
        super().__init__(means=centres, stds=self.std, weights=None)

    def __repr__(self) -> str:
        return f"EightGaussians(radius={self.radius!r}, std={self.std!r})"
