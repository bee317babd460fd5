"""``ebm train``: train an energy on a data set, every component chosen by registered name.

A bare ``ebm train`` trains on ``eight_gaussians`` a residual energy ``E = E_base + f_θ``:
the base a 50-component full-covariance Gaussian mixture fitted to 50,000 training draws by EM
before the first step, ``f_θ`` an MLP that starts at zero, trained by maximum likelihood with
``log Z`` estimated by importance sampling from the base (``importance_ml``; about a minute on
2 CPU cores; docs/guides/training-2d.md says why). It writes to ``--out`` (default ``runs/train``):

* ``checkpoint.pt`` — everything needed to resume exactly (``--resume``);
* ``metrics.jsonl`` — loss, E(data), E(neg) and evaluation metrics by step;
* ``config.json`` — the resolved configuration (for image data also the preprocessing, under
  ``"data"``, which ``ebm evaluate`` and ``ebm sample`` reproduce);
* ``landscape.png`` (learned density with fresh model samples), ``samples.png`` (data vs
  model samples), ``curves.png`` (metric curves); for image data ``samples.png`` is a grid of
  held-out images beside model samples and ``buffer.png`` a grid of the replay buffer.

Run it under ``torchrun --nproc_per_node=N`` for data-parallel training.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import torch

from .. import checks
from ..atomic_files import atomic_path
from ..training import Trainer
from ..training.checkpoint import CheckpointError
from ..training.evaluation import draw_model_samples
from ..training.metrics_log import read_metrics
from ..training.trainer import CHECKPOINT_NAME
from . import components
from .config import apply_override, check_settings, load_toml, merge
from .trained_run import DATA_RECORD, data_record

DEFAULTS: dict[str, Any] = {
    "steps": 3000,
    "batch_size": 128,
    "lr": 2e-3,
    "lr_schedule": "cosine",
    "seed": 0,
    "device": "cpu",
    "log_every": 10,
    "eval_every": 1000,
    "checkpoint_every": 500,
    "heldout": 2000,
    "eval_samples": 2000,
    "eval_steps": 500,
    "ema_decay": 0.0,
    "grad_clip": 0.0,
    "fit_samples": 50_000,
    "dataset": {"name": "eight_gaussians"},
    "energy": {
        "name": "residual",
        "base": {"name": "fitted_gaussian_mixture", "components": 50},
        "net": {"name": "mlp", "hidden": [128, 128]},
    },
    "loss": {"name": "importance_ml", "n_proposals": 512},
    "sampler": {"name": "langevin", "step_size": 0.01},
}

#: Settings that count something and must be ≥ 1.
POSITIVE_INTS = ("steps", "batch_size", "log_every", "eval_every", "checkpoint_every", "heldout",
                 "eval_samples", "eval_steps", "fit_samples")

SETTINGS: dict[str, type] = {
    "steps": int, "batch_size": int, "lr": float, "lr_schedule": str, "seed": int, "device": str, "log_every": int,
    "eval_every": int, "checkpoint_every": int, "heldout": int, "eval_samples": int,
    "eval_steps": int, "ema_decay": float, "grad_clip": float, "fit_samples": int,
}


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "train", help="train an energy on a data set", description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--config", metavar="FILE", help="TOML configuration (see ebm_core/cli/config.py)")
    for section in ("dataset", "energy", "loss", "sampler"):
        parser.add_argument(f"--{section}", metavar="NAME", help=f"registered {section} name")
    parser.add_argument("--steps", type=int, help="training steps (default 3000)")
    parser.add_argument("--batch-size", type=int, dest="batch_size", help="global batch size (default 128)")
    parser.add_argument("--lr", type=float, help="Adam learning rate (default 2e-3)")
    parser.add_argument("--seed", type=int, help="random seed (default 0)")
    parser.add_argument("--device", help="cpu or cuda[:N] (default cpu)")
    parser.add_argument(
        "--set", action="append", default=[], metavar="KEY=VALUE",
        help="override one value, e.g. --set sampler.step_size=0.02 --set loss.k=20",
    )
    parser.add_argument("--out", default="runs/train", help="output folder (default runs/train)")
    resume = parser.add_mutually_exclusive_group()
    resume.add_argument("--resume", action="store_true", help="continue from OUT/checkpoint.pt")
    resume.add_argument("--overwrite", action="store_true", help="start afresh even if OUT has a checkpoint")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def resolve_config(args: argparse.Namespace) -> dict[str, Any]:
    """Defaults < the run's saved config.json (with --resume) < --config file < flags < --set."""
    config = dict(DEFAULTS)
    saved = Path(args.out) / "config.json"
    if args.resume and saved.exists():
        recorded = json.loads(saved.read_text(encoding="utf-8"))
        recorded.pop(DATA_RECORD, None)  # derived from [dataset], written afresh below
        config = merge(config, recorded)
    if args.config:
        config = merge(config, load_toml(args.config))
    flags: dict[str, Any] = {}
    for section in ("dataset", "energy", "loss", "sampler"):
        if getattr(args, section):
            flags[section] = {"name": getattr(args, section)}
    for key in ("steps", "batch_size", "lr", "seed", "device"):
        if getattr(args, key) is not None:
            flags[key] = getattr(args, key)
    config = merge(config, flags)
    for assignment in args.set:
        apply_override(config, assignment)
    check_settings(config, SETTINGS)
    _check_values(config)
    return config


def _check_values(config: dict[str, Any]) -> None:
    """Counts must be ≥ 1 and rates in range, checked before anything is built or written."""
    for key in POSITIVE_INTS:
        checks.positive_int(config[key], key)
    checks.positive_float(config["lr"], "lr")
    checks.non_negative_float(config["grad_clip"], "grad_clip", "0 turns clipping off")
    checks.unit_interval(config["ema_decay"], "ema_decay", "0 turns the EMA off; typical values are 0.99–0.999")


def run(args: argparse.Namespace) -> int:
    config = resolve_config(args)
    out = Path(args.out)
    checkpoint = out / CHECKPOINT_NAME
    if args.resume and not checkpoint.exists():
        raise CheckpointError(f"--resume: no checkpoint at {checkpoint}; run without --resume to start")
    if not args.resume and not args.overwrite and checkpoint.exists():
        raise CheckpointError(
            f"{checkpoint} exists; pass --resume to continue it or --overwrite to start afresh"
        )
    device = components.resolve_device(config["device"])
    torch.manual_seed(config["seed"])  # the energy's initial weights
    dataset = components.build_dataset(config)
    energy = components.build_energy(config, device)
    sampler = components.build_sampler(config, energy)
    loss = components.build_loss(config, energy, sampler)
    heldout = components.heldout_data(config, dataset, config["heldout"], config["seed"])
    trainer = Trainer(
        loss,
        data=dataset,
        batch_size=config["batch_size"],
        lr=config["lr"],
        lr_schedule=config["lr_schedule"],
        schedule_steps=config["steps"],
        seed=config["seed"],
        output_dir=out,
        heldout=heldout,
        eval_sampler=sampler,
        eval_every=config["eval_every"],
        eval_samples=config["eval_samples"],
        eval_steps=config["eval_steps"],
        nll_bounds=_nll_bounds(heldout),
        log_every=config["log_every"],
        checkpoint_every=config["checkpoint_every"],
        ema_decay=config["ema_decay"] or None,
        grad_clip=config["grad_clip"] or None,
        fit_samples=config["fit_samples"],
        progress=not args.no_progress,
    )
    if args.resume:
        trainer.resume(checkpoint)
        if config["steps"] < trainer.step:  # checked here, before config.json is rewritten
            raise ValueError(
                f"--steps {config['steps']} is below the resumed step {trainer.step}; ask for more "
                f"steps (e.g. --steps {2 * trainer.step}) or resume without --steps"
            )
    if trainer.group.is_main:
        with atomic_path(out / "config.json") as tmp:
            tmp.write_text(json.dumps({**config, **data_record(dataset)}, indent=2))
    result = trainer.fit(config["steps"])
    if not trainer.group.is_main:
        return 0
    status = "interrupted at" if result.interrupted else "finished"
    print(f"ebm train: {status} step {result.step} in {result.seconds:.1f} s")
    for key, value in {**result.last_metrics, **result.last_eval}.items():
        print(f"  {key} = {value:.4g}")
    print(f"  checkpoint: {result.checkpoint}")
    print(f"  metrics:    {out / 'metrics.jsonl'}")
    try:  # the run is saved above; a failing plot is reported and never loses it
        plots = _write_plots(trainer, sampler, heldout, out, config)
    except Exception as exc:
        print(f"ebm train: the run is saved, but writing its plots failed: {type(exc).__name__}: {exc}",
              file=sys.stderr)
        return 1
    for path in plots:
        print(f"  plot:       {path}")
    return 130 if result.interrupted else 0


def _nll_bounds(heldout: torch.Tensor) -> Any:
    if tuple(heldout.shape[1:]) != (2,):
        return None
    from ..plotting import bounds_around

    return bounds_around(heldout, margin=0.5)  # wide enough that a trained model's mass is inside


def _write_image_grids(
    trainer: Trainer, sampler: Any, heldout: torch.Tensor, out: Path, config: dict[str, Any]
) -> list[Path]:
    """Image data: ``samples.png`` (data beside model samples) and, with a replay buffer, ``buffer.png``."""
    from ..image_grid import as_images, plot_image_grids

    try:
        as_images(heldout[:1])
    except ValueError:
        return []  # events that are neither 2-D points nor images get the curves only
    energy = trainer.ema.averaged if trainer.ema is not None else trainer.loss.energy
    samples, _ = draw_model_samples(energy, sampler, heldout, config["eval_samples"], config["eval_steps"], config["seed"] + 2)
    paths = [plot_image_grids({"data": heldout, "model samples": samples}, out / "samples.png")]
    buffer = getattr(trainer.loss, "buffer", None)
    if buffer is not None and buffer.is_filled:
        paths.append(plot_image_grids({"replay buffer": buffer.samples}, out / "buffer.png", n=100))
    return paths


def _write_plots(trainer: Trainer, sampler: Any, heldout: torch.Tensor, out: Path, config: dict[str, Any]) -> list[Path]:
    from .. import plotting

    paths = [plotting.plot_curves(read_metrics(out / "metrics.jsonl"), out / "curves.png")]
    if tuple(heldout.shape[1:]) != (2,):
        return paths + _write_image_grids(trainer, sampler, heldout, out, config)
    energy = trainer.ema.averaged if trainer.ema is not None else trainer.loss.energy
    samples, _ = draw_model_samples(energy, sampler, heldout, config["eval_samples"], config["eval_steps"], config["seed"] + 2)
    bounds = plotting.bounds_around(heldout, margin=0.25)
    paths.append(plotting.plot_landscape(energy, out / "landscape.png", bounds=bounds, samples=samples,
                                         title="learned density exp(−E)/Z with model samples"))
    paths.append(plotting.plot_data_vs_samples(heldout, samples, out / "samples.png"))
    return paths
