"""Training quality: does training learn the density? Every built-in 2-D data set × seeds × systems.

Usage::

    python -m benchmarks.training_quality                        # everything: 8 data sets × 5 seeds × 5 systems
    python -m benchmarks.training_quality --datasets eight_gaussians,rings --seeds 0,1 --jobs 2
    python -m benchmarks.training_quality --systems ebm --resume  # add/refresh one row, keep the rest
    python -m benchmarks.training_quality --tiny                  # smoke test: seconds
    python -m benchmarks.training_quality --report-only           # the report from the cells in OUT

Systems (:mod:`benchmarks.training_quality_systems`): ``ebm`` (bare ``ebm train --dataset NAME
--seed S``: the command's defaults, whatever they are), ``gmm50`` (scikit-learn, 50
full-covariance components, 50,000 points), and ``ebm_same_config`` / ``torchebm`` / ``ebmkit``
trained in one shared PCD configuration. Each is scored by one evaluator
(:mod:`benchmarks.training_quality_eval`): held-out NLL by grid quadrature, MMD² to the held-out
data, mode weights where the data set has known modes, wall time.

Every (system, data set, seed) cell runs in a worker process (``--jobs`` at a time, ``--threads``
torch threads each) and is written to ``OUT/cells/`` as soon as it is done, so an interrupted run
keeps its cells and ``--resume`` runs only the missing ones. A cell that fails is recorded with
its error (the report shows it), never dropped. Then ``OUT/results.json``, ``OUT/results.md``
(:mod:`benchmarks.training_quality_report`) and the figures (learned densities, systems × seeds,
for ``--figure-datasets``) are written from every cell of the requested grid found in ``OUT``.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import signal
import sys
import time
import traceback
from concurrent.futures import ProcessPoolExecutor, as_completed
from multiprocessing import get_context
from pathlib import Path
from typing import Any

from ebm_core.atomic_files import atomic_path

from . import environment
from .training_quality_systems import DEVIATIONS, DESCRIPTIONS, SYSTEMS, Settings, missing_reason

DEFAULT_OUT = os.path.join("benchmarks", "results", "training_quality")
FIGURE_DIR = os.path.join("docs", "images")
DEFAULT_FIGURE_DATASETS = ("eight_gaussians", "rings")
#: The smoke test's sizes: a few steps everywhere, small CLI evaluations.
TINY = {"steps": 5, "ebm_steps": 5, "gmm_components": 3, "gmm_points": 500, "heldout": 200, "grid_points": 101,
        "ebm_set": ("eval_samples=20", "eval_steps=2", "eval_every=5", "checkpoint_every=5")}


def _log(message: str) -> None:
    print(f"[training_quality] {message}", file=sys.stderr, flush=True)


def cell_name(system: str, dataset: str, seed: int) -> str:
    return f"{dataset}__{system}__{seed}"


def run_cell(system: str, dataset: str, seed: int, settings: Settings, out: str, picture: bool) -> dict[str, Any]:
    """Train and evaluate one cell (in a worker process); writes and returns its record."""
    import torch

    from .training_quality_eval import HeldOut, evaluate, picture_density
    from .training_quality_systems import train

    torch.set_num_threads(settings.threads)
    record: dict[str, Any] = {"system": system, "dataset": dataset, "seed": seed}
    try:
        heldout = HeldOut.of(dataset, seed, settings.heldout)
        trained = train(system, dataset, seed, settings)
        record.update(status="ok", wall_s=trained.wall_s, info=trained.info, **evaluate(trained.energy, heldout, settings.grid_points))
        if picture:
            with atomic_path(Path(out, "pictures", cell_name(system, dataset, seed) + ".pt")) as tmp:
                torch.save(picture_density(trained.energy, heldout), tmp)
    except Exception as exc:  # recorded and reported, never dropped
        record.update(status="error", error=f"{type(exc).__name__}: {exc}", traceback=traceback.format_exc()[-3000:])
    with atomic_path(Path(out, "cells", cell_name(system, dataset, seed) + ".json")) as tmp:
        tmp.write_text(json.dumps(record, indent=1, default=str))
    return record


def plan(datasets: list[str], seeds: list[int], systems: list[str], out: str, resume: bool,
         settings: Settings) -> list[tuple[str, str, int]]:
    """The cells to run, data set by data set (an interrupted run leaves whole data sets).

    With ``resume``, a finished cell is kept unless it failed or — for ``ebm`` — ``ebm train``
    would now resolve another configuration (its defaults changed since the cell ran).
    """
    cells = [(system, dataset, seed) for dataset in datasets for seed in seeds for system in systems]
    if not resume:
        return cells

    def current(cell: tuple[str, str, int]) -> bool:
        path = Path(out, "cells", cell_name(*cell) + ".json")
        if not path.exists():
            return False
        record = json.loads(path.read_text())
        if record.get("status") != "ok":
            return False
        return cell[0] != "ebm" or record["info"].get("config") == ebm_train_config(cell[1], cell[2], settings)

    return [c for c in cells if not current(c)]


def ebm_train_config(dataset: str, seed: int, settings: Settings) -> dict[str, Any]:
    """The configuration ``ebm train`` resolves today for the ``ebm`` row's command."""
    from ebm_core.cli import train_command
    from ebm_core.cli.main import build_parser

    from .training_quality_systems import ebm_train_arguments

    config = train_command.resolve_config(build_parser().parse_args(ebm_train_arguments(dataset, seed, settings)))
    return json.loads(json.dumps(config))  # as config.json holds it


def run_cells(cells: list[tuple[str, str, int]], settings: Settings, out: str, jobs: int,
              figure_datasets: set[str]) -> None:
    """Every cell: in this process with ``jobs = 1``, else ``jobs`` worker processes at a time
    (spawned: a fresh torch in each)."""
    start = time.perf_counter()

    def done(i: int, record: dict[str, Any]) -> None:
        what = f"NLL {record['nll']:.3f}, {record['wall_s']:.1f} s" if record["status"] == "ok" else record["error"]
        name = cell_name(record["system"], record["dataset"], record["seed"])
        _log(f"[{i}/{len(cells)}, {time.perf_counter() - start:.0f} s] {name}: {what}")

    if jobs == 1:
        for i, cell in enumerate(cells, 1):
            done(i, run_cell(*cell, settings, out, cell[1] in figure_datasets))
        return
    pool = ProcessPoolExecutor(max_workers=jobs, mp_context=get_context("spawn"))
    try:
        futures = [pool.submit(run_cell, *cell, settings, out, cell[1] in figure_datasets) for cell in cells]
        for i, future in enumerate(as_completed(futures), 1):
            done(i, future.result())
    except BaseException:  # Ctrl-C or SIGTERM: stop the workers too (finished cells stay in OUT)
        for process in list(getattr(pool, "_processes", {}).values()):
            process.kill()  # not SIGTERM: ebm's trainer takes that as "checkpoint and stop"
        pool.shutdown(wait=False, cancel_futures=True)
        raise
    pool.shutdown()


def references(datasets: list[str], seeds: list[int], heldout: int) -> dict[str, dict[str, dict[str, float]]]:
    """The true density's NLL and the data's MMD² floor, per data set and seed."""
    from .training_quality_eval import HeldOut, references as of

    return {d: {str(s): of(HeldOut.of(d, s, heldout)) for s in seeds} for d in datasets}


def collect(datasets: list[str], seeds: list[int], systems: list[str], out: str) -> list[dict[str, Any]]:
    """The records of the requested cells found in ``out`` (missing ones as ``status: missing``)."""
    records = []
    for dataset in datasets:
        for seed in seeds:
            for system in systems:
                path = Path(out, "cells", cell_name(system, dataset, seed) + ".json")
                records.append(json.loads(path.read_text()) if path.exists() else
                               {"system": system, "dataset": dataset, "seed": seed, "status": "missing"})
    return records


def _list(value: str | None, choices: list[str], what: str, parser: argparse.ArgumentParser) -> list[str]:
    if value is None:
        return list(choices)
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in choices]
    if unknown or not names:
        parser.error(f"--{what}: unknown {unknown or value!r}; choose from {', '.join(choices)}")
    return names


def _seeds(value: str, parser: argparse.ArgumentParser) -> list[int]:
    try:
        seeds = [int(v) for v in value.split(",") if v.strip()]
    except ValueError:
        parser.error(f"--seeds takes comma-separated integers, e.g. 0,1,2; got {value!r}")
    if not seeds or any(s < 0 for s in seeds):
        parser.error(f"--seeds takes comma-separated integers ≥ 0, e.g. 0,1,2; got {value!r}")
    return seeds


def main(argv: list[str] | None = None) -> int:
    from .training_quality_eval import builtin_2d_datasets
    from .training_quality_report import markdown, write_figures

    all_datasets = builtin_2d_datasets()
    parser = argparse.ArgumentParser(prog="python -m benchmarks.training_quality", description=__doc__.splitlines()[0])
    parser.add_argument("--datasets", default=None, help=f"comma-separated subset of {', '.join(all_datasets)}")
    parser.add_argument("--seeds", default="0,1,2,3,4", help="comma-separated seeds (default 0,1,2,3,4)")
    parser.add_argument("--systems", default=None, help=f"comma-separated subset of {', '.join(SYSTEMS)}")
    parser.add_argument("--steps", type=int, default=None, help="training steps of the same-configuration rows (default 3000)")
    parser.add_argument("--ebm-steps", type=int, default=None, help="--steps for ebm train (default: its own default)")
    parser.add_argument("--jobs", type=int, default=1, help="cells trained at a time, each in its own process (default 1)")
    parser.add_argument("--threads", type=int, default=1, help="torch threads per process (default 1)")
    parser.add_argument("--out", default=DEFAULT_OUT, help=f"output folder (default {DEFAULT_OUT})")
    parser.add_argument("--resume", action="store_true", help="keep the finished cells in OUT, run only the others")
    parser.add_argument("--figure-datasets", default=",".join(DEFAULT_FIGURE_DATASETS),
                        help="data sets whose learned densities are drawn (default eight_gaussians,rings)")
    parser.add_argument("--figure-dir", default=FIGURE_DIR, help=f"where the figures go (default {FIGURE_DIR})")
    parser.add_argument("--report-only", action="store_true",
                        help="run nothing: write the report from the cells already in OUT (missing ones shown as such)")
    parser.add_argument("--tiny", action="store_true", help="smoke-test sizes: a few steps, small evaluations (seconds)")
    args = parser.parse_args(argv)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # so the workers are stopped too

    datasets = _list(args.datasets, all_datasets, "datasets", parser)
    systems = _list(args.systems, list(SYSTEMS), "systems", parser)
    seeds = _seeds(args.seeds, parser)
    for name in ("jobs", "threads"):
        if getattr(args, name) < 1:
            parser.error(f"--{name} must be ≥ 1, got {getattr(args, name)}")
    for name in ("steps", "ebm_steps"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name.replace('_', '-')} must be ≥ 1, got {value}")
    sizes = dict(TINY) if args.tiny else {}
    for key in ("steps", "ebm_steps"):
        if getattr(args, key) is not None:
            sizes[key] = getattr(args, key)
    settings = Settings(threads=args.threads, **sizes)
    figure_datasets = {d for d in args.figure_datasets.split(",") if d in datasets}
    given = argv if argv is not None else sys.argv[1:]
    command = "python -m benchmarks.training_quality " + " ".join(shlex.quote(a) for a in given)

    Path(args.out, "cells").mkdir(parents=True, exist_ok=True)
    Path(args.out, "pictures").mkdir(parents=True, exist_ok=True)
    missing = {s: missing_reason(s) for s in systems if missing_reason(s)}
    for system, reason in missing.items():
        _log(f"{system}: missing ({reason})")
    runnable = [s for s in systems if s not in missing]
    cells = [] if args.report_only else plan(datasets, seeds, runnable, args.out, args.resume, settings)
    load_before = environment.load_average()
    _log(f"{len(cells)} cells, {args.jobs} at a time with {args.threads} thread(s) each; load {load_before}")
    start = time.perf_counter()
    run_cells(cells, settings, args.out, args.jobs, figure_datasets)
    document = {
        "meta": {"command": command.strip(), "settings": settings.__dict__, "jobs": args.jobs,
                 "machine": environment.machine(), "load_before": load_before,
                 "load_after": environment.load_average(), "seconds": time.perf_counter() - start,
                 "datasets": datasets, "seeds": seeds, "systems": systems, "descriptions": DESCRIPTIONS,
                 "deviations": DEVIATIONS, "missing_systems": missing, "report_only": args.report_only},
        "references": references(datasets, seeds, settings.heldout),
        "cells": collect(datasets, seeds, runnable, args.out),
    }
    document["figures"] = write_figures(document, args.out, args.figure_dir, sorted(figure_datasets))
    text = markdown(document)
    with atomic_path(Path(args.out, "results.json")) as tmp:
        tmp.write_text(json.dumps(document, indent=1, default=str))
    with atomic_path(Path(args.out, "results.md")) as tmp:
        tmp.write_text(text)
    print(text)
    failed = [c for c in document["cells"] if c["status"] == "error"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
