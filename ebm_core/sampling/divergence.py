"""Detecting chains whose state or energy became non-finite, and the error/warning raised."""

from __future__ import annotations

import torch

from ..errors import EbmError


class DivergenceError(EbmError, RuntimeError):
    """Every chain of a run became non-finite, so there is no sample to return."""


class DivergenceWarning(RuntimeWarning):
    """Some chains of a run became non-finite; their rows of the samples are NaN/inf."""


def nonfinite_chains(x: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
    """``(chains,)`` bool: rows of ``x`` with a non-finite element, or a non-finite energy."""
    return ~(torch.isfinite(x).reshape(x.shape[0], -1).all(dim=1) & torch.isfinite(energy))


def advice(sampler_name: str, step_size: float | None) -> str:
    """What to try when chains diverge."""
    step = f" (it was {step_size:.4g})" if step_size is not None else ""
    return (
        f"reduce {sampler_name}'s step_size{step}, start the chains closer to the mode, or use "
        "a Metropolis-adjusted sampler ('mala', 'hmc'), which rejects non-finite proposals"
    )
