"""Benchmarks of ebm-cuda's fused kernels, called directly through ``ChainRequest``.

Workloads (DESIGN.md "Performance protocol"; float32):

* **W1** — ULA on the 2-D double well, 10,000 chains × 1,000 steps → chain-steps/s;
* **W3** — HMC on the 10-D standard Gaussian, 1,000 chains × 100 steps × L = 10 leapfrog
  steps → gradient evaluations/s (1 + 100·10 per chain);
* with ``--device cuda`` also **W1-large** (1,000,000 chains × 1,000 steps) and the fused
  Langevin update's achieved memory bandwidth (reads x and ∇E, writes x: 12 bytes/element).

Each workload runs in its own subprocess (so its peak RSS is its own), with ``--threads`` torch
/OpenMP threads; one warm-up run is excluded and the median of ``--repeats`` timed runs is
reported. Prints a Markdown table and, with ``--json``, writes the numbers.

    python -m benchmarks.fused_kernels --threads 2 --json bench.json
    python benchmarks/fused_kernels.py --device cuda
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import resource
import statistics
import subprocess
import sys
import time
from typing import Any, Callable


@dataclasses.dataclass(frozen=True)
class Workload:
    """A fixed amount of fused-chain work."""

    name: str
    description: str
    sampler: str
    sampler_params: dict[str, Any]
    energy: str
    dim: int
    chains: int
    n_steps: int
    unit: str  # "chain-steps/s" or "grad-evals/s"

    def energy_params(self, torch: Any, device: str) -> dict[str, Any]:
        if self.energy == "double_well":
            return {"barrier_height": 1.0, "b": 1.0}
        return {"mean": torch.zeros(self.dim, device=device), "precision_diag": torch.ones(self.dim, device=device)}

    def work(self) -> float:
        """Chain-steps, or gradient evaluations (the one at x₀ included), of one run."""
        if self.unit == "chain-steps/s":
            return float(self.chains * self.n_steps)
        per_step = self.sampler_params.get("n_leapfrog", 1)
        return float(self.chains * (1 + self.n_steps * per_step))


W1 = Workload("W1", "ULA double-well 2-D, 10k chains x 1000 steps", "langevin",
              {"step_size": 0.01, "noise_scale": 1.0, "clamp": None}, "double_well", 2, 10_000, 1000,
              "chain-steps/s")
W3 = Workload("W3", "HMC std. Gaussian 10-D, 1k chains x 100 steps x L=10", "hmc",
              {"step_size": 0.1, "n_leapfrog": 10, "inv_mass": None}, "gaussian", 10, 1000, 100,
              "grad-evals/s")
W1_LARGE = dataclasses.replace(W1, name="W1-large", description="ULA double-well 2-D, 1M chains x 1000 steps",
                               chains=1_000_000)
UPDATE = "update-bandwidth"
WORKLOADS = {w.name: w for w in (W1, W3, W1_LARGE)}


def _peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0  # Linux: KiB


def _timed(fn: Callable[[], None], sync: Callable[[], None], repeats: int, warmup: int) -> list[float]:
    for _ in range(warmup):
        fn()
    sync()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        sync()
        times.append(time.perf_counter() - start)
    return times


def measure_chains(workload: Workload, device: str, repeats: int, warmup: int = 1) -> dict[str, Any]:
    """Median time and rate of one workload in this process."""
    import torch
    from ebm_core.kernels import ChainRequest

    from ebm_cuda import FusedChainKernel

    gen = torch.Generator().manual_seed(0)
    x0 = torch.randn(workload.chains, workload.dim, generator=gen).to(device)
    params = {k: v for k, v in workload.sampler_params.items()}
    request = ChainRequest(sampler=workload.sampler, sampler_params=params, energy=workload.energy,
                           energy_params=workload.energy_params(torch, device), x0=x0,
                           n_steps=workload.n_steps, burn_in=0, thin=1, seed=1, record_trajectory=False)
    kernel = FusedChainKernel(workload.sampler, workload.energy, device)
    reason = kernel.unsupported_reason(request)
    if reason is not None:
        raise RuntimeError(f"{workload.name}: {reason}")
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    times = _timed(lambda: kernel.run(request), sync, repeats, warmup)
    median = statistics.median(times)
    return {"workload": workload.name, "description": workload.description, "device": device,
            "unit": workload.unit, "rate": workload.work() / median, "median_s": median, "times_s": times}


def measure_update_bandwidth(device: str, repeats: int, elements: int = 1 << 26) -> dict[str, Any]:
    """Achieved bandwidth of the fused Langevin update on (4096, elements/4096) float32."""
    import torch

    from ebm_cuda import FusedLangevinUpdate

    x = torch.zeros(4096, elements // 4096, device=device)
    grad = torch.ones_like(x)
    update = FusedLangevinUpdate(device)
    step = iter(range(1 << 62))
    sync = torch.cuda.synchronize if device == "cuda" else (lambda: None)
    fn = lambda: update.update_(x, grad, step_size=1e-3, noise_scale=1.0, seed=0, step=next(step))  # noqa: E731
    times = _timed(fn, sync, repeats, warmup=2)
    median = statistics.median(times)
    moved = 3 * x.numel() * x.element_size()
    return {"workload": UPDATE, "description": f"fused Langevin update, {x.numel():,} float32 elements",
            "device": device, "unit": "GB/s", "rate": moved / median / 1e9, "median_s": median, "times_s": times}


def _child(name: str, device: str, threads: int, repeats: int) -> None:
    """Run one workload in this (fresh) process and print its result as JSON."""
    import torch

    torch.set_num_threads(threads)
    if name == UPDATE:
        result = measure_update_bandwidth(device, repeats)
    else:
        result = measure_chains(WORKLOADS[name], device, repeats)
    import ebm_cuda

    result.update(threads=threads, peak_rss_mib=_peak_rss_mib(), cpu_isa=ebm_cuda.build_info()["cpu_isa"])
    print(json.dumps(result))


def run_isolated(name: str, device: str, threads: int, repeats: int) -> dict[str, Any]:
    """One workload in a subprocess with OMP_NUM_THREADS = threads."""
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    proc = subprocess.run([sys.executable, os.path.abspath(__file__), "--child", name, "--device", device,
                           "--threads", str(threads), "--repeats", str(repeats)],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise RuntimeError(f"{name} on {device} failed:\n{proc.stderr[-3000:]}")
    return json.loads(proc.stdout.strip().splitlines()[-1])


def markdown_table(results: list[dict[str, Any]]) -> str:
    lines = ["| workload | device | rate | unit | median s | peak RSS MiB | threads |",
             "| --- | --- | ---: | --- | ---: | ---: | ---: |"]
    for r in results:
        lines.append(f"| {r['workload']}: {r['description']} | {r['device']} | {r['rate']:.3g} | {r['unit']} | "
                     f"{r['median_s']:.4f} | {r['peak_rss_mib']:.0f} | {r['threads']} |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cpu")
    parser.add_argument("--threads", type=int, default=2, help="torch/OpenMP threads (default 2)")
    parser.add_argument("--repeats", type=int, default=7, help="timed runs per workload (median reported)")
    parser.add_argument("--workloads", default=None,
                        help="comma-separated subset of W1,W3,W1-large,update-bandwidth")
    parser.add_argument("--json", default=None, help="write the results to this JSON file")
    parser.add_argument("--child", default=None, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        _child(args.child, args.device, args.threads, args.repeats)
        return 0
    default = ["W1", "W3"] + (["W1-large", UPDATE] if args.device == "cuda" else [])
    names = args.workloads.split(",") if args.workloads else default
    results = [run_isolated(name, args.device, args.threads, args.repeats) for name in names]
    print(markdown_table(results))
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"results": results}, f, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
