"""The W5/W6 conv net as a plain ``torch.nn.Module``, loaded from the shared NumPy weights.

Same architecture as ebm's ``conv`` energy with ``channels=(32, 64, 64)``: 3×3 convolutions
(stride 1, then 2, 2; padding 1), SiLU after each, sum over the image, a linear head.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from .torch_mlp import load_weights


class ConvEnergyNet(nn.Module):
    """``(batch, C, H, W) → (batch, 1)`` energies: the benchmark's conv net."""

    def __init__(self, in_channels: int, channels: tuple[int, ...]) -> None:
        super().__init__()
        self.convs = nn.ModuleList(
            nn.Conv2d(c_in, c_out, 3, stride=1 if i == 0 else 2, padding=1)
            for i, (c_in, c_out) in enumerate(zip((in_channels, *channels), channels))
        )
        self.head = nn.Linear(channels[-1], 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            h = F.silu(conv(h))
        return self.head(h.sum((-2, -1)))


def build_conv(weights: list[tuple[np.ndarray, np.ndarray]]) -> ConvEnergyNet:
    """The conv net with exactly ``weights`` (convolutions, then the head)."""
    channels = tuple(w.shape[0] for w, _ in weights[:-1])
    net = ConvEnergyNet(weights[0][0].shape[1], channels)
    load_weights(net, weights, layer_types=(nn.Conv2d, nn.Linear))
    return net

