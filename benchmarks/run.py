"""The benchmark command: every system, every workload, side by side, in one run.

Usage::

    python -m benchmarks.run                    # full preset (~7 min on 2 quiet cores)
    python -m benchmarks.run --quick            # smaller sizes (~1 min)
    python -m benchmarks.run --out docs/performance
    python -m benchmarks.run --systems ebm-fused,blackjax --workloads W1,W3 --no-scaling
    python -m benchmarks.run --workloads N1,N2,T1 --no-scaling   # NUTS and tempering
    python -m benchmarks.run --load --systems ebm-fused,blackjax --workloads W4  # quiet vs loaded

Each workload runs system after system, every system in its own subprocess
(:mod:`benchmarks.worker`) with the same thread budget (:mod:`benchmarks.environment`), before
the next workload starts: the systems compared in one row run within a minute or two of each
other (this machine's speed drifts by tens of percent over longer spans), and no workload
inherits another's heap or threads. Later rounds (``--rounds``) alternate the system order.
Then the ebm paths' scaling sweeps run (:mod:`benchmarks.scaling`), each in its own
subprocess too. ``--shared-workers`` (for the smoke test only) instead runs one worker per
framework for all workloads, two at a time, to save start-up time.
A system whose library is not installed is reported as missing — never silently dropped. Writes ``results.json``, ``results.md`` and the PNGs of
:mod:`benchmarks.plots` into ``--out`` (default ``benchmarks/results``) and prints the
Markdown report.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor

from . import environment, load, report
from .plots import write_plots
from .rounds import best_of_rounds
from .systems import PEERS, SYSTEMS
from .workloads import PRESETS

DEFAULT_OUT = os.path.join("benchmarks", "results")
REPO_ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def _log(message: str) -> None:
    print(f"[benchmarks] {message}", file=sys.stderr, flush=True)


def run_worker(
    args: list[str], timeout: float, threads: int = environment.THREADS,
    env_overrides: dict[str, str | None] | None = None,
) -> tuple[dict | None, str | None]:
    """Run one worker subprocess; returns its JSON payload, or ``None`` and why it failed.

    ``env_overrides`` set (or, for ``None`` values, remove) variables of the worker's environment.
    """
    env = environment.thread_env(threads)
    for key, value in (env_overrides or {}).items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    with tempfile.TemporaryDirectory() as tmp:
        out = os.path.join(tmp, "result.json")
        command = [sys.executable, "-m", "benchmarks.worker", *args, "--out", out]
        try:
            proc = subprocess.run(
                command, cwd=REPO_ROOT, env=env, capture_output=True,
                text=True, timeout=timeout,
            )
        except subprocess.TimeoutExpired:
            return None, f"worker timed out after {timeout:.0f} s"
        if proc.returncode != 0 or not os.path.exists(out):
            tail = (proc.stderr or proc.stdout or "").strip().splitlines()[-8:]
            return None, f"worker exited with {proc.returncode}: " + "\n".join(tail)
        with open(out) as f:
            return json.load(f), None


def _missing(name: str, reason: str) -> dict:
    system = SYSTEMS[name]
    return {
        "system": name, "status": "missing", "reason": reason, "workloads": {},
        "peer": system.peer, "description": system.description,
    }


def _failed(name: str, reason: str) -> dict:
    return {"system": name, "status": "error", "reason": reason, "workloads": {}}


def plan_jobs(names: list[str], scaling: list[str], shared: bool) -> list[tuple[list[str], list[str]]]:
    """Worker jobs ``(systems, scaling sweeps)``: one per system and one per sweep, or — with
    ``shared`` (smoke tests) — one per framework, each sweep in its framework's worker."""
    if not shared:
        return [([n], []) for n in names] + [([], [n]) for n in scaling]
    jobs = []
    for framework in ("torch", "jax"):
        group = [n for n in names if SYSTEMS[n].framework == framework]
        sweeps = [n for n in scaling if SYSTEMS[n].framework == framework]
        if group or sweeps:
            jobs.append((group, sweeps))
    return jobs


def run_jobs(
    jobs: list[tuple[list[str], list[str]]], preset: str, workloads: list[str], timeout: float,
    concurrent: int, env_overrides: dict[str, str | None] | None = None,
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Run the worker jobs (``concurrent`` at a time, the thread budget split between them)."""
    threads = max(1, environment.THREADS // concurrent)
    results: dict[str, dict] = {}
    sweeps: dict[str, dict] = {}

    def one(job: tuple[list[str], list[str]]) -> None:
        systems, scaling = job
        what = ", ".join(systems + [f"{n} scaling" for n in scaling])
        if systems and len(workloads) == 1:
            what += f" {workloads[0]}"
        _log(f"running {what}")
        start = time.perf_counter()
        args = ["--preset", preset, "--systems", ",".join(systems),
                "--workloads", ",".join(workloads), "--scaling", ",".join(scaling)]
        payload, error = run_worker(args, timeout, threads, env_overrides)
        for name in systems:
            if payload is None:
                results[name] = _failed(name, error or "unknown failure")
                continue
            result = next(r for r in payload["results"] if r["system"] == name)
            result["process_peak_rss_mb"] = payload["process_peak_rss_mb"]
            result["cpus"] = payload["cpus"]
            results[name] = result
        for name in scaling:
            found = payload and next((r for r in payload["scaling"] if r["system"] == name), None)
            sweeps[name] = found or _failed(name, error or "unknown failure")
        _log(f"  {what}: done in {time.perf_counter() - start:.1f} s")

    if concurrent > 1:
        with ThreadPoolExecutor(concurrent) as pool:
            list(pool.map(one, jobs))
    else:
        for job in jobs:
            one(job)
    return results, sweeps


def _with_workload(result: dict, key: str) -> dict:
    """A worker's result for the one workload ``key``; a worker that did not get past set-up
    (error, or missing) puts its status and reason on that workload, so the system's other
    workloads still count and no workload vanishes from the report."""
    status = result.get("status")
    if status != "ok" and key not in result.get("workloads", {}):
        result = {**result, "workloads": {key: {"status": status or "error", "reason": result.get("reason", "")}}}
    return result


def merge_workloads(parts: list[dict]) -> dict:
    """One system's results from its one-workload workers, as one worker would have returned
    them: every worker's workloads together, the highest process peak RSS. A system none of
    whose workers got past set-up keeps the last worker's status and reason (each workload
    keeps its own)."""
    finished = [p for p in parts if p.get("status") == "ok"]
    merged = dict(finished[0] if finished else parts[-1], workloads={})
    for part in parts:
        merged["workloads"].update(part.get("workloads", {}))
    if finished:
        merged["process_peak_rss_mb"] = max(p.get("process_peak_rss_mb") or 0.0 for p in finished)
    return merged


def run_all(
    names: list[str], preset: str, workloads: list[str], *, scaling: bool, shared: bool,
    timeout: float, rounds: int = 1,
) -> tuple[dict[str, dict], dict[str, dict]]:
    """Every system's results (missing ones without starting a worker) and the scaling sweeps.

    One worker per system and workload, a workload's systems back to back (the module
    docstring); ``shared`` (smoke tests): one worker per framework for every workload. With
    ``rounds > 1`` this runs that many times — every second round with the systems in reverse
    order (not with ``shared``) — and the rounds are merged
    (:func:`benchmarks.rounds.best_of_rounds`); the sweeps run once, after the last round.
    """
    results: dict[str, dict] = {}
    sweeps: dict[str, dict] = {}
    available = []
    for name in names:
        reason = SYSTEMS[name].missing_reason()
        if reason is None:
            available.append(name)
        else:
            _log(f"{name}: missing ({reason})")
            results[name] = _missing(name, reason)
    to_sweep = []
    if scaling:
        for name in names:
            if name in available:
                to_sweep.append(name)
            elif name in report.OURS:
                sweeps[name] = results[name]
    concurrent = 2 if shared else 1
    per_round: dict[str, list[dict]] = {n: [] for n in available}
    for i in range(rounds):
        if rounds > 1:
            _log(f"round {i + 1} of {rounds}")
        if shared:
            ran, _ = run_jobs(plan_jobs(available, [], shared), preset, workloads, timeout, concurrent)
        else:
            order = available[::-1] if i % 2 else available
            parts: dict[str, list[dict]] = {n: [] for n in available}
            for key in workloads:
                ran_one, _ = run_jobs(plan_jobs(order, [], False), preset, [key], timeout, 1)
                for name, result in ran_one.items():
                    parts[name].append(_with_workload(result, key))
            ran = {name: merge_workloads(found) for name, found in parts.items()}
        for name, result in ran.items():
            per_round[name].append(result)
    for name, results_of_rounds in per_round.items():
        results[name] = best_of_rounds(results_of_rounds) if rounds > 1 else results_of_rounds[0]
    if to_sweep:
        _, swept = run_jobs(plan_jobs([], to_sweep, shared), preset, workloads, timeout, concurrent)
        sweeps.update(swept)
    ordered = {n: results[n] for n in names}
    return ordered, {n: sweeps[n] for n in names if n in sweeps}


def build_report(
    *, preset: str, names: list[str], workloads: list[str], systems: dict, scaling: dict,
    command: str, shared_workers: bool, rounds: int = 1, load_before: list[float] | None,
    load_after: list[float] | None,
) -> dict:
    """The JSON document: metadata, workloads, per-system results, ratios, scaling."""
    peers = [n for n in names if n in PEERS]
    return {
        "meta": {
            "preset": preset,
            "command": command,
            "shared_workers": shared_workers,
            "per_workload_workers": not shared_workers,
            "rounds": rounds,
            "machine": environment.machine(),
            "worker_env": {k: environment.thread_env()[k] for k in environment.THREAD_ENV_KEYS},
            "load_before": load_before,
            "load_after": load_after,
            "targets": _targets_json(),
        },
        "workloads": {k: PRESETS[preset].workloads[k].to_json() for k in workloads},
        "workload_order": workloads,
        "system_order": names,
        "systems": systems,
        "ratios": report.compute_ratios(systems, peers, workloads),
        "scaling": scaling,
    }


def run_load(
    names: list[str], preset: str, workloads: list[str], policies: list[str], timeout: float,
    command: str, load_before: list[float] | None, out_dir: str,
) -> int:
    """``--load``: :func:`benchmarks.load.run_load` over the installed systems; writes and prints."""
    available = [n for n in names if SYSTEMS[n].missing_reason() is None]
    for name in sorted(set(names) - set(available)):
        _log(f"{name}: missing ({SYSTEMS[name].missing_reason()})")

    def run_systems(systems: list[str], keys: list[str], overrides: dict[str, str | None]) -> dict[str, dict]:
        jobs = plan_jobs(systems, [], shared=False)
        return run_jobs(jobs, preset, keys, timeout, 1, overrides)[0]

    document = load.run_load(available, workloads, policies, run_systems)
    document.update(command=command, preset=preset, load_before=load_before,
                    load_after=environment.load_average(), machine=environment.machine())
    print(load.write(document, out_dir))
    return 0


def write_outputs(document: dict, out_dir: str) -> str:
    """``results.json``, the PNGs and ``results.md`` in ``out_dir``; returns the Markdown.

    Each file is written to a temporary name and renamed over the old one, so a failure leaves
    the earlier file intact.
    """
    from ebm_core.atomic_files import atomic_path  # imports torch: only once the run is over

    os.makedirs(out_dir, exist_ok=True)
    document["plots"] = write_plots(document, out_dir)
    text = report.markdown(document)
    encoded = json.dumps(document, indent=1, default=str)
    with atomic_path(os.path.join(out_dir, "results.json")) as tmp:
        tmp.write_text(encoded)
    with atomic_path(os.path.join(out_dir, "results.md")) as tmp:
        tmp.write_text(text)
    return text


def rewrite_report(out_dir: str) -> str:
    """``--report-only``: recompute the ratios and targets of ``out_dir/results.json`` with
    this code (e.g. after a target changed) and rewrite its report and plots; runs nothing."""
    with open(os.path.join(out_dir, "results.json")) as f:
        document = json.load(f)
    peers = [n for n in document["system_order"] if n in PEERS]
    document["ratios"] = report.compute_ratios(document["systems"], peers, document["workload_order"])
    document["meta"]["targets"] = _targets_json()
    return write_outputs(document, out_dir)


def _targets_json() -> dict:
    return {k: [{"against": a, "minimum": m} for a, m in conditions] for k, conditions in report.TARGETS.items()}


def _names(value: str | None, choices: list[str], what: str, parser: argparse.ArgumentParser) -> list[str]:
    if value is None:
        return list(choices)
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in choices]
    if unknown:
        parser.error(f"unknown {what} {unknown}; choose from {', '.join(choices)}")
    return [c for c in choices if c in names]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks.run",
        description="Benchmark ebm (fused and torch paths) against TorchEBM, ebmkit and BlackJAX.",
    )
    parser.add_argument("--quick", action="store_true", help="the quick preset (~1 min)")
    parser.add_argument("--preset", choices=sorted(PRESETS), default=None,
                        help="full (default), quick, or smoke (tests only: tiny sizes)")
    parser.add_argument("--systems", default=None, help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    parser.add_argument("--workloads", default=None, help="comma-separated subset of W1,W2,W3,W4,train,W5,W6 (the default) "
                             "and N1,N2,T1 (NUTS and tempering: only when named)")
    parser.add_argument("--no-scaling", action="store_true", help="skip the scaling sweeps")
    parser.add_argument("--rounds", type=int, default=1,
                        help="run the system sequence N times and report each workload's best "
                             "round (for machines with bursty load; see benchmarks/rounds.py)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--timeout", type=float, default=900.0, help="seconds allowed per worker")
    parser.add_argument("--load", action="store_true",
                        help="run each system's workloads quiet and beside one competing busy "
                             "process, per OpenMP wait policy (benchmarks/load.py); writes "
                             "load.json and load.md")
    parser.add_argument("--wait-policies", default="default,passive",
                        help="with --load: comma-separated OMP_WAIT_POLICY settings to compare "
                             f"({', '.join(load.POLICIES)}, or spincount=N for GOMP_SPINCOUNT=N; "
                             "default: default,passive)")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: recompute the ratios and targets of OUT/results.json "
                             "with this code and rewrite results.md, results.json and the plots")
    parser.add_argument("--shared-workers", action="store_true",
                        help="smoke tests only: one worker per framework, two at a time "
                             "(timings and RSS not comparable)")
    args = parser.parse_args(argv)

    if args.report_only:
        if not os.path.exists(os.path.join(args.out, "results.json")):
            parser.error(f"--report-only: {os.path.join(args.out, 'results.json')} does not exist; "
                         "run the benchmark with this --out first")
        print(rewrite_report(args.out))
        return 0
    preset = args.preset or ("quick" if args.quick else "full")
    names = _names(args.systems, list(SYSTEMS), "systems", parser)
    workloads = _names(args.workloads, list(PRESETS[preset].workloads), "workloads", parser)
    if args.workloads is None:  # N1, N2, T1 (Samplers II) only when named
        workloads = [k for k in workloads if PRESETS[preset].workloads[k].in_default_run]
    given = argv if argv is not None else sys.argv[1:]
    command = "python -m benchmarks.run " + " ".join(shlex.quote(a) for a in given)

    load_before = environment.load_average()
    _log(f"preset {preset}; load average {load_before}; output {args.out}")
    if args.load:
        policies = [p.strip() for p in args.wait_policies.split(",") if p.strip()]
        for policy in policies:
            try:
                load.policy_env(policy)
            except ValueError as exc:
                parser.error(f"--wait-policies: {exc}")
        return run_load(names, preset, workloads, policies, args.timeout, command.strip(),
                        load_before, args.out)
    systems, scaling = run_all(
        names, preset, workloads, scaling=not args.no_scaling, shared=args.shared_workers,
        timeout=args.timeout, rounds=max(1, args.rounds),
    )
    document = build_report(
        preset=preset, names=names, workloads=workloads, systems=systems, scaling=scaling,
        command=command.strip(), shared_workers=args.shared_workers, rounds=max(1, args.rounds),
        load_before=load_before,
        load_after=environment.load_average(),
    )
    print(write_outputs(document, args.out))
    return 0


if __name__ == "__main__":
    sys.exit(main())
