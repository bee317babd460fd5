"""Atomic, code-free checkpoints.

A checkpoint is a dict of tensors, numbers, strings, lists and dicts (optimizer and module
state dicts, RNG states, counters). It is written to a temporary file in the target folder,
flushed to disk and renamed over the target, so a crash or Ctrl-C mid-write never leaves a
truncated file in place of the last good one. It is read with ``torch.load(weights_only=True)``:
loading never runs pickled code.
"""

from __future__ import annotations

import os
import pickle
import zipfile
from pathlib import Path
from typing import Any

import torch

from ..atomic_files import atomic_path
from ..errors import EbmError


class CheckpointError(EbmError):
    """A checkpoint is missing, corrupt, truncated or of an unexpected format."""


#: Stored in every checkpoint; bumped when the layout changes incompatibly.
FORMAT = "ebm-checkpoint/1"


def save_checkpoint(path: str | os.PathLike[str], state: dict[str, Any]) -> Path:
    """Write ``state`` to ``path`` atomically (temp file in the same folder, then rename).

    Example::

        import torch, tempfile, pathlib
        from ebm_core.training.checkpoint import save_checkpoint, load_checkpoint
        path = pathlib.Path(tempfile.mkdtemp()) / "ckpt.pt"
        save_checkpoint(path, {"step": 3, "w": torch.ones(2)})
        assert load_checkpoint(path)["step"] == 3
    """
    path = Path(path)
    with atomic_path(path) as tmp:
        torch.save({"format": FORMAT, **state}, tmp)
    return path


def load_checkpoint(path: str | os.PathLike[str], map_location: Any = "cpu") -> dict[str, Any]:
    """Read a checkpoint written by :func:`save_checkpoint` (``weights_only=True``).

    Raises :class:`CheckpointError` naming the file when it is missing, not a PyTorch file,
    truncated or corrupt, holds pickled Python objects (which are never loaded: unpickling
    them could run code), or is not an ebm checkpoint. The file is never modified.
    """
    path = Path(path)
    if not path.is_file():
        raise CheckpointError(f"checkpoint {path} does not exist; check the path")
    if not zipfile.is_zipfile(path):  # torch.save writes a zip archive; a cut-off one has no index
        raise CheckpointError(
            f"checkpoint {path} is corrupt or truncated, or not a PyTorch file at all, and cannot be "
            f"read; nothing was overwritten — {_USE_ANOTHER}"
        )
    try:
        state = torch.load(path, map_location=map_location, weights_only=True)
    except pickle.UnpicklingError as exc:
        if "weights only load failed" not in str(exc).lower():
            raise _corrupt(path, exc) from exc
        raise CheckpointError(
            f"{path} is not an ebm checkpoint: it holds Python objects other than tensors, numbers, "
            "strings, lists and dicts, and ebm never unpickles those (that could run code from the "
            f"file); {_USE_ANOTHER}"
        ) from None
    except Exception as exc:  # torch raises several types for damaged files
        raise _corrupt(path, exc) from exc
    if not isinstance(state, dict) or state.get("format") != FORMAT:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise CheckpointError(f"{path} is not an ebm checkpoint (format {found!r}, expected {FORMAT!r})")
    return state


_USE_ANOTHER = "use an earlier checkpoint, or train afresh"


def _corrupt(path: Path, exc: Exception) -> CheckpointError:
    first_line = str(exc).splitlines()[0] if str(exc) else ""
    return CheckpointError(
        f"checkpoint {path} is corrupt or truncated and cannot be read ({type(exc).__name__}: "
        f"{first_line}); nothing was overwritten — {_USE_ANOTHER}"
    )


def trained_energy_weights(state: dict[str, Any]) -> tuple[dict[str, Any], str]:
    """``(state_dict, which)``: the trained energy's weights in a :class:`~ebm_core.training.Trainer`
    checkpoint — the EMA-averaged parameters when the run kept an EMA (``which == "EMA"``),
    otherwise the last iterate (``"last"``), taken from the loss's ``energy.*`` entries.

    Example::

        import tempfile, pathlib, torch
        from ebm_core.training.checkpoint import save_checkpoint, load_checkpoint, trained_energy_weights
        path = pathlib.Path(tempfile.mkdtemp()) / "c.pt"
        save_checkpoint(path, {"ema": None, "ranks": [{"loss": {"energy.w": torch.ones(2), "buffer": torch.zeros(3)}}]})
        weights, which = trained_energy_weights(load_checkpoint(path))
        assert list(weights) == ["w"] and which == "last"
    """
    try:
        if state.get("ema") is not None:
            return dict(state["ema"]["averaged"]), "EMA"
        loss = state["ranks"][0]["loss"]
    except (KeyError, IndexError, TypeError) as exc:
        raise CheckpointError(f"the checkpoint has no trained energy (missing {exc}); was it written by ebm train?") from None
    prefix = "energy."
    weights = {key[len(prefix):]: value for key, value in loss.items() if key.startswith(prefix)}
    if not weights:
        raise CheckpointError("the checkpoint's loss holds no energy.* weights; was it written by ebm train?")
    return weights, "last"
