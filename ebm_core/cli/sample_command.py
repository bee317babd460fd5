"""``ebm sample ENERGY``: draw samples of a registered energy with a registered sampler.

Writes the samples (``.pt`` for torch, ``.npy`` for numpy) and, for 2-D energies, a plot of
the samples over the exact density (grid quadrature). Example::

    ebm sample double_well --sampler mala --set sampler.step_size=0.1 --n 5000 --steps 1000 \\
        --out runs/double_well.npy --plot runs/double_well.png
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch

from ..atomic_files import atomic_path
from ..sampling import DivergenceError, SampleResult
from ..sampling.divergence import advice
from . import components
from .config import apply_override, check_settings, merge

SETTINGS: dict[str, type] = {"device": str}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "sample", help="sample a registered energy", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("energy", metavar="ENERGY", help="registered energy name")
    parser.add_argument("--sampler", default="mala", help="registered sampler name (default mala)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="component argument, e.g. --set energy.dim=3 --set sampler.step_size=0.05")
    parser.add_argument("--n", type=int, default=2000, help="number of chains/samples (default 2000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per chain (default 1000)")
    parser.add_argument("--burn-in", type=int, default=None, dest="burn_in",
                        help="adaptation/burn-in steps (default: half of --steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--init-scale", type=float, default=2.0, dest="init_scale",
                        help="starting points are N(0, init_scale² I) (default 2, over-dispersed)")
    parser.add_argument("--out", default="samples.pt", help="output file, .pt or .npy (default samples.pt)")
    parser.add_argument("--plot", help="PNG path for a plot of the samples (2-D energies)")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix not in (".pt", ".npy"):
        raise ValueError(f"--out must end in .pt or .npy, got {out.name!r}")
    for name in ("n", "steps"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be ≥ 1, got {getattr(args, name)}")
    config = merge({"device": args.device}, {"energy": {"name": args.energy}, "sampler": {"name": args.sampler}})
    for assignment in args.set:
        apply_override(config, assignment)
    check_settings(config, SETTINGS)
    device = components.resolve_device(config["device"])
    energy = components.build_energy(config, device)
    if energy.event_shape is None:
        raise ValueError(f"energy {args.energy!r} does not know its event shape; give it one (e.g. --set energy.dim=2)")
    if args.plot and energy.event_shape != (2,):
        raise ValueError(f"--plot needs a 2-D energy; {args.energy!r} has event shape {energy.event_shape}")
    sampler = components.build_sampler(config, energy)
    generator = torch.Generator(device=device).manual_seed(args.seed)
    start = args.init_scale * torch.randn(args.n, *energy.event_shape, generator=generator, device=device)
    burn_in = args.steps // 2 if args.burn_in is None else args.burn_in
    result = sampler.run(start, n_steps=args.steps, burn_in=burn_in, generator=generator,
                         progress=not args.no_progress)
    samples = _finite_samples(result, type(sampler).__name__, out)
    with atomic_path(out) as tmp:
        if out.suffix == ".npy":
            import numpy as np

            with tmp.open("wb") as handle:
                np.save(handle, samples.numpy())
        else:
            torch.save(samples, tmp)
    print(f"ebm sample: {len(samples)} samples of {args.energy!r} with {args.sampler!r} → {out}")
    print(
        f"  backend: {result.backend}; mean acceptance {result.mean_acceptance_rate:.3f}; "
        f"divergent chains {result.n_divergent}; step size {result.step_size}"
    )
    if args.plot:
        from ..plotting import bounds_around, plot_landscape

        path = plot_landscape(energy, args.plot, bounds=bounds_around(samples, margin=0.1), samples=samples,
                              title=f"{args.energy}: exact density with {args.sampler} samples")
        print(f"  plot: {path}")
    return 0


def _finite_samples(result: SampleResult, sampler_name: str, out: Path) -> torch.Tensor:
    """The chains that stayed finite, on the CPU; raises :class:`DivergenceError` (nothing is
    written) when none did, and says so on stderr when some did not."""
    n_bad, n = result.n_divergent, result.n_chains
    hint = advice(sampler_name, result.step_size)
    if n_bad == n:
        raise DivergenceError(
            f"all {n} chains of {sampler_name} became non-finite (NaN/inf state or energy): there is "
            f"no sample to write, so {out} was not written; {hint}"
        )
    if n_bad:
        print(
            f"ebm sample: warning: {n_bad} of {n} chains of {sampler_name} became non-finite; "
            f"{out} holds only the {n - n_bad} finite chains; {hint}",
            file=sys.stderr,
        )
    return result.samples[~result.divergent].detach().cpu()
