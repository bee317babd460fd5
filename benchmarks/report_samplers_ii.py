"""The Samplers II section of the report: ESS per gradient evaluation and round trips.

The main throughput table already shows ESS/s (N1, N2) and round trips/s (T1) with the speed
targets (≥ 1.5× the best peer, judged on ``ebm-torch``: NUTS and tempering have no fused
kernel). This section adds what a speed ratio hides: the ESS of the kept draws, the gradient
evaluations of the kept draws and of the whole run, ESS per gradient evaluation (independent
of machine load), and the goal on N1 — ebm's ESS per gradient evaluation (kept draws) within
25 % of BlackJAX's, i.e. a ratio ≥ 0.75 (:data:`ESS_PER_GRAD_TARGETS`).
"""

from __future__ import annotations

from .samplers_ii import KINDS

#: workload → (peer, minimum ratio of ebm-torch's ESS per gradient evaluation to the peer's).
ESS_PER_GRAD_TARGETS = {"N1": ("blackjax", 0.75)}
JUDGED_ON = "ebm-torch"


def _fmt(x: float | None, digits: int = 3) -> str:
    return "—" if x is None else f"{x:.{digits}g}"


def _entries(report: dict, key: str):
    for name in report["system_order"]:
        system = report["systems"].get(name, {})
        entry = system.get("workloads", {}).get(key)
        if system.get("status") != "ok" or entry is None:
            yield name, None, system.get("reason") or system.get("status", "not run")
        elif entry.get("status") != "ok":
            last = (entry.get("reason", "").strip().splitlines() or [""])[-1]
            yield name, None, f"{entry.get('status')}: {last}"
        else:
            yield name, entry, None


def ess_per_grad_ratio(report: dict, key: str) -> dict | None:
    """ebm-torch's ESS per gradient evaluation (kept draws) over the target peer's, or None."""
    if key not in ESS_PER_GRAD_TARGETS:
        return None
    peer, minimum = ESS_PER_GRAD_TARGETS[key]
    found = {n: e for n, e, _ in _entries(report, key) if e is not None}
    if JUDGED_ON not in found or peer not in found:
        return {"peer": peer, "minimum": minimum, "ratio": None, "met": None}
    ratio = found[JUDGED_ON]["ess_per_grad_kept"] / found[peer]["ess_per_grad_kept"]
    return {"peer": peer, "minimum": minimum, "ratio": ratio, "met": bool(ratio >= minimum)}


def lines(report: dict) -> list[str]:
    """Markdown for the N and T workloads of ``report`` (empty when none ran)."""
    keys = [k for k in report["workload_order"] if report["workloads"][k]["kind"] in KINDS]
    if not keys:
        return []
    out = ["## Samplers II: NUTS (ESS) and parallel tempering (round trips)", ""]
    nuts = [k for k in keys if report["workloads"][k]["kind"] == "nuts"]
    if nuts:
        out += [
            "ESS: minimum over coordinates of `ebm_core.diagnostics.effective_sample_size` "
            "(Stan's multi-chain estimator) on the kept draws of all chains; seconds: one timed "
            "run (no untimed warm-up run, no repeats) including NUTS's own warm-up, JAX compile "
            "apart. Gradient evaluations summed over chains.",
            "",
            "| workload | system | ESS min | ESS median | kept draws | grad evals kept | "
            "grad evals total | ESS / grad (kept) | ESS / grad (total) | leapfrog / transition | "
            "run s | ESS / s | check |",
            "|---|---|---|---|---|---|---|---|---|---|---|---|---|",
        ]
        for key in nuts:
            for name, e, why in _entries(report, key):
                if e is None:
                    out.append(f"| {key} | {name} | {why} |" + " |" * 11)
                    continue
                mark = "✓" if e.get("quality", {}).get("passed") else "✗"
                out.append(
                    f"| {key} | {name} | {_fmt(e['ess_min'])} | {_fmt(e['ess_median'])} | "
                    f"{e['kept_draws']} | {e['grad_evals_kept']:.0f} | "
                    f"{e['grad_evals_total']:.0f} | "
                    f"{_fmt(e['ess_per_grad_kept'])} | {_fmt(e['ess_per_grad_total'])} | "
                    f"{_fmt(e['leapfrog_per_transition'])} | {_fmt(e['median_s'])} | "
                    f"{_fmt(e['throughput'])} | {mark} |"
                )
        out.append("")
        for key in nuts:
            target = ess_per_grad_ratio(report, key)
            if target is None:
                continue
            met = "—" if target["met"] is None else ("yes" if target["met"] else "no")
            out.append(
                f"{key}: {JUDGED_ON}'s ESS per gradient evaluation ÷ {target['peer']}'s = "
                f"{_fmt(target['ratio'])} (goal ≥ {target['minimum']}: within 25 %); met: {met}."
            )
        out.append("")
    for key in [k for k in keys if report["workloads"][k]["kind"] == "tempering"]:
        out += ["| workload | system | round trips | run s | round trips / s | swap acceptance |",
                "|---|---|---|---|---|---|"]
        for name, e, why in _entries(report, key):
            if e is None:
                out.append(f"| {key} | {name} | {why} | | | |")
                continue
            swaps = ", ".join(f"{a:.2f}" for a in e.get("info", {}).get("swap_acceptance", []))
            out.append(f"| {key} | {name} | {e['round_trips']} | {_fmt(e['median_s'])} | "
                       f"{_fmt(e['throughput'])} | {swaps} |")
        out.append("")
    return out
