"""Run the benchmark command end to end on tiny sizes and check what it writes.

Every system installed in this venv runs (ebm's torch path always; ebm's fused path with
ebm-cuda; the peers when the ``bench`` extra is installed); the others must be reported as
missing. The ``smoke`` preset and ``--shared-workers`` keep it to seconds; the numbers are
meaningless and never checked.
"""

from __future__ import annotations

import json

import pytest

from benchmarks import report, run
from benchmarks.report import OURS
from benchmarks.systems import SYSTEMS
from benchmarks.workloads import PRESETS

WORKLOADS = [k for k, w in PRESETS["smoke"].workloads.items() if w.in_default_run]
ENTRY_FIELDS = {
    "status", "throughput", "unit", "median_s", "times_s", "warmup_s", "compile_s",
    "peak_rss_mb", "backend", "quality", "workload",
}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench")
    assert run.main(["--preset", "smoke", "--shared-workers", "--out", str(out)]) == 0
    with open(out / "results.json") as f:
        return json.load(f), (out / "results.md").read_text(), out


def test_every_system_ran_or_is_reported_missing(smoke):
    document, _, _ = smoke
    assert document["system_order"] == list(SYSTEMS)
    for name, system in SYSTEMS.items():
        result = document["systems"][name]
        if system.missing_reason() is None and name != "ebm-fused":
            assert result["status"] == "ok", result.get("reason")
        elif system.missing_reason() is not None:
            assert result["status"] == "missing" and result["reason"]
    assert document["systems"]["ebm-torch"]["status"] == "ok"


def test_each_result_has_timing_memory_quality_and_backend(smoke):
    document, _, _ = smoke
    for name, result in document["systems"].items():
        if result["status"] != "ok":
            continue
        assert set(result["workloads"]) == set(WORKLOADS)
        for key, entry in result["workloads"].items():
            assert entry["status"] == "ok", (name, key, entry.get("reason"))
            assert ENTRY_FIELDS <= set(entry), (name, key)
            assert entry["throughput"] > 0 and entry["peak_rss_mb"] > 0
            assert entry["quality"]["passed"], (name, key, entry["quality"])
            if key in ("W2", "W3"):
                assert entry["quality"]["check"] == "moments"
        assert result["process_peak_rss_mb"] > 0
    torch_path = document["systems"]["ebm-torch"]["workloads"]
    samplers = {e["backend"] for e in torch_path.values() if e["workload"]["kind"] != "train"}
    assert samplers == {"torch"}  # training workloads (train, W6) describe their loss instead
    fused = document["systems"]["ebm-fused"]
    if fused["status"] == "ok":
        assert fused["workloads"]["W1"]["backend"].startswith("ebm-cuda:")


def test_ratios_and_targets_cover_every_workload(smoke):
    document, _, _ = smoke
    assert set(document["ratios"]) == set(WORKLOADS)
    for key, row in document["ratios"].items():
        assert "best_peer" in row and "target" in row
        if row["best_peer"] is not None:
            assert row["ebm-torch"]["vs_best"] > 0
            assert row["best_peer"] in row["ebm-torch"]["vs_peer"]


def test_markdown_has_the_tables(smoke):
    document, text, _ = smoke
    assert "## Throughput" in text and "## Peak RSS" in text and "## Quality" in text
    header = next(line for line in text.splitlines() if line.startswith("| workload | unit |"))
    for name in SYSTEMS:
        assert name in header
    for key in WORKLOADS:
        assert any(line.startswith(f"| {key}: ") for line in text.splitlines())
    assert document["meta"]["command"].startswith("python -m benchmarks.run")


def test_scaling_sweeps_and_plots(smoke):
    document, text, out = smoke
    for name in OURS:
        sweep = document["scaling"][name]
        if sweep["status"] != "ok":
            assert name == "ebm-fused" and sweep["status"] in ("missing", "error")
            continue
        assert [row["chains"] for row in sweep["chains"]] == list(PRESETS["smoke"].scaling_chains)
        assert [row["dim"] for row in sweep["dims"]] == list(PRESETS["smoke"].scaling_dims)
        assert all(row["status"] == "ok" and row["throughput"] > 0 for row in sweep["chains"])
    for name, system in SYSTEMS.items():  # the W4 sweep: every installed system
        if system.missing_reason() is not None:
            continue
        status = document["scaling"][name]["status"]
        if name == "ebm-fused" and status != "ok":  # as above: ebm-cuda not built here
            continue
        assert status == "ok", (name, document["scaling"][name].get("reason"))
        sweep = document["scaling"][name]["mlp_chains"]
        assert [row["chains"] for row in sweep] == list(PRESETS["smoke"].scaling_mlp_chains)
        assert all(row["status"] == "ok" and row["throughput"] > 0 for row in sweep), (name, sweep)
    assert "W4 (ULA on the MLP 2-128-128-1) vs chains, every system:" in text
    pytest.importorskip("matplotlib")
    for png in ("scaling_chains.png", "scaling_dim.png", "memory_chains.png", "scaling_w4_chains.png", "ratios.png"):
        assert (out / png).stat().st_size > 1000


def test_report_only_recomputes_the_targets_without_running_anything(smoke, monkeypatch, tmp_path):
    import shutil

    _, _, out = smoke
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    monkeypatch.setitem(report.TARGETS, "W1", (("best", 1e9),))  # a target nothing meets
    assert run.main(["--report-only", "--out", str(copy)]) == 0
    document = json.loads((copy / "results.json").read_text())
    assert document["meta"]["targets"]["W1"] == [{"against": "best", "minimum": 1e9}]
    if document["ratios"]["W1"].get("target", {}).get("ratio") is not None:
        assert document["ratios"]["W1"]["target"]["met"] is False
        w1 = next(l for l in (copy / "results.md").read_text().splitlines() if l.startswith("| W1: "))
        assert "≥ 1e+09× best peer" in w1 and "| no (" in w1


def test_report_only_needs_an_earlier_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        run.main(["--report-only", "--out", str(tmp_path)])
    assert exc.value.code == 2 and "results.json does not exist" in capsys.readouterr().err


def test_per_workload_workers_end_to_end(tmp_path):
    """The full-run path (no ``--shared-workers``): one real worker per system and workload,
    two rounds, merged into one result per system with each workload's round medians."""
    out = tmp_path / "bench"
    assert run.main(["--preset", "smoke", "--systems", "ebm-torch", "--workloads", "W1,W2",
                     "--no-scaling", "--rounds", "2", "--out", str(out)]) == 0
    document = json.loads((out / "results.json").read_text())
    assert document["meta"]["per_workload_workers"] is True
    system = document["systems"]["ebm-torch"]
    assert system["status"] == "ok" and system["rounds"] == 2
    for key in ("W1", "W2"):
        entry = system["workloads"][key]
        assert entry["status"] == "ok" and len(entry["round_medians_s"]) == 2
    assert "a workload's systems back to back" in (out / "results.md").read_text()
