"""Checks on the tensors and numbers handed to the kernels, with errors that name the argument.

The native code sees only data pointers, so everything about a tensor — type, dtype, layout,
device, shape — is verified here first.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import torch

from . import _native
from .errors import KernelDTypeError, KernelInputError

_NATIVE_DTYPES = {torch.float32: _native.DType.float32, torch.float64: _native.DType.float64}


def native_dtype(t: torch.Tensor, name: str) -> Any:
    """The native DType of a float32/float64 tensor; :class:`KernelDTypeError` otherwise."""
    try:
        return _NATIVE_DTYPES[t.dtype]
    except KeyError:
        raise KernelDTypeError(
            f"{name} must be float32 or float64, got {t.dtype}; convert it with {name}.float() "
            f"or {name}.double()"
        ) from None


def check_state(t: Any, name: str, device_type: str, *, min_dim: int = 1) -> torch.Tensor:
    """``t`` must be a contiguous float32/float64 tensor on a ``device_type`` device."""
    if not isinstance(t, torch.Tensor):
        raise KernelDTypeError(f"{name} must be a torch.Tensor, got {type(t).__name__}")
    native_dtype(t, name)
    if t.dim() < min_dim:
        raise KernelInputError(f"{name} must have at least {min_dim} dimension(s), got shape {tuple(t.shape)}")
    if t.device.type != device_type:
        raise KernelInputError(f"{name} is on {t.device}, but this kernel runs on {device_type}")
    if not t.is_contiguous():
        raise KernelInputError(
            f"{name} must be contiguous (got strides {t.stride()} for shape {tuple(t.shape)}); "
            f"pass {name}.contiguous()"
        )
    return t


def check_like(t: Any, name: str, ref: torch.Tensor, ref_name: str) -> torch.Tensor:
    """``t`` must be a contiguous tensor with ``ref``'s shape, dtype and device."""
    check_state(t, name, ref.device.type)
    if t.shape != ref.shape:
        raise KernelInputError(
            f"{name} has shape {tuple(t.shape)} but {ref_name} has shape {tuple(ref.shape)}"
        )
    if t.dtype != ref.dtype:
        raise KernelDTypeError(f"{name} is {t.dtype} but {ref_name} is {ref.dtype}")
    if t.device != ref.device:
        raise KernelInputError(f"{name} is on {t.device} but {ref_name} is on {ref.device}")
    return t


def param_tensor(value: Any, name: str, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """A parameter as a contiguous tensor of ``shape`` in ``like``'s dtype, on ``like``'s device.

    Tensors must already be on that device (a parameter elsewhere means the energy or sampler
    handed over the wrong thing); numbers and nested lists are converted.
    """
    if isinstance(value, torch.Tensor):
        if value.device != like.device:
            raise KernelInputError(f"{name} is on {value.device} but the chains are on {like.device}")
        if not (value.is_floating_point() or value.dtype in (torch.int32, torch.int64)):
            raise KernelDTypeError(f"{name} must be a real tensor, got {value.dtype}")
        t = value.detach().to(dtype=like.dtype)
    else:
        try:
            t = torch.as_tensor(value, dtype=like.dtype, device=like.device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise KernelInputError(f"{name} must be a tensor of shape {shape}: {exc}") from None
    if tuple(t.shape) != shape:
        raise KernelInputError(f"{name} must have shape {shape}, got {tuple(t.shape)}")
    if not bool(torch.isfinite(t).all()):
        raise KernelInputError(f"{name} must be finite")
    return t.contiguous()


def real(value: Any, name: str, *, positive: bool = False, non_negative: bool = False) -> float:
    """A finite Python float from a number or a one-element tensor."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise KernelInputError(f"{name} must be a number, got a tensor of shape {tuple(value.shape)}")
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise KernelInputError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value):
        raise KernelInputError(f"{name} must be finite, got {value}")
    if positive and value <= 0:
        raise KernelInputError(f"{name} must be > 0, got {value}")
    if non_negative and value < 0:
        raise KernelInputError(f"{name} must be >= 0, got {value}")
    return value


def integer(value: Any, name: str, *, minimum: int | None = None) -> int:
    """A Python int (not bool) from an integer or a one-element integer tensor."""
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not value.is_floating_point():
        value = int(value.item())
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise KernelInputError(f"{name} must be an integer, got {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise KernelInputError(f"{name} must be >= {minimum}, got {value}")
    return value
