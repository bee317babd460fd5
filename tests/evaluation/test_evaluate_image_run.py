"""``ebm evaluate`` on an image run (a tiny digits run): the NLL is also reported in pixel space
with the preprocessing's log-det, and ``--ood`` takes the offline image OOD sets.

With the default ``x = (pixel + u) / 17`` the log-det is ``−64 log 17`` for every image, so the
pixel-space NLL is the model-space NLL plus ``64 log 17`` exactly, with the same error bar."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

from ebm_core.cli import evaluate_command
from ebm_core.cli.main import main

OOD = ("noise", "permuted", "photo_patches", "vflip", "hflip")


@pytest.fixture(scope="module")
def digits_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("digits")
    code = main(["train", "--energy", "mlp", "--loss", "pcd", "--dataset", "digits", "--set", "dataset.flatten=true", "--set", "energy.dim=64",
                 "--set", "energy.hidden=[8]", "--steps", "2", "--batch-size", "8", "--set", "loss.k=1",
                 "--set", "loss.buffer_size=16", "--set", "eval_every=2", "--set", "eval_samples=8",
                 "--set", "eval_steps=1", "--set", "heldout=64", "--out", str(out), "--no-progress"])
    assert code == 0
    return out


def test_pixel_space_nll_and_image_ood_sets(digits_run: Path, capsys) -> None:
    code = main(["evaluate", str(digits_run), "--n-temperatures", "5", "--n-chains", "8", "--heldout", "200",
                 "--ood", ",".join(OOD),
                 "--no-progress"])
    assert code == 0
    assert "nats/image in pixel space" in capsys.readouterr().out
    report = json.loads((digits_run / "evaluation.json").read_text())
    model, pixels = report["nll"]["ais"], report["nll_pixels"]["ais"]
    assert pixels["nats"] == pytest.approx(model["nats"] + 64 * math.log(17), abs=1e-9)
    assert pixels["stderr"] == pytest.approx(model["stderr"], rel=1e-9)
    assert pixels["bits_per_dim"] == pytest.approx(pixels["nats"] / (64 * math.log(2)))
    assert set(report["ood"]) == set(OOD)
    assert all(0.0 <= m["auroc"] <= 1.0 for m in report["ood"].values())


def test_image_ood_names_are_the_offline_sets(digits_run: Path) -> None:
    config = json.loads((digits_run / "config.json").read_text())
    dataset = evaluate_command.components.build_dataset(config)
    heldout = torch.rand(64, 64)
    noise = evaluate_command._ood_set("noise", heldout, 0, config, dataset)
    assert noise.shape == (540, 64)  # one uniform-pixel image per test image, not 64 Gaussian draws
    assert 0.0 <= float(noise.min()) and float(noise.max()) < 1.0
    flipped = evaluate_command._ood_set("vflip", heldout, 0, config, dataset)
    assert flipped.shape == (540, 64)
