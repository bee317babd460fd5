"""Ratios against the peers and the Markdown report.

A ratio is always "× faster": ``throughput(ebm path) / throughput(peer)`` — for training,
iterations/s, so a ratio of 2 is half the iteration time. The best peer of a workload is the
fastest peer whose run finished *and passed its quality check*; a result that fails its check
is shown with ✗ and never counts as best, and a ratio for an ebm path that failed its own
check is marked ✗ too.

Targets (issue 8, same run, same machine): W1 ≥ 3×, W2 ≥ 1.5×, W3 ≥ 2×, W4 ≥ 1× the best
peer; training iteration time ≤ 0.5× TorchEBM's (speed ratio ≥ 2× against ``torchebm``).
They are judged on the fused path (``ebm-fused``), which is what users get by default —
except N1/N2 (NUTS ESS/s ≥ 1.5× the best peer, issue 13), judged on ``ebm-torch``: NUTS has no
fused kernel. Their ESS-per-gradient goal is in :mod:`benchmarks.report_samplers_ii`.
"""

from __future__ import annotations

from typing import Any

from . import report_samplers_ii

#: workload → its conditions, each (what it is compared against, minimum speed ratio of
#: ebm-fused); the target is met when every condition is. Training: ≤ 0.5× TorchEBM's and
#: ≤ 1.0× BlackJAX's iteration time (issue 12).
TARGETS: dict[str, tuple[tuple[str, float], ...]] = {
    "W1": (("best", 3.0),),
    "W2": (("best", 1.5),),
    "W3": (("best", 2.0),),
    "W4": (("best", 1.2),),  # issue 12
    "train": (("torchebm", 2.0), ("blackjax", 1.0)),
    "W5": (("best", 1.5),),  # conv ULA and PCD iteration (issue 12)
    "W6": (("best", 1.5),),
    "N1": (("best", 1.5),),  # ESS/s (issue 13)
    "N2": (("best", 1.5),),
}
OURS = ("ebm-fused", "ebm-torch")
#: Workloads judged on the torch path: NUTS and tempering have no fused kernel.
JUDGED_ON_TORCH = ("N1", "N2", "T1")


def _ok(entry: dict | None) -> bool:
    return bool(entry) and entry.get("status") == "ok"


def _passed(entry: dict | None) -> bool:
    return _ok(entry) and bool(entry.get("quality", {}).get("passed"))


def _entry(systems: dict, name: str, key: str) -> dict | None:
    system = systems.get(name)
    if not system or system.get("status") != "ok":
        return None
    return system.get("workloads", {}).get(key)


def compute_ratios(systems: dict[str, dict], peers: list[str], keys: list[str]) -> dict:
    """Per workload: the best peer, each ebm path's ratio to every peer and to the best, the target."""
    ratios: dict[str, Any] = {}
    for key in keys:
        candidates = {p: _entry(systems, p, key) for p in peers}
        valid = {p: e["throughput"] for p, e in candidates.items() if _passed(e)}
        best = max(valid, key=valid.get) if valid else None
        row: dict[str, Any] = {"best_peer": best, "best_peer_throughput": valid.get(best)}
        for ours in OURS:
            mine = _entry(systems, ours, key)
            if not _ok(mine):
                continue
            per_peer = {
                p: mine["throughput"] / e["throughput"] for p, e in candidates.items() if _ok(e)
            }
            row[ours] = {
                "vs_peer": per_peer,
                "vs_best": None if best is None else mine["throughput"] / valid[best],
                "quality_passed": _passed(mine),
            }
        if key in TARGETS:
            fused = row.get("ebm-torch" if key in JUDGED_ON_TORCH else "ebm-fused", {})
            conditions = [_condition(fused, against, minimum, best) for against, minimum in TARGETS[key]]
            met = [c["met"] for c in conditions]
            # The first condition's fields at the top level; "met" covers every condition: no when
            # any is missed, "—" when none is missed but one cannot be computed (a peer missing).
            row["target"] = {
                **conditions[0],
                "met": False if False in met else (None if None in met else True),
                **({"conditions": conditions} if len(conditions) > 1 else {}),
            }
        ratios[key] = row
    return ratios


def _condition(fused: dict, against: str, minimum: float, best: str | None) -> dict:
    """One target condition of ebm's path ``fused`` (its ratios row) against a peer or the best."""
    reference = best if against == "best" else against
    ratio = None
    if reference is not None:
        ratio = fused.get("vs_best") if against == "best" else fused.get("vs_peer", {}).get(reference)
    return {
        "against": against,
        "reference": reference,
        "minimum": minimum,
        "ratio": ratio,
        "met": None if ratio is None else bool(ratio >= minimum and fused.get("quality_passed")),
    }


# ----------------------------------------------------------------------------- Markdown
def _num(x: float | None, digits: int = 3) -> str:
    if x is None:
        return "—"
    if x == 0 or 1e-2 <= abs(x) < 1e4:
        return f"{x:.{digits}g}"
    return f"{x:.{digits - 1}e}".replace("e+0", "e").replace("e+", "e").replace("e-0", "e-")


def _ratio(x: float | None) -> str:
    return "—" if x is None else f"{x:.2f}×"


def _cell(systems: dict, name: str, key: str) -> str:
    system = systems.get(name)
    if not system:
        return "not run"
    if system.get("status") != "ok":
        return system.get("status", "?")
    entry = system.get("workloads", {}).get(key)
    if entry is None:
        return "not run"
    if entry.get("status") == "unsupported":
        return "n/a"
    if entry.get("status") != "ok":
        return "error"
    mark = "✓" if _passed(entry) else "✗"
    if entry["workload"]["kind"] == "train":  # train, W6: time per iteration
        return f"{_num(1000.0 * entry['median_s'] / entry['workload']['work'])} ms {mark}"
    return f"{_num(entry['throughput'])} {mark}"


def throughput_table(report: dict) -> list[str]:
    names, keys = report["system_order"], report["workload_order"]
    systems, ratios, workloads = report["systems"], report["ratios"], report["workloads"]
    head = ["workload", "unit", *names, "best peer", "fused ÷ best", "torch ÷ best", "target", "met"]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in keys:
        w, r = workloads[key], ratios.get(key, {})
        unit = "ms / iteration" if w["kind"] == "train" else w["unit"]
        target = r.get("target", {})
        met = target.get("met")
        conditions = target.get("conditions", [target] if target else [])
        texts = []
        for c in conditions:
            ref = "best peer" if c["against"] == "best" else c["against"]
            texts.append(f"≤ {1 / c['minimum']:g}× {ref}'s time" if key == "train" else f"≥ {c['minimum']:g}× {ref}")
        target_text = " and ".join(texts) or "—"
        met_text = "—" if met is None else ("yes" if met else f"no ({_ratio(target.get('ratio'))})")
        if key == "train" and target.get("ratio"):
            shown = ", ".join(f"{_ratio(c['ratio'])} vs {c['reference']}" for c in conditions if c.get("ratio"))
            met_text = ("yes" if met else "no") + f" ({shown})"
        cells = [
            f"{key}: {w['title']}",
            unit,
            *[_cell(systems, n, key) for n in names],
            r.get("best_peer") or "—",
            _ratio(r.get("ebm-fused", {}).get("vs_best")),
            _ratio(r.get("ebm-torch", {}).get("vs_best")),
            target_text,
            met_text,
        ]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def peer_ratio_table(report: dict) -> list[str]:
    peers = [n for n in report["system_order"] if n not in OURS]
    head = ["workload"] + [f"{o} ÷ {p}" for o in OURS for p in peers]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in report["workload_order"]:
        r = report["ratios"].get(key, {})
        cells = [key] + [_ratio(r.get(o, {}).get("vs_peer", {}).get(p)) for o in OURS for p in peers]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def round_ratio_table(report: dict) -> list[str]:
    """ebm's ratio to each target's reference, round by round (``--rounds`` ≥ 2).

    A round runs a workload's systems back to back, so its ratio compares runs at most a few
    minutes apart: the spread across rounds shows how firmly a target is met. The ratio of a
    round is ``median_s(reference) / median_s(ebm)`` — the same "× faster" as the main table
    for workloads timed per run; NUTS and tempering (ESS/s, judged per run's ESS) are left
    out, as is a pair with a failed round. Empty for one round.
    """
    rounds = report["meta"].get("rounds", 1)
    head = ["workload", "against", *(f"round {i + 1}" for i in range(rounds))]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for key in report["workload_order"]:
        target = report["ratios"].get(key, {}).get("target")
        if rounds < 2 or not target or key in JUDGED_ON_TORCH:
            continue
        mine = (_entry(report["systems"], "ebm-fused", key) or {}).get("round_medians_s") or []
        for condition in target.get("conditions", [target]):
            reference = condition["reference"]
            theirs = (_entry(report["systems"], reference, key) or {}).get("round_medians_s") or []
            if reference and len(mine) == len(theirs) == rounds:
                cells = [_ratio(t / m) for m, t in zip(mine, theirs)]
                lines.append(f"| {key} | {reference} | " + " | ".join(cells) + " |")
    return lines if len(lines) > 2 else []


def _field_table(report: dict, field: str, fmt) -> list[str]:
    names = report["system_order"]
    lines = ["| workload | " + " | ".join(names) + " |", "|" + "---|" * (len(names) + 1)]
    for key in report["workload_order"]:
        cells = []
        for name in names:
            entry = _entry(report["systems"], name, key)
            cells.append(fmt(entry.get(field)) if _ok(entry) else "—")
        lines.append(f"| {key} | " + " | ".join(cells) + " |")
    return lines


def memory_table(report: dict) -> list[str]:
    lines = _field_table(report, "peak_rss_mb", lambda v: "—" if v is None else f"{v:.0f}")
    peaks = []
    for name in report["system_order"]:
        value = report["systems"].get(name, {}).get("process_peak_rss_mb")
        peaks.append("—" if value is None else f"{value:.0f}")
    lines.append("| largest worker process | " + " | ".join(peaks) + " |")
    return lines


def compile_table(report: dict) -> list[str]:
    def fmt(entry_compile: Any) -> str:
        return "—" if entry_compile is None else f"{entry_compile:.2f}"

    lines = ["Compile time (s; JAX `jit(...).lower().compile()`, not part of any timed run):", ""]
    lines += _field_table(report, "compile_s", fmt)
    lines += ["", "First (warm-up) run (s; excluded from the timings):", ""]
    lines += _field_table(report, "warmup_s", fmt)
    return lines


def quality_lines(report: dict) -> list[str]:
    lines = [
        "| workload | system | mean | variance | expected variance | z(mean) | z(variance) | passed |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for key in report["workload_order"]:
        for name in report["system_order"]:
            entry = _entry(report["systems"], name, key)
            q = entry.get("quality", {}) if _ok(entry) else {}
            if q.get("check") != "moments":
                continue
            lines.append(
                f"| {key} | {name} | {q.get('mean', float('nan')):+.4f} | {q.get('variance', float('nan')):.4f} | "
                f"{q.get('expected_variance', float('nan')):.4f} | {q.get('z_mean', float('nan')):+.2f} | "
                f"{q.get('z_variance', float('nan')):+.2f} | {'yes' if q.get('passed') else 'NO'} |"
            )
    return lines


def backend_lines(report: dict) -> list[str]:
    lines = []
    for name in report["system_order"]:
        system = report["systems"].get(name, {})
        if system.get("status") != "ok":
            status, reason = system.get("status", "not run"), system.get("reason", "")
            lines.append(f"* **{name}**: {status}" + (f" — {reason}" if reason else ""))
            continue
        lines.append(f"* **{name}** ({system.get('description', '')}):")
        for key in report["workload_order"]:
            entry = system.get("workloads", {}).get(key)
            if entry is None:
                continue
            if entry.get("status") != "ok":
                reason = entry.get("reason", "").strip().splitlines()[-1:] or [""]
                lines.append(f"  * {key}: {entry.get('status')} — `{reason[0]}`")
                continue
            extra = ""
            fallback = entry.get("info", {}).get("fallback_reason")
            if name == "ebm-fused" and fallback and "ebm-cuda" not in entry.get("backend", ""):
                extra = f" (fell back: {fallback})"
            lines.append(f"  * {key}: `{entry.get('backend')}`{extra}")
    return lines


def scaling_lines(report: dict) -> list[str]:
    """The scaling sweeps as tables (the plots show the same numbers)."""
    scaling = {n: s for n, s in report.get("scaling", {}).items() if s.get("status") == "ok"}
    if not scaling:
        return []
    out = []
    for variable, label in (("chains", "chains"), ("dims", "dim"), ("mlp_chains", "chains")):
        names = [n for n in scaling if scaling[n].get(variable)]
        if not names:
            continue
        if variable == "mlp_chains":
            out += ["W4 (ULA on the MLP 2-128-128-1) vs chains, every system:", ""]
        head = [label] + [f"{n} chain-steps/s" for n in names]
        if variable == "chains":
            head += [f"{n} peak RSS (MiB)" for n in names]
        out += ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        by_point = {n: {row.get(label): row for row in scaling[n].get(variable, [])} for n in names}
        for point in sorted({p for rows in by_point.values() for p in rows}):
            rows = {n: by_point[n].get(point) for n in names}
            cells = [str(point)] + [_num(r.get("throughput")) if _ok(r) else "—" for r in rows.values()]
            if variable == "chains":
                cells += [f"{r['peak_rss_mb']:.0f}" if _ok(r) else "—" for r in rows.values()]
            out.append("| " + " | ".join(cells) + " |")
        out.append("")
    return out


def _env_text(meta: dict) -> str:
    env = {**meta.get("worker_env", {}), **meta["machine"].get("env", {})}
    return ", ".join(f"`{k}={v}`" for k, v in env.items()) or "default"


def _facts_lines(report: dict) -> list[str]:
    build = report["systems"].get("ebm-fused", {}).get("facts", {}).get("ebm_cuda_build")
    if not build:
        return []
    return [
        f"ebm-cuda build: CPU kernels at `{build.get('cpu_isa')}` (built: "
        f"{', '.join(build.get('cpu_isas_built', []))}), OpenMP {build.get('openmp')}, "
        f"{build.get('cpu_compiler')}."
    ]


def markdown(report: dict) -> str:
    """The whole report as Markdown (what ``results.md`` holds and the run prints)."""
    meta = report["meta"]
    m = meta["machine"]
    load = meta.get("load_before"), meta.get("load_after")
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items() if v)
    out = [
        f"# ebm benchmarks — preset `{meta['preset']}`",
        "",
        f"Command: `{meta['command']}`  ",
        f"Date: {m['date']}; machine: {m['cpu']}, {m['logical_cpus']} logical CPUs, "
        f"{m['memory_gb']} GB; {m['os']}; Python {m['python']}.  ",
        ("Shared workers (smoke-test mode: systems share processes and run concurrently; "
         "timings and RSS NOT comparable); " if meta.get("shared_workers")
         else "Every system and workload: its own subprocess, one at a time, a workload's systems "
              "back to back, " if meta.get("per_workload_workers")
         else "Every system: its own subprocess, one at a time, ")
        + f"{m['threads_per_system']} threads, float32; warm-up excluded; median of repeats"
        + (f"; best of {meta['rounds']} rounds (see benchmarks/rounds.py).  " if meta.get("rounds", 1) > 1
           else ".  "),
        f"Load average (1/5/15 min) before: {load[0]}, after: {load[1]} — on a 2-core "
        "machine anything above ~0.5 before the run means other work shared the CPUs.  ",
        f"Versions: {versions}.  ",
        f"Worker environment: {_env_text(meta)}.",
        *_facts_lines(report),
        "",
        "## Throughput (higher is better; training: ms per iteration, lower is better)",
        "",
        "✓/✗: the output passed/failed its quality check (W2/W3: exact moments; N1/N2: means "
        "within 5 ESS standard errors; T1: every mode visited; others: finite). "
        "n/a: the system has no such sampler.",
        "",
        *throughput_table(report),
        "",
        *report_samplers_ii.lines(report),
        "## Ratios to each peer (× faster)",
        "",
        *peer_ratio_table(report),
        "",
        *(["## Targets round by round (ebm-fused ÷ the target's reference, × faster)", "",
           *rounds_table, ""] if (rounds_table := round_ratio_table(report)) else []),
        "## Peak RSS per workload (MiB, whole worker process while the workload ran)",
        "",
        *memory_table(report),
        "",
        "## Compile and warm-up",
        "",
        *compile_table(report),
        "",
        "## Quality (moment checks of the final states)",
        "",
        *quality_lines(report),
        "",
        "## What ran",
        "",
        *backend_lines(report),
        "",
    ]
    if report.get("scaling"):
        out += ["## Scaling (ebm paths: W1's target vs chains, ULA on N(0, I) with 1,000 chains vs "
                "dimension; every system: W4 vs chains)", ""]
        out += scaling_lines(report)
        out += [f"![{p}]({p})" for p in report.get("plots", [])] + [""]
    return "\n".join(out)
