"""The ``conv`` energy: a small residual conv net on images ``(C, H, W)`` (IGEBM style)."""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Sequence

import torch

from ebm_core import Energy
from ebm_core.checks import positive_int

from .conv_net import ConvNet, StridedConvNet


class Conv(Energy):
    """E(x) = f_θ(x), a residual conv net (SiLU, optional spectral norm) on ``(C, H, W)`` images.

    The network is :class:`~ebm_plugins.energies.conv_net.ConvNet` with one output, or, with
    ``channels``, the plain :class:`~ebm_plugins.energies.conv_net.StridedConvNet`. ∇ₓE for
    sampling comes from autograd with respect to ``x`` only; the parameters' ``.grad`` is
    untouched and the spectral-norm estimates change only when a loss is back-propagated.

    The convolutions run channels-last (NHWC): the weights are stored in that layout and
    inputs are converted on the way in, which makes oneDNN's CPU convolutions and their input
    gradients 1.4–1.8× faster than in the default NCHW layout (measured on the W5 benchmark
    net); ∇ₓE is returned in the usual contiguous layout.

    Fast path: the class declares ``kernel_key = "conv"``; :meth:`kernel_params` hands a chain
    kernel the strided net's applied weights. ebm-cuda's ``langevin/conv/cpu`` runs ULA on it
    with the first convolution + SiLU as one native pass each way (few input channels) and
    the other layers on oneDNN without an autograd graph.

    Args:
        event_shape: ``(C, H, W)`` of one image.
        width: channels of every convolution (default 32).
        depth: residual blocks (2× average pooling after each while H, W ≥ 4; default 2).
        spectral_norm: spectrally normalise every layer (Lipschitz control, as in IGEBM).
        channels: instead of the residual net, plain 3×3 convolutions with these output
            channels, stride 2 after the first (e.g. ``(32, 64, 64)``); replaces ``width`` and
            ``depth``, which must then not be given.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("conv", event_shape=(1, 8, 8), width=16, depth=2)
        x = torch.rand(5, 1, 8, 8)
        assert e(x).shape == (5,) and e.grad(x).shape == (5, 1, 8, 8)
    """

    kernel_key: ClassVar[str] = "conv"

    def __init__(
        self,
        event_shape: Sequence[int] = (1, 8, 8),
        width: int | None = None,
        depth: int | None = None,
        spectral_norm: bool = False,
        channels: Sequence[int] | None = None,
    ) -> None:
        if isinstance(event_shape, (str, bytes)) or not isinstance(event_shape, Sequence) or len(event_shape) != 3:
            raise ValueError(f"event_shape must be (C, H, W) for one image, got {event_shape!r}")
        event_shape = tuple(positive_int(s, "event_shape") for s in event_shape)
        super().__init__(event_shape=event_shape)
        if channels is None:
            width, depth = 32 if width is None else width, 2 if depth is None else depth
            self.net = ConvNet(event_shape[0], 1, width=width, depth=depth, spectral_norm=spectral_norm)
        elif (width, depth) != (None, None):
            raise ValueError(
                f"channels={channels!r} replaces width and depth (got width={width}, depth={depth}); "
                "give either channels or width/depth"
            )
        else:
            self.net = StridedConvNet(event_shape[0], 1, channels, spectral_norm=spectral_norm)
        self.net.to(memory_format=torch.channels_last)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return self.net(x.contiguous(memory_format=torch.channels_last)).squeeze(1)

    def energy_and_grad(
        self, x: torch.Tensor, *, create_graph: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        energy, gradient = self._autograd_energy_and_grad(x, create_graph)
        return energy, gradient.contiguous()  # kernels and samplers expect the usual layout

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return self.energy_and_grad(x, create_graph=create_graph)[1]

    def kernel_params(self) -> Mapping[str, Any]:
        """``architecture`` — ``"strided"`` or ``"residual"`` — and, for the strided net,
        ``event_shape`` and :meth:`StridedConvNet.applied_parameters
        <ebm_plugins.energies.conv_net.StridedConvNet.applied_parameters>` (``weights``,
        ``biases``, ``strides``, ``head_weight``, ``head_bias``): the values at call time,
        spectral normalisation applied. A kernel declines the residual net."""
        if not isinstance(self.net, StridedConvNet):
            return {"architecture": "residual"}
        return {"architecture": "strided", "event_shape": self.event_shape, **self.net.applied_parameters()}
