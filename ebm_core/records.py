"""Typed records the registry keeps: one per registered component, one per broken plugin."""

from __future__ import annotations

import dataclasses
from typing import Any, Callable, Mapping

#: The kinds of component a plugin can register, in the order ``ebm plugins`` lists them.
KINDS: tuple[str, ...] = ("energy", "sampler", "loss", "dataset", "estimator", "kernel")

#: Shown as the distribution of a plugin object added with ``ebm_core.register_plugin``.
IN_PROCESS = "(in-process)"


@dataclasses.dataclass(frozen=True)
class PluginSource:
    """Where a plugin came from.

    ``name`` is the plugin's name (the entry-point name, or the name given to
    ``register_plugin``); ``distribution``/``version`` name the installed distribution that
    declared the entry point (``None`` for in-process plugins).
    """

    name: str
    distribution: str | None = None
    version: str | None = None
    entry_point: str | None = None

    @property
    def qualifier(self) -> str:
        """The prefix that selects this plugin's components: ``"<distribution>:<name>"``."""
        return self.distribution if self.distribution is not None else self.name

    def describe(self) -> str:
        """Human description, e.g. ``plugin 'energies' from ebm-core 0.1.0``."""
        if self.distribution is None:
            return f"in-process plugin {self.name!r}"
        return f"plugin {self.name!r} from {self.distribution} {self.version}"


@dataclasses.dataclass(frozen=True)
class ComponentRecord:
    """One registered component: what it is, how to build it and where it came from."""

    kind: str
    name: str
    factory: Callable[..., Any]
    source: PluginSource
    description: str = ""
    meta: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def qualified_name(self) -> str:
        """``"<distribution>:<name>"``, the spelling that is never ambiguous."""
        return f"{self.source.qualifier}:{self.name}"

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly form (used by ``ebm plugins --json``)."""
        return {
            "kind": self.kind,
            "name": self.name,
            "qualified_name": self.qualified_name,
            "plugin": self.source.name,
            "distribution": self.source.distribution or IN_PROCESS,
            "version": self.source.version,
            "description": self.description,
            "meta": {k: _jsonable(v) for k, v in self.meta.items()},
        }


@dataclasses.dataclass(frozen=True)
class PluginFailure:
    """A plugin that could not be loaded (import error, raising hook, bad registration)."""

    source: PluginSource
    error: str

    def describe(self) -> str:
        where = f" (entry point {self.source.entry_point})" if self.source.entry_point else ""
        return f"{self.source.describe()}{where}: {self.error}"

    def as_dict(self) -> dict[str, Any]:
        return {
            "plugin": self.source.name,
            "distribution": self.source.distribution or IN_PROCESS,
            "version": self.source.version,
            "entry_point": self.source.entry_point,
            "error": self.error,
        }


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return repr(value)
