"""What a benchmarked system provides: a prepared, repeatable run of one workload."""

from __future__ import annotations

import dataclasses
import importlib.util
from typing import Any, Callable

import numpy as np

from ..inputs import Inputs
from ..workloads import Workload


@dataclasses.dataclass
class Prepared:
    """One workload, built and ready to time.

    Attributes:
        run: performs the whole workload once (all chains, all steps, or all training
            iterations of one timed run) and returns its output, finished (JAX blocks).
        to_numpy: the output → what the quality check reads: final states ``(chains, dim)``,
            or the last loss values for training.
        backend: the output → a short description of what ran (e.g. ebm's ``result.backend``).
        compile: a separate compile step timed apart (JAX's ``lower().compile()``), or ``None``.
        info: the output → extra facts for the JSON (acceptance rate, gradient counts, …).
    """

    run: Callable[[], Any]
    to_numpy: Callable[[Any], np.ndarray]
    backend: Callable[[Any], str]
    compile: Callable[[], None] | None = None
    info: Callable[[Any], dict] = lambda out: {}


@dataclasses.dataclass(frozen=True)
class System:
    """A benchmarked system.

    Attributes:
        name: the column name (``"ebm-fused"``, ``"torchebm"``, …).
        requires: importable modules it needs; a missing one makes the system "missing".
        prepare: ``(workload, inputs) -> Prepared``.
        setup: called once in the worker before any workload (thread settings, checks);
            returns facts worth recording (a dict) or ``None``, and may raise
            :class:`Unavailable`.
        peer: whether it is a peer (compared against) rather than one of ebm's paths.
        description: one line for the report.
        framework: ``"torch"`` or ``"jax"`` (systems of one framework may share a worker in
            the smoke test's ``--shared-workers`` mode).
    """

    name: str
    requires: tuple[str, ...]
    prepare: Callable[[Workload, Inputs], Prepared]
    setup: Callable[[], dict | None]
    peer: bool
    description: str
    framework: str = "torch"

    def missing_reason(self) -> str | None:
        """Why the system cannot run here (a module it needs is not importable), or ``None``."""
        for module in self.requires:
            if importlib.util.find_spec(module) is None:
                return (
                    f"not installed: module {module!r} not found "
                    "(pip install -e '.[bench]' installs the peers)"
                )
        return None


class Unavailable(RuntimeError):
    """Raised by a system's setup when it cannot run in this environment (reported as missing)."""


class Unsupported(RuntimeError):
    """Raised by a system's ``prepare`` for a workload it has no sampler for (reported as such)."""
