"""An image run records its preprocessing in ``config.json``; ``ebm evaluate`` and ``ebm sample``
reproduce it (a tiny digits run trained on ``y = logit(α + (1 − 2α)(pixel + u)/17)``, not the
default ``(pixel + u)/17``).

The pixel-space NLL is checked against the change of variables written out independently of
the library's transforms: per pixel ``log|dy/dx| = log((1 − 2α)/17) − log s − log(1 − s)``
with ``s = sigmoid(y)``, so ``NLL_pixels − NLL_y = −mean(Σ log|dy/dx|)`` over the held-out set
(exact arithmetic, no randomness in the comparison). Deterministic.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from ebm_core.cli import components
from ebm_core.cli.main import main

ALPHA = 1e-6  # the digits data set's logit α
TINY_LOGIT_DIGITS = [
    "train", "--energy", "mlp", "--loss", "pcd", "--dataset", "digits", "--set", "dataset.flatten=true", "--set", "dataset.logit=true",
    "--set", "energy.dim=64", "--set", "energy.hidden=[8]",
    "--steps", "2", "--batch-size", "8", "--set", "loss.k=1", "--set", "loss.buffer_size=16",
    "--set", "eval_every=2", "--set", "eval_samples=8", "--set", "eval_steps=1", "--set", "heldout=64",
    "--no-progress",
]


@pytest.fixture(scope="module")
def logit_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("logit_digits")
    assert main([*TINY_LOGIT_DIGITS, "--out", str(out)]) == 0
    return out


def test_config_json_records_the_transform_chain(logit_run: Path) -> None:
    record = json.loads((logit_run / "config.json").read_text())["data"]
    assert record["levels"] == 17 and record["event_shape"] == [64]
    assert [step["kind"] for step in record["preprocessing"]] == ["dequantize", "scale", "logit"]
    assert record["preprocessing"][2]["alpha"] == ALPHA


def test_resume_accepts_the_recorded_preprocessing(logit_run: Path) -> None:
    assert main([*TINY_LOGIT_DIGITS, "--steps", "3", "--resume", "--out", str(logit_run)]) == 0


def test_pixel_space_nll_uses_the_run_s_logit_transform(logit_run: Path) -> None:
    assert main(["evaluate", str(logit_run), "--n-temperatures", "5", "--n-chains", "8", "--heldout", "200",
                 "--no-progress"]) == 0
    report = json.loads((logit_run / "evaluation.json").read_text())
    config = json.loads((logit_run / "config.json").read_text())
    dataset = components.build_dataset(config)
    y = components.heldout_data(config, dataset, report["n_heldout"], int(config["seed"])).double()
    assert float(y.min()) < -3.0  # logit space, not [0, 1)
    s = torch.sigmoid(y)
    log_det = (math.log((1 - 2 * ALPHA) / 17) - torch.log(s) - torch.log1p(-s)).sum(1)
    model, pixels = report["nll"]["ais"], report["nll_pixels"]["ais"]
    assert pixels["nats"] - model["nats"] == pytest.approx(-float(log_det.mean()), rel=1e-6)
    # the default chain's log-det (−64 log 17 per image) would give a different answer
    assert abs(pixels["nats"] - model["nats"] - 64 * math.log(17)) > 10.0


def test_evaluate_refuses_data_preprocessed_unlike_the_record(logit_run: Path, tmp_path: Path, capsys) -> None:
    copy = tmp_path / "run"
    copy.mkdir()
    (copy / "checkpoint.pt").write_bytes((logit_run / "checkpoint.pt").read_bytes())
    config = json.loads((logit_run / "config.json").read_text())
    del config["dataset"]["logit"]  # the table now builds the default (pixel + u)/17 chain
    (copy / "config.json").write_text(json.dumps(config))
    code = main(["evaluate", str(copy), "--n-temperatures", "5", "--n-chains", "8", "--heldout", "200",
                 "--no-progress"])
    assert code == 2
    assert "trained on data preprocessed as" in capsys.readouterr().err
    assert not (copy / "evaluation.json").exists()


def test_sample_maps_samples_back_to_pixels(logit_run: Path, tmp_path: Path) -> None:
    out, plot = tmp_path / "pixels.pt", tmp_path / "grid.png"
    code = main(["sample", "--checkpoint", str(logit_run), "--n", "8", "--steps", "4", "--pixels",
                 "--out", str(out), "--plot", str(plot), "--no-progress"])
    assert code == 0
    pixels = torch.load(out, weights_only=True)
    assert pixels.shape == (8, 64)
    assert bool((pixels == pixels.round()).all()) and 0 <= float(pixels.min()) and float(pixels.max()) <= 16
    assert plot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_pixels_flag_needs_an_image_run(tmp_path: Path, capsys) -> None:
    run = tmp_path / "toy"
    assert main(["train", "--energy", "mlp", "--loss", "pcd", "--steps", "2", "--batch-size", "8",
                 "--set", "loss.k=1", "--set", "eval_every=2",
                 "--set", "eval_samples=8", "--set", "eval_steps=1", "--set", "heldout=16",
                 "--out", str(run), "--no-progress"]) == 0
    assert "data" not in json.loads((run / "config.json").read_text())
    assert main(["sample", "--checkpoint", str(run), "--pixels", "--out", str(tmp_path / "s.pt"),
                 "--no-progress"]) == 2
    assert "--pixels needs a run trained on image data" in capsys.readouterr().err


def test_the_recorded_preprocessing_is_named(logit_run: Path) -> None:
    from ebm_core.cli.trained_run import RunPreprocessing, load_run, recorded_preprocessing

    recorded = recorded_preprocessing(load_run(logit_run))
    assert isinstance(recorded, RunPreprocessing) and recorded.levels == 17
    assert callable(recorded.preprocessing.to_pixels) and callable(recorded.preprocessing.log_det)
