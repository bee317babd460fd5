"""The :class:`LogZEstimator` contract: what a registered ``estimator`` plugin builds.

``ebm_core.estimator(name, energy, **kwargs)`` calls the registered factory as
``factory(energy, **kwargs)``; the object it returns has :meth:`LogZEstimator.estimate`, which
runs the estimator and returns a :class:`~ebm_core.evaluation.LogZEstimate` (``log Z`` with
its standard error and diagnostics). Subclassing :class:`LogZEstimator` is the easy way to
meet the contract.
"""

from __future__ import annotations

import abc

import torch

from ..contracts import Energy
from .log_z import LogZEstimate


class LogZEstimator(abc.ABC):
    """Base class of estimators of ``log Z = log ∫ exp(−E(x)) dx`` for an energy ``E``.

    Example::

        import ebm_core
        from ebm_core.evaluation import LogZEstimate, LogZEstimator

        class FromEnergy(LogZEstimator):
            "The energy's own exact log_partition()."
            def estimate(self, *, generator=None, progress=False):
                return LogZEstimate.exact(self.energy.log_partition(), method="from_energy")

        est = FromEnergy(ebm_core.energy("gaussian", dim=3)).estimate()
        assert est.stderr == 0.0
    """

    def __init__(self, energy: Energy) -> None:
        self.energy = require_energy(energy)

    @abc.abstractmethod
    def estimate(
        self, *, generator: torch.Generator | None = None, progress: bool = False
    ) -> LogZEstimate:
        """Run the estimator; all randomness comes from ``generator``."""


def require_energy(energy: object) -> Energy:
    """``energy`` after checking it is an :class:`ebm_core.Energy` (``TypeError`` naming the fix)."""
    if not isinstance(energy, Energy):
        raise TypeError(
            f"energy must be an ebm_core.Energy, got {type(energy).__name__}; build one with "
            "ebm_core.energy(name, ...) or wrap a module with ebm_core.energy('neural', module=f)"
        )
    return energy
