"""Training: the :class:`Trainer` loop, checkpoints, metrics log, plots and evaluation."""

from .checkpoint import CheckpointError, load_checkpoint, save_checkpoint
from .trainer import Trainer, TrainResult

__all__ = ["CheckpointError", "Trainer", "TrainResult", "load_checkpoint", "save_checkpoint"]
