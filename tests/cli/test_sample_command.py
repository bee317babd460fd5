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
    assert "(mean over chains)" in capsys.readouterr().out


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
        (["gaussian", "--set", "step_size=0.1"], "unknown setting 'step_size' (did you mean 'sampler.step_size'?)"),
        (["gaussian", "--set", "dim=3"], "(did you mean 'energy.dim'?)"),
    ],
)
def test_errors(tmp_path: Path, capsys, monkeypatch, args, message) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sample", *args, "--steps", "5", "--no-progress"]) == 2
    assert message in capsys.readouterr().err


def test_all_chains_diverged_exits_non_zero_and_keeps_the_old_file(tmp_path: Path, capsys) -> None:
    out = tmp_path / "div.pt"
    out.write_bytes(b"earlier result")
    code = main(["sample", "double_well", "--sampler", "langevin", "--set", "sampler.step_size=10",
                 "--n", "50", "--steps", "50", "--out", str(out), "--no-progress"])
    assert code == 2
    err = capsys.readouterr().err
    assert "all 50 chains of Langevin became non-finite" in err and "reduce Langevin's step_size" in err
    assert out.read_bytes() == b"earlier result"
    assert list(tmp_path.iterdir()) == [out], "no temporary file left behind"
    assert main(["sample", "double_well", "--sampler", "langevin", "--set", "sampler.step_size=10",
                 "--n", "50", "--steps", "50", "--out", str(tmp_path / "new.pt"), "--no-progress"]) == 2
    assert not (tmp_path / "new.pt").exists()


def test_some_chains_diverged_writes_only_the_finite_ones_and_says_so(tmp_path: Path, capsys) -> None:
    """Langevin at step 0.05 on the double well blows up from |x| ≳ 3.2 (where h·E'' > 2) and
    stays stable closer in; starts at scale 3 put some chains on each side."""
    out = tmp_path / "some.pt"
    code = main(["sample", "double_well", "--sampler", "langevin", "--set", "sampler.step_size=0.05",
                 "--init-scale", "3", "--n", "200", "--steps", "50", "--out", str(out), "--no-progress"])
    assert code == 0
    err = capsys.readouterr().err
    samples = torch.load(out, weights_only=True)
    n_bad = 200 - len(samples)
    assert 0 < n_bad < 200 and torch.isfinite(samples).all()
    assert f"{n_bad} of 200 chains of Langevin became non-finite" in err
    assert f"holds only the {len(samples)} finite chains" in err
