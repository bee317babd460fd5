"""configs/mnist_5k.toml (a conv EBM, PCD with a replay buffer, on 28×28 MNIST-5k) loads and trains.

The full run (``ebm train --config configs/mnist_5k.toml``) is a documented command, not a test;
this one trains 2 steps at tiny size (two 4-channel convolutions, batch 8, 1 Langevin step, a
buffer of 16) to check the configuration, the image outputs and the recorded preprocessing. Deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

from ebm_core.cli.config import load_toml
from ebm_core.cli.main import main

REPO = Path(__file__).resolve().parents[2]
CONFIG = REPO / "configs" / "mnist_5k.toml"


def test_config_names_a_conv_ebm_trained_by_pcd_on_mnist_5k() -> None:
    config = load_toml(CONFIG)
    assert config["dataset"]["name"] == "mnist_5k" and config["energy"]["name"] == "conv"
    assert config["energy"]["event_shape"] == [1, 28, 28]
    assert config["loss"]["name"] == "cd" and config["loss"]["persistent"] is True


def test_config_trains_two_steps_at_tiny_size(tmp_path: Path) -> None:
    out = tmp_path / "run"
    code = main(["train", "--config", str(CONFIG), "--steps", "2", "--batch-size", "8", "--out", str(out),
                 "--set", "energy.channels=[4, 4]", "--set", "loss.k=1",
                 "--set", "loss.buffer_size=16", "--set", "eval_every=2", "--set", "eval_samples=8",
                 "--set", "eval_steps=1", "--set", "heldout=16", "--no-progress"])
    assert code == 0
    for name in ("checkpoint.pt", "config.json", "metrics.jsonl", "curves.png", "samples.png", "buffer.png"):
        assert (out / name).is_file(), name
    record = json.loads((out / "config.json").read_text())["data"]
    assert record["levels"] == 256 and record["event_shape"] == [1, 28, 28]
    assert record["preprocessing"][1] == {"kind": "scale", "levels": 256.0, "low": -1.0, "high": 1.0}
