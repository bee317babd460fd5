"""Run configuration for ``ebm train`` / ``ebm sample``: defaults < TOML file < flags < ``--set``.

A configuration is a dict with top-level run settings (``steps``, ``batch_size``, ...) and one
table per component, ``[dataset]``, ``[energy]``, ``[loss]``, ``[sampler]``, each holding the
registered ``name`` and that component's keyword arguments::

    steps = 2000

    [energy]
    name = "mlp"
    hidden = [128, 128]

    [sampler]
    name = "langevin"
    step_size = 0.01

``--set sampler.step_size=0.02`` (or ``--set steps=500``) overrides one value; the value is
read as a TOML value (``0.02``, ``true``, ``[64, 64]``, ``"text"``) and as a plain string if
it is not one.
"""

from __future__ import annotations

import copy
import difflib
import inspect
import sys
from pathlib import Path
from typing import Any, Mapping

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on Python 3.10 only
    import tomli as tomllib

from .. import api
from ..errors import EbmError

COMPONENTS = ("dataset", "energy", "loss", "sampler")


class ConfigError(EbmError, ValueError):
    """A configuration file or ``--set`` override that cannot be used."""


def load_toml(path: str | Path) -> dict[str, Any]:
    """Read a TOML configuration file, with errors naming the file."""
    path = Path(path)
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"config file {path} does not exist") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config file {path} is not valid TOML: {exc}") from None


def parse_value(text: str) -> Any:
    """``"0.1"`` → 0.1, ``"[64, 64]"`` → [64, 64], ``"true"`` → True, ``"abc"`` → "abc"."""
    try:
        return tomllib.loads(f"value = {text}")["value"]
    except tomllib.TOMLDecodeError:
        return text


def apply_override(config: dict[str, Any], assignment: str) -> None:
    """Apply one ``KEY=VALUE`` (``KEY`` is ``setting`` or ``component.argument``) in place."""
    key, sep, raw = assignment.partition("=")
    if not sep or not key.strip():
        raise ConfigError(f"--set needs KEY=VALUE (e.g. sampler.step_size=0.01), got {assignment!r}")
    section, dot, name = key.strip().rpartition(".")
    if dot:
        if section not in COMPONENTS:
            raise ConfigError(
                f"--set {assignment!r}: unknown section {section!r}; use one of {', '.join(COMPONENTS)}"
            )
        value = parse_value(raw.strip())
        if name == "name":  # a new component: its predecessor's arguments no longer apply
            config.update(merge(config, {section: {"name": value}}))
        else:
            config.setdefault(section, {})[name] = value
    else:
        config[name] = parse_value(raw.strip())


def merge(base: Mapping[str, Any], update: Mapping[str, Any]) -> dict[str, Any]:
    """``base`` updated by ``update``; component tables merge key by key, and a new component
    ``name`` drops the old component's arguments (they belonged to the other component)."""
    merged = copy.deepcopy(dict(base))
    for key, value in update.items():
        if key in COMPONENTS and isinstance(value, Mapping):
            old = merged.get(key, {})
            keep = {} if "name" in value and value["name"] != old.get("name") else old
            merged[key] = {**keep, **value}
        else:
            merged[key] = value
    return merged


def component(config: Mapping[str, Any], section: str) -> tuple[str, dict[str, Any]]:
    """``(name, kwargs)`` of one component table."""
    table = dict(config.get(section) or {})
    name = table.pop("name", None)
    if not isinstance(name, str):
        raise ConfigError(f"[{section}] needs a registered name, e.g. {section}.name = \"...\"")
    return name, table


def check_settings(config: Mapping[str, Any], allowed: Mapping[str, type]) -> None:
    """Reject unknown top-level settings and values of the wrong type, naming the accepted ones."""
    for key, value in config.items():
        if key in COMPONENTS:
            continue
        if key not in allowed:
            raise ConfigError(f"unknown setting {key!r}{_hint(config, key, allowed)}; accepted: {', '.join(sorted(allowed))}")
        kind = allowed[key]
        if value is not None and not (isinstance(value, kind) or (kind is float and isinstance(value, int))):
            raise ConfigError(f"setting {key!r} must be {kind.__name__}, got {value!r}")


def _hint(config: Mapping[str, Any], key: str, allowed: Mapping[str, type]) -> str:
    """`` (did you mean 'sampler.step_size'?)`` when ``key`` is an argument of a configured
    component, or close to an accepted setting; empty otherwise."""
    for section in COMPONENTS:
        name = (config.get(section) or {}).get("name")
        if isinstance(name, str) and key in _argument_names(section, name):
            return f" (did you mean '{section}.{key}'?)"
    close = difflib.get_close_matches(key, list(allowed), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _argument_names(kind: str, name: str) -> set[str]:
    try:
        return set(inspect.signature(api.describe(kind, name).factory).parameters)
    except (EbmError, TypeError, ValueError):  # unknown name or no signature: no hint
        return set()
