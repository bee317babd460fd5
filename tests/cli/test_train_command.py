"""``ebm train``: outputs, resume, protection of existing checkpoints, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import torch

from ebm_core.cli.main import main
from ebm_core.training.checkpoint import load_checkpoint

FAST = [  # the MLP + PCD recipe, tiny: these tests check the command, not the default recipe
    "--energy", "mlp", "--loss", "pcd", "--no-progress", "--steps", "6", "--batch-size", "32",
    "--set", "energy.hidden=[16, 16]", "--set", "loss.k=3", "--set", "loss.buffer_size=64",
    "--set", "eval_every=3", "--set", "eval_samples=64", "--set", "eval_steps=5",
    "--set", "heldout=64", "--set", "log_every=2", "--set", "checkpoint_every=3",
]


def test_train_writes_checkpoint_metrics_config_and_plots(tmp_path: Path, capsys) -> None:
    assert main(["train", *FAST, "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "finished step 6" in out and str(tmp_path / "landscape.png") in out
    for name in ("checkpoint.pt", "metrics.jsonl", "config.json", "landscape.png", "samples.png", "curves.png"):
        assert (tmp_path / name).stat().st_size > 0, name
    assert (tmp_path / "landscape.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config = json.loads((tmp_path / "config.json").read_text())
    assert config["energy"] == {"name": "mlp", "hidden": [16, 16]}
    assert config["loss"]["k"] == 3 and config["sampler"]["name"] == "langevin"
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    assert {"loss", "energy_data"} <= set(records[0]) and any("mmd" in r for r in records)
    assert load_checkpoint(tmp_path / "checkpoint.pt")["step"] == 6


def test_resume_continues_and_matches_an_uninterrupted_run(tmp_path: Path) -> None:
    # A constant learning rate, so stopping at 3 of 6 steps is the same run as an interruption.
    constant = [*FAST, "--set", "lr_schedule=constant"]
    assert main(["train", *constant, "--out", str(tmp_path / "a")]) == 0
    assert main(["train", *constant, "--steps", "3", "--out", str(tmp_path / "b")]) == 0
    assert main(["train", *constant, "--resume", "--out", str(tmp_path / "b")]) == 0
    a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")["ranks"][0]["loss"]
    b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["ranks"][0]["loss"]
    assert a.keys() == b.keys()
    for key in a:
        assert torch.equal(a[key], b[key]), key


def test_existing_checkpoint_is_not_overwritten_by_accident(tmp_path: Path, capsys) -> None:
    assert main(["train", *FAST, "--steps", "2", "--out", str(tmp_path)]) == 0
    before = (tmp_path / "checkpoint.pt").read_bytes()
    assert main(["train", *FAST, "--out", str(tmp_path)]) == 2
    assert "pass --resume to continue it or --overwrite" in capsys.readouterr().err
    assert (tmp_path / "checkpoint.pt").read_bytes() == before


def test_corrupt_checkpoint_gives_clear_error_and_is_kept(tmp_path: Path, capsys) -> None:
    assert main(["train", *FAST, "--steps", "2", "--out", str(tmp_path)]) == 0
    path = tmp_path / "checkpoint.pt"
    path.write_bytes(path.read_bytes()[:100])
    assert main(["train", *FAST, "--resume", "--out", str(tmp_path)]) == 2
    assert "corrupt or truncated" in capsys.readouterr().err
    assert len(path.read_bytes()) == 100


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--sampler", "langevn"], "Did you mean 'langevin'"),
        (["--set", "sampler.step_sise=0.1"], "did you mean 'step_size'"),
        (["--set", "stepz=3"], "unknown setting 'stepz'"),
        (["--set", "optimizer.lr=3"], "unknown section 'optimizer'"),
        (["--set", "steps=many"], "setting 'steps' must be int"),
    ],
)
def test_bad_names_and_arguments_exit_2_with_one_line(tmp_path: Path, extra, message) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "ebm_core", "train", *FAST, *extra, "--out", str(tmp_path)],
        capture_output=True, text=True,
    )
    assert proc.returncode == 2
    assert message in proc.stderr and "Traceback" not in proc.stderr
    assert not (tmp_path / "checkpoint.pt").exists()


def test_toml_config_file(tmp_path: Path) -> None:
    config = tmp_path / "run.toml"
    config.write_text('steps = 4\n[dataset]\nname = "two_moons"\n[sampler]\nname = "langevin"\nstep_size = 0.02\n')
    assert main(["train", *FAST, "--steps", "4", "--config", str(config), "--out", str(tmp_path / "o")]) == 0
    resolved = json.loads((tmp_path / "o" / "config.json").read_text())
    assert resolved["dataset"] == {"name": "two_moons"} and resolved["sampler"]["step_size"] == 0.02


def test_same_seed_same_run_and_resume_keeps_the_saved_config(tmp_path: Path) -> None:
    tweak = ["--set", "loss.alpha=0.5"]
    assert main(["train", *FAST, *tweak, "--out", str(tmp_path / "a")]) == 0
    assert main(["train", *FAST, *tweak, "--out", str(tmp_path / "b")]) == 0
    a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")["ranks"][0]["loss"]
    b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["ranks"][0]["loss"]
    assert all(torch.equal(a[k], b[k]) for k in a), "--seed must fix the initial weights too"
    assert main(["train", "--no-progress", "--steps", "8", "--resume", "--out", str(tmp_path / "a")]) == 0
    resumed = json.loads((tmp_path / "a" / "config.json").read_text())
    assert resumed["loss"]["alpha"] == 0.5 and resumed["energy"]["hidden"] == [16, 16]
    assert resumed["steps"] == 8


def test_setting_a_new_component_name_drops_the_old_arguments(tmp_path: Path) -> None:
    args = [*FAST, "--set", "loss.name=score_matching", "--out", str(tmp_path)]
    assert main(["train", *args]) == 0
    assert json.loads((tmp_path / "config.json").read_text())["loss"] == {"name": "score_matching"}


def test_failed_resume_leaves_config_and_checkpoint_untouched(tmp_path: Path, capsys) -> None:
    assert main(["train", *FAST, "--steps", "4", "--out", str(tmp_path)]) == 0
    config, checkpoint = (tmp_path / "config.json").read_bytes(), (tmp_path / "checkpoint.pt").read_bytes()
    assert main(["train", "--no-progress", "--resume", "--steps", "2", "--out", str(tmp_path)]) == 2
    assert "--steps 2 is below the resumed step 4" in capsys.readouterr().err
    assert (tmp_path / "config.json").read_bytes() == config, "a failed --resume must not rewrite config.json"
    assert (tmp_path / "checkpoint.pt").read_bytes() == checkpoint
    assert main(["train", "--no-progress", "--resume", "--steps", "6", "--out", str(tmp_path)]) == 0
    assert json.loads((tmp_path / "config.json").read_text())["steps"] == 6


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--steps", "0"], "steps must be an integer >= 1, got steps=0"),
        (["--set", "eval_steps=0"], "eval_steps must be an integer >= 1"),
        (["--lr", "-1"], "lr must be a finite number > 0"),
        (["--set", "ema_decay=1.0"], "ema_decay must be a number in [0, 1)"),
    ],
)
def test_bad_setting_values_are_named_before_anything_is_written(tmp_path: Path, capsys, extra, message) -> None:
    assert main(["train", *FAST, *extra, "--out", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert message in err and "schedule" not in err
    assert not tmp_path.exists() or not any(tmp_path.iterdir())


@pytest.mark.parametrize(
    ("setting", "hint"),
    [("step_size=0.1", "did you mean 'sampler.step_size'?"), ("k=5", "did you mean 'loss.k'?"),
     ("batchsize=8", "did you mean 'batch_size'?")],
)
def test_unknown_setting_suggests_where_it_belongs(tmp_path: Path, capsys, setting, hint) -> None:
    assert main(["train", *FAST, "--set", setting, "--out", str(tmp_path)]) == 2
    assert hint in capsys.readouterr().err
