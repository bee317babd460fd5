"""A small residual convolutional network (IGEBM style) and the spectral normalisation it may use.

``ConvNet(in_channels, out_features)`` maps images ``(batch, C, H, W)`` to ``(batch, out_features)``:

.. code-block:: text

    conv3×3(C → width) → depth × [ h + conv3×3(SiLU(conv3×3(SiLU(h)))) ; avg-pool 2× while H, W ≥ 4 ]
      → SiLU → sum over H, W → linear(width → out_features)

:class:`StridedConvNet` is the plain alternative — one 3×3 convolution per entry of
``channels``, each followed by SiLU, every one after the first with stride 2:

.. code-block:: text

    conv3×3(C → c₀) → SiLU → conv3×3/2(c₀ → c₁) → SiLU → … → sum over H, W → linear(c₋₁ → out_features)

No batch statistics (no batch norm), so each row's output depends on that row only, and SiLU
keeps ∇ₓ smooth for Langevin sampling.

Spectral normalisation (Miyato et al., 2018) divides each weight by an estimate
``σ = uᵀ W v`` of its largest singular value (the weight reshaped to ``(out, in·k·k)``). The
estimate is a pair of buffers refined by one power-iteration step each time the weight's
gradient is accumulated (``loss.backward()``), never while sampling — so ``E(x)`` is a
deterministic function between optimiser steps and ∇ₓE for sampling leaves the estimate alone.

Example::

    import torch
    from ebm_plugins.energies.conv_net import ConvNet
    net = ConvNet(in_channels=1, out_features=10, width=16, depth=2, spectral_norm=True)
    out = net(torch.randn(4, 1, 8, 8))
    assert out.shape == (4, 10)
    out.sum().backward()  # refines the spectral-norm estimates
"""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn
from torch.nn import functional as F

from ebm_core.checks import positive_int

_INITIAL_POWER_STEPS = 30


class SpectralNormalised(nn.Module):
    """A ``Conv2d`` or ``Linear`` whose weight is divided by ``σ = uᵀ W v`` (power-iteration estimate)."""

    def __init__(self, layer: nn.Conv2d | nn.Linear) -> None:
        super().__init__()
        self.layer = layer
        matrix = layer.weight.detach().flatten(1)
        generator = torch.Generator().manual_seed(0)
        self.register_buffer("u", F.normalize(torch.randn(matrix.shape[0], generator=generator).to(matrix), dim=0))
        self.register_buffer("v", F.normalize(torch.randn(matrix.shape[1], generator=generator).to(matrix), dim=0))
        self.power_iteration(_INITIAL_POWER_STEPS)
        self._hooked_weight = 0
        self._hook_weight()

    def _hook_weight(self) -> None:
        """Refine the estimate after each gradient accumulation into the weight (re-hooked after a copy)."""
        weight = self.layer.weight
        if self._hooked_weight != id(weight):
            weight.register_post_accumulate_grad_hook(self._after_backward)
            self._hooked_weight = id(weight)

    def _after_backward(self, weight: torch.Tensor) -> None:
        self.power_iteration(1)

    @torch.no_grad()
    def power_iteration(self, steps: int) -> None:
        """Refine ``u, v`` towards the top singular vectors of the current weight."""
        matrix = self.layer.weight.detach().flatten(1).to(self.u)
        for _ in range(steps):
            self.v.copy_(F.normalize(matrix.T @ self.u, dim=0))
            self.u.copy_(F.normalize(matrix @ self.v, dim=0))

    def sigma(self) -> torch.Tensor:
        """The current estimate of the weight's largest singular value (differentiable in W)."""
        weight = self.layer.weight
        return self.u.to(weight) @ weight.flatten(1) @ self.v.to(weight)

    def effective_weight(self) -> torch.Tensor:
        """``W / σ``, the weight this layer applies (differentiable in W)."""
        return self.layer.weight / self.sigma()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self._hook_weight()
        weight = self.effective_weight()
        if isinstance(self.layer, nn.Conv2d):
            return F.conv2d(x, weight, self.layer.bias, stride=self.layer.stride, padding=self.layer.padding)
        return F.linear(x, weight, self.layer.bias)


class ResidualBlock(nn.Module):
    """``h + conv(SiLU(conv(SiLU(h))))`` with two 3×3 convolutions of ``width`` channels."""

    def __init__(self, width: int, spectral_norm: bool) -> None:
        super().__init__()
        self.first = _maybe_normalised(nn.Conv2d(width, width, 3, padding=1), spectral_norm)
        self.second = _maybe_normalised(nn.Conv2d(width, width, 3, padding=1), spectral_norm)

    def forward(self, h: torch.Tensor) -> torch.Tensor:
        return h + self.second(F.silu(self.first(F.silu(h))))


class ConvNet(nn.Module):
    """Residual conv net ``(batch, C, H, W) → (batch, out_features)`` (see the module docstring).

    Args:
        in_channels: C.
        out_features: outputs per image (1 for an energy, the number of classes for JEM).
        width: channels of every convolution.
        depth: residual blocks; after each, the maps are average-pooled 2× while H and W ≥ 4.
        spectral_norm: spectrally normalise every convolution and the output layer.
    """

    def __init__(
        self, in_channels: int, out_features: int, width: int = 32, depth: int = 2, spectral_norm: bool = False
    ) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_features = positive_int(out_features, "out_features")
        width = positive_int(width, "width", "the number of channels of each convolution")
        depth = positive_int(depth, "depth", "the number of residual blocks")
        self.stem = _maybe_normalised(nn.Conv2d(in_channels, width, 3, padding=1), spectral_norm)
        self.blocks = nn.ModuleList(ResidualBlock(width, spectral_norm) for _ in range(depth))
        self.head = _maybe_normalised(nn.Linear(width, out_features), spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = self.stem(x)
        for block in self.blocks:
            h = block(h)
            if min(h.shape[-2:]) >= 4:
                h = F.avg_pool2d(h, 2)
        return self.head(F.silu(h).sum((-2, -1)))


class StridedConvNet(nn.Module):
    """Plain conv net ``(batch, C, H, W) → (batch, out_features)``: 3×3 convolutions of ``channels``.

    The first convolution keeps the resolution, each later one halves it (stride 2, padding 1),
    e.g. ``channels=(32, 64, 64)`` on 28×28: 28 → 28 → 14 → 7 (the IGEBM-small benchmark net).

    Args:
        in_channels: C.
        out_features: outputs per image.
        channels: output channels of each convolution (at least one).
        spectral_norm: spectrally normalise every convolution and the output layer.
    """

    def __init__(
        self, in_channels: int, out_features: int, channels: Sequence[int], spectral_norm: bool = False
    ) -> None:
        super().__init__()
        in_channels = positive_int(in_channels, "in_channels")
        out_features = positive_int(out_features, "out_features")
        if isinstance(channels, (str, bytes)) or not isinstance(channels, Sequence) or not channels:
            raise ValueError(f"channels must list the output channels of each convolution, e.g. (32, 64, 64); got {channels!r}")
        widths = [positive_int(c, "channels") for c in channels]
        self.convs = nn.ModuleList(
            _maybe_normalised(nn.Conv2d(c_in, c_out, 3, stride=1 if i == 0 else 2, padding=1), spectral_norm)
            for i, (c_in, c_out) in enumerate(zip([in_channels, *widths], widths))
        )
        self.head = _maybe_normalised(nn.Linear(widths[-1], out_features), spectral_norm)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        h = x
        for conv in self.convs:
            h = F.silu(conv(h))
        return self.head(h.sum((-2, -1)))

    def applied_parameters(self) -> dict[str, tuple[torch.Tensor, ...] | tuple[int, ...]]:
        """The weights the forward pass applies (spectral normalisation divided in), detached:
        ``weights`` / ``biases`` / ``strides`` of each convolution (3×3, padding 1) and the
        output layer's ``head_weight`` (out_features, c₋₁) and ``head_bias`` (out_features,)."""
        with torch.no_grad():
            weights, biases = [], []
            for layer in (*self.convs, self.head):
                weight = layer.effective_weight() if isinstance(layer, SpectralNormalised) else layer.weight
                weights.append(weight.detach())
                biases.append(_plain(layer).bias.detach())
        strides = tuple(int(_plain(conv).stride[0]) for conv in self.convs)
        return {
            "weights": tuple(weights[:-1]),
            "biases": tuple(biases[:-1]),
            "strides": strides,
            "head_weight": weights[-1],
            "head_bias": biases[-1],
        }


def _plain(layer: nn.Module) -> nn.Conv2d | nn.Linear:
    return layer.layer if isinstance(layer, SpectralNormalised) else layer


def _maybe_normalised(layer: nn.Conv2d | nn.Linear, spectral_norm: bool) -> nn.Module:
    return SpectralNormalised(layer) if spectral_norm else layer
