"""Annealed importance sampling (AIS): an estimate of ``log Z`` with its standard error."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from ebm_core import Energy
from ebm_core.checks import positive_int
from ebm_core.evaluation import LogZEstimate
from ebm_core.evaluation.estimator import require_energy

from .annealing import AnnealedImportanceSampler
from .base import resolve_base


class AIS(AnnealedImportanceSampler):
    """Annealed importance sampling from a tractable base to ``p ∝ exp(−E)`` (Neal 2001).

    ``n_chains`` chains start from exact samples of the base ``p₀`` and are annealed along the
    geometric path ``E_β = (1 − β) E₀ + β E``; each returns an importance weight with
    ``E[w] = Z / Z₀`` (see :mod:`ebm_plugins.estimators.annealing`), and
    ``log Ẑ = log Z₀ + log mean w`` with a delta-method standard error
    (:class:`ebm_core.evaluation.LogZEstimate`). ``E[log Ẑ] ≤ log Z``: a stochastic lower
    bound whose bias shrinks as ``n_temperatures`` grows; ``reverse_ais`` gives the matching
    upper bound.

    Args:
        energy: the target :class:`ebm_core.Energy`.
        base: an energy with ``log_partition()`` and ``sample_exact(n, generator)`` on the same
            event shape (e.g. ``ebm_core.energy("gaussian", mean=m, covariance=c)``); ``None``
            fits a Gaussian to ``samples``, or without them uses N(0, I) of the energy's event shape.
        samples: data (or approximate samples of the model) to fit the Gaussian base to —
            a base close to the target needs far fewer temperatures.
        n_chains: parallel chains (importance weights).
        n_temperatures: inverse temperatures on the path, both ends included (≥ 2; 2 is plain
            importance sampling from the base).
        schedule: ``"sigmoid"`` (default), ``"geometric"``, ``"linear"`` or an explicit
            increasing sequence of betas from 0 to 1
            (:func:`~ebm_plugins.estimators.path.temperature_schedule`).
        sampler: the registered sampler making the transitions (any name; ``"hmc"`` default).
        sampler_kwargs: its keyword arguments (e.g. ``{"step_size": 0.1, "n_leapfrog": 5}``).
        steps_per_temperature: transitions at each intermediate temperature.
        adapt: run the sampler's burn-in adaptation at every temperature (step size by dual
            averaging for ``mala``/``hmc``), carried over from one temperature to the next.
        strict: raise :class:`ebm_core.evaluation.EstimateError` instead of warning when weights
            are non-finite or their effective sample size is tiny.

    Example::

        import torch, ebm_core
        target = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[2.0, 0.5], [0.5, 1.0]])
        ais = ebm_core.estimator("ais", target, n_chains=200, n_temperatures=100,
                                 sampler_kwargs={"step_size": 0.3, "n_leapfrog": 5})
        est = ais.estimate(generator=torch.Generator().manual_seed(0))
        assert abs(est.log_z - target.log_partition()) < 4 * est.stderr + 1e-3
    """

    direction = "forward"
    method = "ais"

    def __init__(
        self,
        energy: Energy,
        *,
        base: Any = None,
        samples: torch.Tensor | None = None,
        n_chains: int = 256,
        n_temperatures: int = 1000,
        schedule: Any = "sigmoid",
        sampler: str = "hmc",
        sampler_kwargs: Mapping[str, Any] | None = None,
        steps_per_temperature: int = 1,
        adapt: bool = False,
        strict: bool = False,
    ) -> None:
        require_energy(energy)
        super().__init__(
            energy,
            base=resolve_base(energy, base=base, samples=samples),
            n_temperatures=n_temperatures,
            schedule=schedule,
            sampler=sampler,
            sampler_kwargs=sampler_kwargs,
            steps_per_temperature=steps_per_temperature,
            adapt=adapt,
            strict=strict,
        )
        self.n_chains = positive_int(n_chains, "n_chains")

    def estimate(
        self, *, generator: torch.Generator | None = None, progress: bool = False
    ) -> LogZEstimate:
        """Anneal ``n_chains`` fresh base samples to the target; see the class docstring."""
        start = self.base.sample_exact(self.n_chains, generator=generator)
        return self._anneal(start.to(self._working_dtype()), generator, progress)
