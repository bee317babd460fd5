"""Denoising score matching (Vincent, 2011), at one or several noise levels.

Perturb each data point ``x̃ = x + σ ε`` with ``ε ~ N(0, I)``. The score of the perturbation
kernel is ``∇_{x̃} log q(x̃ | x) = −(x̃ − x)/σ² = −ε/σ``, and matching the model score
``s = −∇ₓE`` (the one sign convention) to it,

.. math::

    J(\\theta) = \\mathbb E_{\\sigma}\\, \\mathbb E_{x, \\varepsilon}
        \\Big[\\tfrac12 \\sigma^2 \\big\\| {-\\nabla_x E(x + \\sigma\\varepsilon)} + \\varepsilon/\\sigma \\big\\|^2\\Big]
      = \\mathbb E\\Big[\\tfrac12 \\big\\| \\sigma \\nabla_x E(x + \\sigma\\varepsilon) - \\varepsilon \\big\\|^2\\Big],

equals (up to a constant) exact score matching on the *noisy* data distribution
``p_σ = p_data * N(0, σ² I)``. So the energy learns ``p_σ``, not ``p_data``: small σ means
little bias but a high-variance loss. The weight ``σ²`` (Song & Ermon, 2019) puts every
level on the same scale; with several levels each point of a batch gets one level, cycling
through ``sigmas`` in order (stratified, so every level is used equally often).

Worked check: for ``E = ½ a ‖x‖²`` and data of covariance ``s² I``, the minimiser is
``a = 1/(s² + σ²)`` for one level, and ``Σσᵢ² / Σσᵢ²(s² + σᵢ²)`` for several.

Example::

    import torch, ebm_core
    energy = ebm_core.energy("neural", module=torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.SiLU(), torch.nn.Linear(32, 1)))
    loss = ebm_core.loss("denoising_score_matching", energy, sigma=[0.1, 0.3],
                         generator=torch.Generator().manual_seed(0))
    loss(torch.randn(64, 2)).backward()
"""

from __future__ import annotations

from typing import Sequence

import torch

from ebm_core import Energy, Loss
from ebm_core.checks import optional_generator, positive_tensor

from .checks import check_data, check_energy
from .noise import randn_like


class DenoisingScoreMatching(Loss):
    """Denoising score matching ``E[½‖σ∇ₓE(x + σε) − ε‖²]`` at noise level(s) ``sigma``."""

    def __init__(
        self,
        energy: Energy,
        sigma: float | Sequence[float] = 0.1,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(check_energy(energy))
        levels = positive_tensor(sigma, "sigma", "pass a noise level > 0 or a non-empty sequence of them")
        self.register_buffer("sigmas", levels.reshape(-1).to(torch.get_default_dtype()), persistent=False)
        self.generator = optional_generator(generator, "generator")

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        batch = data.shape[0]
        sigma = self.sigmas.to(data)[torch.arange(batch, device=data.device) % self.sigmas.numel()]
        sigma = sigma.view((batch,) + (1,) * (data.dim() - 1))
        eps = randn_like(data, self.generator)
        noisy = (data.detach() + sigma * eps).requires_grad_(True)
        with torch.enable_grad():
            gradient = self.energy.grad(noisy, create_graph=True)
            per_sample = 0.5 * (sigma * gradient - eps).flatten(1).pow(2).sum(1)
        self.record(noisy=noisy)
        return per_sample.mean()

    def extra_repr(self) -> str:
        return f"sigma={self.sigmas.tolist()}"
