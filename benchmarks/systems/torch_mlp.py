"""The benchmark MLP as a plain ``torch.nn.Sequential``, loaded from the shared NumPy weights."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def build_mlp(weights: list[tuple[np.ndarray, np.ndarray]]) -> nn.Sequential:
    """``Linear → SiLU → … → Linear`` with exactly ``weights`` (float32), output ``(batch, 1)``."""
    layers: list[nn.Module] = []
    for i, (w, b) in enumerate(weights):
        layers.append(nn.Linear(w.shape[1], w.shape[0]))
        if i + 1 < len(weights):
            layers.append(nn.SiLU())
    net = nn.Sequential(*layers)
    load_weights(net, weights)
    return net


def load_weights(module: nn.Module, weights: list[tuple[np.ndarray, np.ndarray]]) -> None:
    """Copy ``weights`` into the ``nn.Linear`` layers of ``module``, in order."""
    linears = [m for m in module.modules() if isinstance(m, nn.Linear)]
    if len(linears) != len(weights):
        raise ValueError(f"module has {len(linears)} Linear layers, weights describe {len(weights)}")
    with torch.no_grad():
        for layer, (w, b) in zip(linears, weights):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
