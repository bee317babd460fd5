"""What the energies do with their constants beyond :mod:`ebm_core.checks`: the dtype to store
them in, and a scalar broadcast to one entry per dimension.

The checks run once, at construction; ``forward``/``grad`` never synchronise with the device.
"""

from __future__ import annotations

from typing import Any

import torch

from ebm_core.checks import finite_tensor


def constant_dtype(*values: Any) -> torch.dtype:
    """The dtype to store constants in: float64 if any of ``values`` is a float64 tensor,
    else ``torch.get_default_dtype()`` (Python numbers do not force float64)."""
    dtype = torch.get_default_dtype()
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            dtype = torch.promote_types(dtype, value.dtype)
    return dtype


def as_vector(value: Any, name: str, dim: int) -> torch.Tensor:
    """``value`` (a scalar or a length-``dim`` sequence) as a finite float64 ``(dim,)`` tensor.

    Validation runs in float64 (:func:`ebm_core.checks.finite_tensor`); callers then cast to
    :func:`constant_dtype`, so a Python ``0.7`` is rounded once, not twice.
    """
    tensor = finite_tensor(value, name)
    if tensor.dim() == 0:
        return tensor.expand(dim).clone()
    if tuple(tensor.shape) != (dim,):
        hint = f"; pass dim={tensor.shape[0]} if that is what you meant" if tensor.dim() == 1 else ""
        raise ValueError(
            f"{name} must be a scalar or have shape ({dim},) to match dim={dim}, "
            f"got shape {tuple(tensor.shape)}{hint}"
        )
    return tensor
