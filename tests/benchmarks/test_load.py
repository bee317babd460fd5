"""The load benchmark (``benchmarks.run --load``): its competing process is started and always
stopped, and a tiny run reports quiet and loaded throughput, the slowdown and the policy's
quiet cost. Nothing is timed: the numbers of the tiny run are not checked."""

from __future__ import annotations

import json
import os
import time

import pytest

from benchmarks import load, run


def _cpu_ticks(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


@pytest.mark.skipif(not os.path.exists("/proc/self/stat"), reason="needs Linux /proc")
def test_busy_process_spins_and_is_stopped() -> None:
    with load.busy_process() as procs:
        (proc,) = procs
        start = _cpu_ticks(proc.pid)
        time.sleep(0.5)
        assert proc.poll() is None
        assert _cpu_ticks(proc.pid) > start  # it is using the CPU
    assert proc.returncode is not None  # stopped and reaped


def test_busy_process_is_stopped_when_the_block_raises() -> None:
    with pytest.raises(RuntimeError):
        with load.busy_process(count=2) as procs:
            raise RuntimeError("workload failed")
    assert all(p.returncode is not None for p in procs)


def test_policy_env() -> None:
    unset = {"OMP_WAIT_POLICY": None, "GOMP_SPINCOUNT": None, "EBM_THREAD_SHARING": None}
    assert load.policy_env("default") == unset
    assert load.policy_env("passive") == {**unset, "OMP_WAIT_POLICY": "PASSIVE"}
    assert load.policy_env("spincount=10000") == {**unset, "GOMP_SPINCOUNT": "10000"}
    assert load.policy_env("fixed-threads") == {**unset, "EBM_THREAD_SHARING": "0"}
    with pytest.raises(ValueError, match="wait policy must be one of 'default', 'passive', 'active'"):
        load.policy_env("sleepy")
    for bad in ("lots", "²", "٣٠٠"):  # not ASCII digits: GOMP_SPINCOUNT would not read them
        with pytest.raises(ValueError, match="spincount=N takes a whole number of spin rounds"):
            load.policy_env(f"spincount={bad}")


def test_an_unknown_wait_policy_is_a_usage_error(capsys) -> None:
    with pytest.raises(SystemExit) as exc:
        run.main(["--load", "--preset", "smoke", "--wait-policies", "default,spincount=-1"])
    assert exc.value.code == 2
    assert "--wait-policies: wait policy 'spincount=-1'" in capsys.readouterr().err


def test_a_failed_write_leaves_the_earlier_report_intact(tmp_path) -> None:
    class Unprintable:  # fails half-way through encoding the JSON (json's default=str)
        def __str__(self) -> str:
            raise OSError("disk full")

    (tmp_path / "load.json").write_text("earlier")
    with pytest.raises(OSError, match="disk full"):
        load.write({"rows": [], "runs": [], "machine": Unprintable()}, str(tmp_path))
    assert (tmp_path / "load.json").read_text() == "earlier"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["load.json"]  # no partial or temporary file


def test_load_run_reports_quiet_loaded_and_policy_cost(tmp_path) -> None:
    argv = ["--load", "--preset", "smoke", "--systems", "ebm-torch", "--workloads", "W4",
            "--wait-policies", "default,passive", "--out", str(tmp_path)]
    assert run.main(argv) == 0
    document = json.loads((tmp_path / "load.json").read_text())
    rows = {(r["system"], r["policy"]): r for r in document["rows"]}
    assert set(rows) == {("ebm-torch", "default"), ("ebm-torch", "passive")}
    for row in rows.values():
        assert row["quiet"] > 0 and row["loaded"] > 0
        assert row["slowdown"] == pytest.approx(row["quiet"] / row["loaded"])
    assert rows[("ebm-torch", "default")]["quiet_cost"] is None
    assert rows[("ebm-torch", "passive")]["quiet_cost"] is not None
    assert "slowdown" in (tmp_path / "load.md").read_text()


def test_each_workload_runs_quiet_then_loaded_back_to_back(monkeypatch) -> None:
    """One worker per (system, policy, workload, condition); a workload's loaded run follows
    its quiet run; a workload that fails in one condition is reported, the others still count."""
    import contextlib

    calls, busy = [], []

    @contextlib.contextmanager
    def fake_busy():
        busy.append(True)
        yield []
        busy.pop()

    def fake_run_systems(systems, keys, overrides):
        calls.append((systems[0], keys, "loaded" if busy else "quiet"))
        (key,) = keys
        failed = key == "W2" and busy
        entry = {"status": "error", "reason": "boom"} if failed else {
            "status": "ok", "throughput": 100.0 if not busy else 40.0, "median_s": 1.0}
        return {systems[0]: {"status": "ok", "workloads": {key: entry}}}

    monkeypatch.setattr(load, "busy_process", fake_busy)
    document = load.run_load(["a"], ["W1", "W2"], ["default"], fake_run_systems)
    assert calls == [
        ("a", ["W1"], "quiet"), ("a", ["W1"], "loaded"), ("a", ["W2"], "quiet"), ("a", ["W2"], "loaded"),
    ]
    rows = {r["workload"]: r for r in document["rows"]}
    assert rows["W1"]["slowdown"] == pytest.approx(2.5)
    assert rows["W2"]["quiet"] == 100.0 and rows["W2"]["loaded"] is None and rows["W2"]["slowdown"] is None
    assert "a (default, W2, loaded): error — boom" in load.markdown(document)
