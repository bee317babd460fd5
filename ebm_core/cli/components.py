"""Build the components a run configuration names, through the registry."""

from __future__ import annotations

import inspect
from typing import Any, Mapping

import torch

from .. import api
from ..training.distributed import local_cuda_device
from .config import component


def build_energy(config: Mapping[str, Any], device: str) -> Any:
    name, kwargs = component(config, "energy")
    return api.energy(name, **kwargs).to(device)


def build_sampler(config: Mapping[str, Any], energy: Any) -> Any:
    name, kwargs = component(config, "sampler")
    return api.sampler(name, energy, **kwargs)


def build_loss(config: Mapping[str, Any], energy: Any, sampler: Any) -> Any:
    """The loss; it receives the configured sampler when its factory takes ``sampler``."""
    name, kwargs = component(config, "loss")
    factory = api.describe("loss", name).factory
    if "sampler" in inspect.signature(factory).parameters and "sampler" not in kwargs:
        kwargs["sampler"] = sampler
    return api.loss(name, energy, **kwargs)


def build_dataset(config: Mapping[str, Any]) -> Any:
    name, kwargs = component(config, "dataset")
    return api.dataset(name, **kwargs)


def resolve_device(device: str) -> str:
    """``cpu``, or a CUDA device; plain ``cuda`` under ``torchrun`` means this rank's own GPU."""
    if not device.startswith("cuda"):
        return device
    if not torch.cuda.is_available():
        raise ValueError(f"--device {device}: CUDA is not available here; use --device cpu")
    return local_cuda_device() if device == "cuda" else device
