"""A run written by ``ebm train``, read back for sampling: its configuration and trained weights.

``ebm train --out runs/demo`` leaves ``runs/demo/checkpoint.pt`` and, beside it,
``runs/demo/config.json`` (the resolved configuration). :func:`load_run` reads both; the
energy is rebuilt from the configuration's ``[energy]`` table and given the trained weights —
the EMA-averaged ones when the run kept an EMA — and the run's ``[sampler]`` table (with the
sampler's saved state, e.g. an adapted step size) becomes the default sampler. A run trained
with persistent chains (``pcd``, ``jem``) also gives back its replay buffer, where
``ebm sample --init buffer`` starts its chains.

For image data ``config.json`` also records the data's preprocessing under ``"data"`` (the data
set's ``config()``: pixel levels, event shape and the transform chain, e.g. dequantise → scale
→ logit); :func:`run_preprocessing` gives back that chain for the NLL in pixel space and for
mapping samples back to pixels, after checking that the data set rebuilt from ``[dataset]``
still preprocesses exactly so.
"""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import Any, NamedTuple

import torch

from ..contracts.loss import REPLAY_BUFFER_KEY
from ..training.checkpoint import CheckpointError, load_checkpoint, trained_energy_weights
from ..training.trainer import CHECKPOINT_NAME

CONFIG_NAME = "config.json"
#: The key of ``config.json`` that records the data's preprocessing (not a setting: it is
#: derived from ``[dataset]`` when the run starts).
DATA_RECORD = "data"


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
        replay_buffer: the states of the loss's persistent chains, one row per chain (every
            rank's, in rank order, for a data-parallel run), ``None`` when the run kept none or
            its checkpoint was written before the first batch filled it.
    """

    checkpoint: Path
    config: dict[str, Any]
    weights: dict[str, Any]
    which_weights: str
    sampler_state: dict[str, Any] | None
    step: int
    replay_buffer: torch.Tensor | None = None


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
        replay_buffer=_replay_buffer(ranks),
    )


def _replay_buffer(ranks: list[dict[str, Any]]) -> torch.Tensor | None:
    """Every rank's filled replay buffer (:data:`~ebm_core.contracts.loss.REPLAY_BUFFER_KEY`),
    concatenated; ``None`` when no rank has one."""
    buffers = [(rank.get("loss") or {}).get(REPLAY_BUFFER_KEY) for rank in ranks]
    filled = [b for b in buffers if isinstance(b, torch.Tensor) and b.dim() > 1 and b.shape[0] > 0]
    return torch.cat(filled) if filled else None


def data_record(dataset: Any) -> dict[str, Any]:
    """``{"data": dataset.config()}`` for data with a preprocessing chain (image data), else ``{}``.

    ``ebm train`` adds it to the ``config.json`` it writes, so the run says how its data were
    preprocessed (levels, event shape, each transform with its arguments).
    """
    describe = getattr(dataset, "config", None)
    if getattr(dataset, "preprocessing", None) is None or not callable(describe):
        return {}
    return {DATA_RECORD: json.loads(json.dumps(describe()))}


class RunPreprocessing(NamedTuple):
    """How a run's data were preprocessed: the transform chain and the pixel levels."""

    #: The data set's transform chain (``to_pixels``, ``log_det``).
    preprocessing: Any
    #: Pixel levels of the raw images (e.g. 17 for digits), ``None`` when not recorded.
    levels: int | None


def run_preprocessing(config: dict[str, Any], dataset: Any) -> RunPreprocessing | None:
    """The :class:`RunPreprocessing` a run's data were trained with, or ``None`` for data without one.

    ``dataset`` is the data set rebuilt from the run's ``[dataset]`` table. Its preprocessing
    must equal the one recorded in ``config.json`` (a ``ValueError`` says so otherwise, e.g.
    when the data set's defaults changed since training), so evaluation and sampling see the
    data exactly as training did. A run written before preprocessing was recorded uses the
    rebuilt data set's.
    """
    rebuilt = data_record(dataset)
    if not rebuilt:
        return None
    recorded = config.get(DATA_RECORD)
    if recorded is not None and recorded != rebuilt[DATA_RECORD]:
        raise ValueError(
            f"the run was trained on data preprocessed as {recorded}, but its [dataset] table "
            f"{config.get('dataset')} now builds {rebuilt[DATA_RECORD]}; pin the data set's options "
            "(dequantize, value_range, logit, flatten) in the run's config.json [dataset] table to "
            "those it was trained with"
        )
    return RunPreprocessing(dataset.preprocessing, rebuilt[DATA_RECORD].get("levels"))


def recorded_preprocessing(trained: TrainedRun) -> RunPreprocessing | None:
    """:func:`run_preprocessing` of a run whose ``config.json`` records one (image data), else ``None``."""
    if DATA_RECORD not in trained.config:
        return None
    from .components import build_dataset

    return run_preprocessing(trained.config, build_dataset(trained.config))
