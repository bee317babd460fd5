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


def load_weights(
    module: nn.Module,
    weights: list[tuple[np.ndarray, np.ndarray]],
    layer_types: tuple[type[nn.Module], ...] = (nn.Linear,),
) -> None:
    """Copy ``weights`` into the layers of ``module`` that are ``layer_types``, in module order.

    ``layer_types=(nn.Conv2d, nn.Linear)`` loads a conv net (convolutions, then the head).
    """
    layers = [m for m in module.modules() if isinstance(m, layer_types)]
    if len(layers) != len(weights):
        names = "/".join(t.__name__ for t in layer_types)
        raise ValueError(f"module has {len(layers)} {names} layers, weights describe {len(weights)}")
    with torch.no_grad():
        for layer, (w, b) in zip(layers, weights):
            layer.weight.copy_(torch.from_numpy(w))
            layer.bias.copy_(torch.from_numpy(b))
