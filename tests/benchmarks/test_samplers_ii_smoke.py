"""The Samplers II workloads (N1, N2: NUTS; T1: parallel tempering) end to end on tiny sizes,
plus the pieces whose arithmetic the figures rest on (round trips, ESS per gradient, checks).

Only ebm's torch path, ebmkit and BlackJAX have these samplers; ebm's fused path and TorchEBM
must say "unsupported". The numbers of the smoke preset are meaningless and never checked.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from benchmarks import run, samplers_ii
from benchmarks.report_samplers_ii import ess_per_grad_ratio
from benchmarks.systems import SYSTEMS
from benchmarks.workloads import PRESETS

KEYS = ["N1", "N2", "T1"]
HAS = {"ebm-torch": KEYS, "ebmkit": KEYS, "blackjax": ["N1", "N2"]}


@pytest.fixture(scope="module")
def smoke(tmp_path_factory):
    out = tmp_path_factory.mktemp("bench_samplers_ii")
    argv = ["--preset", "smoke", "--shared-workers", "--workloads", ",".join(KEYS), "--no-scaling",
            "--out", str(out)]
    assert run.main(argv) == 0
    with open(out / "results.json") as f:
        return json.load(f), (out / "results.md").read_text()


def test_each_system_runs_its_samplers_or_says_unsupported(smoke):
    document, _ = smoke
    assert document["workload_order"] == KEYS
    for name, system in SYSTEMS.items():
        result = document["systems"][name]
        if system.missing_reason() is not None or result["status"] != "ok":
            assert name != "ebm-torch", result.get("reason")
            continue
        for key in KEYS:
            entry = result["workloads"][key]
            if key not in HAS.get(name, []):
                assert entry["status"] == "unsupported" and entry["reason"], (name, key)
                continue
            assert entry["status"] == "ok", (name, key, entry.get("reason"))
            assert entry["quality"]["passed"], (name, key, entry["quality"])
            assert entry["throughput"] >= 0 and entry["repeats"] == 1
            if key == "T1":
                assert entry["round_trips"] == entry["info"]["round_trips"] >= 0
            else:
                assert 0 < entry["grad_evals_kept"] < entry["grad_evals_total"]
                assert entry["ess_per_grad_kept"] == pytest.approx(
                    entry["ess_min"] / entry["grad_evals_kept"])
                assert entry["kept_draws"] == PRESETS["smoke"].workloads[key].chains * \
                    PRESETS["smoke"].workloads[key].steps


def test_report_has_the_samplers_ii_section(smoke):
    document, text = smoke
    assert "## Samplers II" in text and "ESS / grad (kept)" in text and "round trips / s" in text
    target = ess_per_grad_ratio(document, "N1")
    assert target["peer"] == "blackjax" and target["minimum"] == 0.75
    if document["systems"]["blackjax"]["status"] == "ok":
        assert target["ratio"] > 0 and target["met"] in (True, False)
    assert document["ratios"]["N1"]["target"]["minimum"] == 1.5


def test_samplers_ii_workloads_run_only_when_named():
    for preset in PRESETS.values():
        assert [k for k, w in preset.workloads.items() if not w.in_default_run] == KEYS
        assert preset.workloads["N1"].warmup > 0


def test_round_trips_count_cold_hot_cold():
    # 1 chain, 3 rungs (row t: the label at each rung after sweep t). Label 0 goes cold → hot
    # → cold by sweep 3: one trip; label 1 reaching cold at sweeps 1-2 is none (never hot yet).
    history = np.array([[0, 1, 2], [1, 0, 2], [1, 2, 0], [0, 2, 1], [2, 0, 1], [1, 0, 2]])
    labels = history[:, None, :]
    assert samplers_ii.round_trips(labels[:4]) == 1
    # sweep 4: label 2 (hot at sweeps 0-1) reaches rung 0; sweep 5: label 1 (hot at sweep 3)
    assert samplers_ii.round_trips(labels) == 3
    assert samplers_ii.round_trips(np.tile(np.arange(3), (10, 1, 1))) == 0


def test_quality_check_tells_right_from_wrong_draws():
    workload = PRESETS["quick"].workloads["N1"]
    rng = np.random.default_rng(0)
    sd = np.sqrt(samplers_ii.ill_gaussian_variances(workload.dim))
    draws = rng.standard_normal((8, 200, workload.dim)) * sd
    assert samplers_ii.quality(workload, draws)["passed"]
    shifted = draws + 0.3 * sd  # 0.3 sd off with ~1600 independent draws: z ≈ 12
    assert not samplers_ii.quality(workload, shifted)["passed"]
    banana = PRESETS["quick"].workloads["N2"]
    x1 = 1.0 + np.sqrt(0.5) * rng.standard_normal((8, 500))
    x2 = x1**2 + np.sqrt(1 / 20) * rng.standard_normal((8, 500))
    exact = np.stack([x1, x2], axis=-1)
    assert samplers_ii.quality(banana, exact)["passed"]
    assert not samplers_ii.quality(banana, exact * 1.2)["passed"]
