"""ebmkit on the Samplers II workloads: its ``NUTS`` and ``ParallelTempering`` samplers.

* N1/N2: ``NUTS(step_size=ε₀, steps=kept, warmup=W, target_accept=0.8, max_depth=…)`` — its
  warm-up tunes the step size only (dual averaging; it has no mass-matrix adaptation, so on
  N1 it samples with the identity metric). Its chains build their trees in lock-step and
  evaluate every chain's gradient at every leapfrog iteration, finished trees included, so
  gradient evaluations are counted as rows passed to the energy (calls × chains); the count
  at the first kept transition splits warm-up from kept draws.
* T1: ``ParallelTempering(MALA(step_size=h), temperatures=1/β)`` on the shared ladder, one
  swap sweep per step (its swaps alternate even and odd pairs, like ebm's). It reports no
  round trips, so the timed run is replayed untimed from the same seed (ebmkit draws from
  torch's global generator) with the replica labels followed: a pair counts as swapped when
  each rung now holds the other's previous state.

Energies are plain functions ``(B, d) → (B,)`` (ebmkit differentiates them with autograd).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from .. import samplers_ii
from ..inputs import Inputs
from ..workloads import Workload
from .base import Prepared


def _energy(workload: Workload) -> Any:
    import torch

    if workload.target == "ill_gaussian":
        precision = torch.from_numpy(1.0 / samplers_ii.ill_gaussian_variances(workload.dim)).float()

        def ill_gaussian(x):
            return 0.5 * (x * x * precision).sum(-1)

        return ill_gaussian
    if workload.target == "banana":
        a, b = samplers_ii.BANANA["a"], samplers_ii.BANANA["b"]

        def banana(x):
            return b * (x[:, 1] - x[:, 0] ** 2) ** 2 + (a - x[:, 0]) ** 2

        return banana
    means = torch.tensor(samplers_ii.MIXTURE_MEANS)
    log_w = torch.log(torch.tensor(samplers_ii.MIXTURE_WEIGHTS)) - 0.5 * math.log(2 * math.pi)

    def mixture3(x):
        return -torch.logsumexp(log_w - 0.5 * (x - means) ** 2, dim=-1)

    return mixture3


def _prepare_nuts(workload: Workload, inputs: Inputs) -> Prepared:
    import torch
    from ebm import NUTS

    target = _energy(workload)
    rows = [0, None]  # [gradient rows so far, rows at the first kept transition]

    def counted(x):
        rows[0] += x.shape[0]
        return target(x)

    x0 = torch.from_numpy(inputs.x0)
    holder: dict[str, Any] = {}

    def run() -> Any:
        torch.manual_seed(0)
        sampler = NUTS(step_size=workload.step_size, steps=workload.steps, warmup=workload.warmup,
                       target_accept=0.8, max_depth=workload.max_tree_depth)
        kernel_step = sampler.step
        rows[:] = [0, None]

        def step(energy, x):
            if rows[1] is None:
                rows[1] = rows[0]
            return kernel_step(energy, x)

        sampler.step = step
        holder["sampler"] = sampler
        trajectory = sampler.sample(counted, x0, return_trajectory=True)
        return trajectory[1:].transpose(0, 1).contiguous()  # (chains, kept, dim)

    def info(draws: Any) -> dict:
        return {
            "grad_evals_kept": float(rows[0] - rows[1]),
            "grad_evals_total": float(rows[0]),
            "step_size": float(holder["sampler"].step_size),
            "divergent": int(holder["sampler"].divergences),
        }

    return Prepared(run=run, to_numpy=lambda d: d.numpy(), info=info,
                    backend=lambda d: "NUTS(torch, autograd, lock-step trees, identity metric)")


def _prepare_tempering(workload: Workload, inputs: Inputs) -> Prepared:
    import torch
    from ebm import MALA, ParallelTempering

    energy = _energy(workload)
    x0 = torch.from_numpy(inputs.x0)
    temperatures = tuple(float(t) for t in 1.0 / samplers_ii.ladder_betas())

    def make(sampler_class: type) -> Any:
        return sampler_class(MALA(step_size=workload.step_size), temperatures=temperatures,
                             steps=workload.steps)

    def run() -> Any:
        torch.manual_seed(0)
        trajectory = make(ParallelTempering).sample(energy, x0, return_trajectory=True)
        return trajectory[1:].transpose(0, 1).contiguous()

    def info(draws: Any) -> dict:
        torch.manual_seed(0)  # the same run again, labels followed (untimed)
        labelled = make(_labelled_class())
        replay = labelled.sample(energy, x0, return_trajectory=True)[1:].transpose(0, 1)
        if not torch.equal(replay, draws):
            raise RuntimeError("ebmkit's replay differs from the timed run: round trips unknown")
        labels = np.stack(labelled.history)
        return {"round_trips": samplers_ii.round_trips(labels),
                "swap_acceptance": [round(r, 3) for r in labelled.swap_rates()]}

    return Prepared(run=run, to_numpy=lambda d: d.numpy(), info=info,
                    backend=lambda d: "ParallelTempering(MALA) (torch, autograd)")


def _labelled_class() -> type:
    from ebm import ParallelTempering

    class Labelled(ParallelTempering):
        """ParallelTempering that also records which replica label sits at each rung."""

        def sample(self, energy, x_init, **kwargs):
            import torch

            self.labels = torch.arange(self.n_replicas).repeat(x_init.shape[0], 1)
            self.history = []  # labels after each sweep
            return super().sample(energy, x_init, **kwargs)

        def _swap(self, energy):
            import torch

            before = list(self._replicas)
            super()._swap(energy)
            for k in range(self.n_replicas - 1):
                moved = (self._replicas[k] == before[k + 1]).flatten(1).all(1) & (
                    self._replicas[k + 1] == before[k]).flatten(1).all(1) & (
                    before[k] != before[k + 1]).flatten(1).any(1)
                a, b = self.labels[:, k].clone(), self.labels[:, k + 1].clone()
                self.labels[:, k] = torch.where(moved, b, a)
                self.labels[:, k + 1] = torch.where(moved, a, b)
            self.history.append(self.labels.numpy().copy())

    return Labelled


def prepare(workload: Workload, inputs: Inputs) -> Prepared:
    if workload.kind == "nuts":
        return _prepare_nuts(workload, inputs)
    return _prepare_tempering(workload, inputs)
