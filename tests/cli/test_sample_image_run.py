"""``ebm sample --checkpoint`` on an image model (a tiny digits run): ``--plot`` writes a grid
PNG of the samples, which have the run's image event shape. Deterministic."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from ebm_core.cli.main import main

REPO = Path(__file__).resolve().parents[2]
#: configs/digits.toml at plumbing size: 3 steps, a 2-component base, a 16-unit net, small eval.
TINY_DIGITS = [
    "train", "--config", str(REPO / "configs" / "digits.toml"), "--steps", "3", "--batch-size", "16",
    "--set", 'energy.base={name = "fitted_gaussian_mixture", components = 2, reg_covar = 1e-3}',
    "--set", 'energy.net={name = "mlp", hidden = [16]}',
    "--set", "eval_every=3", "--set", "eval_samples=16", "--set", "eval_steps=3", "--set", "heldout=32",
    "--no-progress",
]


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    assert main([*TINY_DIGITS, "--out", str(out)]) == 0
    return out


def test_sampling_an_image_run_writes_a_grid_png(digits_run: Path, tmp_path: Path, capsys) -> None:
    out, plot = tmp_path / "samples.pt", tmp_path / "grid.png"
    code = main(["sample", "--checkpoint", str(digits_run), "--n", "16", "--steps", "8", "--init-scale", "0.3",
                 "--out", str(out), "--plot", str(plot), "--no-progress"])
    assert code == 0
    assert f"plot: {plot}" in capsys.readouterr().out
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    samples = torch.load(out, weights_only=True)
    assert samples.shape[1:] == (64,)

