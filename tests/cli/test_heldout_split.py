"""A run on a data set with a fixed train/test split (digits) is evaluated on its test split,
by ``ebm train`` and ``ebm evaluate`` alike; other data sets keep fresh draws. Deterministic."""

from __future__ import annotations

import json
from pathlib import Path

import torch

import ebm_core
from ebm_core.cli import components
from ebm_core.cli.main import main

DIGITS = {"dataset": {"name": "digits", "flatten": True}}


def _pixel_rows(x: torch.Tensor) -> list[tuple[float, ...]]:
    """The examples undone to raw pixels (x = (pixel + u) / 17), sorted, as comparable rows."""
    return sorted(tuple(row.tolist()) for row in torch.floor(x.double() * 17).flatten(1))


def test_digits_heldout_is_the_test_split() -> None:
    dataset = components.build_dataset(DIGITS)
    test = ebm_core.dataset("digits", split="test", flatten=True)
    every = components.heldout_data(DIGITS, dataset, 5000, seed=0)
    assert every.shape == (540, 64)  # the whole test split once, not 5000 draws of the training split
    assert _pixel_rows(every) == _pixel_rows(test.pixels / 17)
    some = components.heldout_data(DIGITS, dataset, 100, seed=0)
    test_rows = set(_pixel_rows(test.pixels / 17))
    assert some.shape == (100, 64) and len(set(_pixel_rows(some))) == 100
    assert set(_pixel_rows(some)) <= test_rows
    again = components.heldout_data(DIGITS, dataset, 100, seed=0)
    assert torch.equal(some, again)


def test_other_data_sets_draw_a_fresh_heldout_set() -> None:
    config = {"dataset": {"name": "two_moons"}}
    dataset = components.build_dataset(config)
    heldout = components.heldout_data(config, dataset, 50, seed=3)
    assert torch.equal(heldout, dataset.sample(50, generator=torch.Generator().manual_seed(4)))


def test_a_run_trained_on_the_test_split_draws_from_it() -> None:
    """``split = "test"`` in the run's config: no other split to hold out, so fresh draws of it."""
    config = {"dataset": {"name": "digits", "split": "test", "flatten": True}}
    dataset = components.build_dataset(config)
    heldout = components.heldout_data(config, dataset, 50, seed=0)
    assert torch.equal(heldout, dataset.sample(50, generator=torch.Generator().manual_seed(1)))


def test_evaluate_on_a_digits_run_uses_the_test_split(tmp_path: Path) -> None:
    code = main(["train", "--energy", "mlp", "--loss", "pcd", "--dataset", "digits", "--set", "dataset.flatten=true", "--set", "energy.dim=64",
                 "--set", "energy.hidden=[8]", "--steps", "2", "--batch-size", "8", "--set", "loss.k=1",
                 "--set", "loss.buffer_size=16", "--set", "eval_every=2", "--set", "eval_samples=8",
                 "--set", "eval_steps=1", "--set", "heldout=5000", "--out", str(tmp_path), "--no-progress"])
    assert code == 0
    assert main(["evaluate", str(tmp_path), "--log-z", "none", "--no-progress"]) == 0
    report = json.loads((tmp_path / "evaluation.json").read_text())
    assert report["n_heldout"] == 540
