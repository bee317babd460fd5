"""Draws docs/images/mnist-5k-buffer.png: test images beside the replay buffer of an MNIST-5k run.

The run is one trained by ``ebm train --config configs/mnist_5k.toml --out RUN``; the figure
shows 64 held-out test images (the run's own held-out set) beside 64 chains of the replay
buffer saved in ``RUN/checkpoint.pt``, chosen at random — so chains of every age appear,
including ones restarted from noise a few batches ago — and, with ``--continue-steps N``, the
same 64 chains after N more steps of the run's sampler: exactly what
``ebm sample RUN --init buffer --n 64 --steps N --seed 0`` returns (the command is run here).

Run from the repository root:
python docs/_tooling/mnist_buffer_figure.py RUN [OUT.png] [--continue-steps N]
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import torch

from ebm_core.cli import components
from ebm_core.cli.main import main as ebm
from ebm_core.cli.trained_run import load_run
from ebm_core.image_grid import plot_image_grids

SEED = 0  # the seed of `ebm sample`, whose first draw picks the chains shown


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/images/mnist-5k-buffer.png"))
    parser.add_argument("--continue-steps", type=int, default=0, dest="steps",
                        help="also show the chosen chains after this many more sampler steps")
    args = parser.parse_args()
    run = load_run(args.run)  # onto the CPU, weights only
    config, buffer = run.config, run.replay_buffer
    if buffer is None:
        raise SystemExit(f"{run.checkpoint} holds no replay buffer: is it a run of configs/mnist_5k.toml?")
    # The rows `ebm sample --init buffer --seed 0` starts from (its generator's first draw).
    rows = torch.randperm(len(buffer), generator=torch.Generator().manual_seed(SEED))[:64]
    heldout = components.heldout_data(config, components.build_dataset(config), 64, config["seed"])
    panels = {"test images": heldout, "replay buffer": buffer[rows]}
    if args.steps:
        with tempfile.TemporaryDirectory() as folder:
            samples = Path(folder) / "continued.pt"
            code = ebm(["sample", str(args.run), "--init", "buffer", "--n", "64", "--steps", str(args.steps),
                        "--seed", str(SEED), "--no-progress", "--out", str(samples)])
            if code != 0:
                raise SystemExit(code)
            continued = torch.load(samples, weights_only=True)
        if len(continued) != 64:
            raise SystemExit(f"{64 - len(continued)} of the 64 chains diverged; the figure needs all of them")
        panels[f"the same chains, {args.steps} more steps"] = continued
    title = f"configs/mnist_5k.toml after {run.step:,} steps"
    print(plot_image_grids(panels, args.out, title=title))


if __name__ == "__main__":
    main()
