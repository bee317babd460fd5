"""Random tensors drawn from an optional ``torch.Generator``, placed like a reference tensor.

A generator lives on one device; drawing there and moving the result keeps a CPU generator
usable (and reproducible) when the data are on a GPU.
"""

from __future__ import annotations

import torch


def randn_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Standard normal noise shaped, typed and placed like ``x``."""
    device = generator.device if generator is not None else x.device
    return torch.randn(x.shape, generator=generator, device=device, dtype=x.dtype).to(x.device)


def rand_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Uniform ``[0, 1)`` noise shaped, typed and placed like ``x``."""
    device = generator.device if generator is not None else x.device
    return torch.rand(x.shape, generator=generator, device=device, dtype=x.dtype).to(x.device)


def rademacher_like(x: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
    """Independent ±1 entries (probability ½ each) shaped, typed and placed like ``x``."""
    return torch.where(rand_like(x, generator) < 0.5, -1.0, 1.0).to(x.dtype)
