"""``ebm train`` never loses a finished run to its plots, and its plots warn about nothing."""

from __future__ import annotations

import warnings
from pathlib import Path

import pytest

from ebm_core import plotting
from ebm_core.cli.main import main
from ebm_core.training.checkpoint import load_checkpoint

from .test_train_command import FAST


def test_a_failing_plot_is_reported_and_the_run_is_kept(tmp_path: Path, capsys, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(*args, **kwargs):
        raise ImportError("No module named 'matplotlib'")

    monkeypatch.setattr(plotting, "plot_curves", broken)
    assert main(["train", *FAST, "--out", str(tmp_path)]) == 1
    captured = capsys.readouterr()
    assert "the run is saved, but writing its plots failed: ImportError: No module named 'matplotlib'" in captured.err
    assert str(tmp_path / "checkpoint.pt") in captured.out and "finished step 6" in captured.out
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 6
    assert (tmp_path / "metrics.jsonl").read_text().count("\n") >= 3


def test_plots_of_a_tiny_default_run_give_no_warning(tmp_path: Path) -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        assert main(["train", *FAST, "--out", str(tmp_path)]) == 0
    from_plots = [w for w in caught if Path(w.filename).name == "plotting.py"]
    assert from_plots == [], [str(w.message) for w in from_plots]
    assert {p.name for p in tmp_path.glob("*.png")} == {"curves.png", "landscape.png", "samples.png"}
