"""The plugin registry: discovers plugins through entry points and answers name lookups.

Plugins come from two places:

* entry points in group ``ebm`` of installed distributions (the built-in plugins of
  ebm-core are found this way too — ebm-core never imports them directly);
* plugin objects added in-process with :func:`ebm_core.register_plugin`.

The registry is built lazily, on the first lookup, and cached; :meth:`Registry.reload`
rebuilds it. Loading is defensive where pluggy's own ``load_setuptools_entrypoints`` is not:

* a plugin that fails to import, or whose hook raises, or that registers something invalid,
  is skipped as a whole (none of its components are kept) with a :class:`PluginWarning`
  naming the entry point, its distribution and the error; the other plugins still load;
* two distributions declaring the same entry-point name are both loaded and reported
  (pluggy would silently keep one);
* ``EBM_STRICT_PLUGINS=1`` turns every such problem into a :class:`PluginLoadError`.

Two plugins registering the same component name is not a load error: looking up the bare
name raises :class:`AmbiguousComponentError` naming both, and ``"dist:name"`` selects one.
"""

from __future__ import annotations

import dataclasses
import difflib
import re
import threading
import warnings
from typing import Any, Callable

import importlib_metadata
import pluggy

from . import hookspecs
from .environment_switches import switch
from .errors import (
    AmbiguousComponentError,
    PluginLoadError,
    PluginWarning,
    UnknownComponentError,
)
from .records import KINDS, ComponentRecord, PluginFailure, PluginSource

STRICT_ENV = "EBM_STRICT_PLUGINS"
_NAME_RE = re.compile(r"^[a-z0-9_][a-z0-9_.\-/]*$")
_KIND_FOR_HOOK = {hook: kind for kind, hook in hookspecs.HOOK_FOR_KIND.items()}


def strict_mode() -> bool:
    """True when ``EBM_STRICT_PLUGINS`` is set to a true value (``1``, ``true``, ``yes``)."""
    return switch(STRICT_ENV) is True


def canonical_distribution_name(name: str) -> str:
    """PEP 503 normalisation: ``Ebm_Core`` and ``ebm.core`` both become ``ebm-core``."""
    return re.sub(r"[-_.]+", "-", name).lower()


@dataclasses.dataclass
class Catalog:
    """Everything one load of the plugins produced."""

    records: list[ComponentRecord] = dataclasses.field(default_factory=list)
    failures: list[PluginFailure] = dataclasses.field(default_factory=list)
    duplicate_entry_points: list[str] = dataclasses.field(default_factory=list)
    plugins: list[PluginSource] = dataclasses.field(default_factory=list)
    #: :meth:`Registry.exact_kernels_for`'s answers for this catalog, emptied when a plugin
    #: is added or removed (a reload builds a new catalog).
    exact_kernels: dict[tuple[str, str, str], tuple[ComponentRecord, ...]] = dataclasses.field(
        default_factory=dict, repr=False, compare=False
    )


class Registry:
    """Finds plugins and looks components up by name. Use the module-level :data:`REGISTRY`.

    ``use_entry_points=False`` builds a registry that only knows in-process plugins (tests).
    """

    def __init__(self, *, use_entry_points: bool = True) -> None:
        self._use_entry_points = use_entry_points
        self._in_process: list[tuple[PluginSource, Any]] = []
        self._catalog: Catalog | None = None
        self._lock = threading.RLock()

    # ----------------------------------------------------------------- building
    @property
    def catalog(self) -> Catalog:
        """The loaded catalog, built on first access."""
        with self._lock:
            if self._catalog is None:
                self._catalog = self._build()
            return self._catalog

    @property
    def is_loaded(self) -> bool:
        """Whether plugins have been loaded yet (importing ebm_core loads none)."""
        return self._catalog is not None

    def reload(self) -> Catalog:
        """Forget the cached catalog and load every plugin again."""
        with self._lock:
            self._catalog = None
            return self.catalog

    def _build(self) -> Catalog:
        catalog = Catalog()
        sources: list[tuple[PluginSource, Callable[[], Any]]] = []
        if self._use_entry_points:
            found, duplicates = _discover_entry_points()
            catalog.duplicate_entry_points.extend(duplicates)
            sources.extend(found)
        sources.extend((src, (lambda o=obj: o)) for src, obj in self._in_process)
        for source, load in sources:
            catalog.plugins.append(source)
            try:
                records = _collect(source, load())
            except Exception as exc:  # noqa: BLE001 - any plugin error is isolated
                catalog.failures.append(PluginFailure(source, _format_error(exc)))
                continue
            catalog.records.extend(records)
        self._report(catalog)
        return catalog

    @staticmethod
    def _report(catalog: Catalog) -> None:
        problems = [f.describe() for f in catalog.failures] + catalog.duplicate_entry_points
        if not problems:
            return
        if strict_mode():
            raise PluginLoadError(
                f"{len(problems)} plugin problem(s) with {STRICT_ENV}=1:\n  - "
                + "\n  - ".join(problems)
                + f"\nFix or uninstall the plugin(s), or unset {STRICT_ENV} to skip them."
            )
        for problem in problems:
            warnings.warn(f"ebm: skipped or shadowed plugin: {problem}", PluginWarning, stacklevel=4)

    # ------------------------------------------------------- in-process plugins
    def add_plugin(self, plugin: Any, name: str | None = None) -> PluginSource:
        """Add a plugin object (module, class instance, ...) with ``@hookimpl`` functions.

        Errors in it raise :class:`PluginLoadError` at once (the caller is right there).
        """
        name = name or getattr(plugin, "__name__", None) or type(plugin).__name__
        with self._lock:
            if any(src.name == name for src, _ in self._in_process):
                raise PluginLoadError(
                    f"an in-process plugin named {name!r} is already registered; "
                    f"pass another name= or call unregister_plugin({name!r}) first"
                )
            source = PluginSource(name=name)
            try:
                records = _collect(source, plugin)
            except Exception as exc:
                raise PluginLoadError(f"{source.describe()} failed: {_format_error(exc)}") from exc
            self._in_process.append((source, plugin))
            if self._catalog is not None:
                self._catalog.plugins.append(source)
                self._catalog.records.extend(records)
                self._catalog.exact_kernels.clear()
            return source

    def remove_plugin(self, plugin_or_name: Any) -> None:
        """Remove an in-process plugin, given the object or the name it was added under."""
        with self._lock:
            keep = [
                (src, obj)
                for src, obj in self._in_process
                if not (obj is plugin_or_name or src.name == plugin_or_name)
            ]
            if len(keep) == len(self._in_process):
                names = [src.name for src, _ in self._in_process] or ["(none)"]
                raise UnknownComponentError(
                    f"no in-process plugin {plugin_or_name!r}; registered: {', '.join(names)}"
                )
            removed = {src for src, _ in self._in_process} - {src for src, _ in keep}
            self._in_process = keep
            if self._catalog is not None:
                cat = self._catalog
                cat.records = [r for r in cat.records if r.source not in removed]
                cat.plugins = [p for p in cat.plugins if p not in removed]
                cat.exact_kernels.clear()

    # ------------------------------------------------------------------ lookup
    def records(self, kind: str | None = None) -> list[ComponentRecord]:
        """All records, or those of one kind, sorted by kind then name."""
        if kind is not None:
            _check_kind(kind)
        order = {k: i for i, k in enumerate(KINDS)}
        selected = [r for r in self.catalog.records if kind is None or r.kind == kind]
        return sorted(selected, key=lambda r: (order[r.kind], r.name, r.qualified_name))

    def get(self, kind: str, name: str) -> ComponentRecord:
        """The record for ``name`` (bare, or ``"dist:name"``/``"plugin:name"``) of ``kind``."""
        _check_kind(kind)
        if not isinstance(name, str) or not name:
            raise UnknownComponentError(f"{kind} name must be a non-empty string, got {name!r}")
        candidates = self.records(kind)
        qualifier, _, bare = name.rpartition(":")
        matches = [r for r in candidates if r.name == bare]
        if qualifier:
            wanted = canonical_distribution_name(qualifier)
            matches = [
                r
                for r in matches
                if wanted in {canonical_distribution_name(r.source.qualifier), r.source.name}
            ]
        if len(matches) == 1:
            return matches[0]
        if len(matches) > 1:
            choices = ", ".join(f"{r.qualified_name!r} ({r.source.describe()})" for r in matches)
            raise AmbiguousComponentError(
                f"{kind} name {name!r} is registered by {len(matches)} plugins: {choices}. "
                f"Select one with its qualified name, e.g. {matches[0].qualified_name!r}."
            )
        raise UnknownComponentError(_unknown_message(kind, name, candidates))

    def kernels_for(self, sampler_key: str, energy_key: str, device: str) -> list[ComponentRecord]:
        """Kernel records registered for this (sampler, energy, device) triple.

        Exact-energy matches come before ``energy="*"`` (any-energy) kernels.
        """
        found = [
            r
            for r in self.records("kernel")
            if r.meta.get("sampler") == sampler_key
            and r.meta.get("device") == device
            and r.meta.get("energy") in (energy_key, "*")
        ]
        return sorted(found, key=lambda r: r.meta.get("energy") == "*")

    def exact_kernels_for(self, sampler_key: str, energy_key: str, device: str) -> tuple[ComponentRecord, ...]:
        """The chain-kernel records for exactly this energy key (no ``"*"`` kernels), cached.

        The sampling loop asks this on every run; the answer is kept per (sampler key, energy
        key, device) on the catalog, so it lasts until a plugin is added or removed or the
        plugins are reloaded.
        """
        with self._lock:
            catalog = self.catalog
            key = (sampler_key, energy_key, device)
            found = catalog.exact_kernels.get(key)
            if found is None:
                found = tuple(
                    r for r in self.kernels_for(sampler_key, energy_key, device)
                    if r.meta.get("energy") == energy_key
                )
                catalog.exact_kernels[key] = found
            return found


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; got {kind!r}")


def _unknown_message(kind: str, name: str, candidates: list[ComponentRecord]) -> str:
    names = sorted({r.name for r in candidates})
    bare = name.rpartition(":")[2]
    close = difflib.get_close_matches(bare, names, n=1, cutoff=0.6)
    hint = f" Did you mean {close[0]!r}?" if close else ""
    listing = ", ".join(names) if names else "(none registered)"
    return (
        f"no {kind} named {name!r}.{hint} Available {kind} names: {listing}. "
        "Run `ebm plugins` to see every component and the plugin that provides it."
    )


def _format_error(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def _discover_entry_points() -> tuple[list[tuple[PluginSource, Callable[[], Any]]], list[str]]:
    """Entry points of group ``ebm``, one distribution per canonical name (first on path wins).

    ``importlib_metadata.entry_points`` reads only the entry-point files and parses the
    metadata of the distributions that declare one (scanning every installed distribution's
    metadata took most of the first lookup's time). Nothing is imported until a plugin loads.
    """
    found: list[tuple[PluginSource, Callable[[], Any]]] = []
    by_ep_name: dict[str, list[PluginSource]] = {}
    for ep in importlib_metadata.entry_points(group=hookspecs.ENTRY_POINT_GROUP):
        dist = ep.dist
        dist_name = dist.name if dist is not None else None
        if not dist_name:  # unreadable metadata: no distribution to attribute the plugin to
            continue
        source = PluginSource(name=ep.name, distribution=dist_name, version=dist.version, entry_point=ep.value)
        by_ep_name.setdefault(ep.name, []).append(source)
        found.append((source, ep.load))
    duplicates = [
        f"entry-point name {ep_name!r} in group {hookspecs.ENTRY_POINT_GROUP!r} is declared by "
        + " and ".join(f"{s.distribution} ({s.entry_point})" for s in sources)
        + "; all were loaded — give each a distinct entry-point name"
        for ep_name, sources in by_ep_name.items()
        if len(sources) > 1
    ]
    return found, duplicates


def _collect(source: PluginSource, plugin: Any) -> list[ComponentRecord]:
    """Validate ``plugin``'s hooks with pluggy and call each, attributing records to ``source``.

    Raises on the first problem; the caller decides whether that is a warning or an error.
    """
    pm = pluggy.PluginManager(hookspecs.PROJECT_NAME)
    pm.add_hookspecs(hookspecs)
    pm.register(plugin, name=f"{source.qualifier}:{source.name}")
    pm.check_pending()  # hookimpls naming a hook that does not exist
    records: list[ComponentRecord] = []
    seen: set[tuple[str, str]] = set()
    for hook_name, kind in _KIND_FOR_HOOK.items():
        register = _make_register(kind, source, records, seen)
        for impl in getattr(pm.hook, hook_name).get_hookimpls():
            impl.function(**{arg: register for arg in impl.argnames})
    if not records:
        raise PluginLoadError(
            "registered no component (does it decorate its hook functions with "
            "@ebm_core.hookimpl and call register(...)?)"
        )
    return records


def _make_register(
    kind: str, source: PluginSource, out: list[ComponentRecord], seen: set[tuple[str, str]]
) -> Callable[..., None]:
    def register(name: str, factory: Callable[..., Any], *, description: str = "", **meta: Any) -> None:
        if not isinstance(name, str) or not _NAME_RE.match(name):
            raise ValueError(
                f"invalid {kind} name {name!r}: use lower-case letters, digits, '_', '-', '.', '/'"
                " (no ':' — it separates the qualifier in 'dist:name')"
            )
        if not callable(factory):
            raise TypeError(f"{kind} {name!r}: factory must be callable, got {factory!r}")
        if (kind, name) in seen:
            raise ValueError(f"{kind} {name!r} registered twice by the same plugin")
        if kind == "kernel":
            missing = [k for k in hookspecs.KERNEL_META if not isinstance(meta.get(k), str)]
            if missing:
                raise ValueError(
                    f"kernel {name!r} must be registered with string meta {', '.join(missing)} "
                    "(e.g. sampler='mala', energy='double_well', device='cpu')"
                )
        seen.add((kind, name))
        out.append(
            ComponentRecord(
                kind=kind,
                name=name,
                factory=factory,
                source=source,
                description=description or _first_doc_line(factory),
                meta=dict(meta),
            )
        )

    return register


def _first_doc_line(obj: Any) -> str:
    doc = getattr(obj, "__doc__", None) or ""
    for line in doc.strip().splitlines():
        if line.strip():
            return line.strip()
    return ""


#: The process-wide registry used by :mod:`ebm_core`'s selection functions.
REGISTRY = Registry()
