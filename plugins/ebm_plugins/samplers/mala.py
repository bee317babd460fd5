"""Metropolis-adjusted Langevin algorithm (MALA)."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping

import torch

from ebm_core import AdaptiveSampler
from ebm_core.sampling import ChainState
from ebm_core.sampling.state import per_chain_view


@dataclasses.dataclass
class MALAState(ChainState):
    """MALA's chain state plus reusable buffers for the proposal noise and the uniforms."""

    noise: torch.Tensor | None = None
    uniform: torch.Tensor | None = None


class MALA(AdaptiveSampler):
    """Langevin proposal with a Metropolis–Hastings test: exact for ``p ∝ exp(−E)``.

    With ``g = ∇E`` and ξ ~ N(0, I), propose ``y = x − h g(x) + √(2h) ξ``; with
    ``log q(a | b) = −‖a − b + h g(b)‖² / (4h)`` accept ``y`` with probability

    .. math:: \\min\\{1, \\exp(E(x) − E(y) + \\log q(x | y) − \\log q(y | x))\\}

    per chain (a non-finite ``E(y)`` is a rejection, so chains never diverge). One gradient
    evaluation per step (the gradient at the current point is carried).

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ``h > 0``; the initial value when adapting.
        adapt_step_size: tune ``h`` by dual averaging during ``burn_in`` (then frozen).
        target_accept: the acceptance rate adaptation aims at; 0.574 is optimal for MALA
            in high dimension (Roberts & Rosenthal 1998).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[1.0, 0.5], [0.5, 2.0]])
        s = ebm_core.sampler("mala", e, step_size=0.5)
        g = torch.Generator().manual_seed(0)
        r = s.run(n_samples=1000, n_steps=400, burn_in=200, generator=g)
        assert abs(r.mean_acceptance_rate - 0.574) < 0.05
    """

    kernel_key: ClassVar[str] = "mala"
    per_chain_step_size: ClassVar[bool] = True

    def __init__(
        self,
        energy: Any,
        step_size: float = 0.1,
        adapt_step_size: bool = True,
        target_accept: float = 0.574,
    ) -> None:
        super().__init__(
            energy,
            step_size=step_size,
            adapt_step_size=adapt_step_size,
            target_accept=target_accept,
        )

    def init(self, x: torch.Tensor) -> MALAState:
        energy, grad = self.energy.energy_and_grad(x)
        zeros = torch.zeros_like(energy)
        return MALAState(
            x=x,
            grad=grad,
            energy=energy,
            accepted=zeros.bool(),
            accept_prob=zeros,
            noise=torch.empty_like(x),
            uniform=torch.empty_like(energy),
            **self.tuned_fields(x),
        )

    def step(self, state: MALAState, generator: torch.Generator | None = None) -> MALAState:
        x, grad, energy = state.x, state.grad, state.energy
        h = per_chain_view(state.step_size, x)  # 0-dim, or (chains, 1, …) early in warm-up
        noise = state.noise.normal_(generator=generator)
        proposal = torch.addcmul(x, grad, h, value=-1.0).addcmul_(noise, torch.sqrt(2.0 * h))
        energy_y, grad_y = self.energy.energy_and_grad(proposal)
        # log q(x | y) − log q(y | x), with y − x + h g(x) = √(2h) ξ in the second term.
        back = torch.sub(x, proposal).addcmul_(grad_y, h)
        log_q_ratio = _sum_event(back.square_()).div_(-4.0 * state.step_size) + 0.5 * _sum_event(
            noise * noise
        )
        log_ratio = energy - energy_y + log_q_ratio
        log_ratio = torch.where(torch.isfinite(energy_y), log_ratio, float("-inf"))
        accept = torch.log(state.uniform.uniform_(generator=generator)) < log_ratio
        mask = accept.view(-1, *([1] * (x.dim() - 1)))
        torch.where(mask, proposal, x, out=x)
        torch.where(mask, grad_y, grad, out=grad)
        torch.where(accept, energy_y, energy, out=energy)
        state.accepted = accept
        state.accept_prob = torch.exp(log_ratio.clamp(max=0.0)).nan_to_num_(0.0)
        state.n_grad_evals += 1
        return state

    def kernel_params(self) -> Mapping[str, float]:
        return {"step_size": self.step_size}

    def __repr__(self) -> str:
        return (
            f"MALA(step_size={self.step_size:g}, adapt_step_size={self.adapt_step_size}, "
            f"target_accept={self.target_accept:g}, energy={type(self.energy).__name__})"
        )


def _sum_event(t: torch.Tensor) -> torch.Tensor:
    return t.reshape(t.shape[0], -1).sum(dim=1)
