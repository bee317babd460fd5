"""The benchmark subprocess: runs the requested workloads of a preset for one system, writes JSON.

``python -m benchmarks.worker --preset full --systems ebm-fused --workloads W6 --out result.json``
(the orchestrator, :mod:`benchmarks.run`, starts one per system and workload with the thread
budget of :mod:`benchmarks.environment` in its environment; without ``--workloads`` a worker
runs them all). For each workload: build the shared
inputs, let the system prepare its run, compile (JAX), warm up once, time the repeats (median
reported), read the workload's peak RSS, and check the output's quality
(:mod:`benchmarks.quality`). A failing workload is reported with its error and the others
still run; a system whose library is missing is reported as missing.

``--scaling ebm-fused`` runs that system's sweeps of :mod:`benchmarks.scaling` (chains and
dimension for an ebm path, W4 vs chains for every system).
Several systems in one worker (``--systems a,b``, or systems and sweeps together) is for the
smoke test only (``run.py --shared-workers``): they then share one process, so their peak RSS
are not separable.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
import traceback
from typing import Any

from .environment import THREADS_ENV, pin_threads, thread_env


def run_system(name: str, preset: Any, workload_keys: list[str]) -> dict:
    """All requested workloads of one system, as a JSON-ready dict."""
    from .systems import SYSTEMS, Unavailable

    system = SYSTEMS[name]
    result: dict[str, Any] = {
        "system": name,
        "peer": system.peer,
        "description": system.description,
        "workloads": {},
    }
    missing = system.missing_reason()
    if missing is None:
        try:
            start = time.perf_counter()
            facts = system.setup()
            if facts:
                result["facts"] = facts
            result["setup_s"] = time.perf_counter() - start
        except Unavailable as exc:
            missing = str(exc)
        except Exception as exc:  # a broken installation is an error, not "missing"
            result.update(status="error", reason=_error_text(exc))
            return result
    if missing is not None:
        result.update(status="missing", reason=missing)
        return result
    result["status"] = "ok"
    for key in workload_keys:
        result["workloads"][key] = run_workload(system, preset.workloads[key], preset)
    return result


def run_workload(system: Any, workload: Any, preset: Any) -> dict:
    """Time one workload of ``system`` (see the module docstring)."""
    from . import quality, samplers_ii
    from .inputs import make_inputs
    from .measure import PeakMemory, time_runs
    from .systems import Unsupported

    out: dict[str, Any] = {"workload": workload.to_json()}
    # Samplers II runs last seconds each: one timed run, no untimed warm-up run.
    long_runs = workload.kind in samplers_ii.KINDS
    try:
        memory = PeakMemory()
        prepared = system.prepare(workload, make_inputs(workload))
        timing, output = time_runs(
            prepared.run,
            compile=prepared.compile,
            min_repeats=1 if long_runs else preset.min_repeats,
            max_repeats=1 if long_runs else preset.max_repeats,
            min_seconds=0.0 if long_runs else preset.min_seconds,
            warmup=not long_runs,
        )
        out.update(memory.result())
        out.update(timing.to_json())
        out["throughput"] = workload.work / timing.median_s
        out["unit"] = workload.unit
        out["backend"] = prepared.backend(output)
        out["info"] = prepared.info(output)
        samples = prepared.to_numpy(output)
        if long_runs:
            out.update(samplers_ii.summarise(workload, samples, out["info"], timing.median_s))
        out["quality"] = quality.check(workload, samples)
        out["status"] = "ok"
    except Unsupported as exc:
        out.update(status="unsupported", reason=str(exc))
    except Exception as exc:
        out.update(status="error", reason=_error_text(exc))
    return out


def _error_text(exc: BaseException) -> str:
    lines = traceback.format_exception(type(exc), exc, exc.__traceback__)
    return "".join(lines[-6:]).strip()


def _split(value: str) -> list[str]:
    return [v for v in value.split(",") if v]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.worker", description=__doc__)
    parser.add_argument("--preset", default="full")
    parser.add_argument("--systems", default="", help="comma-separated systems for the main table")
    parser.add_argument("--workloads", default=None, help="comma-separated (default: all)")
    parser.add_argument("--scaling", default="", help="comma-separated systems to sweep")
    parser.add_argument("--out", required=True, help="JSON file to write")
    args = parser.parse_args(argv)

    # Before any numerical library is imported: thread budget and CPU affinity (the
    # orchestrator already set them; this covers a worker started by hand).
    if THREADS_ENV not in os.environ:
        os.environ.update(thread_env())
    cpus = pin_threads()

    from .measure import process_peak_rss_mb
    from .scaling import run_scaling
    from .workloads import PRESETS

    preset = PRESETS[args.preset]
    keys = list(preset.workloads) if args.workloads is None else _split(args.workloads)
    unknown = [k for k in keys if k not in preset.workloads]
    if unknown:
        parser.error(f"unknown workload(s) {unknown}; choose from {list(preset.workloads)}")
    results = [run_system(name, preset, keys) for name in _split(args.systems)]
    scaling = [run_scaling(name, preset) for name in _split(args.scaling)]
    payload = {
        "cpus": cpus,
        "process_peak_rss_mb": process_peak_rss_mb(),
        "results": results,
        "scaling": scaling,
    }
    with open(args.out, "w") as f:
        json.dump(payload, f, indent=1, default=str)
    return 0

if __name__ == "__main__":
    sys.exit(main())
