"""Checks on the tensors and numbers handed to the kernels: :mod:`ebm_core.checks`, raising the
kernel errors.

The native code sees only data pointers, so everything about a tensor — type, dtype, layout,
device, shape — is verified here first. The checks and their messages are ebm_core's (one
convention for the whole library); here a ``TypeError`` becomes :class:`KernelDTypeError` and
a ``ValueError`` :class:`KernelInputError`, both ``KernelInputError``\\ s, which is what
``unsupported_reason`` turns into a fallback reason.
"""

from __future__ import annotations

import functools
from typing import Any, Callable, TypeVar

import torch
from ebm_core import checks

from . import _native
from .errors import KernelDTypeError, KernelInputError

_NATIVE_DTYPES = {torch.float32: _native.DType.float32, torch.float64: _native.DType.float64}
#: Parameter tensors the kernels convert to the chains' dtype.
_PARAM_DTYPES = (
    torch.float16, torch.bfloat16, torch.float32, torch.float64, torch.int32, torch.int64
)

F = TypeVar("F", bound=Callable[..., Any])


def kernel_errors(check: F) -> F:
    """``check`` raising :class:`KernelDTypeError` for its ``TypeError`` and
    :class:`KernelInputError` for its ``ValueError`` (same message)."""

    @functools.wraps(check)
    def kernel_check(*args: Any, **kwargs: Any) -> Any:
        try:
            return check(*args, **kwargs)
        except KernelInputError:
            raise
        except TypeError as exc:
            raise KernelDTypeError(str(exc)) from None
        except ValueError as exc:
            raise KernelInputError(str(exc)) from None

    return kernel_check  # type: ignore[return-value]


finite_float = kernel_errors(checks.finite_float)
positive_float = kernel_errors(checks.positive_float)
non_negative_float = kernel_errors(checks.non_negative_float)
unit_interval = kernel_errors(checks.unit_interval)
integer_in_range = kernel_errors(checks.integer_in_range)
positive_int = kernel_errors(checks.positive_int)
non_negative_int = kernel_errors(checks.non_negative_int)


@kernel_errors
def native_dtype(t: torch.Tensor, name: str) -> Any:
    """The native DType of a float32/float64 tensor; :class:`KernelDTypeError` otherwise."""
    fix = f"convert it with {name}.float() or {name}.double()"
    checks.dtype_in(t, name, tuple(_NATIVE_DTYPES), fix)
    return _NATIVE_DTYPES[t.dtype]


@kernel_errors
def check_state(t: Any, name: str, device_type: str, *, min_dim: int = 1) -> torch.Tensor:
    """``t`` must be a contiguous float32/float64 tensor on a ``device_type`` device."""
    checks.tensor(t, name)
    native_dtype(t, name)
    checks.min_dims(t, name, min_dim)
    checks.on_device(t, name, device_type, f"this kernel runs on {device_type}")
    return checks.contiguous(t, name)


def float32_cpu_tensor(t: Any, label: str) -> torch.Tensor:
    """``t`` itself if it is a float32 CPU tensor — a network parameter of a CPU float32 kernel
    — else :class:`KernelInputError` naming ``label``."""
    if not isinstance(t, torch.Tensor) or t.device.type != "cpu" or t.dtype != torch.float32:
        raise KernelInputError(f"{label} must be a float32 CPU tensor (the chains' dtype)")
    return t


@kernel_errors
def check_like(t: Any, name: str, ref: torch.Tensor, ref_name: str) -> torch.Tensor:
    """``t`` must be a contiguous tensor with ``ref``'s shape, dtype and device."""
    check_state(t, name, ref.device.type)
    return checks.matches(t, name, ref, ref_name)


@kernel_errors
def param_tensor(value: Any, name: str, shape: tuple[int, ...], like: torch.Tensor) -> torch.Tensor:
    """A parameter as a finite contiguous ``shape`` tensor in ``like``'s dtype and on its device.

    Tensors must already be on that device (a parameter elsewhere means the energy or sampler
    handed over the wrong thing); numbers and nested lists are converted.
    """
    if isinstance(value, torch.Tensor):
        checks.on_device(value, name, like.device, "the chains are there")
        checks.dtype_in(value, name, _PARAM_DTYPES)
        t = value.detach().to(dtype=like.dtype)
    else:
        try:
            t = torch.as_tensor(value, dtype=like.dtype, device=like.device)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"{name} must be a tensor of shape {shape}, got {value!r}: {exc}"
            ) from None
    checks.has_shape(t, name, shape)
    return checks.all_finite(t, name).contiguous()
