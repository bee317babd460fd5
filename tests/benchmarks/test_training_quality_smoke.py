"""Smoke test of ``python -m benchmarks.training_quality --tiny`` (the full run is a documented
command, not a CI test): every system trains a few steps on one data set and seed, the one
evaluator scores them, the report, JSON and figure are written, and ``--resume`` keeps finished
cells. Plus the report's target checks on a made-up document, where the answers are known."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from benchmarks.training_quality_report import targets

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchmarks.training_quality", *args], cwd=REPO,
                          capture_output=True, text=True, timeout=600)


def test_tiny_run_trains_and_scores_every_system(tmp_path) -> None:
    pytest.importorskip("sklearn")
    out, figures = tmp_path / "out", tmp_path / "figures"
    common = ["--tiny", "--datasets", "eight_gaussians", "--seeds", "0", "--out", str(out),
              "--figure-dir", str(figures)]
    proc = _run(*common)
    assert proc.returncode == 0, proc.stderr[-3000:]
    document = json.loads((out / "results.json").read_text())
    systems = document["meta"]["systems"]
    assert systems == ["ebm", "gmm50", "ebm_same_config", "torchebm", "ebmkit"]
    ran = [c for c in document["cells"]]
    missing = document["meta"]["missing_systems"]
    assert {c["system"] for c in ran} == set(systems) - set(missing)
    for cell in ran:
        assert cell["status"] == "ok", cell.get("traceback")
        assert cell["nll"] == cell["nll"] and cell["wall_s"] > 0  # finite, timed
        modes = cell["modes"]
        assert modes["modes_total"] == 8 and len(modes["weights"]) == 8
    ebm = next(c for c in ran if c["system"] == "ebm")
    assert ebm["info"]["command"] == "ebm train --dataset eight_gaussians --seed 0 --steps 5 " \
        "--set eval_samples=20 --set eval_steps=2 --set eval_every=5 --set checkpoint_every=5"
    assert "true_nll" in document["references"]["eight_gaussians"]["0"]
    text = (out / "results.md").read_text()
    assert "Held-out NLL" in text and "| eight_gaussians |" in text and "**Targets**" in text
    assert (figures / "quality-eight_gaussians.png").stat().st_size > 0

    again = _run(*common, "--resume", "--systems", "gmm50")
    assert again.returncode == 0, again.stderr[-3000:]
    assert "0 cells" in again.stderr


def _cell(system, dataset, seed, nll, modes=None):
    cell = {"system": system, "dataset": dataset, "seed": seed, "status": "ok", "nll": nll}
    if modes is not None:
        cell["modes"] = {"modes_present": modes[0], "modes_total": 8, "mode_weight_error_max": modes[1]}
    return cell


def test_targets_name_each_failure() -> None:
    cells = [
        _cell("ebm", "eight_gaussians", 0, 1.70, (8, 0.1)), _cell("gmm50", "eight_gaussians", 0, 1.70, (8, 0.0)),
        _cell("ebm", "eight_gaussians", 1, 1.80, (7, 0.3)), _cell("gmm50", "eight_gaussians", 1, 1.70, (8, 0.0)),
        _cell("ebm_same_config", "eight_gaussians", 0, 2.0), _cell("torchebm", "eight_gaussians", 0, 2.1),
        _cell("ebmkit", "eight_gaussians", 0, 1.9),
    ]
    document = {"meta": {"datasets": ["eight_gaussians"], "systems": ["ebm", "gmm50", "ebm_same_config",
                                                                      "torchebm", "ebmkit"]}, "cells": cells}
    found = targets(document)
    nll, modes, same = (found[k] for k in found)
    assert nll["holds"] is False and len(nll["failures"]) == 1 and "seed 1" in nll["failures"][0]
    assert modes["holds"] is False and modes["failures"] == ["seed 1: 7/8 modes present, max weight error 0.30"]
    assert same["holds"] is False and same["failures"] == ["eight_gaussians: ebm_same_config 2.000 vs ebmkit 1.900"]
    assert nll["unmeasured"] == [] and same["unmeasured"] == []


def test_a_cell_is_flagged_by_the_density_at_the_box_edge() -> None:
    from benchmarks.training_quality_report import EDGE_FLAG, edge_ratio

    warning = "the 2-D density at the bounds ((-5.1, 5.0), (-5.2, 5.1)) is {} of its peak, so mass outside"
    assert edge_ratio({"warnings": [warning.format("1.6e-05"), warning.format("0.0032")]}) == 0.0032 >= EDGE_FLAG
    assert edge_ratio({"warnings": [warning.format("1.6e-05")]}) < EDGE_FLAG
    assert edge_ratio({"warnings": []}) == 0.0


def test_resume_reruns_an_ebm_cell_whose_defaults_changed(tmp_path) -> None:
    from benchmarks.training_quality import cell_name, ebm_train_config, plan
    from benchmarks.training_quality_systems import Settings

    settings = Settings()
    (tmp_path / "cells").mkdir()
    current = ebm_train_config("two_moons", 0, settings)
    for seed, config in ((0, current), (1, {**current, "lr": 123.0})):
        record = {"status": "ok", "info": {"config": config}}
        (tmp_path / "cells" / (cell_name("ebm", "two_moons", seed) + ".json")).write_text(json.dumps(record))
    (tmp_path / "cells" / (cell_name("gmm50", "two_moons", 0) + ".json")).write_text('{"status": "error"}')
    todo = plan(["two_moons"], [0, 1], ["ebm", "gmm50"], str(tmp_path), True, settings)
    assert todo == [("gmm50", "two_moons", 0), ("ebm", "two_moons", 1), ("gmm50", "two_moons", 1)]


def test_paired_differences_resolve_only_a_consistent_gap() -> None:
    """Per-seed differences ebm − torchebm of exactly −0.10 ± 0.01 are resolved (z ≈ −14); ±0.05
    alternating differences (mean +0.01) are not, nor are identical results (zero SE); ebmkit,
    trained on one seed only, gives no row."""
    pytest.importorskip("scipy")
    from benchmarks.training_quality_report import _paired_table, paired_differences

    cells = []
    for seed, (tight, loose) in enumerate(zip([-0.09, -0.10, -0.11, -0.10, -0.10], [0.05, -0.05, 0.05, -0.05, 0.05])):
        cells += [_cell("ebm_same_config", "rings", seed, 3.0), _cell("torchebm", "rings", seed, 3.0 - tight),
                  _cell("ebm_same_config", "pinwheel", seed, 2.5), _cell("torchebm", "pinwheel", seed, 2.5 - loose)]
    cells.append(_cell("ebmkit", "rings", 0, 3.0))
    document = {"meta": {"datasets": ["rings", "pinwheel"], "systems": ["ebm_same_config", "torchebm", "ebmkit"]},
                "cells": cells}
    rows = {(r["dataset"], r["peer"]): r for r in paired_differences(document)}
    assert set(rows) == {("rings", "torchebm"), ("pinwheel", "torchebm")}
    rings, pinwheel = rows["rings", "torchebm"], rows["pinwheel", "torchebm"]
    assert rings["mean"] == pytest.approx(-0.10) and rings["resolved"] and rings["z"] < -10
    assert pinwheel["mean"] == pytest.approx(0.01) and not pinwheel["resolved"]
    assert "| rings | torchebm | 5 | -0.100 ± 0.003 | -31.6 | yes |" in _paired_table(document)
    same = [{**c, "system": "ebmkit"} for c in cells if c["system"] == "ebm_same_config"] + [
        c for c in cells if c["system"] == "ebm_same_config"]
    tie = paired_differences({"meta": document["meta"], "cells": same})
    assert {r["dataset"] for r in tie} == {"rings", "pinwheel"}
    assert all(r["mean"] == 0 and r["z"] == 0 and not r["resolved"] for r in tie)
