"""``ebm sample``: samples to .pt/.npy, a plot over the exact density, clear errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import torch

from ebm_core.cli.main import main


def test_sample_npy_and_plot(tmp_path: Path, capsys) -> None:
    out, plot = tmp_path / "s.npy", tmp_path / "s.png"
    code = main([
        "sample", "double_well", "--sampler", "mala", "--set", "energy.barrier_height=2.0",
        "--n", "400", "--steps", "200", "--out", str(out), "--plot", str(plot), "--no-progress",
    ])
    assert code == 0
    samples = np.load(out)
    assert samples.shape == (400, 2) and np.isfinite(samples).all()
    # Both wells are populated (the double well is symmetric).
    assert 0.3 < (samples[:, 0] > 0).mean() < 0.7
    assert plot.read_bytes()[:4] == b"\x89PNG"
    assert "mean acceptance" in capsys.readouterr().out


def test_sample_pt(tmp_path: Path) -> None:
    out = tmp_path / "g.pt"
    assert main(["sample", "gaussian", "--set", "energy.dim=3", "--n", "50", "--steps", "20",
                 "--out", str(out), "--no-progress"]) == 0
    assert torch.load(out, weights_only=True).shape == (50, 3)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["no_such_energy"], "no energy named 'no_such_energy'"),
        (["gaussian", "--out", "x.csv"], "--out must end in .pt or .npy"),
        (["gaussian", "--set", "energy.dim=3", "--plot", "p.png"], "--plot needs a 2-D energy"),
        (["gaussian", "--n", "0"], "--n must be ≥ 1"),
    ],
)
def test_errors(tmp_path: Path, capsys, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sample", *args, "--steps", "5", "--no-progress"]) == 2
    assert message in capsys.readouterr().err
