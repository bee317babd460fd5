"""The benchmark command runs each (system, workload) in its own worker, a workload's systems
back to back, later rounds in reverse system order — checked with a fake worker."""

from __future__ import annotations

import pytest

from benchmarks import run


class _FakeSystem:
    peer = True
    description = "fake"
    framework = "torch"

    def missing_reason(self):
        return None


@pytest.fixture
def fake_workers(monkeypatch):
    """Replace the worker subprocess: record each call's system and workloads, and fail
    system ``b`` on workload ``W2`` (a worker that exits non-zero)."""
    calls = []

    def fake_run_worker(args, timeout, threads=2, env_overrides=None):
        systems = args[args.index("--systems") + 1].split(",")
        workloads = args[args.index("--workloads") + 1].split(",")
        calls.append((systems, workloads))
        if systems == ["b"] and workloads == ["W2"]:
            return None, "worker exited with 1: boom"
        entry = {"status": "ok", "median_s": 1.0, "peak_rss_mb": 50.0, "quality": {"passed": True}}
        results = [{"system": s, "status": "ok", "workloads": {w: dict(entry) for w in workloads}} for s in systems]
        rss = 100.0 + 10 * len(calls)
        return {"results": results, "scaling": [], "process_peak_rss_mb": rss, "cpus": [0, 1]}, None

    monkeypatch.setattr(run, "run_worker", fake_run_worker)
    monkeypatch.setattr(run, "SYSTEMS", {"a": _FakeSystem(), "b": _FakeSystem()})
    return calls


def test_one_worker_per_system_and_workload_in_alternating_order(fake_workers):
    run.run_all(["a", "b"], "smoke", ["W1", "W2"], scaling=False, shared=False, timeout=1.0, rounds=2)
    assert fake_workers == [
        (["a"], ["W1"]), (["b"], ["W1"]), (["a"], ["W2"]), (["b"], ["W2"]),  # round 1
        (["b"], ["W1"]), (["a"], ["W1"]), (["b"], ["W2"]), (["a"], ["W2"]),  # round 2: reversed
    ]


def test_results_are_merged_per_system_and_a_failed_worker_fails_only_its_workload(fake_workers):
    results, _ = run.run_all(["a", "b"], "smoke", ["W1", "W2"], scaling=False, shared=False, timeout=1.0)
    a, b = results["a"], results["b"]
    assert a["status"] == "ok" and set(a["workloads"]) == {"W1", "W2"}
    assert a["process_peak_rss_mb"] == 130.0  # the larger of its two workers (calls 1 and 3)
    assert b["status"] == "ok" and b["workloads"]["W1"]["status"] == "ok"
    assert b["workloads"]["W2"] == {"status": "error", "reason": "worker exited with 1: boom"}


def test_a_system_whose_every_worker_failed_keeps_the_error(fake_workers):
    results, _ = run.run_all(["b"], "smoke", ["W2"], scaling=False, shared=False, timeout=1.0)
    assert results["b"]["status"] == "error" and "boom" in results["b"]["reason"]


def test_shared_workers_keep_one_worker_for_all_workloads(fake_workers):
    run.run_all(["a", "b"], "smoke", ["W1", "W2"], scaling=False, shared=True, timeout=1.0)
    assert fake_workers == [(["a", "b"], ["W1", "W2"])]
