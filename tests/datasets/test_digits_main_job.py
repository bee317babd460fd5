"""The digits main job's plumbing: configs/digits.toml trains (tiny here) and writes image grids.

The full run (``ebm train --config configs/digits.toml``) is a documented command, not a test;
this one runs 4 steps with a 2-component base and a 16-unit net to check the configuration
(a residual energy over a Gaussian mixture fitted before step 0, NCE with that base as the
noise) and the outputs. Deterministic.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ebm_core.cli.config import load_toml
from ebm_core.cli.main import main
from ebm_core.image_grid import as_images, plot_image_grids, tile

REPO = Path(__file__).resolve().parents[2]


def test_digits_config_is_the_measured_recipe() -> None:
    config = load_toml(REPO / "configs" / "digits.toml")
    assert config["energy"]["name"] == "residual"
    assert config["energy"]["base"] == {
        "name": "fitted_gaussian_mixture", "components": 10, "reg_covar": 1e-3, "seed": 3,
        "tol": 1e-3, "max_iter": 100}
    assert config["loss"] == {"name": "nce", "noise": "base", "noise_ratio": 4}


def test_digits_config_trains_and_writes_the_sample_grid(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = main(["train", "--config", str(REPO / "configs" / "digits.toml"), "--steps", "4", "--out", str(out),
                 "--set", 'energy.base={name = "fitted_gaussian_mixture", components = 2, reg_covar = 1e-3}',
                 "--set", 'energy.net={name = "mlp", hidden = [16]}',
                 "--set", "eval_every=2", "--set", "eval_steps=5", "--set", "eval_samples=16", "--no-progress"])
    assert code == 0
    for name in ("checkpoint.pt", "config.json", "metrics.jsonl", "curves.png", "samples.png"):
        assert (out / name).is_file(), name
    assert (out / "samples.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    weights = torch.load(out / "checkpoint.pt", weights_only=True)["ranks"][0]["loss"]
    assert bool(weights["energy.base.fitted"])  # the mixture was fitted to the training images
    assert 0.1 < float(weights["energy.base.means"].mean()) < 0.9  # (pixel + u) / 17 scale, not N(0, I)


def test_as_images_and_tiling() -> None:
    assert as_images(torch.zeros(3, 64)).shape == (3, 1, 8, 8)
    assert as_images(torch.zeros(3, 3, 5, 5)).shape == (3, 3, 5, 5)
    with pytest.raises(ValueError, match="cannot show a batch of shape"):
        as_images(torch.zeros(3, 10))
    images = torch.arange(5, dtype=torch.float64).reshape(5, 1, 1, 1).expand(5, 1, 2, 2)
    canvas = tile(images, columns=3)
    assert canvas.shape == (2 * 3 - 1, 3 * 3 - 1, 1)
    assert float(canvas[3, 3, 0]) == 4.0 and bool(torch.isnan(canvas[2, 0, 0]))  # image 4 at row 1, column 1


def test_plot_image_grids_writes_a_png(tmp_path: Path) -> None:
    path = plot_image_grids({"data": torch.rand(10, 1, 8, 8), "model": torch.rand(7, 64)}, tmp_path / "g.png")
    assert path.read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError, match="at least one batch"):
        plot_image_grids({}, tmp_path / "empty.png")
