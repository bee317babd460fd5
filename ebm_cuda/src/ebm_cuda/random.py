"""The counter-based random numbers the kernels draw, exposed for tests and inspection.

Every draw of a kernel is Philox4x32-10 of the counter (block, chain, step mod 2³², step / 2³²)
under the key (seed mod 2³², seed / 2³²): blocks 0, 1, … give the step's normals (Box–Muller,
see csrc/ebm/random.h), block 0xFFFFFFFF the Metropolis–Hastings uniform and block 0xFFFFFFFE
the uniform u of HMC's step-size jitter, ε (1 + j (2u − 1)).
"""

from __future__ import annotations

from typing import Sequence

import torch

from . import _native
from .tensors import native_dtype

MASK32 = 0xFFFFFFFF
MASK64 = (1 << 64) - 1


def philox4x32_10(counter: Sequence[int], key: Sequence[int]) -> tuple[int, int, int, int]:
    """Philox4x32-10 of a 4-word counter under a 2-word key (32-bit words).

    Example::

        from ebm_cuda.random import philox4x32_10
        assert philox4x32_10([0, 0, 0, 0], [0, 0]) == (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)
    """
    if len(counter) != 4 or len(key) != 2:
        raise ValueError(f"counter needs 4 words and key 2, got {len(counter)} and {len(key)}")
    words = [int(w) for w in (*counter, *key)]
    if any(w < 0 or w > MASK32 for w in words):
        raise ValueError("Philox words must be integers in [0, 2**32)")
    return tuple(_native.philox4x32_10(words[:4], words[4:]))


def sample_normals(
    chains: int, dim: int, *, seed: int, step: int = 0, dtype: torch.dtype = torch.float32
) -> torch.Tensor:
    """The (chains, dim) standard normals the chain kernels draw at ``step`` (CPU tensor)."""
    if chains < 0 or dim < 1:
        raise ValueError(f"need chains >= 0 and dim >= 1, got {chains} and {dim}")
    out = torch.empty(chains, dim, dtype=dtype)
    _native.sample_normals_cpu(native_dtype(out, "out"), out.data_ptr(), chains, dim,
                               seed & MASK64, step & MASK64)
    return out
