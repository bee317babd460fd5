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


def heldout_data(config: Mapping[str, Any], dataset: Any, n: int, seed: int) -> torch.Tensor:
    """A run's held-out set: from the data set's fixed test split when it has one, else drawn afresh.

    A data set whose factory takes ``split`` (``digits``, ``mnist_5k``) and that trains on
    ``split = "train"`` (the default) is evaluated on ``split = "test"``: ``n`` of its examples
    (a subset chosen with ``seed + 1``, every one when ``n`` ≥ its size), preprocessed with
    dequantisation noise from ``seed + 1``. Any other data set gives ``n`` fresh draws of
    ``dataset`` with ``seed + 1``. ``ebm train`` and ``ebm evaluate`` both call this, so they
    see the same points.
    """
    generator = torch.Generator().manual_seed(seed + 1)
    name, kwargs = component(config, "dataset")
    takes_split = "split" in inspect.signature(api.describe("dataset", name).factory).parameters
    if not takes_split or kwargs.get("split", "train") != "train":
        return dataset.sample(n, generator=generator)
    test = api.dataset(name, **{**kwargs, "split": "test"})
    if not callable(getattr(test, "tensors", None)):
        return test.sample(n, generator=generator)
    order = torch.randperm(len(test), generator=generator)[:n]
    examples, _ = test.tensors(generator=generator)
    return examples[order]


def resolve_device(device: str) -> str:
    """``cpu``, or a CUDA device; plain ``cuda`` under ``torchrun`` means this rank's own GPU."""
    if not device.startswith("cuda"):
        return device
    if not torch.cuda.is_available():
        raise ValueError(f"--device {device}: CUDA is not available here; use --device cpu")
    return local_cuda_device() if device == "cuda" else device
