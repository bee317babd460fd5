"""ebm on the Samplers II workloads, through its public API: ``nuts`` and ``parallel_tempering``.

* N1/N2: ``ebm_core.sampler("nuts", energy, step_size=ε₀, max_tree_depth=…)`` (target
  acceptance 0.8, dual averaging + windowed diagonal mass during ``burn_in``), one
  ``run(x0, n_steps=warmup + kept, burn_in=warmup, return_trajectory=True)``. Gradient
  evaluations: kept = the sampler's ``n_leapfrog`` (mean per kept transition per chain) ×
  transitions × chains; total = ``result.n_grad_evals`` (per chain, warm-up included) × chains.
* T1: ``ebm_core.sampler("parallel_tempering", energy, base="mala", betas=…,
  adapt_ladder=False, base_kwargs={"step_size": h})`` with no burn-in (so no adaptation: the
  same fixed ladder and step as the peer); round trips from ``sampler.round_trips``.

Energies: the built-in ``gaussian`` (diagonal covariance), ``rosenbrock`` and
``gaussian_mixture`` (analytic gradients). NUTS and tempering have no fused kernel, so only
the torch path (the ``ebm-torch`` column) runs them; ``accelerate=True`` would run the same loop.
"""

from __future__ import annotations

from typing import Any

from .. import samplers_ii
from ..inputs import Inputs
from ..workloads import Workload
from .base import Prepared


def _energy(workload: Workload) -> Any:
    import ebm_core

    if workload.target == "ill_gaussian":
        variances = samplers_ii.ill_gaussian_variances(workload.dim)
        return ebm_core.energy("gaussian", covariance=variances.tolist())
    if workload.target == "banana":
        return ebm_core.energy("rosenbrock", dim=2, **samplers_ii.BANANA)
    means = [[m] for m in samplers_ii.MIXTURE_MEANS]
    weights = list(samplers_ii.MIXTURE_WEIGHTS)
    return ebm_core.energy("gaussian_mixture", means=means, weights=weights)


def prepare(workload: Workload, inputs: Inputs) -> Prepared:
    import ebm_core
    import torch

    energy = _energy(workload)
    x0 = torch.from_numpy(inputs.x0)
    generator = torch.Generator().manual_seed(0)
    if workload.kind == "nuts":
        def make() -> Any:
            return ebm_core.sampler(
                "nuts", energy, step_size=workload.step_size,
                max_tree_depth=workload.max_tree_depth, target_accept=0.8,
            )
        n_steps, burn_in = workload.warmup + workload.steps, workload.warmup
    else:
        betas = samplers_ii.ladder_betas().tolist()

        def make() -> Any:
            return ebm_core.sampler(
                "parallel_tempering", energy, base="mala", betas=betas, adapt_ladder=False,
                base_kwargs={"step_size": workload.step_size},
            )
        n_steps, burn_in = workload.steps, 0
    holder: dict[str, Any] = {}

    def run() -> Any:
        holder["sampler"] = sampler = make()  # a fresh sampler: every run tunes from scratch
        return sampler.run(x0, n_steps=n_steps, burn_in=burn_in, generator=generator,
                           return_trajectory=True)

    def info(result: Any) -> dict:
        sampler = holder["sampler"]
        chains = workload.chains
        if workload.kind == "tempering":
            return {"round_trips": int(sampler.round_trips.sum()),
                    "swap_acceptance": [round(float(a), 3) for a in sampler.swap_acceptance]}
        return {
            "grad_evals_kept": float(sampler.n_leapfrog.sum()) * workload.steps,
            "grad_evals_total": float(result.n_grad_evals) * chains,
            "step_size": float(sampler.step_size),
            "mean_tree_depth": float(sampler.tree_depth.mean()),
            "idle_fraction": float(sampler.idle_fraction),
            "divergent": int(sampler.n_divergent.sum()),
        }

    return Prepared(
        run=run,
        to_numpy=lambda result: result.trajectory.numpy(),
        backend=lambda result: f"{type(holder['sampler']).__name__}, {result.backend}",
        info=info,
    )
