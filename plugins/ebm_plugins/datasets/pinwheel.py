"""The pinwheel: Gaussian blobs bent into curved arms by a radius-dependent rotation.

For arm ``k`` of ``n_arms``, draw ``r ~ N(1, radial_std²)`` and ``s ~ N(0, tangential_std²)``
and rotate the point ``(r, s)`` by the angle

.. math::

    \\theta = \\frac{2\\pi k}{n_\\text{arms}} + \\text{rate} \\cdot e^{r},

so points further out are rotated more and each arm curls; the result is multiplied by
``scale``. (No closed-form density is offered: the map is invertible but the arms overlap
near the centre, which would need a sum over arms with Jacobians.)

Example::

    import torch, ebm_core
    x = ebm_core.dataset("pinwheel", n_arms=5).sample(1000, generator=torch.Generator().manual_seed(0))
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import non_negative_float, positive_float, positive_int

from .base import ToyDataset


class Pinwheel(ToyDataset):
    """``n_arms`` curled Gaussian arms (the classic pinwheel toy data)."""

    def __init__(
        self,
        n_arms: int = 5,
        radial_std: float = 0.3,
        tangential_std: float = 0.1,
        rate: float = 0.25,
        scale: float = 2.0,
    ) -> None:
        self.n_arms = positive_int(n_arms, "n_arms")
        self.radial_std = non_negative_float(radial_std, "radial_std")
        self.tangential_std = non_negative_float(tangential_std, "tangential_std")
        self.rate = non_negative_float(rate, "rate")
        self.scale = positive_float(scale, "scale")

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        arm = torch.randint(0, self.n_arms, (n,), generator=generator).to(torch.float64)
        noise = torch.randn(n, 2, generator=generator, dtype=torch.float64)
        r = 1.0 + self.radial_std * noise[:, 0]
        s = self.tangential_std * noise[:, 1]
        theta = 2 * math.pi * arm / self.n_arms + self.rate * r.exp()
        cos, sin = theta.cos(), theta.sin()
        points = torch.stack([cos * r - sin * s, sin * r + cos * s], dim=1)
        return self.scale * points
