"""The W5/W6 conv net for BlackJAX, in flax (``flax.linen``), with the shared weights.

Same network as ebm's ``conv`` energy with ``channels=(32, 64, 64)`` and
:mod:`benchmarks.systems.torch_conv`: 3×3 convolutions (stride 1, 2, 2; padding 1), SiLU after
each, sum over the image, a linear head. JAX works in NHWC (XLA's native layout on CPU), so the
torch weights ``(out, in, kh, kw)`` become flax kernels ``(kh, kw, in, out)`` and the chains'
images are transposed once, outside the timed runs. Convolution is cross-correlation in both.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..inputs import Inputs


def nhwc_shape(event_shape: tuple[int, ...]) -> tuple[int, ...]:
    """``(C, H, W)`` → ``(H, W, C)``."""
    c, h, w = event_shape
    return (h, w, c)


def to_nhwc(x: np.ndarray) -> np.ndarray:
    """``(batch, C, H, W)`` → ``(batch, H, W, C)`` (a contiguous copy)."""
    return np.ascontiguousarray(np.transpose(x, (0, 2, 3, 1)))


def network(inputs: Inputs) -> tuple[Any, Callable[[Any, Any], Any]]:
    """``(params, energies)`` with ``energies(params, x)`` the ``(batch,)`` energies of NHWC ``x``.

    Raises ``Unsupported`` when flax is not installed (``pip install -e '.[bench]'``).
    """
    try:
        import flax.linen as nn
    except ImportError as exc:
        from .base import Unsupported

        raise Unsupported("the conv workloads need flax for BlackJAX's network "
                          "(pip install -e '.[bench]' installs it)") from exc
    import jax
    import jax.numpy as jnp

    convs, (head_w, head_b) = inputs.weights[:-1], inputs.weights[-1]
    channels = tuple(w.shape[0] for w, _ in convs)

    class ConvEnergyNet(nn.Module):
        @nn.compact
        def __call__(self, x):
            for i, c in enumerate(channels):
                stride = 1 if i == 0 else 2
                x = jax.nn.silu(nn.Conv(c, (3, 3), strides=stride, padding=((1, 1), (1, 1)))(x))
            return nn.Dense(1)(x.sum((1, 2)))[:, 0]

    params = {"params": {
        **{f"Conv_{i}": {"kernel": jnp.asarray(w.transpose(2, 3, 1, 0)), "bias": jnp.asarray(b)}
           for i, (w, b) in enumerate(convs)},
        "Dense_0": {"kernel": jnp.asarray(head_w.T), "bias": jnp.asarray(head_b)},
    }}
    return params, ConvEnergyNet().apply
