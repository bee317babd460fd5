"""Divergent chains: the definition, its detection, and the error/warning raised.

Definition (the same on the torch path and in every fused kernel, see
:mod:`ebm_core.kernels`): a chain is **divergent** when, after its start or after any step of
the run — burn-in included — its state ``x``, its gradient ``∇E(x)`` or, for samplers that
carry it (MALA, HMC), its energy ``E(x)`` has a ±inf or NaN element. The energy at the final
state counts where the run computes it: samplers that carry E, and the fused chain kernels
that return it. The torch path of a sampler that does not carry E (ULA), and a chain kernel
that returns no energy for such a sampler, do not evaluate E just for this check — the
result's ``energy`` is computed only when read — so there a chain whose final x and ∇E(x)
are finite but E(x) overflows is not flagged (with a gradient that is finite there, such a
state is one step from a non-finite gradient). The flag is sticky: a chain that was brought back to finite values
(Langevin's ``clamp`` maps an overflowed ``−inf`` update to ``−clamp``) stays divergent, since
its later states descend from a blown-up step and are not samples of the target.

Metropolis-adjusted samplers reject proposals with a non-finite energy, so their chains
diverge only when a state they hold is non-finite — e.g. a start whose gradient overflows,
which then no proposal from it can leave.

Example::

    import torch, ebm_core
    e = ebm_core.energy("double_well", dim=2)
    x0 = torch.zeros(4, 2)
    x0[0] = 1e13  # ∇E overflows float32 here; the clamp brings the chain back into [−3, 3]
    r = ebm_core.sampler("langevin", e, step_size=0.01, clamp=3.0).run(x0, n_steps=20)
    assert r.divergent.tolist() == [True, False, False, False]
    assert torch.isfinite(r.samples).all()
"""

from __future__ import annotations

from typing import Any

import torch

from ..errors import EbmError


class DivergenceError(EbmError, RuntimeError):
    """Every chain of a run became non-finite, so there is no sample to return."""


class DivergenceWarning(RuntimeWarning):
    """Some chains of a run diverged; their rows of the samples are not samples of the target."""


def nonfinite_chains(x: torch.Tensor, energy: torch.Tensor) -> torch.Tensor:
    """``(chains,)`` bool: rows of ``x`` with a non-finite element, or a non-finite energy."""
    return nonfinite_rows(x) | ~torch.isfinite(energy)


def nonfinite_state(state: Any) -> torch.Tensor:
    """``(chains,)`` bool: chains whose ``state.x``, ``state.grad`` or (when the sampler carries
    it) ``state.energy`` has a non-finite element — the per-step test of the definition above.

    A tensor op (no host synchronisation), so the loop can OR it into a sticky flag each step.
    """
    bad = nonfinite_rows(state.x)
    if state.grad is not None:
        bad |= nonfinite_rows(state.grad)
    if state.energy is not None:
        bad |= ~torch.isfinite(state.energy)
    return bad


def nonfinite_rows(t: torch.Tensor) -> torch.Tensor:
    """``(rows,)`` bool: rows of ``t`` (first dimension) holding a ±inf or NaN element."""
    # 0·v is NaN exactly when v is ±inf or NaN, and a sum of zeros cannot overflow, so a row's
    # sum of 0·t is NaN iff the row has a non-finite element. Two passes over t instead of
    # isfinite's four plus the reduction: 24 µs against 127 µs for 64 × 784 float32 (2 threads).
    # Summed over the event dimensions in place (no reshape), so a channels-last gradient is
    # not copied first: 0.9 ms against 10.4 ms for a 128 × 32 × 28 × 28 channels-last batch.
    zeros = t.mul(0)
    return (zeros.sum(dim=tuple(range(1, zeros.dim()))) if zeros.dim() > 1 else zeros).isnan()


def advice(sampler_name: str, step_size: float | None) -> str:
    """What to try when chains diverge."""
    step = f" (it was {step_size:.4g})" if step_size is not None else ""
    return (
        f"reduce {sampler_name}'s step_size{step}, start the chains closer to the mode, or use "
        "a Metropolis-adjusted sampler ('mala', 'hmc'), which rejects non-finite proposals"
    )
