"""The inputs every system shares, generated in NumPy (float32) from fixed seeds.

Start states, the MLP's weights and the training data are made here, once, independently of
any of the benchmarked libraries, and each system converts them to its own arrays — so the
systems start from the same numbers and differences in output come from the samplers alone.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np

from .workloads import CONV_CHANNELS, MLP_HIDDEN, Workload

SEED = 20261129


@dataclasses.dataclass
class Inputs:
    """What one workload needs.

    Attributes:
        x0: start states ``(chains, dim)`` (for training: unused, the buffers start from noise).
        weights: MLP layers ``[(W (out, in), b (out,)), …]`` for MLP workloads; for conv
            workloads the convolutions ``(W (out, in, 3, 3), b (out,))`` then the linear head;
            else ``None``.
        data: training batches ``(n_batches, batch, *event_shape)``: eight_gaussians for the
            MLP, uniform [0, 1] images for the conv energy; else ``None``.
    """

    x0: np.ndarray
    weights: list[tuple[np.ndarray, np.ndarray]] | None = None
    data: np.ndarray | None = None


def make_inputs(workload: Workload) -> Inputs:
    """The shared inputs of ``workload`` (same every call)."""
    rng = np.random.default_rng(SEED)
    x0 = (workload.start_scale * rng.standard_normal((workload.chains, *workload.event_shape))).astype(
        np.float32
    )
    weights = mlp_weights(workload.dim, MLP_HIDDEN) if workload.target == "mlp" else None
    data = None
    if workload.target == "conv":
        weights = conv_weights(workload.event_shape[0], CONV_CHANNELS)
        if workload.kind == "train":
            shape = (16, workload.chains, *workload.event_shape)
            data = rng.random(shape, dtype=np.float32)
    elif workload.kind == "train":
        # Enough distinct batches for the warm-up and every timed run to cycle through.
        data = eight_gaussians(16 * workload.chains, rng).reshape(16, workload.chains, 2)
    return Inputs(x0=x0, weights=weights, data=data)


def mlp_weights(dim: int, hidden: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """Layers ``dim → hidden… → 1`` initialised like ``torch.nn.Linear`` (U(±1/√fan_in))."""
    rng = np.random.default_rng(SEED + 1)
    widths = [dim, *hidden, 1]
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        w = rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32)
        b = rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)
        layers.append((w, b))
    return layers


def conv_weights(in_channels: int, channels: tuple[int, ...]) -> list[tuple[np.ndarray, np.ndarray]]:
    """3×3 convolutions ``in_channels → channels…`` then a linear head ``channels[-1] → 1``,
    initialised like torch's ``Conv2d``/``Linear`` (U(±1/√fan_in), fan_in = in·3·3 for a conv)."""
    rng = np.random.default_rng(SEED + 2)
    layers = []
    for c_in, c_out in zip((in_channels, *channels), channels):
        bound = 1.0 / math.sqrt(9 * c_in)
        w = rng.uniform(-bound, bound, (c_out, c_in, 3, 3)).astype(np.float32)
        layers.append((w, rng.uniform(-bound, bound, (c_out,)).astype(np.float32)))
    bound = 1.0 / math.sqrt(channels[-1])
    w = rng.uniform(-bound, bound, (1, channels[-1])).astype(np.float32)
    layers.append((w, rng.uniform(-bound, bound, (1,)).astype(np.float32)))
    return layers


def eight_gaussians(
    n: int, rng: np.random.Generator, radius: float = 2.0, std: float = 0.2
) -> np.ndarray:
    """``n`` draws from eight N(·, std² I) on a circle of ``radius`` (ebm's ``eight_gaussians``)."""
    k = rng.integers(0, 8, n)
    angle = k * (math.pi / 4)
    centres = radius * np.stack([np.cos(angle), np.sin(angle)], axis=1)
    return (centres + std * rng.standard_normal((n, 2))).astype(np.float32)
