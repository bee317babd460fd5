"""Scaling sweeps of ebm's fused and torch paths: throughput vs chains and vs dimension.

* **chains**: W1's target and sampler (ULA on the 2-D double well) for 1 … 100k chains;
  each point runs ``budget / chains`` steps, clipped to the preset's step range, and records
  chain-steps/s and the peak RSS while it ran (memory vs chains);
* **dimension**: ULA on the standard Gaussian (W2's sampler) with 1,000 chains for
  d = 2 … 1,000, ``budget / (chains·d)`` steps (clipped).

Each point is timed like a workload (warm-up excluded, median of repeats) in the worker of
that path, so the two paths are measured under the same thread budget as the main table.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from .workloads import Preset, Workload

DIM_SWEEP_CHAINS = 1_000


def _steps(preset: Preset, per_step_work: int) -> int:
    low, high = preset.scaling_steps
    return int(min(high, max(low, preset.scaling_budget // max(per_step_work, 1))))


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


def run_scaling(name: str, preset: Preset) -> dict:
    """Both sweeps for the ebm path ``name`` (``ebm-fused`` or ``ebm-torch``)."""
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

    header["chains"] = sweep(chain_points(preset), "chains")
    header["dims"] = sweep(dim_points(preset), "dim")
    return header
