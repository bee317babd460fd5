"""Reverse annealed importance sampling: a stochastic upper bound on ``log Z``."""

from __future__ import annotations

from typing import Any, Mapping

import torch

from ebm_core import Energy
from ebm_core.checks import positive_int
from ebm_core.evaluation import LogZEstimate
from ebm_core.evaluation.estimator import require_energy

from .annealing import AnnealedImportanceSampler
from .base import check_samples, resolve_base


class ReverseAIS(AnnealedImportanceSampler):
    """AIS run backwards, from samples of the target to the base (Grosse et al. 2015).

    Chains start at exact samples of ``p ∝ exp(−E)`` and follow the path of ``ais`` with β
    decreasing from 1 to 0; each weight has ``E[w] = Z₀ / Z``, so
    ``log Ẑ = log Z₀ − log mean w`` satisfies ``E[log Ẑ] ≥ log Z``: a stochastic **upper**
    bound. With ``ais`` (a lower bound) on the same path it brackets ``log Z``
    (:func:`ebm_core.evaluation.sandwich`); the gap between the two shrinks to 0 as
    ``n_temperatures`` grows, and bounds how far each is from the truth.

    The bound holds for exact samples of the model. Held-out data are exact samples only for a
    model that fits the data perfectly; with data the result is an estimate, not a bound.

    Args:
        energy: the target :class:`ebm_core.Energy`.
        samples: ``(n, *event_shape)`` samples of the target, the chains' starting points.
        base: as for ``ais``; ``None`` fits a Gaussian to ``samples``.
        n_chains: use this many of ``samples`` (a random subset drawn with the generator);
            ``None`` uses all.
        n_temperatures, schedule, sampler, sampler_kwargs, steps_per_temperature, adapt, strict:
            as for ``ais``.

    Example::

        import torch, ebm_core
        target = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[2.0, 0.5], [0.5, 1.0]])
        g = torch.Generator().manual_seed(0)
        exact = target.sample_exact(200, generator=g)
        est = ebm_core.estimator("reverse_ais", target, samples=exact, n_temperatures=100,
                                 sampler_kwargs={"step_size": 0.3, "n_leapfrog": 5}).estimate(generator=g)
        assert est.bound == "upper"
        assert abs(est.log_z - target.log_partition()) < 4 * est.stderr + 1e-3
    """

    direction = "reverse"
    method = "reverse_ais"

    def __init__(
        self,
        energy: Energy,
        samples: torch.Tensor,
        *,
        base: Any = None,
        n_chains: int | None = None,
        n_temperatures: int = 1000,
        schedule: Any = "sigmoid",
        sampler: str = "hmc",
        sampler_kwargs: Mapping[str, Any] | None = None,
        steps_per_temperature: int = 1,
        adapt: bool = False,
        strict: bool = False,
    ) -> None:
        require_energy(energy)
        self.samples = check_samples(energy, samples).detach()
        if self.samples.shape[0] < 2:
            raise ValueError(f"samples must hold at least 2 samples of the target, got {self.samples.shape[0]}")
        super().__init__(
            energy,
            base=resolve_base(energy, base=base, samples=self.samples),
            n_temperatures=n_temperatures,
            schedule=schedule,
            sampler=sampler,
            sampler_kwargs=sampler_kwargs,
            steps_per_temperature=steps_per_temperature,
            adapt=adapt,
            strict=strict,
        )
        if n_chains is not None:
            n_chains = positive_int(n_chains, "n_chains")
            if n_chains > self.samples.shape[0]:
                raise ValueError(
                    f"n_chains={n_chains} but only {self.samples.shape[0]} samples were given; "
                    "pass n_chains=None to use them all, or more samples"
                )
        self.n_chains = n_chains

    def estimate(
        self, *, generator: torch.Generator | None = None, progress: bool = False
    ) -> LogZEstimate:
        """Anneal the given samples (or a random subset of ``n_chains``) back to the base."""
        start = self.samples
        if self.n_chains is not None and self.n_chains < start.shape[0]:
            device = generator.device if generator is not None else torch.device("cpu")
            pick = torch.randperm(start.shape[0], generator=generator, device=device)[: self.n_chains]
            start = start[pick.to(start.device)]
        reference = self.energy.reference_tensor()
        if reference is not None:
            start = start.to(reference.device)
        return self._anneal(start.to(self._working_dtype()), generator, progress)
