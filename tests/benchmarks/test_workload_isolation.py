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
    """Replace the worker subprocess: record each call's system and workloads; system ``b``'s
    worker fails on ``W1`` (exits non-zero), and on ``W3`` reports its library missing."""
    calls = []

    def fake_run_worker(args, timeout, threads=2, env_overrides=None):
        systems = args[args.index("--systems") + 1].split(",")
        workloads = args[args.index("--workloads") + 1].split(",")
        calls.append((systems, workloads))
        if systems == ["b"] and workloads == ["W1"]:
            return None, "worker exited with 1: boom"
        if systems == ["b"] and workloads == ["W3"]:
            results = [{"system": "b", "status": "missing", "reason": "no module b", "workloads": {}}]
        else:
            entry = {"status": "ok", "median_s": float(len(calls)), "peak_rss_mb": 50.0, "quality": {"passed": True}}
            results = [
                {"system": s, "status": "ok", "facts": {"build": s}, "workloads": {w: dict(entry) for w in workloads}}
                for s in systems
            ]
        rss = 100.0 + 10 * len(calls)
        return {"results": results, "scaling": [], "process_peak_rss_mb": rss, "cpus": [0, 1]}, None

    monkeypatch.setattr(run, "run_worker", fake_run_worker)
    monkeypatch.setattr(run, "SYSTEMS", {"a": _FakeSystem(), "b": _FakeSystem()})
    return calls


def test_one_worker_per_system_and_workload_in_alternating_order(fake_workers):
    results, _ = run.run_all(["a", "b"], "smoke", ["W1", "W2"], scaling=False, shared=False, timeout=1.0, rounds=2)
    assert fake_workers == [
        (["a"], ["W1"]), (["b"], ["W1"]), (["a"], ["W2"]), (["b"], ["W2"]),  # round 1
        (["b"], ["W1"]), (["a"], ["W1"]), (["b"], ["W2"]), (["a"], ["W2"]),  # round 2: reversed
    ]
    a = results["a"]
    assert a["rounds"] == 2
    assert a["workloads"]["W1"]["round_medians_s"] == [1.0, 6.0]  # calls 1 and 6
    assert a["workloads"]["W2"]["round_medians_s"] == [3.0, 8.0]
    assert a["workloads"]["W1"]["median_s"] == 1.0


def test_results_are_merged_per_system_and_a_failed_worker_fails_only_its_workload(fake_workers):
    results, _ = run.run_all(["a", "b"], "smoke", ["W1", "W2", "W3"], scaling=False, shared=False, timeout=1.0)
    a, b = results["a"], results["b"]
    assert a["status"] == "ok" and set(a["workloads"]) == {"W1", "W2", "W3"}
    assert a["process_peak_rss_mb"] == 150.0  # the largest of its three workers (calls 1, 3, 5)
    assert a["facts"] == {"build": "a"} and a["cpus"] == [0, 1]
    # b's first worker failed: the merged system still comes from its finished one.
    assert b["status"] == "ok" and b["facts"] == {"build": "b"} and b["workloads"]["W2"]["status"] == "ok"
    assert b["workloads"]["W1"] == {"status": "error", "reason": "worker exited with 1: boom"}
    assert b["workloads"]["W3"] == {"status": "missing", "reason": "no module b"}


def test_a_system_whose_every_worker_failed_keeps_every_reason(fake_workers):
    results, _ = run.run_all(["b"], "smoke", ["W1", "W3"], scaling=False, shared=False, timeout=1.0)
    b = results["b"]
    assert b["status"] == "missing" and b["reason"] == "no module b"  # the last worker's
    assert b["workloads"]["W1"]["reason"] == "worker exited with 1: boom"
    assert b["workloads"]["W3"]["status"] == "missing"


def test_shared_workers_keep_one_worker_for_all_workloads(fake_workers):
    run.run_all(["a", "b"], "smoke", ["W1", "W2"], scaling=False, shared=True, timeout=1.0, rounds=2)
    assert fake_workers == [(["a", "b"], ["W1", "W2"])] * 2
