"""Several rounds of the whole system sequence, for machines whose load comes in bursts.

``python -m benchmarks.run --rounds 2`` runs every workload on every system once, then again
with the systems in reverse order — so a burst of someone else's work hits one round of a
system, not all of its repeats, and no system always runs first (``--shared-workers`` smoke
runs keep the order). For each
system and workload the round with the lowest median is reported — each round's own median
of repeats, warm-up excluded as always — and ``round_medians_s`` keeps every round's median,
so the spread the load caused stays visible. Peak RSS is the highest of the rounds. One round
(the default) is the plain protocol.
"""

from __future__ import annotations

import copy


def best_of_rounds(rounds: list[dict]) -> dict:
    """Merge one system's results from several rounds (each as a worker returned it)."""
    finished = [r for r in rounds if r.get("status") == "ok"]
    if not finished:
        return rounds[-1]
    merged = copy.deepcopy(finished[0])
    merged["rounds"] = len(rounds)
    merged["process_peak_rss_mb"] = max(r.get("process_peak_rss_mb") or 0.0 for r in finished)
    for key in merged["workloads"]:
        entries = [r["workloads"][key] for r in finished if key in r["workloads"]]
        timed = [e for e in entries if e.get("status") == "ok"]
        if not timed:
            continue
        best = copy.deepcopy(min(timed, key=lambda e: e["median_s"]))
        best["round_medians_s"] = [e["median_s"] for e in timed]
        best["peak_rss_mb"] = max(e["peak_rss_mb"] for e in timed)
        best["quality_all_rounds"] = all(e["quality"].get("passed") for e in timed)
        if not best["quality_all_rounds"]:  # a wrong result in any round counts against it
            best["quality"] = next(e["quality"] for e in timed if not e["quality"].get("passed"))
        merged["workloads"][key] = best
    return merged
