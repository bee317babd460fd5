"""Scaling sweeps: throughput vs chains and vs dimension (ebm's two paths), and W4 vs chains (everyone).

* **chains**: W1's target and sampler (ULA on the 2-D double well) for 1 … 100k chains;
  each point runs ``budget / chains`` steps, clipped to the preset's step range, and records
  chain-steps/s and the peak RSS while it ran (memory vs chains);
* **dimension**: ULA on the standard Gaussian (W2's sampler) with 1,000 chains for
  d = 2 … 1,000, ``budget / (chains·d)`` steps (clipped);
* **mlp_chains**: W4 (ULA on the MLP energy 2-128-128-1) for 16 … 16,384 chains, every system
  (peers included): each point does about W4's own work (chains × steps), steps clipped to the
  preset's range — where the per-step overhead of a framework stops mattering.

Each point is timed like a workload (warm-up excluded, median of repeats) in the worker of
that path, so the two paths are measured under the same thread budget as the main table.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .workloads import Preset, Workload

DIM_SWEEP_CHAINS = 1_000


def _steps(preset: Preset, per_step_work: int, budget: float | None = None) -> int:
    low, high = preset.scaling_steps
    budget = preset.scaling_budget if budget is None else budget
    return int(min(high, max(low, budget // max(per_step_work, 1))))


def chain_points(preset: Preset) -> list[Workload]:
    """The chains sweep: W1 with ``n`` chains for each ``n`` of the preset."""
    base = preset.workloads["W1"]
    return [
        dataclasses.replace(base, key=f"chains={n}", chains=n, steps=_steps(preset, n))
        for n in preset.scaling_chains
    ]


def dim_points(preset: Preset) -> list[Workload]:
    """The dimension sweep: ULA on N(0, I_d) with :data:`DIM_SWEEP_CHAINS` chains."""
    base = preset.workloads["W2"]
    chains = min(DIM_SWEEP_CHAINS, base.chains)
    return [
        dataclasses.replace(
            base, key=f"dim={d}", dim=d, chains=chains, steps=_steps(preset, chains * d),
            quality="finite",
        )
        for d in preset.scaling_dims
    ]


def mlp_chain_points(preset: Preset) -> list[Workload]:
    """The W4 sweep: W4 with ``n`` chains for each ``n`` of the preset, ~W4's work per point."""
    base = preset.workloads["W4"]
    return [
        dataclasses.replace(base, key=f"mlp_chains={n}", chains=n,
                            steps=_steps(preset, n, budget=base.chains * base.steps))
        for n in preset.scaling_mlp_chains
    ]


def run_scaling(name: str, preset: Preset) -> dict:
    """The sweeps of system ``name``: all three for an ebm path, the W4 sweep for a peer."""
    from .report import OURS
    from .worker import run_system, run_workload
    from .systems import SYSTEMS

    header = run_system(name, preset, [])  # setup, or the reason it is missing
    if header["status"] != "ok":
        return header
    system = SYSTEMS[name]
    sweep_preset = dataclasses.replace(
        preset, max_repeats=min(preset.max_repeats, 7), min_seconds=preset.min_seconds / 2
    )

    def sweep(points: list[Workload], variable: str) -> list[dict[str, Any]]:
        rows = []
        for point in points:
            row = run_workload(system, point, sweep_preset)
            row[variable] = point.chains if variable == "chains" else point.dim
            rows.append(row)
        return rows

    if name in OURS:
        header["chains"] = sweep(chain_points(preset), "chains")
        header["dims"] = sweep(dim_points(preset), "dim")
    header["mlp_chains"] = sweep(mlp_chain_points(preset), "chains")
    return header
