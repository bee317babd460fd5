"""``ebm sample ENERGY``: draw samples of a registered energy, or of an energy trained with
``ebm train``, with a registered sampler.

Writes the samples (``.pt`` for torch, ``.npy`` for numpy) and, with ``--plot``, a PNG: for
2-D energies the samples over the density exp(−E)/Z (normalised by grid quadrature); for image
energies (events ``(C, H, W)`` with 1 or 3 channels, or flat square ``(s²,)``) a grid of the
first 64 samples (:mod:`ebm_core.image_grid`), in pixel values for a run trained on image data
(the inverse of the preprocessing recorded in its ``config.json``; ``--pixels`` also writes the
samples so). Examples::

    ebm sample double_well --sampler mala --set sampler.step_size=0.1 --n 5000 --steps 1000 \\
        --out runs/double_well.npy --plot runs/double_well.png
    ebm sample --checkpoint runs/train/checkpoint.pt --out runs/model.pt --plot runs/model.png
    ebm sample --checkpoint runs/digits --n 64 --out runs/digits/model.pt --plot runs/digits/grid.png
    ebm sample runs/mnist_5k --init buffer --n 64 --steps 200 --out runs/mnist_5k/more.pt --plot more.png

A trained run is rebuilt from the ``config.json`` beside its checkpoint, with the EMA weights
when the run kept an EMA; its sampler (and the sampler's saved state, e.g. an adapted step
size) is the default, overridden by ``--sampler`` and ``--set``. ``ebm sample runs/train`` (a
run's folder or checkpoint where ENERGY is expected) does the same. A run trained with
persistent chains (``pcd``, ``jem``) can go on sampling from them: ``--init buffer`` starts the
chains from randomly chosen states of its replay buffer (every rank's, for a data-parallel run),
as IGEBM and JEM sample, where chains from noise would need the whole path to the data first.
The buffer was written with the last weights and is sampled with the EMA weights when the run
kept an EMA; it also holds chains restarted from noise a few batches before the checkpoint
(``reinit_fraction``), which the default burn-in (half of ``--steps``) gives time to settle.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

import torch

from ..atomic_files import atomic_path
from ..sampling import ConvergenceError, DivergenceError, SampleResult
from ..sampling.divergence import advice
from . import components
from .config import apply_override, check_settings, merge
from .trained_run import TrainedRun, load_run, looks_like_run, recorded_preprocessing

SETTINGS: dict[str, type] = {"device": str}
#: Where chains start (``--init``): Gaussian noise, or a trained run's replay buffer.
INITS = ("noise", "buffer")
#: The sampler of ``ebm sample ENERGY`` when ``--sampler`` is not given: HMC with a high target
#: acceptance (0.97), so the adapted step stays stable in the curved, narrow regions of targets
#: like ``rosenbrock`` far into their tails (at Stan's 0.8 or even 0.95, chains that are in the
#: tail when burn-in ends may never move again), and trajectories long enough (40 leapfrog
#: steps) for every chain to mix within the default 500 kept steps.
DEFAULT_SAMPLER = {"name": "hmc", "target_accept": 0.97, "n_leapfrog": 40}
#: Diagnostics (R-hat, ESS) use at most this many thinned states per chain after burn-in …
KEPT_DRAWS = 100
#: … and at most this much memory for them.
TRAJECTORY_BYTES = 256 * 2**20


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "sample", help="sample a registered energy", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("energy", metavar="ENERGY", nargs="?",
                        help="registered energy name, or a run folder / checkpoint written by ebm train")
    parser.add_argument("--checkpoint", metavar="FILE",
                        help="sample the energy trained by ebm train (its checkpoint.pt, or the run's folder)")
    parser.add_argument("--sampler", default=None,
                        help="registered sampler name (default hmc with target_accept=0.97, n_leapfrog=40; "
                             "a trained run's own sampler with --checkpoint)")
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE",
                        help="component argument, e.g. --set energy.dim=3 --set sampler.step_size=0.05")
    parser.add_argument("--n", type=int, default=2000, help="number of chains/samples (default 2000)")
    parser.add_argument("--steps", type=int, default=1000, help="steps per chain (default 1000)")
    parser.add_argument("--burn-in", type=int, default=None, dest="burn_in",
                        help="burn-in steps, discarded; the sampler tunes its step size (and HMC its mass "
                             "matrix) during them (default: half of --steps)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--device", default="cpu")
    parser.add_argument("--init", choices=INITS, default="noise",
                        help="where chains start: 'noise', N(0, init_scale² I) (default); 'buffer', "
                             "states of a trained run's replay buffer (pcd, jem), drawn without replacement, "
                             "so sampling continues the run's persistent chains")
    parser.add_argument("--init-scale", type=float, default=None, dest="init_scale",
                        help="with --init noise, starting points are N(0, init_scale² I) (default 1)")
    parser.add_argument("--out", default="samples.pt", help="output file, .pt or .npy (default samples.pt)")
    parser.add_argument("--plot", help="PNG path for a plot of the samples (2-D energies: over the density; "
                                       "image energies: a grid of the first 64)")
    parser.add_argument("--pixels", action="store_true",
                        help="a trained image run: write the samples in pixel values (the inverse of the run's "
                             "recorded preprocessing, clamped to 0 … levels−1); --plot always shows pixel values")
    parser.add_argument("--strict", action="store_true",
                        help="fail (exit 2, write nothing) when chains diverged, look stuck or unmixed, "
                             "instead of warning")
    parser.add_argument("--no-progress", action="store_true")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    out = Path(args.out)
    if out.suffix not in (".pt", ".npy"):
        raise ValueError(f"--out must end in .pt or .npy, got {out.name!r}")
    for name in ("n", "steps"):
        if getattr(args, name) < 1:
            raise ValueError(f"--{name} must be ≥ 1, got {getattr(args, name)}")
    trained = _trained_run(args)
    to_pixels = recorded_preprocessing(trained) if trained is not None else None
    if args.pixels and to_pixels is None:
        raise ValueError("--pixels needs a run trained on image data that recorded its preprocessing "
                         "(ebm sample --checkpoint RUN --pixels)")
    config = _config(args, trained)
    device = components.resolve_device(config["device"])
    energy = components.build_energy(config, device)
    what = repr(config["energy"]["name"])
    if trained is not None:
        try:
            energy.load_state_dict(trained.weights)
        except RuntimeError as exc:  # shapes or names differ: the [energy] table was overridden
            raise ValueError(
                f"the weights in {trained.checkpoint} do not fit the energy built from {config['energy']}; "
                f"sample with the run's own energy settings (no --set energy.*) ({str(exc).splitlines()[0]})"
            ) from None
        what = f"{what} trained by {trained.checkpoint} (step {trained.step}, {trained.which_weights} weights)"
    if energy.event_shape is None:
        raise ValueError(f"energy {what} does not know its event shape; give it one (e.g. --set energy.dim=2)")
    if args.plot and energy.event_shape != (2,) and not _is_image(energy.event_shape):
        raise ValueError(f"--plot needs a 2-D energy (or an image energy: (C, H, W) with C = 1 or 3, or flat (s²,)); "
                         f"{what} has event shape {energy.event_shape}")
    sampler = components.build_sampler(config, energy)
    if trained is not None and trained.sampler_state and config["sampler"] == trained.config.get("sampler"):
        sampler.load_state_dict(trained.sampler_state)  # the run's own sampler: keep its tuned state
    generator = torch.Generator(device=device).manual_seed(args.seed)
    start = _start(args, trained, energy.event_shape, generator, device)
    burn_in = args.steps // 2 if args.burn_in is None else args.burn_in
    thin = _thinning(args.steps - burn_in, start)
    result = sampler.run(start, n_steps=args.steps, burn_in=burn_in, thin=thin, return_trajectory=True,
                         generator=generator, progress=not args.no_progress)
    samples = _finite_samples(result, type(sampler).__name__, out, strict=args.strict)
    pixels = samples if to_pixels is None else to_pixels.preprocessing.to_pixels(samples.double(), to_pixels.levels)
    report = result.convergence
    if report.problems and args.strict:
        raise ConvergenceError(
            f"--strict: {out} was not written: {type(sampler).__name__}'s chains look unconverged.\n"
            + _indent(report.summary())
        )
    with atomic_path(out) as tmp:
        if out.suffix == ".npy":
            import numpy as np

            with tmp.open("wb") as handle:
                np.save(handle, (pixels if args.pixels else samples).numpy())
        else:
            torch.save(pixels if args.pixels else samples, tmp)
    print(f"ebm sample: {len(samples)} samples of {what} with {config['sampler']['name']!r} → {out}")
    step = "n/a" if result.step_size is None else f"{result.step_size:.4g}"
    print(f"  backend: {result.backend}; step size {step}; burn-in {burn_in} of {args.steps} steps; "
          f"diagnostics on 1 in {thin} states after burn-in")
    print(_indent(report.summary()))
    if report.problems:
        print(f"ebm sample: warning: {type(sampler).__name__}'s chains look unconverged, so the samples in "
              f"{out} may not be from the target:\n" + _indent("\n".join(report.problems))
              + "\n  (--strict makes this an error)", file=sys.stderr)
    if args.plot and energy.event_shape != (2,):
        from ..image_grid import plot_image_grids

        path = plot_image_grids({f"{config['sampler']['name']} samples": pixels}, args.plot,
                                title=f"{config['energy']['name']}: model samples")
        print(f"  plot: {path}")
    elif args.plot:
        from ..plotting import bounds_around, plot_landscape

        path = plot_landscape(energy, args.plot, bounds=bounds_around(samples, margin=0.1), samples=samples,
                              title=f"{config['energy']['name']}: density exp(−E)/Z (grid quadrature) "
                                    f"with {config['sampler']['name']} samples")
        print(f"  plot: {path}")
    return 0


def _start(
    args: argparse.Namespace, trained: TrainedRun | None, event_shape: tuple[int, ...],
    generator: torch.Generator, device: torch.device,
) -> torch.Tensor:
    """The chains' starting points: ``--n`` draws of N(0, init_scale² I), or ``--n`` distinct
    states of the run's replay buffer chosen at random (``--init buffer``)."""
    if args.init == "noise":
        scale = 1.0 if args.init_scale is None else args.init_scale
        return scale * torch.randn(args.n, *event_shape, generator=generator, device=device)
    if args.init_scale is not None:
        raise ValueError("--init-scale sets the noise that chains start from; with --init buffer they start "
                         "from the run's replay buffer, so leave --init-scale out")
    buffer = trained.replay_buffer if trained is not None else None
    if buffer is None:
        what = "a registered energy" if trained is None else f"the checkpoint {trained.checkpoint}"
        raise ValueError(f"--init buffer needs a run trained with persistent chains (loss pcd, jem, or cd with "
                         f"persistent = true) whose checkpoint holds a filled replay buffer; {what} has none: "
                         "use --init noise")
    if tuple(buffer.shape[1:]) != tuple(event_shape):
        raise ValueError(f"the replay buffer of {trained.checkpoint} holds states of shape {tuple(buffer.shape[1:])}, "
                         f"but the energy's events have shape {tuple(event_shape)}; sample with the run's own "
                         "energy settings (no --set energy.*), or use --init noise")
    if args.n > buffer.shape[0]:
        raise ValueError(f"--n {args.n} is more than the {buffer.shape[0]} chains in the replay buffer of "
                         f"{trained.checkpoint}; give --n {buffer.shape[0]} or less")
    rows = torch.randperm(buffer.shape[0], generator=generator, device=device)[:args.n].cpu()
    start = buffer[rows]
    bad = ~torch.isfinite(start.flatten(1)).all(dim=1)
    if bool(bad.any()):
        raise ValueError(f"{int(bad.sum())} of the {args.n} replay-buffer states drawn from {trained.checkpoint} "
                         f"are not finite (buffer rows {rows[bad][:5].tolist()}); use --init noise")
    return start.to(device=device, dtype=torch.get_default_dtype())


def _is_image(event_shape: tuple[int, ...]) -> bool:
    """Whether :func:`ebm_core.image_grid.as_images` can show events of this shape."""
    from ..image_grid import as_images

    try:
        as_images(torch.zeros(1, *event_shape))
    except ValueError:
        return False
    return True


def _trained_run(args: argparse.Namespace) -> TrainedRun | None:
    """The run to sample (``--checkpoint``, or a path given as ENERGY), or ``None``."""
    if args.checkpoint is not None and args.energy is not None:
        raise ValueError(f"give ENERGY ({args.energy!r}) or --checkpoint, not both")
    if args.checkpoint is not None:
        return load_run(args.checkpoint)
    if args.energy is None:
        raise ValueError("name an energy (e.g. ebm sample double_well) or a trained run "
                         "(e.g. ebm sample --checkpoint runs/train/checkpoint.pt)")
    return load_run(args.energy) if looks_like_run(args.energy) else None


def _config(args: argparse.Namespace, trained: TrainedRun | None) -> dict[str, Any]:
    """Energy and sampler tables: the run's (or ENERGY with the default sampler) < flags < ``--set``."""
    if trained is not None:
        tables = {name: trained.config.get(name) for name in ("energy", "sampler")}
        if not isinstance(tables["energy"], dict) or not isinstance(tables["sampler"], dict):
            raise ValueError(f"{trained.checkpoint.parent / 'config.json'} has no [energy] and [sampler] tables; "
                             "was it written by ebm train?")
    else:
        tables = {"energy": {"name": args.energy}, "sampler": dict(DEFAULT_SAMPLER)}
    config = merge({"device": args.device}, tables)
    if args.sampler is not None:
        config = merge(config, {"sampler": {"name": args.sampler}})
    for assignment in args.set:
        apply_override(config, assignment)
    check_settings(config, SETTINGS)
    return config


def _thinning(n_sampling: int, start: torch.Tensor) -> int:
    """Keep at most :data:`KEPT_DRAWS` states per chain after burn-in, and at most
    :data:`TRAJECTORY_BYTES` in all (but at least 4 per chain, what split R-hat needs)."""
    per_draw = start.shape[0] * start[0].numel() * start.element_size()
    kept = max(4, min(KEPT_DRAWS, TRAJECTORY_BYTES // per_draw))
    return max(1, -(-n_sampling // kept))


def _indent(text: str) -> str:
    return "\n".join(f"  {line}" for line in text.splitlines())


def _finite_samples(result: SampleResult, sampler_name: str, out: Path, *, strict: bool) -> torch.Tensor:
    """The chains that stayed finite, on the CPU; raises :class:`DivergenceError` (nothing is
    written) when none did, or when some did not under ``strict``, and says so on stderr
    when some did not."""
    n_bad, n = result.n_divergent, result.n_chains
    hint = advice(sampler_name, result.step_size)
    if n_bad == n:
        raise DivergenceError(
            f"all {n} chains of {sampler_name} became non-finite (NaN/inf state or energy): there is "
            f"no sample to write, so {out} was not written; {hint}"
        )
    if n_bad and strict:
        raise DivergenceError(
            f"--strict: {n_bad} of {n} chains of {sampler_name} became non-finite (NaN/inf state or "
            f"energy), so {out} was not written; {hint}"
        )
    if n_bad:
        print(
            f"ebm sample: warning: {n_bad} of {n} chains of {sampler_name} became non-finite; "
            f"{out} holds only the {n - n_bad} finite chains; {hint}",
            file=sys.stderr,
        )
    return result.samples[~result.divergent].detach().cpu()
