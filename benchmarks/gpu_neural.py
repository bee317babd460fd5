"""W4–W6 (neural energies) on a GPU: ebm's two paths and BlackJAX-on-GPU, with achieved FLOP/s.

``python -m benchmarks.gpu_neural --json gpu_neural.json`` (``scripts/gpu_check.sh`` runs it)
times, on the CUDA device:

* **ebm-torch** and **ebm-fused** — the same adapters as the CPU benchmark
  (:mod:`benchmarks.systems.ebm_system`, ``accelerate=False``/``True``) with the energy, the
  start states, the generator and the batches on the GPU;
* **blackjax** — the CPU benchmark's BlackJAX code (:mod:`benchmarks.systems.blackjax_system`)
  on JAX's GPU backend, when jax has one (``jax[cuda]``); otherwise it is reported as skipped
  with the reason. JAX runs with ``XLA_PYTHON_CLIENT_PREALLOCATE=false`` in its own process.

Each system runs in its own subprocess; one warm-up run is excluded (JAX's compile time is
reported apart), the median of the timed repeats is reported, every run ends with a device
synchronisation. Peak GPU memory is torch's ``max_memory_allocated`` (JAX: the device's
``peak_bytes_in_use`` where reported). Achieved FLOP/s count 2 FLOPs per multiply-add of the
network's forward pass and the same again for the input gradient (:func:`flops_per_chain_step`);
training adds the loss's forward and parameter backward on data and negatives. The fraction of
peak is against ``--peak-tflops`` (default 67: the H200's dense FP32 rate without tensor cores).
The project's GPU target: W4 and W5 ≥ 2× BlackJAX-on-GPU.
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import subprocess
import sys
from typing import Any

from .workloads import CONV_CHANNELS, MLP_HIDDEN, PRESETS, Workload

SYSTEMS = ("ebm-torch", "ebm-fused", "blackjax")
KEYS = ("W4", "W5", "W6", "train")
TARGETS = {"W4": 2.0, "W5": 2.0}  # × BlackJAX-on-GPU


def forward_macs(workload: Workload) -> int:
    """Multiply-adds of one forward pass of the workload's network for one chain."""
    if workload.target == "mlp":
        widths = [workload.dim, *MLP_HIDDEN, 1]
        return sum(a * b for a, b in zip(widths[:-1], widths[1:]))
    c, h, w = workload.event_shape
    macs = 0
    for i, c_out in enumerate(CONV_CHANNELS):
        if i:
            h, w = (h + 1) // 2, (w + 1) // 2
        macs += h * w * c_out * c * 9
        c = c_out
    return macs + c


def flops_per_chain_step(workload: Workload) -> float:
    """FLOPs of one energy + input gradient (forward and backward ≈ 2 × 2 × MACs)."""
    return 4.0 * forward_macs(workload)


def flops_per_run(workload: Workload) -> float:
    """FLOPs of one timed run (sampling; training adds the loss on data and negatives)."""
    per_step = flops_per_chain_step(workload)
    if workload.kind != "train":
        return per_step * workload.chains * workload.steps
    loss = 2 * workload.chains * 3 * 2.0 * forward_macs(workload)  # forward + parameter backward
    return workload.iterations * (per_step * workload.chains * workload.steps + loss)


def _child(system: str, keys: list[str], preset: str, repeats: int, device: str) -> dict[str, Any]:
    import numpy as np

    from .inputs import make_inputs
    from .measure import time_runs
    from .systems import Unsupported

    results: dict[str, Any] = {}
    if system == "blackjax":
        missing = [m for m in ("jax", "blackjax", "optax") if importlib.util.find_spec(m) is None]
        if missing:
            return {"skipped": f"not installed: {', '.join(missing)} (BlackJAX-on-GPU needs jax[cuda12])"}
        import jax

        if jax.default_backend() != {"cuda": "gpu"}.get(device, device):
            return {"skipped": f"jax has no GPU backend here ({jax.default_backend()}); "
                               "install jax[cuda12] for BlackJAX-on-GPU"}
        from .systems.blackjax_system import _prepare

        def sync() -> None:
            pass  # the BlackJAX runs block on their results themselves

        def peak() -> float | None:
            stats = jax.devices()[0].memory_stats() or {}  # None on CPU
            value = stats.get("peak_bytes_in_use")
            return None if value is None else value / 2**20
    else:
        import torch

        if device == "cuda" and not torch.cuda.is_available():
            return {"skipped": "torch sees no CUDA device"}
        on_gpu = device == "cuda"
        from .systems.ebm_system import _prepare_chains, _prepare_training

        accelerate = system == "ebm-fused"
        if not accelerate:
            os.environ["EBM_DISABLE_KERNELS"] = "1"

        def _prepare(workload: Workload, inputs: Any) -> Any:
            build = _prepare_training if workload.kind == "train" else _prepare_chains
            return build(workload, inputs, accelerate, device=device)

        def sync() -> None:
            if on_gpu:
                torch.cuda.synchronize()

        def peak() -> float | None:
            return torch.cuda.max_memory_allocated() / 2**20 if on_gpu else None
    for key in keys:
        workload = PRESETS[preset].workloads[key]
        try:
            if system != "blackjax" and on_gpu:
                torch.cuda.reset_peak_memory_stats()
            prepared = _prepare(workload, make_inputs(workload))

            def run() -> Any:
                out = prepared.run()
                sync()
                return out

            timing, out = time_runs(run, compile=prepared.compile, min_repeats=repeats,
                                    max_repeats=repeats, min_seconds=0.0)
            flops = flops_per_run(workload)
            results[key] = {
                **timing.to_json(), "throughput": workload.work / timing.median_s,
                "unit": workload.unit, "tflops": flops / timing.median_s / 1e12,
                "peak_gpu_mib": peak(), "backend": prepared.backend(out), "status": "ok",
                "finite": bool(np.isfinite(prepared.to_numpy(out)).all()),
            }
        except Unsupported as exc:  # e.g. flax missing for BlackJAX's conv net
            results[key] = {"status": "unsupported", "reason": str(exc)}
        except Exception as exc:  # one failing workload must not hide the others
            results[key] = {"status": "error", "reason": f"{type(exc).__name__}: {exc}"}
    return results


def run_isolated(
    system: str, keys: list[str], preset: str, repeats: int, timeout: float, device: str = "cuda"
) -> dict:
    """One system's workloads in a fresh subprocess."""
    env = dict(os.environ, XLA_PYTHON_CLIENT_PREALLOCATE="false")
    env.pop("JAX_PLATFORMS", None)  # JAX picks its GPU backend when it has one
    env.pop("EBM_DISABLE_KERNELS", None)
    command = [sys.executable, "-m", "benchmarks.gpu_neural", "--child", system, "--workloads",
               ",".join(keys), "--preset", preset, "--repeats", str(repeats),
               "--device", device]
    try:
        proc = subprocess.run(command, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    if proc.returncode != 0:
        return {"error": (proc.stderr or proc.stdout).strip().splitlines()[-6:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown(results: dict[str, dict], keys: list[str], peak_tflops: float) -> str:
    """Throughput, TFLOP/s (and % of peak), peak GPU memory, and ebm ÷ BlackJAX per workload."""
    lines = ["| workload | system | throughput | unit | TFLOP/s | % of peak | peak GPU MiB | backend |",
             "|---|---|---|---|---|---|---|---|"]
    notes = []
    for system, found in results.items():
        if "skipped" in found or "error" in found:
            notes.append(f"* {system}: {found.get('skipped') or found.get('error')}")
    for key in keys:
        for system, found in results.items():
            entry = found.get(key)
            if not entry:
                continue
            if entry.get("status") != "ok":
                lines.append(f"| {key} | {system} | {entry['status']} | | | | | {entry.get('reason', '')[:80]} |")
                continue
            memory = entry["peak_gpu_mib"]
            lines.append(
                f"| {key} | {system} | {entry['throughput']:.3g}{'' if entry['finite'] else ' ✗'} | "
                f"{entry['unit']} | {entry['tflops']:.3g} | {100 * entry['tflops'] / peak_tflops:.2g} % | "
                f"{'—' if memory is None else f'{memory:.0f}'} | {entry['backend']} |"
            )
    blackjax = results.get("blackjax", {})
    for key in keys:
        theirs = blackjax.get(key, {}).get("throughput")
        for ours in ("ebm-fused", "ebm-torch"):
            mine = results.get(ours, {}).get(key, {}).get("throughput")
            if mine and theirs:
                target = TARGETS.get(key)
                verdict = "" if target is None else f" (target ≥ {target:g}×: {'met' if mine / theirs >= target else 'missed'})"
                notes.append(f"* {key}: {ours} ÷ blackjax = {mine / theirs:.2f}×{verdict}")
    compile_s = {k: e.get("compile_s") for k, e in blackjax.items() if isinstance(e, dict) and e.get("compile_s")}
    if compile_s:
        notes.append("* BlackJAX compile (s, not in the timings): "
                     + ", ".join(f"{k} {v:.2f}" for k, v in compile_s.items()))
    return "\n".join(lines + [""] + notes) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.gpu_neural", description=__doc__.split("\n\n")[0])
    parser.add_argument("--workloads", default=",".join(KEYS), help=f"comma-separated subset of {','.join(KEYS)}")
    parser.add_argument("--systems", default=",".join(SYSTEMS), help=f"comma-separated subset of {','.join(SYSTEMS)}")
    parser.add_argument("--preset", default="full", choices=sorted(PRESETS))
    parser.add_argument("--repeats", type=int, default=5, help="timed runs per workload (median reported)")
    parser.add_argument("--peak-tflops", type=float, default=67.0, help="the GPU's peak FP32 TFLOP/s")
    parser.add_argument("--timeout", type=float, default=300.0, help="seconds per system")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    parser.add_argument("--device", default="cuda", choices=("cuda", "cpu"),
                        help="cuda (default); cpu only checks that everything runs")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    keys = [k for k in args.workloads.split(",") if k]
    unknown = [k for k in keys if k not in KEYS]
    if unknown:
        parser.error(f"unknown workloads {unknown}; choose from {', '.join(KEYS)}")
    if args.child:
        print(json.dumps(_child(args.child, keys, args.preset, args.repeats, args.device), default=str))
        return 0
    results = {s: run_isolated(s, keys, args.preset, args.repeats, args.timeout, args.device)
               for s in args.systems.split(",") if s}
    print(markdown(results, keys, args.peak_tflops))
    if args.json:
        from ebm_core.atomic_files import atomic_path  # imports torch: only here, not in a JAX child

        with atomic_path(args.json) as tmp:
            document = {"results": results, "peak_tflops": args.peak_tflops}
            tmp.write_text(json.dumps(document, indent=1, default=str))
    failed = any("error" in r or any(e.get("status") == "error" for e in r.values() if isinstance(e, dict))
                 for r in results.values())
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
