"""Periodic evaluation of a model under training.

* ``mmd``: MMD between fresh model samples — ``n_samples`` chains started from N(0, I) and
  run ``n_steps`` steps of the evaluation sampler — and held-out data; also
  ``mmd_noise_ratio``, the same MMD divided by that of N(0, I) noise to the data (below 1
  means the model beats noise; 0.2 means five times closer). Both use one RBF kernel whose
  bandwidth is the median heuristic on the held-out data, so the two are comparable.
* ``nll``: for 2-D energies, the exact held-out negative log-likelihood ``mean E + log Z``
  with ``log Z`` by grid quadrature over ``nll_bounds``.
"""

from __future__ import annotations

import copy
from typing import Any

import torch

from .. import metrics
from ..contracts import Energy, Sampler


def evaluate(
    energy: Energy,
    heldout: torch.Tensor,
    *,
    sampler: Sampler | None,
    n_samples: int,
    n_steps: int,
    nll_bounds: Any,
    generator: torch.Generator,
) -> dict[str, float]:
    """The metrics above (those that apply) as a dict of floats."""
    results: dict[str, float] = {}
    if sampler is not None:
        samples = draw_model_samples(energy, sampler, heldout, n_samples, n_steps, generator)
        noise = torch.randn(n_samples, *heldout.shape[1:], generator=generator, dtype=heldout.dtype)
        bandwidth = metrics.median_bandwidth(heldout)  # one kernel for both comparisons
        results["mmd"] = metrics.mmd(samples, heldout, bandwidth)
        results["mmd_noise_ratio"] = results["mmd"] / max(metrics.mmd(noise, heldout, bandwidth), 1e-12)
    if nll_bounds is not None and tuple(heldout.shape[1:]) == (2,):
        results["nll"] = metrics.negative_log_likelihood(energy, heldout, nll_bounds)
    return results


def draw_model_samples(
    energy: Energy,
    sampler: Sampler,
    like: torch.Tensor,
    n_samples: int,
    n_steps: int,
    generator: torch.Generator,
) -> torch.Tensor:
    """``n_samples`` fresh samples of ``energy`` with ``sampler``'s settings, from N(0, I) starts."""
    if sampler.energy is not energy:
        sampler = copy.copy(sampler)
        sampler.energy = energy
    start = torch.randn(n_samples, *like.shape[1:], generator=generator, dtype=like.dtype)
    reference = energy.reference_tensor()
    if reference is not None:
        start = start.to(reference.device)
    return sampler.sample(start, n_steps=n_steps, generator=generator).detach().cpu()
