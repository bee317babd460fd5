"""The chain state a torch-path sampler carries from one step to the next."""

from __future__ import annotations

import dataclasses

import torch


@dataclasses.dataclass
class ChainState:
    """Positions of a batch of chains plus what the next step reuses and the loop reads.

    Every tensor's leading dimension indexes chains. A sampler's :meth:`~ebm_core.Sampler.step`
    may update these tensors in place and return the same object (the built-in samplers do,
    to avoid per-step allocations), so copy a field before keeping it across steps.

    Attributes:
        x: positions, ``(chains, *event_shape)``.
        grad: ``∇E(x)``, carried so each step evaluates the gradient once at the new point.
        energy: ``E(x)``, ``(chains,)``; ``None`` for samplers that never need it (ULA), in
            which case the loop evaluates it once at the end.
        accepted: ``(chains,)`` bool, whether the last transition moved the chain (always
            true for unadjusted samplers).
        accept_prob: ``(chains,)`` Metropolis–Hastings acceptance probability of the last
            proposal, ``min(1, exp(log r))`` with 0 for a non-finite ratio (1 for ULA). Step-size
            adaptation reads its mean over chains.
        n_grad_evals: gradient evaluations per chain so far, the one at the start included
            (the counting rule of :mod:`ebm_core.kernels`).
        step_size: 0-dim tensor (chains' dtype and device) for samplers whose step size is
            adapted during burn-in; adaptation changes it in place. ``None`` otherwise.
        inv_mass: event-shaped diagonal inverse mass matrix ``M⁻¹`` (HMC), adapted in place;
            ``None`` for samplers without one.
    """

    x: torch.Tensor
    grad: torch.Tensor
    energy: torch.Tensor | None
    accepted: torch.Tensor
    accept_prob: torch.Tensor
    n_grad_evals: int = 1
    step_size: torch.Tensor | None = None
    inv_mass: torch.Tensor | None = None

    @property
    def n_chains(self) -> int:
        """Number of chains."""
        return self.x.shape[0]
