"""Validation of energy constructor arguments.

Every check raises ``ValueError`` (or ``TypeError`` for the wrong kind of object) with a
message that names the argument, shows the offending value and says how to fix it. The
checks run once, at construction; ``forward``/``grad`` never synchronise with the device.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch


def check_dim(dim: Any, *, minimum: int = 1, reason: str = "", name: str = "dim") -> int:
    """``dim`` as an ``int`` ≥ ``minimum`` (``reason`` explains the minimum in the error)."""
    if isinstance(dim, bool) or not isinstance(dim, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {dim!r}")
    if dim < minimum:
        why = f" ({reason})" if reason else ""
        raise ValueError(f"{name} must be >= {minimum}{why}, got {name}={dim}")
    return int(dim)


def check_scalar(value: Any, name: str, *, positive: bool = False, nonnegative: bool = False) -> float:
    """``value`` as a finite ``float``; optionally > 0 or ≥ 0."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise ValueError(f"{name} must be a scalar, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise ValueError(f"{name} must be finite, got {name}={value}")
    if positive and value <= 0:
        raise ValueError(f"{name} must be positive, got {name}={value}")
    if nonnegative and value < 0:
        raise ValueError(f"{name} must be non-negative, got {name}={value}")
    return value


def constant_dtype(*values: Any) -> torch.dtype:
    """The dtype to store constants in: float64 if any of ``values`` is a float64 tensor,
    else ``torch.get_default_dtype()`` (Python numbers do not force float64)."""
    dtype = torch.get_default_dtype()
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            dtype = torch.promote_types(dtype, value.dtype)
    return dtype


def as_float_tensor(value: Any, name: str) -> torch.Tensor:
    """``value`` as a finite float64 tensor (a detached copy, on ``value``'s device).

    Validation and factorisations run in float64; callers then cast to
    :func:`constant_dtype` — so a Python ``0.7`` is rounded once, not twice.
    """
    if isinstance(value, torch.Tensor):
        tensor = value.detach().to(torch.float64, copy=True)
    else:
        try:
            tensor = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(f"{name} must be a number, sequence or tensor of numbers: {exc}") from exc
    if not bool(torch.isfinite(tensor).all()):
        raise ValueError(f"{name} must be finite, but it contains NaN or infinite entries: {tensor}")
    return tensor


def check_positive(tensor: torch.Tensor, name: str) -> torch.Tensor:
    """Raise unless every entry of ``tensor`` is > 0."""
    if not bool((tensor > 0).all()):
        raise ValueError(f"every entry of {name} must be positive, got {tensor}")
    return tensor


def as_vector(value: Any, name: str, dim: int) -> torch.Tensor:
    """``value`` (a scalar or a length-``dim`` sequence) as a finite ``(dim,)`` tensor."""
    tensor = as_float_tensor(value, name)
    if tensor.dim() == 0:
        return tensor.expand(dim).clone()
    if tuple(tensor.shape) != (dim,):
        hint = f"; pass dim={tensor.shape[0]} if that is what you meant" if tensor.dim() == 1 else ""
        raise ValueError(
            f"{name} must be a scalar or have shape ({dim},) to match dim={dim}, "
            f"got shape {tuple(tensor.shape)}{hint}"
        )
    return tensor
