"""The chain state a torch-path sampler carries from one step to the next."""

from __future__ import annotations

import dataclasses
from typing import ClassVar

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
        step_size: tensor (chains' dtype and device) for samplers whose step size is adapted
            during burn-in; adaptation changes it in place. 0-dim, except during the early
            warm-up phase of samplers that take one step size per chain
            (``per_chain_step_size``), where it is ``(chains,)`` — see
            :func:`per_chain_view`. ``None`` for samplers without adaptation.
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

    #: The fields that describe where each chain is (rows indexed by chain), which
    #: :meth:`copy_chains` copies. A subclass that carries more per-chain state from one step to
    #: the next (a persistent momentum, say) adds its fields; scratch buffers need not be listed.
    CHAIN_FIELDS: ClassVar[tuple[str, ...]] = ("x", "grad", "energy", "accepted", "accept_prob")

    @property
    def n_chains(self) -> int:
        """Number of chains."""
        return self.x.shape[0]

    def copy_chains(self, to: torch.Tensor, source: torch.Tensor) -> None:
        """Make chains ``to`` exact copies of chains ``source`` (index tensors), in place.

        Warm-up uses it to restart chains that are stuck far from the others.
        """
        for name in self.CHAIN_FIELDS:
            value = getattr(self, name)
            if isinstance(value, torch.Tensor):
                value.index_copy_(0, to, value.index_select(0, source))


def per_chain_view(step_size: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``step_size`` shaped to broadcast against ``x`` (``(chains, *event)``).

    A 0-dim step size is returned as is; a per-chain one, ``(chains,)``, as
    ``(chains, 1, …, 1)``.
    """
    if step_size.dim() == 0:
        return step_size
    return step_size.view(-1, *([1] * (x.dim() - 1)))
