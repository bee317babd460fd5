"""Validation of sampler constructor arguments (messages name the argument and the fix)."""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch


def positive_float(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a finite float > 0."""
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a positive number, got {name}={value!r}")
    value = float(value)
    if not math.isfinite(value) or value <= 0:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"{name} must be a finite number > 0, got {name}={value}{extra}")
    return value


def positive_int(value: Any, name: str, hint: str = "") -> int:
    """``value`` as an int ≥ 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer >= 1, got {name}={value!r}")
    if value < 1:
        extra = f"; {hint}" if hint else ""
        raise ValueError(f"{name} must be >= 1, got {name}={value}{extra}")
    return int(value)


def probability(value: Any, name: str) -> float:
    """``value`` as a float strictly between 0 and 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 < value < 1:
        raise ValueError(f"{name} must be a number strictly between 0 and 1, got {name}={value!r}")
    return float(value)


def unit_interval(value: Any, name: str) -> float:
    """``value`` as a float in ``[0, 1)``."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real) or not 0 <= value < 1:
        raise ValueError(f"{name} must be a number in [0, 1), got {name}={value!r}")
    return float(value)


def positive_tensor(value: Any, name: str) -> torch.Tensor:
    """``value`` (scalar, sequence or tensor) as a detached float64 CPU tensor with entries > 0."""
    try:
        tensor = torch.as_tensor(value).detach().to(device="cpu", dtype=torch.float64).clone()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"{name} must be a number, sequence or tensor of numbers: {exc}") from exc
    if tensor.numel() == 0 or not bool((torch.isfinite(tensor) & (tensor > 0)).all()):
        raise ValueError(f"every entry of {name} must be finite and > 0, got {name}={value!r}")
    return tensor
