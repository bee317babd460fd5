"""``ebm evaluate RUN``: how good is a trained energy? Numbers with error bars.

``RUN`` is a folder written by ``ebm train`` (or its ``checkpoint.pt``). The energy is rebuilt
with its trained weights (EMA when kept) and evaluated on the run's held-out set (the same
points training evaluated on: the data set's fixed test split for ``digits`` and ``mnist_5k``,
else drawn from the run's data set with seed + 1):

* ``--log-z ais`` (default): ``log Z`` by annealed importance sampling from a Gaussian fitted
  to the held-out data — or, for an energy ``E = E_base + f`` whose ``base`` has exact samples
  and normaliser (the ``residual`` energy), from that base, which is far closer to the model
  (``--ais-base auto``, the default; ``data`` or ``energy`` force one) — and the held-out NLL in nats and bits/dim with its standard error;
  ``reverse_ais`` anneals the held-out data back to the same starting distribution (the
  Gaussian or the energy's base; an upper-bound-style estimate, a bound only for exact model
  samples) and, with ``ais``, reports the gap;
  ``grid`` is exact quadrature (2-D energies only). Several: ``--log-z ais,grid``. For image
  data with preprocessing (``digits``, ``mnist_5k``: ``x = (pixel + u) / levels`` by default)
  the NLL is also reported in the original (dequantised) pixel space, ``NLL_pixels = NLL_x −
  log|det ∂x/∂pixels|`` with the log-det of the run's recorded transforms, in nats/image and
  bits/dim (the transforms are those recorded in the run's ``config.json``; a data set that
  now preprocesses differently is an error);
* ``--ood noise,uniform,two_moons``: AUROC / AUPR / FPR@95%TPR of the energy as an OOD score,
  held-out data against each OOD set (``noise``: a Gaussian with the data's mean and
  covariance; ``uniform``: uniform on the data's bounding box widened by half its size; any
  other name: that registered data set). On an image run ``noise``, ``permuted``,
  ``photo_patches``, ``vflip`` and ``hflip`` are the offline OOD sets of the ``ood`` data set
  (uniform pixel noise, pixel-permuted / flipped test images, grey photograph patches), every
  image once, preprocessed like the run's data;
* ``--ksd``: kernel Stein discrepancy of the held-out data against the model's score, with a
  bootstrap p-value (is the data plausibly from the model?).

Writes ``evaluation.json`` (every number, atomically) and ``evaluation.png`` (AIS log-weights
and per-temperature acceptance, OOD energy histograms) into the run folder or ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import warnings
from pathlib import Path
from typing import Any

import torch

from .. import checks, quadrature
from ..api import estimator
from ..atomic_files import atomic_path
from ..evaluation import (
    HeldOutNLL,
    LogZEstimate,
    heldout_nll,
    kernel_stein_discrepancy,
    ood_metrics,
    sandwich,
)
from ..evaluation.likelihood import energies_of
from . import components
from .trained_run import TrainedRun, load_run, run_preprocessing

LOG_Z_METHODS = ("ais", "reverse_ais", "grid")
#: Grid quadrature: box margins (relative to the data's extent) tried in turn, points per axis,
#: and the change in log Z between successive boxes that counts as converged.
GRID_MARGINS = (0.5, 1.0, 2.0, 4.0, 8.0)
GRID_POINTS = 601
GRID_TOLERANCE = 1e-3
#: Held-out points the KSD uses at most (its cost is quadratic).
KSD_POINTS = 1000
#: ``--ood`` names that on an image run mean the offline sets of the ``ood`` data set.
IMAGE_OOD_SETS = ("noise", "permuted", "photo_patches", "vflip", "hflip")
KSD_BOOTSTRAP = 500
#: ``--ais-base`` choices.
AIS_BASES = ("auto", "energy", "data")


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "evaluate", help="log Z, held-out NLL, OOD and KSD of a trained run, with error bars",
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("target", metavar="RUN", help="a run folder written by ebm train, or its checkpoint.pt")
    parser.add_argument("--log-z", default="ais", metavar="METHODS",
                        help="comma-separated: ais, reverse_ais, grid; or none (default ais)")
    parser.add_argument("--n-temperatures", type=int, default=1000, help="AIS temperatures (default 1000)")
    parser.add_argument("--n-chains", type=int, default=256, help="AIS chains (default 256)")
    parser.add_argument("--sampler", default="hmc", help="AIS transition sampler (default hmc)")
    parser.add_argument("--step-size", type=float, default=0.1, help="its step size (default 0.1)")
    parser.add_argument("--ais-base", default="auto", choices=AIS_BASES,
                        help="AIS base distribution: the energy's own exact base, a Gaussian fitted to the held-out "
                             "data, or auto (the energy's base when it has one; default)")
    parser.add_argument("--no-adapt", action="store_true",
                        help="keep the step size fixed (default: dual averaging at every temperature)")
    parser.add_argument("--ood", default="", metavar="SETS", help="comma-separated OOD sets: noise, uniform, data set names")
    parser.add_argument("--ksd", action="store_true", help="kernel Stein discrepancy of the held-out data")
    parser.add_argument("--heldout", type=int, default=None, help="held-out points (default: the run's)")
    parser.add_argument("--seed", type=int, default=0, help="seed of the estimators (default 0)")
    parser.add_argument("--device", default="cpu", help="cpu or cuda[:N] (default cpu)")
    parser.add_argument("--out", default=None, help="output folder (default: the run folder)")
    parser.add_argument("--strict", action="store_true", help="unreliable estimates are errors, not warnings")
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    methods = _methods(args.log_z)
    ood_sets = [name.strip() for name in args.ood.split(",") if name.strip()]
    checks.integer_in_range(args.n_temperatures, "--n-temperatures", 2, None, "AIS needs hundreds to thousands")
    checks.integer_in_range(args.n_chains, "--n-chains", 2, None)
    checks.positive_float(args.step_size, "--step-size")
    trained = load_run(args.target)
    out = Path(args.out) if args.out is not None else trained.checkpoint.parent
    device = components.resolve_device(args.device)
    energy = _trained_energy(trained, device)
    dataset = components.build_dataset(trained.config)
    preprocessing = run_preprocessing(trained.config, dataset)  # checked against the run's record
    n_heldout = args.heldout if args.heldout is not None else int(trained.config.get("heldout", 2000))
    checks.integer_in_range(n_heldout, "--heldout", 2, None)
    seed = int(trained.config.get("seed", 0))
    heldout = components.heldout_data(trained.config, dataset, n_heldout, seed).to(torch.get_default_dtype())
    n_heldout = len(heldout)  # a fixed test split may hold fewer
    if "grid" in methods and tuple(heldout.shape[1:]) != (2,):
        raise ValueError(f"--log-z grid needs a 2-D energy; this one has event shape {tuple(heldout.shape[1:])}")

    report: dict[str, Any] = {
        "run": str(trained.checkpoint), "step": trained.step, "weights": trained.which_weights,
        "n_heldout": n_heldout, "log_z": {}, "nll": {}, "nll_pixels": {}, "ood": {}, "ksd": None,
        "sandwich": None,
    }
    estimates: dict[str, LogZEstimate] = {}
    ais_base = _ais_base(energy, args.ais_base)
    if any(method != "grid" for method in methods):
        report["ais_base"] = ("a Gaussian fitted to the held-out data" if ais_base is None
                              else f"the energy's base ({type(ais_base).__name__})")
    generator = torch.Generator(device=device).manual_seed(args.seed)
    for method in methods:
        estimates[method] = _log_z(method, energy, heldout, args, generator, ais_base)
        report["log_z"][method] = estimates[method].as_dict()
        report["nll"][method] = heldout_nll(energy, heldout, estimates[method]).as_dict()
        if preprocessing is not None:
            report["nll_pixels"][method] = _pixel_space_nll(
                energy, heldout, estimates[method], preprocessing.preprocessing).as_dict()
    if "ais" in estimates and "reverse_ais" in estimates:
        report["sandwich"] = sandwich(estimates["ais"], estimates["reverse_ais"]).as_dict()
    ood_scores: dict[str, torch.Tensor] = {}
    if ood_sets:
        ood_scores["held-out"] = energies_of(energy, heldout)
    for name in ood_sets:
        ood_scores[name] = energies_of(energy, _ood_set(name, heldout, args.seed, trained.config, dataset))
        report["ood"][name] = ood_metrics(ood_scores["held-out"], ood_scores[name]).as_dict()
    if args.ksd:
        points = heldout[:KSD_POINTS]
        report["ksd"] = kernel_stein_discrepancy(
            energy, points, n_bootstrap=KSD_BOOTSTRAP, generator=torch.Generator().manual_seed(args.seed)
        ).as_dict()

    out.mkdir(parents=True, exist_ok=True)
    with atomic_path(out / "evaluation.json") as tmp:
        tmp.write_text(json.dumps(report, indent=2, allow_nan=True))
    print(_table(report))
    print(f"  written: {out / 'evaluation.json'}")
    if estimates or ood_scores:
        from ..evaluation.plots import plot_evaluation

        print(f"  plot:    {plot_evaluation(estimates, ood_scores, out / 'evaluation.png')}")
    return 0


def _methods(text: str) -> list[str]:
    names = [name.strip() for name in text.split(",") if name.strip()]
    if names == ["none"]:
        return []
    unknown = [name for name in names if name not in LOG_Z_METHODS]
    if unknown or len(set(names)) != len(names):
        raise ValueError(f"--log-z takes a comma-separated list of {', '.join(LOG_Z_METHODS)} (or none), got {text!r}")
    return names


def _trained_energy(trained: TrainedRun, device: str) -> Any:
    config = {"energy": trained.config.get("energy")}
    if not isinstance(config["energy"], dict):
        raise ValueError(f"{trained.checkpoint.parent / 'config.json'} has no [energy] table; was it written by ebm train?")
    energy = components.build_energy(config, device)
    energy.load_state_dict(trained.weights)
    energy.eval()
    for parameter in energy.parameters():
        parameter.requires_grad_(False)
    return energy


def _ais_base(energy: Any, choice: str) -> Any:
    """The energy's own exact base (``--ais-base energy``, or ``auto`` when it has one), else ``None``."""
    base = getattr(energy, "base", None)
    try:
        checks.tractable_energy(base, "the energy's base")
        exact = True
    except TypeError:
        exact = False
    if choice == "energy" and not exact:
        raise ValueError(f"--ais-base energy needs an energy with an exact base (sample_exact and log_partition); "
                         f"{type(energy).__name__} has none: use --ais-base data")
    return base if exact and choice != "data" else None


def _log_z(method: str, energy: Any, heldout: torch.Tensor, args: argparse.Namespace,
           generator: torch.Generator, base: Any = None) -> LogZEstimate:
    if method == "grid":
        return LogZEstimate.exact(_grid_log_z(energy, heldout), method="grid")
    settings = dict(
        n_temperatures=args.n_temperatures, sampler=args.sampler, sampler_kwargs={"step_size": args.step_size},
        adapt=not args.no_adapt, strict=args.strict,
    )
    if method == "ais":
        built = estimator("ais", energy, base=base, samples=heldout, n_chains=args.n_chains, **settings)
    else:
        built = estimator("reverse_ais", energy, base=base, samples=heldout,
                          n_chains=min(args.n_chains, len(heldout)), **settings)
    return built.estimate(generator=generator, progress=not args.no_progress)


def _grid_log_z(energy: Any, heldout: torch.Tensor) -> float:
    """Quadrature ``log Z`` on boxes around the data widened until it stops changing (1e-3)."""
    from ..plotting import bounds_around

    previous = math.nan
    for margin in GRID_MARGINS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # mass beyond the box: the next box says
            value = quadrature.grid_log_partition(energy, bounds=bounds_around(heldout, margin=margin), n=GRID_POINTS)
        if abs(value - previous) < GRID_TOLERANCE:
            return value
        previous = value
    raise ValueError(
        f"--log-z grid: log Z over boxes {GRID_MARGINS[-2]}x and {GRID_MARGINS[-1]}x the data's size around it still "
        "differs by more than 1e-3 nats: the model puts mass far from the data or is not normalisable (exp(-E) not "
        "integrable); check its landscape, or use --log-z ais"
    )


def _pixel_space_nll(energy: Any, heldout: torch.Tensor, log_z: LogZEstimate, preprocessing: Any) -> HeldOutNLL:
    """The held-out NLL of the (dequantised) pixels: per example ``E(x) + log Z − log|det ∂x/∂pixels|``."""
    per_example = energies_of(energy, heldout) - preprocessing.log_det(heldout.double()).to(torch.float64)
    n = per_example.numel()
    return HeldOutNLL(nats=float(per_example.mean()) + log_z.log_z, stderr_data=float(per_example.std()) / math.sqrt(n),
                      stderr_log_z=log_z.stderr, n_points=n, dim=heldout[0].numel())


def _ood_set(name: str, heldout: torch.Tensor, seed: int, config: dict[str, Any], dataset: Any) -> torch.Tensor:
    if name in IMAGE_OOD_SETS and hasattr(dataset, "preprocessing"):
        return _image_ood_set(name, seed, config).to(heldout.dtype)
    g = torch.Generator().manual_seed(seed + 2)
    n, x = heldout.shape[0], heldout.double()
    if name == "noise":
        mean, covariance = x.mean(0), torch.cov(x.T).reshape(x.shape[1], x.shape[1])
        factor = torch.linalg.cholesky(covariance + 1e-9 * torch.eye(x.shape[1], dtype=x.dtype))
        z = torch.randn(n, x.shape[1], generator=g, dtype=x.dtype)
        return (mean + z @ factor.T).to(heldout.dtype)
    if name == "uniform":
        lo, hi = x.min(0).values, x.max(0).values
        pad = 0.25 * (hi - lo)
        u = torch.rand(n, x.shape[1], generator=g, dtype=x.dtype)
        return (lo - pad + u * (hi - lo + 2 * pad)).to(heldout.dtype)
    from ..api import dataset

    return dataset(name).sample(n, generator=g).to(heldout.dtype)


def _image_ood_set(kind: str, seed: int, config: dict[str, Any]) -> torch.Tensor:
    """Every image of the offline OOD set ``kind`` built from the run's data set, preprocessed like it."""
    from ..api import dataset

    of, kwargs = components.component(config, "dataset")
    same = {key: kwargs[key] for key in ("dequantize", "value_range", "logit", "flatten") if key in kwargs}
    examples, _ = dataset("ood", kind=kind, of=of, seed=seed, **same).tensors(
        generator=torch.Generator().manual_seed(seed + 2))
    return examples


def _table(report: dict[str, Any]) -> str:
    lines = [f"ebm evaluate: {report['run']} (step {report['step']}, {report['weights']} weights), "
             f"{report['n_heldout']} held-out points"]
    if "ais_base" in report:
        lines.append(f"  AIS base: {report['ais_base']}")
    for method, est in report["log_z"].items():
        nll = report["nll"][method]
        detail = ""
        if method != "grid":
            detail = (f"   ESS {est['ess']:.0f}/{est['n_chains']}, acceptance {_fmt(est['mean_acceptance'])}, "
                      f"{est['n_temperatures']} temperatures")
        lines.append(f"  log Z  {method:<12} {est['log_z']:10.4f} ± {est['stderr']:.4f}{detail}")
        lines.append(f"  NLL    {method:<12} {nll['nats']:10.4f} ± {nll['stderr']:.4f} nats"
                     f"   ({nll['bits_per_dim']:.4f} ± {nll['bits_per_dim_stderr']:.4f} bits/dim)")
        if method in report["nll_pixels"]:
            pix = report["nll_pixels"][method]
            lines.append(f"  NLL    {method:<12} {pix['nats']:10.4f} ± {pix['stderr']:.4f} nats/image in pixel space"
                         f"   ({pix['bits_per_dim']:.4f} ± {pix['bits_per_dim_stderr']:.4f} bits/dim)")
    if report["sandwich"] is not None:
        s = report["sandwich"]
        lines.append(f"  gap    reverse − ais {s['gap']:8.4f} ± {s['gap_stderr']:.4f}")
    for name, m in report["ood"].items():
        lines.append(f"  OOD    {name:<12} AUROC {m['auroc']:.4f}   AUPR {m['aupr']:.4f}   "
                     f"FPR@95%TPR {m['fpr_at_95_tpr']:.4f}")
    if report["ksd"] is not None:
        k = report["ksd"]
        lines.append(f"  KSD    held-out     {k['ksd']:10.4f}   (p = {k['p_value']:.3g} for 'data ~ model')")
    return "\n".join(lines)


def _fmt(value: float | None) -> str:
    return "n/a" if value is None or (isinstance(value, float) and math.isnan(value)) else f"{value:.3f}"
