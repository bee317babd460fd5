"""Checks users' keyword arguments against a factory's signature before calling it.

A typo such as ``step_sise=0.1`` must not vanish into ``**kwargs`` or surface as a bare
``TypeError`` from deep inside a constructor: it raises :class:`InvalidArgumentError` naming
the component, the offending keyword, the closest accepted one, and every accepted keyword.
"""

from __future__ import annotations

import difflib
import inspect
from typing import Any, Callable

from .errors import InvalidArgumentError
from .records import ComponentRecord


def call_factory(record: ComponentRecord, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """Build ``record``'s component with ``args``/``kwargs`` after checking the keywords."""
    check_arguments(record.factory, args, kwargs, what=f"{record.kind} {record.name!r}")
    return record.factory(*args, **kwargs)


def check_arguments(
    factory: Callable[..., Any], args: tuple[Any, ...], kwargs: dict[str, Any], *, what: str
) -> None:
    """Raise :class:`InvalidArgumentError` if ``factory(*args, **kwargs)`` cannot bind."""
    try:
        signature = inspect.signature(factory)
    except (TypeError, ValueError):  # builtins without a signature: nothing to check
        return
    params = list(signature.parameters.values())
    if any(p.kind is p.VAR_KEYWORD for p in params):
        return
    keyword_names = [
        p.name for p in params if p.kind in (p.POSITIONAL_OR_KEYWORD, p.KEYWORD_ONLY)
    ]
    positional_taken = {p.name for p in params[: len(args)] if p.kind is not p.KEYWORD_ONLY}
    accepted = [n for n in keyword_names if n not in positional_taken]
    unknown = [k for k in kwargs if k not in keyword_names]
    if unknown:
        hints = []
        for key in unknown:
            close = difflib.get_close_matches(key, accepted, n=1, cutoff=0.6)
            hints.append(f"{key!r}" + (f" (did you mean {close[0]!r}?)" if close else ""))
        raise InvalidArgumentError(
            f"{what} got unexpected keyword argument(s) {', '.join(hints)}. "
            f"Accepted keyword arguments: {', '.join(accepted) or '(none)'}."
        )
    try:
        signature.bind(*args, **kwargs)
    except TypeError as exc:
        raise InvalidArgumentError(f"{what}: {exc}. Signature: {signature}") from exc
