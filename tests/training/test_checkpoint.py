"""Checkpoints are atomic, code-free, and fail clearly when damaged."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest
import torch

from ebm_core.training import CheckpointError, load_checkpoint, save_checkpoint


def test_round_trip(tmp_path: Path) -> None:
    state = {"step": 7, "weights": {"w": torch.arange(3.0)}, "rng": torch.get_rng_state()}
    save_checkpoint(tmp_path / "c.pt", state)
    loaded = load_checkpoint(tmp_path / "c.pt")
    assert loaded["step"] == 7 and torch.equal(loaded["weights"]["w"], torch.arange(3.0))
    assert list(tmp_path.iterdir()) == [tmp_path / "c.pt"], "temporary file left behind"


def test_truncated_checkpoint_raises_clearly(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "c.pt", {"w": torch.randn(1000)})
    path.write_bytes(path.read_bytes()[:500])
    with pytest.raises(CheckpointError, match="corrupt or truncated.*nothing was overwritten"):
        load_checkpoint(path)


def test_checkpoint_with_pickled_code_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "evil.pt"
    torch.save({"format": "ebm-checkpoint/1", "payload": _Unsafe()}, path)
    with pytest.raises(CheckpointError, match="not an ebm checkpoint.*never unpickles") as raised:
        load_checkpoint(path)
    assert not _Unsafe.ran
    assert "weights_only" not in str(raised.value), "no advice to load untrusted files unsafely"


@pytest.mark.parametrize("content", [b"hello, not a checkpoint\n", pickle.dumps({"step": 1})])
def test_non_torch_file_gets_our_message(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "c.pt"
    path.write_bytes(content)
    with pytest.raises(CheckpointError, match="not a PyTorch file") as raised:
        load_checkpoint(path)
    assert "weights_only" not in str(raised.value) and path.read_bytes() == content


def test_missing_and_foreign_files(tmp_path: Path) -> None:
    with pytest.raises(CheckpointError, match="does not exist"):
        load_checkpoint(tmp_path / "nope.pt")
    torch.save({"w": torch.ones(1)}, tmp_path / "foreign.pt")
    with pytest.raises(CheckpointError, match="not an ebm checkpoint"):
        load_checkpoint(tmp_path / "foreign.pt")


def test_failed_write_keeps_previous_checkpoint(tmp_path: Path) -> None:
    path = save_checkpoint(tmp_path / "c.pt", {"step": 1})
    with pytest.raises((pickle.PicklingError, AttributeError)):
        save_checkpoint(path, {"step": 2, "bad": lambda: None})
    assert load_checkpoint(path)["step"] == 1
    assert list(tmp_path.iterdir()) == [path]


class _Unsafe:
    ran = False

    def __reduce__(self):
        return (_Unsafe._run, ())

    @staticmethod
    def _run():
        _Unsafe.ran = True
        return "ran"
