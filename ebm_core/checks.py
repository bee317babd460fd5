"""Argument checks with one convention, for the library and for plugin authors alike.

Every check takes ``(value, name, ..., hint="")``, returns the value in a normalised form
(a Python ``float``/``int``, a detached tensor, …) and otherwise raises

* :class:`TypeError` when ``value`` is the wrong kind of object (a string for a number, a
  float for an integer, a list for a tensor, a float16 tensor where float32/64 is needed), or
* :class:`ValueError` when it is the right kind but a bad value (out of range, NaN, the wrong
  shape, on the wrong device).

The message names the argument, says what it must be, shows what was given and ends with
``hint`` (how to fix it) when one is passed::

    step_size must be a finite number > 0, got step_size=-0.1; try 0.01 and tune

Numbers may be Python or NumPy scalars or one-element tensors; booleans are refused where a
number is expected. The checks run at construction or at the start of a call, never inside a
sampling loop, so converting a tensor argument to a Python number (a device synchronisation)
is acceptable.

Example (a plugin's constructor)::

    from ebm_core import checks

    class Ring:
        def __init__(self, radius: float = 1.0, n_modes: int = 8, jitter: float = 0.0):
            self.radius = checks.positive_float(radius, "radius")
            self.n_modes = checks.positive_int(n_modes, "n_modes", "the number of modes, e.g. 8")
            self.jitter = checks.unit_interval(jitter, "jitter")

    Ring(radius=2, n_modes=4)
    try:
        Ring(radius=-1.0)
    except ValueError as error:
        assert str(error) == "radius must be a finite number > 0, got radius=-1.0"
"""

from __future__ import annotations

import math
import numbers
from typing import Any, Collection, Sequence

import torch

__all__ = [
    "tractable_energy",
    "finite_float",
    "positive_float",
    "non_negative_float",
    "float_in_range",
    "probability",
    "unit_interval",
    "integer_in_range",
    "positive_int",
    "non_negative_int",
    "one_of",
    "optional_generator",
    "tensor",
    "finite_tensor",
    "positive_tensor",
    "all_finite",
    "dtype_in",
    "on_device",
    "contiguous",
    "min_dims",
    "has_shape",
    "matches",
]


# ------------------------------------------------------------------------------ numbers
def finite_float(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a Python float after checking it is a finite real number."""
    return _real(value, name, "a finite number", hint, lambda v: True)


def positive_float(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a float after checking it is finite and > 0."""
    return _real(value, name, "a finite number > 0", hint, lambda v: v > 0)


def non_negative_float(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a float after checking it is finite and >= 0."""
    return _real(value, name, "a finite number >= 0", hint, lambda v: v >= 0)


def float_in_range(value: Any, name: str, minimum: float, maximum: float, hint: str = "") -> float:
    """``value`` as a float after checking ``minimum <= value <= maximum`` (a closed interval)."""
    requirement = f"a number in [{minimum}, {maximum}]"
    return _real(value, name, requirement, hint, lambda v: minimum <= v <= maximum)


def probability(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a float in the open interval ``(0, 1)`` (e.g. a target acceptance rate)."""
    return _real(value, name, "a number strictly between 0 and 1", hint, lambda v: 0 < v < 1)


def unit_interval(value: Any, name: str, hint: str = "") -> float:
    """``value`` as a float in ``[0, 1)`` (a fraction that may be 0 but not all)."""
    return _real(value, name, "a number in [0, 1)", hint, lambda v: 0 <= v < 1)


def integer_in_range(
    value: Any, name: str, minimum: int | None = None, maximum: int | None = None, hint: str = ""
) -> int:
    """``value`` as a Python int after checking ``minimum <= value <= maximum`` (bounds optional).

    Integers may be Python or NumPy integers or one-element integer tensors; floats (even
    ``2.0``) and booleans are a :class:`TypeError`.
    """
    if minimum is not None and maximum is not None:
        requirement = f"an integer in [{minimum}, {maximum}]"
    elif minimum is not None:
        requirement = f"an integer >= {minimum}"
    elif maximum is not None:
        requirement = f"an integer <= {maximum}"
    else:
        requirement = "an integer"
    number = value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not (
        value.is_floating_point() or value.is_complex() or value.dtype == torch.bool
    ):
        number = value.item()
    if isinstance(number, bool) or not isinstance(number, numbers.Integral):
        _wrong_type(name, requirement, value, hint)
    number = int(number)
    if (minimum is not None and number < minimum) or (maximum is not None and number > maximum):
        _bad_value(name, requirement, value, hint)
    return number


def positive_int(value: Any, name: str, hint: str = "") -> int:
    """``value`` as an int >= 1."""
    return integer_in_range(value, name, 1, None, hint)


def non_negative_int(value: Any, name: str, hint: str = "") -> int:
    """``value`` as an int >= 0."""
    return integer_in_range(value, name, 0, None, hint)


def one_of(value: Any, name: str, choices: Collection[Any], hint: str = "") -> Any:
    """``value`` after checking it is one of ``choices`` (a :class:`ValueError` lists them)."""
    try:
        known = value in choices
    except TypeError:  # unhashable value, set of choices
        known = False
    if not known:
        listed = ", ".join(repr(choice) for choice in choices)
        _bad_value(name, f"one of {listed}", value, hint)
    return value


def optional_generator(
    value: Any, name: str, device: torch.device | str | None = None, hint: str = ""
) -> torch.Generator | None:
    """``value`` after checking it is ``None`` or a :class:`torch.Generator` (on ``device``'s type).

    Generators are compared by device type only (``cuda`` matches ``cuda:1``): a generator
    cannot draw on another device type, while the device index is the caller's business.
    """
    if value is None:
        return None
    want = None if device is None else torch.device(device)
    where = "cpu" if want is None else want.type
    fix = f"create one with torch.Generator(device={where!r}).manual_seed(seed)"
    if not isinstance(value, torch.Generator):
        _wrong_type(name, "a torch.Generator or None", value, _join(fix, hint))
    if want is not None and value.device.type != want.type:
        raise ValueError(
            f"{name} is on {value.device} but must be on {want.type}; {_join(fix, hint)}"
        )
    return value


def tractable_energy(value: Any, name: str, hint: str = "") -> Any:
    """``value`` after checking it is an :class:`ebm_core.Energy` with exact samples and a known
    normaliser — callable ``sample_exact(n, generator)`` and ``log_partition()`` — as a noise
    distribution, an importance proposal or an annealing base needs; else :class:`TypeError`.

    Example::

        import ebm_core
        from ebm_core.checks import tractable_energy
        tractable_energy(ebm_core.energy("gaussian", dim=2), "proposal")
        try:
            tractable_energy(ebm_core.energy("double_well"), "proposal")
        except TypeError as error:
            assert "got DoubleWell without sample_exact, log_partition" in str(error)
    """
    from .contracts.energy import Energy  # here: the contracts import these checks

    missing = [m for m in ("sample_exact", "log_partition") if not callable(getattr(value, m, None))]
    if not isinstance(value, Energy) or missing:
        lacking = f" without {', '.join(missing)}" if isinstance(value, Energy) else ""
        raise TypeError(
            f"{name} must be an ebm_core.Energy with exact samples and a known normaliser "
            f"(sample_exact(n, generator), log_partition()), got {type(value).__name__}{lacking}{_suffix(hint)}"
        )
    return value


# ------------------------------------------------------------------------------ tensors
def tensor(value: Any, name: str, hint: str = "") -> torch.Tensor:
    """``value`` after checking it is a :class:`torch.Tensor` (nothing is converted)."""
    if not isinstance(value, torch.Tensor):
        _wrong_type(name, "a torch.Tensor", value, hint)
    return value


def finite_tensor(value: Any, name: str, hint: str = "") -> torch.Tensor:
    """``value`` (number, nested sequence or tensor) as a finite float64 tensor.

    Always a detached copy, on ``value``'s device (CPU for numbers and sequences), so the
    caller may keep it without aliasing the user's tensor. Validation in float64 means a
    Python ``0.7`` is rounded once, when the caller casts to its working dtype.
    """
    if isinstance(value, torch.Tensor):
        if value.is_complex() or value.dtype == torch.bool:
            _wrong_type(name, "a real number, sequence or tensor of numbers", value, hint)
        copy = value.detach().to(torch.float64, copy=True)
    else:
        try:
            copy = torch.as_tensor(value, dtype=torch.float64)
        except (TypeError, ValueError, RuntimeError) as exc:
            raise TypeError(
                f"{name} must be a number, sequence or tensor of numbers, got "
                f"{_given(name, value)} ({type(value).__name__}): {exc}{_suffix(hint)}"
            ) from None
    return all_finite(copy, name, hint)


def positive_tensor(value: Any, name: str, hint: str = "") -> torch.Tensor:
    """``value`` as a finite float64 tensor (see :func:`finite_tensor`) with every entry > 0.

    An empty tensor is a :class:`ValueError`: there is nothing to scale by.
    """
    copy = finite_tensor(value, name, hint)
    if copy.numel() == 0:
        raise ValueError(f"{name} must have at least one entry, got an empty tensor{_suffix(hint)}")
    if not bool((copy > 0).all()):
        raise ValueError(
            f"{name} must have every entry > 0, got {_given(name, value)}{_suffix(hint)}"
        )
    return copy


def all_finite(t: torch.Tensor, name: str, hint: str = "") -> torch.Tensor:
    """``t`` after checking it holds no NaN or infinite entry (synchronises with the device)."""
    if not bool(torch.isfinite(t).all()):
        n_bad = int((~torch.isfinite(t)).sum())
        raise ValueError(
            f"{name} must be finite, but {n_bad} of its {t.numel()} entries are NaN or infinite "
            f"(got {_given(name, t)}){_suffix(hint)}"
        )
    return t


def dtype_in(
    t: torch.Tensor, name: str, dtypes: Sequence[torch.dtype], hint: str = ""
) -> torch.Tensor:
    """``t`` after checking its dtype is one of ``dtypes`` (a :class:`TypeError` otherwise)."""
    if t.dtype not in dtypes:
        listed = " or ".join(str(d).removeprefix("torch.") for d in dtypes)
        raise TypeError(f"{name} must be {listed}, got {t.dtype}{_suffix(hint)}")
    return t


def on_device(
    t: torch.Tensor, name: str, device: torch.device | str, hint: str = ""
) -> torch.Tensor:
    """``t`` after checking it lives on ``device`` (``"cuda"`` without an index matches any GPU)."""
    want = torch.device(device)
    if t.device.type != want.type or (want.index is not None and t.device.index != want.index):
        raise ValueError(f"{name} is on {t.device} but must be on {want}{_suffix(hint)}")
    return t


def contiguous(t: torch.Tensor, name: str, hint: str = "") -> torch.Tensor:
    """``t`` after checking it is contiguous (C order), as code that reads raw pointers needs."""
    if not t.is_contiguous():
        raise ValueError(
            f"{name} must be contiguous (got strides {t.stride()} for shape {tuple(t.shape)}); "
            f"pass {name}.contiguous(){_suffix(hint)}"
        )
    return t


def min_dims(t: torch.Tensor, name: str, n: int, hint: str = "") -> torch.Tensor:
    """``t`` after checking it has at least ``n`` dimensions."""
    if t.dim() < n:
        raise ValueError(
            f"{name} must have at least {n} dimension(s), got shape {tuple(t.shape)}{_suffix(hint)}"
        )
    return t


def has_shape(t: torch.Tensor, name: str, shape: Sequence[int], hint: str = "") -> torch.Tensor:
    """``t`` after checking its shape is exactly ``shape``."""
    if tuple(t.shape) != tuple(shape):
        raise ValueError(
            f"{name} must have shape {tuple(shape)}, got {tuple(t.shape)}{_suffix(hint)}"
        )
    return t


def matches(t: torch.Tensor, name: str, ref: torch.Tensor, ref_name: str) -> torch.Tensor:
    """``t`` after checking it has ``ref``'s shape, device (ValueError) and dtype (TypeError)."""
    if t.shape != ref.shape:
        raise ValueError(
            f"{name} has shape {tuple(t.shape)} but {ref_name} has shape {tuple(ref.shape)}"
        )
    if t.device != ref.device:
        raise ValueError(f"{name} is on {t.device} but {ref_name} is on {ref.device}")
    if t.dtype != ref.dtype:
        raise TypeError(
            f"{name} is {t.dtype} but {ref_name} is {ref.dtype}; convert it with .to({ref.dtype})"
        )
    return t


# ------------------------------------------------------------------------------ internals
def _real(value: Any, name: str, requirement: str, hint: str, accept: Any) -> float:
    number = value
    if isinstance(value, torch.Tensor) and value.numel() == 1 and not (
        value.is_complex() or value.dtype == torch.bool
    ):
        number = value.item()
    if isinstance(number, bool) or not isinstance(number, numbers.Real):
        _wrong_type(name, requirement, value, hint)
    number = float(number)
    if not (math.isfinite(number) and accept(number)):
        _bad_value(name, requirement, value, hint)
    return number


def _wrong_type(name: str, requirement: str, value: Any, hint: str) -> None:
    kind = "" if value is None else f" ({_kind(value)})"
    raise TypeError(f"{name} must be {requirement}, got {_given(name, value)}{kind}{_suffix(hint)}")


def _bad_value(name: str, requirement: str, value: Any, hint: str) -> None:
    raise ValueError(f"{name} must be {requirement}, got {_given(name, value)}{_suffix(hint)}")


def _given(name: str, value: Any) -> str:
    """``name=<value>`` with long representations (big tensors, lists) cut short."""
    if isinstance(value, torch.Tensor) and value.numel() > 8:
        return f"{name}=<{value.dtype} tensor of shape {tuple(value.shape)}>"
    shown = repr(value)
    if len(shown) > 80:
        shown = shown[:77] + "..."
    return f"{name}={shown}"


def _kind(value: Any) -> str:
    if isinstance(value, torch.Tensor):
        return f"a {value.dtype} tensor of shape {tuple(value.shape)}"
    kind = type(value).__name__
    return f"{'an' if kind[:1].lower() in 'aeiou' else 'a'} {kind}"


def _suffix(hint: str) -> str:
    return f"; {hint}" if hint else ""


def _join(first: str, hint: str) -> str:
    return first + _suffix(hint)
