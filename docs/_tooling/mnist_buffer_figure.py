"""Draws docs/images/mnist-5k-buffer.png: test images beside the replay buffer of an MNIST-5k run.

The run is one trained by ``ebm train --config configs/mnist_5k.toml --out RUN``; the figure
shows 64 held-out test images (the run's own held-out set) beside 64 chains of the replay
buffer saved in ``RUN/checkpoint.pt``, chosen at random (seed 0) — so chains of every age
appear, including ones restarted from noise a few batches ago.

Run from the repository root: python docs/_tooling/mnist_buffer_figure.py RUN [OUT.png]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import torch

from ebm_core.cli import components
from ebm_core.image_grid import plot_image_grids
from ebm_core.training.checkpoint import load_checkpoint


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("run", type=Path)
    parser.add_argument("out", type=Path, nargs="?", default=Path("docs/images/mnist-5k-buffer.png"))
    args = parser.parse_args()
    config = json.loads((args.run / "config.json").read_text())
    checkpoint = load_checkpoint(args.run / "checkpoint.pt")  # onto the CPU, weights only
    buffer = checkpoint["ranks"][0]["loss"]["buffer.samples"]
    chosen = buffer[torch.randperm(len(buffer), generator=torch.Generator().manual_seed(0))[:64]]
    heldout = components.heldout_data(config, components.build_dataset(config), 64, config["seed"])
    title = f"configs/mnist_5k.toml after {checkpoint['step']:,} steps"
    path = plot_image_grids({"test images": heldout, "replay buffer (model samples)": chosen}, args.out, title=title)
    print(path)


if __name__ == "__main__":
    main()
