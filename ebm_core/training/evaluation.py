"""Periodic evaluation of a model under training.

* ``mmd``: MMD between fresh model samples — ``n_samples`` chains started from N(0, I) and
  run ``n_steps`` steps of the evaluation sampler — and held-out data; also
  ``mmd_noise_ratio``, the same MMD divided by that of N(0, I) noise to the data (below 1
  means the model beats noise; 0.2 means five times closer). Both use one RBF kernel whose
  bandwidth is the median heuristic on the held-out data, so the two are comparable.
* ``nll``: for 2-D energies, the exact held-out negative log-likelihood ``mean E + log Z``
  with ``log Z`` by grid quadrature over ``nll_bounds``.
* ``mode_weight_error_max``, ``modes_present``, ``modes_total``, ``mode_coverage_min``: for
  2-D energies trained on a data set with known ``modes`` (e.g. ``eight_gaussians``,
  ``gaussian_mixture``), the model's mass on each mode over the same grid
  (:mod:`ebm_core.evaluation.mode_coverage`).
* ``nll_ais`` (opt-in, any dimension): the held-out NLL with ``log Z`` from the ``ais``
  estimator (base: a Gaussian fitted to the held-out data), with ``nll_ais_stderr``,
  ``log_z_ais``, ``log_z_ais_stderr`` and the weights' ``ais_ess``
  (:mod:`ebm_core.evaluation`).
"""

from __future__ import annotations

import copy
import math
import warnings
from typing import Any, Mapping

import torch

from ..evaluation import Modes, metrics, mode_weights
from ..contracts import Energy, Sampler


def evaluate(
    energy: Energy,
    heldout: torch.Tensor,
    *,
    sampler: Sampler | None,
    n_samples: int,
    n_steps: int,
    nll_bounds: Any,
    seed: int,
    log_z: Mapping[str, Any] | None = None,
    modes: Modes | None = None,
) -> dict[str, float]:
    """The metrics above (those that apply) as a dict of floats.

    Chains that diverge (NaN/inf) are left out of the MMD and counted in ``eval_n_divergent``;
    if every chain diverges the MMDs are NaN — evaluation never stops training.
    """
    results: dict[str, float] = {}
    heldout = heldout.detach().cpu()
    if sampler is not None:
        samples, n_divergent = draw_model_samples(energy, sampler, heldout, n_samples, n_steps, seed)
        noise = torch.randn(n_samples, *heldout.shape[1:], generator=torch.Generator().manual_seed(seed + 1),
                            dtype=heldout.dtype)
        bandwidth = metrics.median_bandwidth(heldout)  # one kernel for both comparisons
        mmd = metrics.mmd(samples, heldout, bandwidth) if len(samples) >= 2 else float("nan")
        results["mmd"] = mmd
        results["mmd_noise_ratio"] = mmd / max(metrics.mmd(noise, heldout, bandwidth), 1e-12)
        results["eval_n_divergent"] = float(n_divergent)
    if nll_bounds is not None and tuple(heldout.shape[1:]) == (2,):
        results["nll"] = metrics.negative_log_likelihood(energy, heldout, nll_bounds)
        if modes is not None:
            results.update(mode_weights(energy, modes, nll_bounds).as_metrics())
    if log_z is not None:
        results.update(ais_nll(energy, heldout, log_z, seed))
    return results


def ais_nll(energy: Energy, heldout: torch.Tensor, settings: Mapping[str, Any], seed: int) -> dict[str, float]:
    """Held-out NLL with ``log Z`` from ``ebm_core.estimator("ais", energy, samples=heldout, **settings)``.

    An estimate that fails (every chain non-finite) gives NaNs and a warning: evaluation never
    stops training.
    """
    from ..api import estimator
    from ..evaluation import EstimateError, heldout_nll

    reference = energy.reference_tensor()
    device = reference.device if reference is not None else torch.device("cpu")
    try:
        estimate = estimator("ais", energy, samples=heldout, **settings).estimate(
            generator=torch.Generator(device=device).manual_seed(seed)
        )
    except EstimateError as exc:
        warnings.warn(f"evaluation: the AIS log Z failed, NLL is NaN: {exc}", RuntimeWarning, stacklevel=2)
        return dict.fromkeys(("nll_ais", "nll_ais_stderr", "log_z_ais", "log_z_ais_stderr", "ais_ess"), math.nan)
    nll = heldout_nll(energy, heldout, estimate)
    return {
        "nll_ais": nll.nats,
        "nll_ais_stderr": nll.stderr,
        "log_z_ais": estimate.log_z,
        "log_z_ais_stderr": estimate.stderr,
        "ais_ess": estimate.ess,
    }


def draw_model_samples(
    energy: Energy,
    sampler: Sampler,
    like: torch.Tensor,
    n_samples: int,
    n_steps: int,
    seed: int,
) -> tuple[torch.Tensor, int]:
    """Fresh samples of ``energy`` with ``sampler``'s settings from N(0, I) starts, on the CPU.

    Returns ``(samples of the chains that stayed finite, number of divergent chains)``. The
    starts come from a CPU generator seeded by ``seed`` and the chains run on the energy's
    device with a generator of that device, so the result does not depend on where it ran
    beyond floating-point differences.
    """
    if sampler.energy is not energy:
        sampler = copy.copy(sampler)
        sampler.energy = energy
    start = torch.randn(n_samples, *like.shape[1:], generator=torch.Generator().manual_seed(seed), dtype=like.dtype)
    reference = energy.reference_tensor()
    device = reference.device if reference is not None else torch.device("cpu")
    chain_generator = torch.Generator(device=device).manual_seed(seed)
    result = sampler.run(start.to(device), n_steps=n_steps, generator=chain_generator)
    keep = ~result.divergent
    return result.samples[keep].detach().cpu(), int((~keep).sum())
