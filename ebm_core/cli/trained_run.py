"""A run written by ``ebm train``, read back for sampling: its configuration and trained weights.

``ebm train --out runs/demo`` leaves ``runs/demo/checkpoint.pt`` and, beside it,
``runs/demo/config.json`` (the resolved configuration). :func:`load_run` reads both; the
energy is rebuilt from the configuration's ``[energy]`` table and given the trained weights —
the EMA-averaged ones when the run kept an EMA — and the run's ``[sampler]`` table (with the
sampler's saved state, e.g. an adapted step size) becomes the default sampler.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any

from ..training.checkpoint import CheckpointError, load_checkpoint, trained_energy_weights
from ..training.trainer import CHECKPOINT_NAME

CONFIG_NAME = "config.json"


@dataclasses.dataclass
class TrainedRun:
    """What :func:`load_run` read: the run's configuration and its trained state.

    Attributes:
        checkpoint: the checkpoint file.
        config: the run's resolved configuration (``config.json``).
        weights: the energy's ``state_dict``.
        which_weights: ``"EMA"`` (averaged parameters) or ``"last"`` (last iterate).
        sampler_state: the training sampler's ``state_dict()`` (``None`` if not saved).
        step: the training step the checkpoint was written at.
    """

    checkpoint: Path
    config: dict[str, Any]
    weights: dict[str, Any]
    which_weights: str
    sampler_state: dict[str, Any] | None
    step: int


def looks_like_run(text: str) -> bool:
    """Whether an ``ENERGY`` argument is a path to a run rather than a registered name: it ends
    in ``.pt``, has a path separator, or is a folder holding a checkpoint (a bare folder named
    like an energy, ``./gaussian`` say, does not shadow the energy)."""
    path = Path(text)
    return path.suffix == ".pt" or "/" in text or "\\" in text or (path / CHECKPOINT_NAME).is_file()


def load_run(target: str | Path) -> TrainedRun:
    """Read a run from its checkpoint file or its output folder (``…/checkpoint.pt`` inside)."""
    path = Path(target)
    checkpoint = path / CHECKPOINT_NAME if path.is_dir() else path
    if not checkpoint.is_file():
        where = f"{path} holds no {CHECKPOINT_NAME}" if path.is_dir() else f"{checkpoint} does not exist"
        raise CheckpointError(f"{where}; give the checkpoint of a run written by ebm train (e.g. runs/train/checkpoint.pt)")
    state = load_checkpoint(checkpoint)
    weights, which = trained_energy_weights(state)
    config_path = checkpoint.parent / CONFIG_NAME
    if not config_path.is_file():
        raise CheckpointError(
            f"no {CONFIG_NAME} beside {checkpoint}: it names the energy to rebuild; keep the run's "
            f"folder as ebm train wrote it"
        )
    try:
        config = json.loads(config_path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise CheckpointError(f"{config_path} is not valid JSON ({exc}); was it written by ebm train?") from None
    ranks = state.get("ranks") or [{}]
    return TrainedRun(
        checkpoint=checkpoint,
        config=config,
        weights=weights,
        which_weights=which,
        sampler_state=ranks[0].get("sampler"),
        step=int(state.get("step", 0)),
    )
