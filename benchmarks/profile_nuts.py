"""Where ebm's NUTS spends its time on the N1 target: ``python -m benchmarks.profile_nuts``.

Runs the kept-draw phase of N1 (64 chains, 100-D Gaussian with variances 10⁻²…10², the tuned
step size and the exact diagonal mass, no adaptation) with the benchmark's thread budget, once
plain and once under :mod:`torch.profiler`, and prints: the time per leapfrog iteration (all
chains) without the profiler; under it, the share of the gradient (the energy's
``energy_and_grad``) against the rest (tree bookkeeping: masks, ``torch.where`` merges, U-turn
checks, multinomial sampling), the torch operator calls and host syncs (``nonzero``,
``is_nonzero``, ``item``) per leapfrog iteration, and the top operators by self CPU time.
"""

from __future__ import annotations

import argparse
import os
import time

from .environment import THREADS_ENV, pin_threads, thread_env


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile_nuts", description=__doc__)
    parser.add_argument("--chains", type=int, default=64)
    parser.add_argument("--transitions", type=int, default=40)
    parser.add_argument("--step-size", type=float, default=0.55,
                        help="ε (about what the warm-up of N1 tunes with the exact mass)")
    args = parser.parse_args(argv)
    if THREADS_ENV not in os.environ:
        os.environ.update(thread_env())
    pin_threads()

    import torch
    from torch.profiler import ProfilerActivity, profile, record_function

    import ebm_core

    from .environment import set_torch_threads
    from .samplers_ii import ill_gaussian_variances

    set_torch_threads()
    variances = ill_gaussian_variances(100)
    energy = ebm_core.energy("gaussian", covariance=variances.tolist())
    sampler = ebm_core.sampler(
        "nuts", energy, step_size=args.step_size, inv_mass=variances.tolist(),
        adapt_step_size=False, adapt_mass=False,
    )
    g = torch.Generator().manual_seed(0)
    x0 = torch.randn(args.chains, 100, generator=g, dtype=torch.float64).mul_(
        torch.from_numpy(variances).sqrt()).float()
    sampler.run(x0, n_steps=5, generator=g)  # warm the allocator and the op caches
    start = time.perf_counter()
    sampler.run(x0, n_steps=args.transitions, generator=g)
    plain = time.perf_counter() - start  # without the profiler's overhead

    grad_time = [0.0]
    inner = energy.energy_and_grad

    def timed_energy_and_grad(x):
        start = time.perf_counter()
        with record_function("energy_and_grad"):
            out = inner(x)
        grad_time[0] += time.perf_counter() - start
        return out

    energy.energy_and_grad = timed_energy_and_grad
    with profile(activities=[ProfilerActivity.CPU]) as prof:
        start = time.perf_counter()
        sampler.run(x0, n_steps=args.transitions, generator=g)
        total = time.perf_counter() - start
    energy.energy_and_grad = inner

    # lock-step iterations: gradient rows / (1 − idle share) / chains
    iterations = float(sampler.n_leapfrog.mean()) * args.transitions / (1 - sampler.idle_fraction)
    events = prof.key_averages()
    calls = sum(e.count for e in events if e.key.startswith("aten::"))
    syncs = sum(e.count for e in events if e.key in ("aten::nonzero", "aten::is_nonzero",
                                                     "aten::item", "aten::_local_scalar_dense"))
    print(f"{args.transitions} transitions, {args.chains} chains: {total:.3f} s, "
          f"mean leapfrog/transition {float(sampler.n_leapfrog.mean()):.2f}, "
          f"tree depth {float(sampler.tree_depth.mean()):.2f}, idle {sampler.idle_fraction:.3f}")
    print(f"without the profiler: {1e6 * plain / iterations:.0f} µs per leapfrog iteration "
          "(all chains)")
    print(f"under the profiler, per leapfrog iteration: {1e6 * total / iterations:.0f} µs, "
          "of which "
          f"gradient {1e6 * grad_time[0] / iterations:.0f} µs "
          f"({100 * grad_time[0] / total:.0f} %); "
          f"{calls / iterations:.0f} aten calls and {syncs / iterations:.2f} host syncs "
          "per iteration")
    print(events.table(sort_by="self_cpu_time_total", row_limit=15))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
