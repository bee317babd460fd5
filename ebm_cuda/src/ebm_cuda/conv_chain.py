"""ULA chains on the ``conv`` energy's strided net: :class:`ebm_core.kernels.ChainKernel`.

Registered as ``langevin/conv/cpu``. For the built-in ``conv`` energy with ``channels`` (the
plain strided net; its ``kernel_params()``: the applied ``weights``, ``biases``, ``strides``,
``head_weight``, ``head_bias`` and ``event_shape``), each step computes ∇ₓE by a hand-written
backward pass, with no autograd graph,

.. code-block:: text

    a₁ = SiLU(conv₁(x))                       native stem pass (csrc/cpu/cpu_conv_stem.cpp)
    z_l = conv_l(a_{l−1}), a_l = SiLU(z_l)     oneDNN (channels-last), l = 2 … L
    g_L = head_weight (broadcast over H, W)    E = head_weight · Σ_{h,w} a_L + head_bias
    g_{l−1} = conv_lᵀ(SiLU′(z_l) ⊙ g_l)        oneDNN's input gradient, l = L … 2
    ∇ₓE = conv₁ᵀ(SiLU′(z₁) ⊙ g₁)               native stem pass, z₁ recomputed from x

then the fused update x ← clamp(x − h∇ₓE + σ√(2h)ξ) of ``langevin/update/cpu`` with ξ keyed
by ``(request.seed, step)`` — the noise the torch path with that update kernel draws for the
same generator state, so both paths give the same chains up to float rounding. The first
convolution is one pass each way instead of torch's four (see the C++ file); the other
layers are torch's own kernels.

Declined (the sampler then runs the torch path): the residual net, more than
``CONV_STEM_MAX_IN_CHANNELS`` input channels, a first convolution with stride ≠ 1, float64
chains, GPU tensors.

Gradient evaluations: one per step, at the state the step starts from (``n_grad_evals`` =
``n_steps``); like ``langevin/mlp/cpu`` it returns ``energy=None`` and takes no gradient at
the final state. Divergence as :mod:`ebm_core.sampling.divergence` defines it, up to that
final gradient: a chain whose ∇E (at the start of a step) or x (after it) has a non-finite
element is flagged (sticky).

Example::

    import torch, ebm_core
    e = ebm_core.energy("conv", event_shape=(1, 12, 12), channels=(8, 16))
    s = ebm_core.sampler("langevin", e, step_size=0.01)
    r = s.run(torch.rand(4, 1, 12, 12), n_steps=5, generator=torch.Generator().manual_seed(0))
    assert r.backend == "ebm-cuda:langevin/conv/cpu" and r.samples.shape == (4, 1, 12, 12)
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import torch
import torch.nn.functional as F
from ebm_core.kernels import ChainRequest, ChainResult
from ebm_core.sampling.divergence import nonfinite_rows
from ebm_core.thread_sharing import rebalance

from . import _native
from .chains import set_sampler_params
from .errors import KernelInputError
from .prepared import PreparingKernel
from .tensors import check_state, float32_cpu_tensor
from .update import FusedLangevinUpdate

CHANNELS_LAST = torch.channels_last


@dataclasses.dataclass
class _Layer:
    """One convolution after the stem, in the layout oneDNN runs fastest (channels-last)."""

    weight: torch.Tensor
    bias: torch.Tensor
    stride: int


@dataclasses.dataclass
class _Net:
    """The network of one request, checked and laid out for the loop."""

    event_shape: tuple[int, int, int]
    stem_weight: torch.Tensor  # (C₁, C_in, 3, 3), contiguous
    stem_bias: torch.Tensor
    layers: list[_Layer]
    head_weight: torch.Tensor  # (1, C_L, 1, 1): ∂E/∂a_L at every pixel
    update: dict[str, Any]  # step_size, noise_scale, clamp: the checked sampler parameters


class FusedConvLangevin(PreparingKernel):
    """ULA on the ``conv`` energy's strided net (CPU), K steps per call; see the module doc."""

    def __init__(self) -> None:
        super().__init__()
        self._update = FusedLangevinUpdate("cpu")

    def __repr__(self) -> str:
        return "FusedConvLangevin()"

    def _prepare(self, request: ChainRequest) -> _Net:
        return _network(request)

    def run(self, request: ChainRequest) -> ChainResult:
        net = self._prepared(request)
        chains = request.x0.shape[0]
        x = request.x0.clone().view(chains, *net.event_shape)
        divergent = torch.zeros(chains, dtype=torch.bool)
        trajectory = None
        if request.record_trajectory:
            trajectory = torch.empty(chains, request.n_kept, request.x0.shape[1], dtype=x.dtype)
        gradient = _Gradient(net, chains)
        with torch.no_grad():
            for step in range(request.n_steps):
                grad = gradient(x)
                divergent |= nonfinite_rows(grad)
                self._update.update_(x, grad, seed=request.seed, step=step, **net.update)
                divergent |= nonfinite_rows(x)
                kept = step + 1 - request.burn_in
                if trajectory is not None and kept > 0 and kept % request.thin == 0:
                    trajectory[:, kept // request.thin - 1].copy_(x.view(chains, -1))
                rebalance()  # fewer threads while other processes hold cores (ebm_core.thread_sharing)
        return ChainResult(
            samples=x.view(chains, -1),
            energy=None,
            n_accepted=torch.full((chains,), request.n_steps - request.burn_in, dtype=torch.int64),
            n_grad_evals=request.n_steps,
            divergent=divergent,
            trajectory=trajectory,
        )


class _Gradient:
    """∇ₓE for a batch of ``chains`` images, reusing the stem's buffers across steps."""

    def __init__(self, net: _Net, chains: int) -> None:
        self.net = net
        c_in, height, width = net.event_shape
        c1 = net.stem_weight.shape[0]
        self.activation = torch.empty((chains, c1, height, width), memory_format=CHANNELS_LAST)
        self.grad_x = torch.empty((chains, c_in, height, width))
        self.args = _native.ConvStemArgs()
        self.args.images, self.args.in_channels = chains, c_in
        self.args.height, self.args.width, self.args.out_channels = height, width, c1
        self.args.weight, self.args.bias = net.stem_weight.data_ptr(), net.stem_bias.data_ptr()
        self.args.activation, self.args.grad_x = self.activation.data_ptr(), self.grad_x.data_ptr()

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        args = self.args
        args.x, args.n_threads = x.data_ptr(), torch.get_num_threads()
        _native.conv_stem_forward_cpu(args)
        saved, a = [], self.activation
        for layer in self.net.layers:
            z = F.conv2d(a, layer.weight, layer.bias, stride=layer.stride, padding=1)
            saved.append((a, z, layer))
            a = F.silu(z)
        g = self.net.head_weight.expand_as(a)
        for a_in, z, layer in reversed(saved):
            g = torch.ops.aten.convolution_backward(
                torch.ops.aten.silu_backward(g, z), a_in, layer.weight, None, (layer.stride,) * 2,
                (1, 1), (1, 1), False, (0, 0), 1, (True, False, False),
            )[0]
        g = g.contiguous(memory_format=CHANNELS_LAST)  # a no-op unless oneDNN chose otherwise
        args.grad_activation = g.data_ptr()
        _native.conv_stem_backward_cpu(args)
        return self.grad_x


def _network(request: ChainRequest) -> _Net:
    """Check ``request`` and lay its network out for the loop (:class:`KernelInputError` if not)."""
    if request.sampler != "langevin" or request.energy != "conv":
        raise KernelInputError(
            f"this kernel runs 'langevin' on 'conv', not {request.sampler!r} on {request.energy!r}"
        )
    params = request.energy_params
    if params.get("architecture") != "strided":
        raise KernelInputError(
            "the fused conv kernel runs the strided net (conv energy with channels=...); this "
            f"energy's architecture is {params.get('architecture')!r}"
        )
    x0 = check_state(request.x0, "x0", "cpu", min_dim=2)
    if x0.dtype != torch.float32:
        raise KernelInputError(f"the fused conv kernel runs float32 chains, got {x0.dtype}")
    event_shape = params.get("event_shape")
    if (not isinstance(event_shape, (tuple, list)) or len(event_shape) != 3
            or not all(isinstance(s, int) and s > 0 for s in event_shape)):
        raise KernelInputError(f"energy_params['event_shape'] must be (C, H, W), got {event_shape!r}")
    c_in, height, width = event_shape = tuple(event_shape)
    if x0.dim() != 2 or x0.shape[1] != c_in * height * width:
        raise KernelInputError(f"x0 must have shape (chains, {c_in * height * width}), got {tuple(x0.shape)}")
    if c_in > _native.CONV_STEM_MAX_IN_CHANNELS:
        raise KernelInputError(
            f"the fused conv stem takes up to {_native.CONV_STEM_MAX_IN_CHANNELS} input channels, "
            f"this energy has {c_in}"
        )
    weights, biases, strides = _layers(params, c_in)
    if strides[0] != 1:
        raise KernelInputError(f"the fused conv stem runs a stride-1 first convolution, got stride {strides[0]}")
    checked = _native.UpdateArgs()
    set_sampler_params(checked, "langevin", request.sampler_params, x0)
    update = {
        "step_size": checked.step_size,
        "noise_scale": checked.noise_scale,
        "clamp": checked.clamp if checked.has_clamp else None,
    }
    layers = [
        _Layer(w.contiguous(memory_format=CHANNELS_LAST), b, s)
        for w, b, s in zip(weights[1:], biases[1:], strides[1:])
    ]
    return _Net(
        event_shape=event_shape,
        stem_weight=weights[0].contiguous(),
        stem_bias=biases[0].contiguous(),
        layers=layers,
        head_weight=params["head_weight"].reshape(1, -1, 1, 1),
        update=update,
    )


def _layers(params: Mapping[str, Any], c_in: int) -> tuple[list[torch.Tensor], list[torch.Tensor], tuple[int, ...]]:
    """The convolutions' weights, biases and strides, checked layer by layer against the
    shapes the loop assumes (3×3 kernels chained channel to channel, a one-output head)."""
    weights, biases, strides = (params.get(k) for k in ("weights", "biases", "strides"))
    if not all(isinstance(v, (tuple, list)) for v in (weights, biases, strides)) or not weights:
        raise KernelInputError("energy_params needs 'weights', 'biases' and 'strides': one per convolution")
    if not len(weights) == len(biases) == len(strides):
        raise KernelInputError(
            f"energy_params has {len(weights)} weights, {len(biases)} biases and {len(strides)} strides; "
            "they must match, one per convolution"
        )
    channels = c_in
    for index, (w, b, stride) in enumerate(zip(weights, biases, strides)):
        float32_cpu_tensor(w, f"energy_params['weights'][{index}]")
        float32_cpu_tensor(b, f"energy_params['biases'][{index}]")
        if w.dim() != 4 or tuple(w.shape[1:]) != (channels, 3, 3):
            raise KernelInputError(
                f"energy_params['weights'][{index}] has shape {tuple(w.shape)}; expected (C_out, {channels}, 3, 3)"
            )
        if tuple(b.shape) != (w.shape[0],):
            raise KernelInputError(f"energy_params['biases'][{index}] must have shape ({w.shape[0]},)")
        if not isinstance(stride, int) or stride < 1:
            raise KernelInputError(f"energy_params['strides'][{index}] must be a positive integer, got {stride!r}")
        channels = w.shape[0]
    head_weight, head_bias = params.get("head_weight"), params.get("head_bias")
    float32_cpu_tensor(head_weight, "energy_params['head_weight']")
    float32_cpu_tensor(head_bias, "energy_params['head_bias']")
    if tuple(head_weight.shape) != (1, channels) or tuple(head_bias.shape) != (1,):
        raise KernelInputError(
            f"the fused conv kernel runs an energy head: head_weight (1, {channels}) and head_bias (1,), "
            f"got {tuple(head_weight.shape)} and {tuple(head_bias.shape)}"
        )
    return list(weights), list(biases), tuple(strides)

