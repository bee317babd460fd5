"""Speed on a machine that is not idle: each workload quiet and beside one competing busy process.

``python -m benchmarks.run --load --systems ebm-fused,blackjax --workloads W4`` runs, for every
chosen system and every OpenMP wait policy of ``--wait-policies`` (default ``default,passive``),
each chosen workload twice in fresh workers: once on the machine as it is ("quiet") and once
while :func:`busy_process` keeps one extra process spinning on a core ("loaded"). The two runs
of one (system, policy, workload) follow each other — one worker each, like the main
benchmark's — so slow drifts of the machine's speed hit both.
Reported per workload, system and policy:

* ``slowdown = quiet throughput / loaded throughput`` (1 = unaffected; the project's bound is 2.5);
* ``quiet cost of the policy = quiet throughput with the default policy / with this policy − 1``
  (the price of the policy on a quiet machine; must stay under 5 %).

``default`` runs the workers without ``OMP_WAIT_POLICY`` (OpenMP's spin-then-sleep default),
``passive``/``active`` set it, and ``spincount=N`` leaves it unset but sets ``GOMP_SPINCOUNT=N``
(spin N rounds, then sleep) — all before the worker imports torch. Each of these keeps ebm's
thread sharing (:mod:`ebm_core.thread_sharing`) on, as a user who sets nothing has it;
``fixed-threads`` is the default policy with it turned off (``EBM_THREAD_SHARING=0``). (Its
"quiet cost" row compares two fresh workers, which on a shared machine differ by tens of
percent with nothing changed; docs/performance.md measures sharing's quiet cost in one
process.) The load averages before and after each phase are recorded beside the figures,
since other jobs on the machine change them. Writes ``load.json`` and ``load.md``.

Example::

    from benchmarks.load import busy_process
    with busy_process() as procs:
        assert all(p.poll() is None for p in procs)  # spinning
    assert all(p.poll() is not None for p in procs)  # stopped on exit
"""

from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from typing import Callable, Iterator

from . import environment

WAIT_POLICY_ENV = "OMP_WAIT_POLICY"
SPIN_COUNT_ENV = "GOMP_SPINCOUNT"
#: The competitor: one Python process spinning on a core.
BUSY_CODE = "while True:\n    pass\n"
#: Named settings ``--wait-policies`` accepts: OpenMP wait policies (``default`` = variable
#: unset) and ``fixed-threads`` (the default wait policy with ebm's thread sharing turned off,
#: ``EBM_THREAD_SHARING=0``); it also accepts ``spincount=N`` (see the module docstring).
POLICIES = ("default", "passive", "active", "fixed-threads")
FIXED_THREADS_POLICY = "fixed-threads"
SPIN_COUNT_POLICY = "spincount="
#: The project's bound on the loaded slowdown and on the quiet cost of a policy.
MAX_SLOWDOWN = 2.5
MAX_QUIET_COST = 0.05


@contextlib.contextmanager
def busy_process(count: int = 1, stop_timeout: float = 5.0) -> Iterator[list[subprocess.Popen]]:
    """``count`` processes spinning on the CPU for the duration of the block; always stopped.

    Each is terminated (then killed if it has not exited after ``stop_timeout`` s) and reaped
    on exit from the block, also when the block raises.
    """
    procs: list[subprocess.Popen] = []
    try:
        for _ in range(count):
            procs.append(subprocess.Popen(
                [sys.executable, "-c", BUSY_CODE], stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
            ))
        yield procs
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(stop_timeout)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def policy_env(policy: str) -> dict[str, str | None]:
    """Worker environment overrides for ``policy`` (``None`` removes the variable)."""
    from ebm_core.checks import one_of  # imports torch: only for --load runs
    from ebm_core.thread_sharing import SWITCH_ENV as SHARING_ENV

    if policy.startswith(SPIN_COUNT_POLICY):
        count = policy[len(SPIN_COUNT_POLICY):]
        if not (count.isascii() and count.isdigit()):  # str.isdigit alone accepts "²" and "٣"
            raise ValueError(
                f"wait policy {policy!r}: spincount=N takes a whole number of spin rounds, "
                "e.g. spincount=10000"
            )
        return {WAIT_POLICY_ENV: None, SPIN_COUNT_ENV: count, SHARING_ENV: None}
    one_of(policy, "wait policy", POLICIES, hint="choose --wait-policies from these or spincount=N")
    if policy == FIXED_THREADS_POLICY:
        return {WAIT_POLICY_ENV: None, SPIN_COUNT_ENV: None, SHARING_ENV: "0"}
    return {WAIT_POLICY_ENV: None if policy == "default" else policy.upper(), SPIN_COUNT_ENV: None,
            SHARING_ENV: None}


RunJobs = Callable[[list[str], list[str], dict[str, str | None]], dict[str, dict]]


def run_load(names: list[str], workloads: list[str], policies: list[str], run_systems: RunJobs) -> dict:
    """Quiet and loaded runs of every system, policy and workload; the JSON document.

    ``run_systems(systems, workloads, env_overrides)`` runs the systems' workers
    (``benchmarks.run``) and returns their results keyed by system name. Each condition's
    fields are keyed by workload.
    """
    runs: list[dict] = []
    for name in names:
        for policy in policies:
            entry: dict = {"system": name, "policy": policy}
            for condition in ("quiet", "loaded"):
                entry[condition] = {f: {} for f in ("load_before", "load_after", "status", "reason",
                                                     "throughput", "median_s")}
            for key in workloads:
                for condition in ("quiet", "loaded"):
                    before = environment.load_average()
                    if condition == "quiet":
                        result = run_systems([name], [key], policy_env(policy))[name]
                    else:
                        with busy_process():
                            result = run_systems([name], [key], policy_env(policy))[name]
                    workload = result.get("workloads", {}).get(key, {})
                    fields = entry[condition]
                    fields["load_before"][key], fields["load_after"][key] = before, environment.load_average()
                    ok = result.get("status") == "ok" and workload.get("status") == "ok"
                    fields["status"][key] = "ok" if ok else (workload.get("status") or result.get("status"))
                    fields["reason"][key] = None if ok else (workload.get("reason") or result.get("reason"))
                    fields["throughput"][key] = workload.get("throughput") if ok else None
                    fields["median_s"][key] = workload.get("median_s")
            runs.append(entry)
    return {"workloads": workloads, "policies": policies, "runs": runs, "rows": _rows(runs, workloads)}


def _rows(runs: list[dict], workloads: list[str]) -> list[dict]:
    rows = []
    quiet_default = {
        (r["system"], k): r["quiet"]["throughput"].get(k)
        for r in runs if r["policy"] == "default" for k in workloads
    }
    for r in runs:
        for key in workloads:
            quiet, loaded = r["quiet"]["throughput"].get(key), r["loaded"]["throughput"].get(key)
            reference = quiet_default.get((r["system"], key))
            rows.append({
                "workload": key, "system": r["system"], "policy": r["policy"],
                "quiet": quiet, "loaded": loaded,
                "slowdown": quiet / loaded if quiet and loaded else None,
                "quiet_cost": (reference / quiet - 1.0) if reference and quiet and r["policy"] != "default" else None,
                "load_quiet": r["quiet"]["load_before"].get(key), "load_loaded": r["loaded"]["load_before"].get(key),
            })
    return rows


def _num(x: float | None, fmt: str = "{:.3g}") -> str:
    return "—" if x is None else fmt.format(x)


def _load(values: list[float] | None) -> str:
    return "—" if not values else " / ".join(f"{v:.2f}" for v in values)


def markdown(document: dict) -> str:
    """The load table: throughput quiet and loaded, slowdown, quiet cost of the policy."""
    lines = [
        "# Speed beside one competing busy process",
        "",
        f"Command: `{document.get('command', '')}`; {environment.THREADS} threads per system; "
        f"load average (1/5/15 min) before the run {_load(document.get('load_before'))}, "
        f"after {_load(document.get('load_after'))}.",
        "",
        "| workload | system | OMP wait policy | quiet | loaded | slowdown | quiet cost of the policy "
        "| load avg before quiet run | before loaded run |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for row in document["rows"]:
        slow = row["slowdown"]
        flag = "" if slow is None or slow <= MAX_SLOWDOWN else " ✗"
        cost = row["quiet_cost"]
        lines.append(
            f"| {row['workload']} | {row['system']} | {row['policy']} | {_num(row['quiet'])} | "
            f"{_num(row['loaded'])} | {_num(slow, '{:.2f}×')}{flag} | "
            f"{_num(None if cost is None else 100 * cost, '{:+.1f} %')} | "
            f"{_load(row['load_quiet'])} | {_load(row['load_loaded'])} |"
        )
    for r in document["runs"]:
        for c in ("quiet", "loaded"):
            for key, status in r[c]["status"].items():
                if status != "ok":
                    lines.append(f"\n{r['system']} ({r['policy']}, {key}, {c}): {status} — {r[c]['reason'][key]}")
    lines += [
        "",
        f"Throughput in each workload's unit (chain-steps/s, iterations/s). Slowdown = quiet ÷ "
        f"loaded (✗ above {MAX_SLOWDOWN}); quiet cost = the default policy's quiet throughput ÷ "
        f"this policy's − 1 (bound {100 * MAX_QUIET_COST:.0f} %). One busy Python process competes "
        "for the cores during the loaded run.",
    ]
    return "\n".join(lines) + "\n"


def write(document: dict, out_dir: str) -> str:
    """``load.json`` and ``load.md`` in ``out_dir``; returns the Markdown."""
    from ebm_core.atomic_files import atomic_path  # imports torch: see policy_env

    text = markdown(document)
    with atomic_path(os.path.join(out_dir, "load.json")) as tmp:
        tmp.write_text(json.dumps(document, indent=1, default=str))
    with atomic_path(os.path.join(out_dir, "load.md")) as tmp:
        tmp.write_text(text)
    return text
