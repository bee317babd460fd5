"""Small models for trainer tests: a learnable quadratic energy and a loss that, like PCD,
keeps a buffer and draws from the global RNG, so resume must restore both exactly."""

from __future__ import annotations

import torch

import ebm_core


class LearnableQuadratic(ebm_core.Energy):
    """E(x) = ½ a ‖x − m‖² with learnable a (through its log) and m."""

    def __init__(self, dim: int = 2) -> None:
        super().__init__(event_shape=(dim,))
        self.log_a = torch.nn.Parameter(torch.zeros(()))
        self.m = torch.nn.Parameter(torch.zeros(dim))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.log_a.exp() * (self.check_input(x) - self.m).pow(2).sum(-1)


class NoisyContrast(ebm_core.Loss):
    """mean E(data) − mean E(negatives), negatives = buffer + global-RNG noise (buffer updated)."""

    def __init__(self, energy: ebm_core.Energy, buffer_size: int = 32) -> None:
        super().__init__(energy)
        self.register_buffer("buffer", torch.randn(buffer_size, energy.event_shape[0]))

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        index = torch.randint(len(self.buffer), (len(data),))
        negatives = self.buffer[index] + 0.1 * torch.randn_like(data)
        self.buffer[index] = negatives
        e_data, e_neg = self.energy(data), self.energy(negatives)
        self.record(energy_data=e_data.mean(), energy_negative=e_neg.mean())
        return e_data.mean() - e_neg.mean() + 0.1 * (e_data.pow(2).mean() + e_neg.pow(2).mean())


class GaussianNLL(ebm_core.Loss):
    """Exact Gaussian negative log-likelihood (up to a constant): mean E(x) − (d/2)·log a.

    Deterministic and a mean over the batch, so data-parallel training on shards of a global
    batch must match one process on the whole batch.
    """

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        dim = data.shape[1]
        return self.energy(data).mean() - 0.5 * dim * self.energy.log_a


def training_data() -> torch.Tensor:
    """Fixed 2-D training data: N((1, 1), 4 I)."""
    return torch.randn(500, 2, generator=torch.Generator().manual_seed(1)) * 2 + 1
