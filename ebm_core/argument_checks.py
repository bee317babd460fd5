"""Checks for numeric constructor arguments, with errors that name the argument.

For plugin authors as much as for the built-ins::

    from ebm_core.argument_checks import positive, positive_int

    class Ring:
        def __init__(self, radius: float = 1.0, n_modes: int = 8):
            self.radius = positive("radius", radius)        # ValueError: radius must be a finite number > 0, got -1.0
            self.n_modes = positive_int("n_modes", n_modes)

Numbers may be Python or NumPy scalars or one-element tensors; booleans are refused.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch


def _number(name: str, value: Any) -> float:
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.dtype == torch.bool:
        return float(value)
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def positive(name: str, value: Any) -> float:
    """``value`` as a float after checking it is finite and > 0."""
    number = _number(name, value)
    if not math.isfinite(number) or number <= 0:
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return number


def non_negative(name: str, value: Any) -> float:
    """``value`` as a float after checking it is finite and >= 0."""
    number = _number(name, value)
    if not math.isfinite(number) or number < 0:
        raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
    return number


def positive_int(name: str, value: Any) -> int:
    """``value`` as an int after checking it is an integer >= 1."""
    if isinstance(value, bool) or not isinstance(value, numbers.Integral) or value < 1:
        raise ValueError(f"{name} must be an int >= 1, got {value!r}")
    return int(value)
