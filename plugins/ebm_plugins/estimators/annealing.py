"""The annealing loop shared by ``ais`` and ``reverse_ais`` (Neal 2001; Grosse et al. 2015).

Along inverse temperatures ``β₀, …, β_{K−1}`` of the path ``E_β = (1 − β) E₀ + β E₁`` each chain
accumulates, in float64,

.. math::

    \\log w = \\sum_{t=1}^{K-1} (\\beta_t - \\beta_{t-1}) \\, (E_0(x_{t-1}) - E_1(x_{t-1})),

where ``x₀`` is drawn from ``p_{β₀}`` and ``x_t`` follows from ``x_{t−1}`` by ``steps_per_temperature``
transitions of a sampler leaving ``p_{β_t}`` invariant (none at the last temperature, which
would not change the weight). With ``β`` running from 0 to 1, ``E[w] = Z₁ / Z₀``; run backwards
from exact samples of the target, ``E[w] = Z₀ / Z₁``.

The transitions are any registered sampler, driven through its kernel (``init``/``step``):
at each temperature the sampler is re-initialised at the chains' positions (its cached energy
and gradient belong to the previous temperature). With ``adapt=True`` the sampler's own burn-in
adaptation (e.g. dual-averaging step size) runs at every temperature and carries over to the
next; that makes the transitions depend on the chains, a small departure from exact AIS that
is usually worth it when the path's scales change a lot.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch

import ebm_core
from ebm_core import Energy
from ebm_core.checks import positive_int
from ebm_core.evaluation import LogZEstimate, LogZEstimator
from ebm_core.sampling.progress import Progress

from .path import AnnealedEnergy, temperature_schedule


class AnnealedImportanceSampler(LogZEstimator):
    """What ``ais`` and ``reverse_ais`` share: the path, its schedule and its transitions."""

    #: ``"forward"`` (β from 0 to 1) or ``"reverse"`` (β from 1 to 0).
    direction = "forward"
    method = ""

    def __init__(
        self,
        energy: Energy,
        *,
        base: Any,
        n_temperatures: int,
        schedule: Any,
        sampler: str,
        sampler_kwargs: Mapping[str, Any] | None,
        steps_per_temperature: int,
        adapt: bool,
        strict: bool,
    ) -> None:
        super().__init__(energy)
        self.base = base
        betas = temperature_schedule(n_temperatures, schedule)
        self.betas = betas if self.direction == "forward" else betas.flip(0)
        self.sampler_name = sampler
        self.sampler_kwargs = dict(sampler_kwargs or {})
        self.steps_per_temperature = positive_int(steps_per_temperature, "steps_per_temperature")
        self.adapt = bool(adapt)
        self.strict = bool(strict)
        self._transition()  # fail now, not mid-run, on a bad sampler name or keyword

    @property
    def n_temperatures(self) -> int:
        """Number of inverse temperatures, both ends included."""
        return int(self.betas.numel())

    def _transition(self) -> Any:
        """A fresh sampler on a fresh path (an adapted step size never leaks between runs)."""
        path = AnnealedEnergy(self.base, self.energy, beta=float(self.betas[0]))
        return ebm_core.sampler(self.sampler_name, path, **self.sampler_kwargs)

    def _anneal(
        self, x: torch.Tensor, generator: torch.Generator | None, progress: bool
    ) -> LogZEstimate:
        """Run every chain from ``x`` (distributed as ``p_{β₀}``) along the path."""
        transition = self._transition()
        path: AnnealedEnergy = transition.energy
        betas = self.betas.tolist()
        k = len(betas)
        log_w = torch.zeros(x.shape[0], dtype=torch.float64, device=x.device)
        acceptance = torch.full((k,), math.nan, dtype=torch.float64, device=x.device)
        x = x.clone()
        with torch.no_grad(), Progress(k - 1, enabled=progress, description=self.method) as bar:
            e0, e1 = path.base(x), path.target(x)
            for t in range(1, k):
                log_w += (betas[t] - betas[t - 1]) * (e0.double() - e1.double())
                if t < k - 1:
                    path.beta = betas[t]
                    x, acceptance[t] = self._transitions(transition, x, generator)
                    e0, e1 = path.base(x), path.target(x)
                bar.advance()
            if bar.enabled:
                bar.finish(acceptance=float(acceptance.nanmean()) if k > 2 else 1.0)
        return LogZEstimate.from_log_weights(
            log_w,
            log_z_base=float(self.base.log_partition()),
            direction=self.direction,
            method=self.method,
            betas=self.betas.clone(),
            acceptance=acceptance.cpu(),
            strict=self.strict,
        )

    def _transitions(
        self, transition: Any, x: torch.Tensor, generator: torch.Generator | None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``steps_per_temperature`` transitions at the path's current β; mean acceptance."""
        n = self.steps_per_temperature
        state = transition.init(x)
        adaptation = transition.adaptation(n) if self.adapt else None
        if adaptation is not None:
            adaptation.start(state)
        accepted = torch.zeros((), dtype=torch.float64, device=x.device)
        for s in range(n):
            state = transition.step(state, generator)
            if adaptation is not None:
                adaptation.update(state, s)
            accepted += state.accept_prob.double().mean()
        if adaptation is not None:
            adaptation.finish(state)
        return state.x, accepted / n

    def _working_dtype(self) -> torch.dtype:
        reference = self.energy.reference_tensor()
        if reference is not None and reference.is_floating_point():
            return reference.dtype
        return torch.get_default_dtype()
