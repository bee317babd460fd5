"""The harness's judgement, without running anything: the moment check and the ratios."""

from __future__ import annotations

import numpy as np
import pytest

from benchmarks import quality, report, run
from benchmarks.systems import SYSTEMS, System
from benchmarks.workloads import PRESETS


def _gaussian(n: int, variance: float, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).normal(0.0, np.sqrt(variance), (n, 100))


def test_ula_expected_variance_is_the_euler_maruyama_fixed_point():
    w2 = PRESETS["full"].workloads["W2"]
    h = w2.step_size
    v = quality.expected_variance(w2)
    assert v == pytest.approx((1 - h) ** 2 * v + 2 * h)  # fixed point of x ← (1 − h) x + √(2h) ξ
    assert quality.expected_variance(PRESETS["full"].workloads["W3"]) == 1.0


def test_moment_check_passes_the_right_law_and_fails_wrong_ones():
    w2 = PRESETS["full"].workloads["W2"]
    biased = quality.expected_variance(w2)  # ULA's stationary variance at h = 0.1
    right = quality.check(w2, _gaussian(1_000, biased))
    assert right["passed"] and abs(right["z_variance"]) < quality.Z_LIMIT
    # An unbiased sampler is not running the same ULA: 1e5 values resolve the 5 % bias.
    unbiased = quality.check(w2, _gaussian(1_000, 1.0))
    assert not unbiased["passed"] and unbiased["z_variance"] < -quality.Z_LIMIT
    shifted = quality.moment_check(_gaussian(1_000, biased) + 0.05, biased)
    assert not shifted["passed"] and shifted["z_mean"] > quality.Z_LIMIT
    broken = _gaussian(10, biased)
    broken[3, 7] = np.nan
    assert not quality.check(w2, broken)["passed"]
    assert not quality.finite_check(np.array([1.0, np.inf]))["passed"]


def _entry(throughput: float, passed: bool = True) -> dict:
    return {"status": "ok", "throughput": throughput, "quality": {"passed": passed}}


def _systems(**throughputs) -> dict:
    out = {}
    for name, (value, passed) in throughputs.items():
        out[name.replace("_", "-")] = {"status": "ok", "workloads": {"W1": _entry(value, passed)}}
    return out


def test_best_peer_is_the_fastest_correct_one():
    systems = _systems(
        ebm_fused=(90.0, True), ebm_torch=(20.0, True),
        torchebm=(10.0, True), ebmkit=(50.0, False), blackjax=(30.0, True),
    )
    ratios = report.compute_ratios(systems, ["torchebm", "ebmkit", "blackjax"], ["W1"])["W1"]
    assert ratios["best_peer"] == "blackjax"  # ebmkit is faster but failed its check
    assert ratios["ebm-fused"]["vs_best"] == pytest.approx(3.0)
    assert ratios["ebm-fused"]["vs_peer"]["ebmkit"] == pytest.approx(1.8)
    assert ratios["ebm-torch"]["vs_best"] == pytest.approx(20 / 30)
    assert ratios["target"] == {
        "against": "best", "reference": "blackjax", "minimum": 3.0, "ratio": pytest.approx(3.0),
        "met": True,
    }


def test_a_wrong_fast_path_does_not_meet_its_target():
    systems = _systems(ebm_fused=(900.0, False), torchebm=(10.0, True))
    row = report.compute_ratios(systems, ["torchebm"], ["W1"])["W1"]
    assert row["target"]["ratio"] == pytest.approx(90.0)
    assert row["target"]["met"] is False


@pytest.mark.parametrize(
    ("blackjax", "met"), [(50.0, True), (150.0, False)],  # iterations/s; ebm-fused runs 100
)
def test_training_must_beat_both_reference_times(blackjax, met):
    """Training's target has two conditions (≤ 0.5× TorchEBM's, ≤ 1.0× BlackJAX's time)."""
    systems = {
        name: {"status": "ok", "workloads": {"train": {
            **_entry(value, True), "median_s": 1.0 / value, "workload": {"kind": "train", "work": 1}}}}
        for name, value in (("ebm-fused", 100.0), ("torchebm", 40.0), ("blackjax", blackjax))
    }
    target = report.compute_ratios(systems, ["torchebm", "blackjax"], ["train"])["train"]["target"]
    assert [(c["reference"], c["ratio"]) for c in target["conditions"]] == [
        ("torchebm", pytest.approx(2.5)), ("blackjax", pytest.approx(100.0 / blackjax))]
    assert target["met"] is met
    line = next(l for l in report.throughput_table({
        "system_order": list(systems), "workload_order": ["train"], "systems": systems,
        "ratios": {"train": {"target": target}},
        "workloads": {"train": {"kind": "train", "title": "PCD", "unit": "iterations/s"}},
    }) if l.startswith("| train"))
    assert "≤ 0.5× torchebm's time and ≤ 1× blackjax's time" in line


def test_a_missed_condition_fails_the_target_even_when_another_cannot_be_computed():
    """Training with TorchEBM missing (no ratio) and BlackJAX faster: "no", not "—"."""
    systems = {
        name: {"status": "ok", "workloads": {"train": {
            **_entry(value, True), "median_s": 1.0 / value, "workload": {"kind": "train", "work": 1}}}}
        for name, value in (("ebm-fused", 100.0), ("blackjax", 150.0))
    }
    systems["torchebm"] = {"status": "missing", "reason": "not installed", "workloads": {}}
    target = report.compute_ratios(systems, ["torchebm", "blackjax"], ["train"])["train"]["target"]
    assert [c["met"] for c in target["conditions"]] == [None, False]
    assert target["met"] is False


def test_a_missing_system_is_reported_not_skipped(monkeypatch):
    ghost = System(
        name="ghost", requires=("no_such_module_for_ebm_benchmarks",), prepare=lambda w, i: None,
        setup=lambda: None, peer=True, description="a peer that is not installed",
    )
    monkeypatch.setitem(SYSTEMS, "ghost", ghost)
    results, sweeps = run.run_all(["ghost"], "smoke", ["W1"], scaling=True, shared=False, timeout=5)
    assert results["ghost"]["status"] == "missing"
    assert "no_such_module_for_ebm_benchmarks" in results["ghost"]["reason"]
    assert sweeps == {}


def test_rounds_keep_the_best_median_and_any_wrong_result():
    from benchmarks.rounds import best_of_rounds

    def result(median: float, passed: bool, rss: float) -> dict:
        entry = {"status": "ok", "median_s": median, "peak_rss_mb": rss, "quality": {"passed": passed}}
        return {"status": "ok", "process_peak_rss_mb": rss, "workloads": {"W1": entry}}

    merged = best_of_rounds([result(2.0, True, 300.0), result(1.0, True, 250.0)])
    w1 = merged["workloads"]["W1"]
    assert w1["median_s"] == 1.0 and w1["round_medians_s"] == [2.0, 1.0]
    assert w1["peak_rss_mb"] == 300.0 and merged["process_peak_rss_mb"] == 300.0
    assert w1["quality"]["passed"]
    wrong = best_of_rounds([result(2.0, False, 300.0), result(1.0, True, 250.0)])
    assert not wrong["workloads"]["W1"]["quality"]["passed"]


def test_round_by_round_ratios_pair_each_round_and_skip_what_cannot_be_paired():
    """Round i's ratio is the reference's round-i median over ebm-fused's; every condition of a
    two-condition target gets a row; a system with a failed round, NUTS (ESS/s) and a
    one-round run give none."""
    def entry(rounds: list[float], throughput: float) -> dict:
        return {**_entry(throughput), "median_s": min(rounds), "round_medians_s": rounds}

    medians = {"ebm-fused": [1.0, 2.0], "torchebm": [1.8, 2.6], "blackjax": [3.0, 5.0], "ebmkit": [9.0]}
    systems = {
        name: {"status": "ok", "workloads": {
            key: entry(rounds, 1.0 / min(rounds)) for key in ("W6", "train", "N1")}}
        for name, rounds in medians.items()
    }
    peers = ["torchebm", "ebmkit", "blackjax"]
    document = {"meta": {"rounds": 2}, "workload_order": ["W6", "train", "N1"], "systems": systems,
                "ratios": report.compute_ratios(systems, peers, ["W6", "train", "N1"])}
    assert document["ratios"]["W6"]["best_peer"] == "torchebm"
    rows = report.round_ratio_table(document)[2:]
    assert rows == [
        "| W6 | torchebm | 1.80× | 1.30× |",
        "| train | torchebm | 1.80× | 1.30× |",
        "| train | blackjax | 3.00× | 2.50× |",
    ]
    systems["torchebm"]["workloads"]["W6"]["round_medians_s"] = [1.8]  # a failed round
    assert "| W6 |" not in "\n".join(report.round_ratio_table(document))
    assert report.round_ratio_table({**document, "meta": {"rounds": 1}}) == []


def test_ratio_plot_draws_every_condition_of_a_target():
    """Training's target has two conditions; the plot gets a bar group for each, with the
    ratio against that condition's peer (not only the first)."""
    from benchmarks.plots import ratio_bars

    ratios = {
        "W1": {"ebm-fused": {"vs_best": 4.0, "vs_peer": {}}, "ebm-torch": {"vs_best": 0.9, "vs_peer": {}}},
        "train": {"ebm-fused": {"vs_peer": {"torchebm": 2.8, "blackjax": 1.5}},
                  "ebm-torch": {"vs_peer": {"torchebm": 1.3, "blackjax": 0.7}}},
    }
    bars = ratio_bars({"workload_order": ["W1", "train"], "ratios": ratios})
    assert bars == [
        ("W1", "best", 3.0, {"ebm-fused": 4.0, "ebm-torch": 0.9}),
        ("train", "torchebm", 2.0, {"ebm-fused": 2.8, "ebm-torch": 1.3}),
        ("train", "blackjax", 1.0, {"ebm-fused": 1.5, "ebm-torch": 0.7}),
    ]
