"""Selecting components by registered name: ``energy``, ``sampler``, ``loss``, ``dataset``,
``estimator``.

Names are bare (``"hmc"``) or qualified by distribution or plugin (``"ebm-core:hmc"``); the
qualified form is needed only when two plugins register the same name.
"""

from __future__ import annotations

from typing import Any

from .arguments import call_factory
from .records import KINDS, ComponentRecord, PluginSource
from .registry import REGISTRY


def energy(name: str, /, **kwargs: Any) -> Any:
    """Build the energy registered as ``name``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("double_well", barrier_height=2.0)
        assert e(torch.zeros(3, 2)).shape == (3,)
    """
    return call_factory(REGISTRY.get("energy", name), (), kwargs)


def sampler(name: str, energy: Any, /, **kwargs: Any) -> Any:
    """Build the sampler registered as ``name`` for ``energy``.

    Example::

        import torch, ebm_core
        s = ebm_core.sampler("langevin", ebm_core.energy("gaussian", dim=2), step_size=0.05)
        assert s.sample(torch.zeros(8, 2), n_steps=10).shape == (8, 2)
    """
    return call_factory(REGISTRY.get("sampler", name), (energy,), kwargs)


def loss(name: str, energy: Any, /, **kwargs: Any) -> Any:
    """Build the loss registered as ``name`` for ``energy``."""
    return call_factory(REGISTRY.get("loss", name), (energy,), kwargs)


def dataset(name: str, /, **kwargs: Any) -> Any:
    """Build the data set registered as ``name`` (an object with ``sample(n, generator)``)."""
    return call_factory(REGISTRY.get("dataset", name), (), kwargs)


def estimator(name: str, energy: Any, /, **kwargs: Any) -> Any:
    """Build the log-partition estimator registered as ``name`` for ``energy``.

    Its ``estimate(generator=..., progress=...)`` returns an
    :class:`ebm_core.evaluation.LogZEstimate` (``log Z`` with its standard error).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", dim=2)
        ais = ebm_core.estimator("ais", e, n_chains=64, n_temperatures=50)
        est = ais.estimate(generator=torch.Generator().manual_seed(0))
        assert abs(est.log_z - e.log_partition()) < 5 * est.stderr + 1e-6
    """
    return call_factory(REGISTRY.get("estimator", name), (energy,), kwargs)


def available(kind: str | None = None) -> dict[str, list[str]] | list[str]:
    """Registered names: a sorted list for one ``kind``, else a dict of kind → names.

    Names registered by several plugins appear qualified (``"dist:name"``), once per plugin.

    Example::

        import ebm_core
        assert "gaussian" in ebm_core.available("energy")
    """
    if kind is not None:
        return _names(REGISTRY.records(kind))
    return {k: _names(REGISTRY.records(k)) for k in KINDS}


def describe(kind: str, name: str) -> ComponentRecord:
    """The registry record of one component (factory, plugin, distribution, version, meta)."""
    return REGISTRY.get(kind, name)


def register_plugin(plugin: Any, name: str | None = None) -> PluginSource:
    """Add an in-process plugin object (module or instance with ``@hookimpl`` functions)."""
    return REGISTRY.add_plugin(plugin, name=name)


def unregister_plugin(plugin_or_name: Any) -> None:
    """Remove a plugin added with :func:`register_plugin` (by object or name)."""
    REGISTRY.remove_plugin(plugin_or_name)


def reload_plugins() -> None:
    """Discover the installed plugins again (after ``pip install`` in a running session)."""
    REGISTRY.reload()


def _names(records: list[ComponentRecord]) -> list[str]:
    counts: dict[str, int] = {}
    for record in records:
        counts[record.name] = counts.get(record.name, 0) + 1
    return sorted(r.name if counts[r.name] == 1 else r.qualified_name for r in records)
