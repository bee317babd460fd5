"""A multilayer-perceptron energy, the usual learnable energy for low-dimensional data."""

from __future__ import annotations

from typing import Sequence

from torch import nn

from ._params import check_dim
from .neural import Neural

_ACTIVATIONS = {"silu": nn.SiLU, "elu": nn.ELU, "softplus": nn.Softplus, "tanh": nn.Tanh, "gelu": nn.GELU}


class MLP(Neural):
    """E(x) = f_θ(x), an MLP ``dim → hidden[0] → … → hidden[-1] → 1`` with a smooth activation.

    Smooth activations (SiLU by default; not ReLU) keep ∇ₓE continuous, which Langevin-type
    samplers need. The output layer has no activation, so energies are unbounded in both
    directions — losses such as ``cd`` regularise them (``alpha``).

    Args:
        dim: dimension of x.
        hidden: widths of the hidden layers.
        activation: one of ``silu``, ``elu``, ``softplus``, ``tanh``, ``gelu``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("mlp", dim=2, hidden=[32, 32])
        assert e(torch.randn(5, 2)).shape == (5,)
        assert e.grad(torch.randn(5, 2)).shape == (5, 2)
    """

    def __init__(self, dim: int = 2, hidden: Sequence[int] = (128, 128), activation: str = "silu") -> None:
        dim = check_dim(dim)
        widths = [check_dim(w, name="hidden") for w in hidden]
        if not widths:
            raise ValueError("hidden must list at least one layer width, e.g. hidden=[128, 128]")
        if activation not in _ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(_ACTIVATIONS)}; got {activation!r}")
        layers: list[nn.Module] = []
        for width_in, width_out in zip([dim, *widths], widths):
            layers += [nn.Linear(width_in, width_out), _ACTIVATIONS[activation]()]
        layers.append(nn.Linear(widths[-1], 1))
        super().__init__(nn.Sequential(*layers), event_shape=(dim,))
