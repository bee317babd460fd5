"""Hamiltonian Monte Carlo with a diagonal mass matrix."""

from __future__ import annotations

import dataclasses
from typing import Any, ClassVar, Mapping

import torch

from ebm_core import AdaptiveMassSampler
from ebm_core.checks import positive_int, unit_interval
from ebm_core.sampling import ChainState
from ebm_core.sampling.state import per_chain_view

from .leapfrog import leapfrog


@dataclasses.dataclass
class HMCState(ChainState):
    """HMC's chain state plus reusable buffers for momenta, proposals and uniforms."""

    momentum: torch.Tensor | None = None
    proposal: torch.Tensor | None = None
    uniform: torch.Tensor | None = None
    jitter: torch.Tensor | None = None


class HMC(AdaptiveMassSampler):
    """Hamiltonian Monte Carlo: L leapfrog steps, then a Metropolis test, per chain.

    With ``M = diag(1 / inv_mass)``: draw ``p ~ N(0, M)``, integrate
    ``H(x, p) = E(x) + ½ pᵀ M⁻¹ p`` with :func:`~ebm_plugins.samplers.leapfrog.leapfrog`
    (ε, L), accept the end point with probability ``min(1, exp(H₀ − H₁))`` (a non-finite
    ``H₁`` is a rejection). L gradient evaluations per step.

    Adaptation during ``burn_in`` (then frozen): the step size by dual averaging towards
    ``target_accept``, and ``inv_mass`` as the (regularised) variance of the chains'
    positions in Stan's doubling windows (:func:`ebm_core.sampling.mass_matrix_windows`),
    pooled over all chains.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ε > 0 (the initial value when adapting).
        n_leapfrog: L ≥ 1.
        inv_mass: the diagonal of ``M⁻¹`` — a scalar or one positive entry per event element;
            ``None`` is the identity.
        adapt_step_size, adapt_mass: what to tune during burn-in.
        target_accept: acceptance rate the step size aims at (0.8, as in Stan).
        step_size_jitter: ``j ∈ [0, 1)``; each chain's transition uses ``ε (1 + j u)``,
            ``u ~ U(−1, 1)`` (Neal 2011, §5.4.2.2). With a fixed ``εL`` HMC can resonate with
            the target's periods — a direction turning a whole period per trajectory never
            moves, one turning half a period flips between two points — and on Gaussians the
            acceptance rate is not even monotone in ε, so step-size adaptation may settle on a
            poor root. Jitter breaks this. The default 0.2: at the worst resonance (a whole
            period) the lag-1 autocorrelation of that direction is ``sin(2πj)/(2πj)`` — 0.76 at
            j = 0.2 against 0.94 at j = 0.1 — while the mean trajectory length is unchanged and
            the mean squared step grows only by ``j²/3`` (1.3 %). ``0`` gives fixed-length HMC.
            Part of the kernel contract of :mod:`ebm_core.kernels`, so fused kernels apply the
            same jitter.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", covariance=[0.1, 1.0, 10.0])
        s = ebm_core.sampler("hmc", e, step_size=0.1, n_leapfrog=8)
        g = torch.Generator().manual_seed(0)
        x = s.sample(n_samples=1000, n_steps=300, burn_in=200, generator=g)
        assert torch.allclose(s.inv_mass, torch.tensor([0.1, 1.0, 10.0]), rtol=0.2)
    """

    kernel_key: ClassVar[str] = "hmc"
    per_chain_step_size: ClassVar[bool] = True

    def __init__(
        self,
        energy: Any,
        step_size: float = 0.1,
        n_leapfrog: int = 10,
        inv_mass: Any = None,
        adapt_step_size: bool = True,
        adapt_mass: bool = True,
        target_accept: float = 0.8,
        step_size_jitter: float = 0.2,
    ) -> None:
        super().__init__(
            energy,
            step_size=step_size,
            adapt_step_size=adapt_step_size,
            target_accept=target_accept,
            inv_mass=inv_mass,
            adapt_mass=adapt_mass,
        )
        self.n_leapfrog = positive_int(
            n_leapfrog, "n_leapfrog", "it is the number of leapfrog steps per proposal, e.g. 10"
        )
        self.step_size_jitter = unit_interval(step_size_jitter, "step_size_jitter")

    def init(self, x: torch.Tensor) -> HMCState:
        energy, grad = self.energy.energy_and_grad(x)
        zeros = torch.zeros_like(energy)
        return HMCState(
            x=x,
            grad=grad,
            energy=energy,
            accepted=zeros.bool(),
            accept_prob=zeros,
            **self.tuned_fields(x),  # step_size, inv_mass: private copies burn-in adapts
            momentum=torch.empty_like(x),
            proposal=torch.empty_like(x),
            uniform=torch.empty_like(energy),
            jitter=torch.empty_like(energy).view(-1, *([1] * (x.dim() - 1))),
        )

    def step(self, state: HMCState, generator: torch.Generator | None = None) -> HMCState:
        x, inv_mass = state.x, state.inv_mass
        p = state.momentum.normal_(generator=generator).mul_(inv_mass.rsqrt())
        h0 = state.energy + _kinetic(p, inv_mass)
        proposal = state.proposal.copy_(x)
        step_size = per_chain_view(state.step_size, x)
        if self.step_size_jitter > 0:
            j = self.step_size_jitter
            u = state.jitter.uniform_(-j, j, generator=generator)
            step_size = u.add_(1.0).mul_(step_size)  # per chain, (chains, 1, ..., 1)
        energy1, grad1 = leapfrog(
            self.energy, proposal, p, state.grad, step_size, self.n_leapfrog, inv_mass
        )
        h1 = energy1 + _kinetic(p, inv_mass)
        log_ratio = torch.where(torch.isfinite(h1), h0 - h1, float("-inf"))
        accept = torch.log(state.uniform.uniform_(generator=generator)) < log_ratio
        mask = accept.view(-1, *([1] * (x.dim() - 1)))
        torch.where(mask, proposal, x, out=x)
        torch.where(mask, grad1, state.grad, out=state.grad)
        torch.where(accept, energy1, state.energy, out=state.energy)
        state.accepted = accept
        state.accept_prob = torch.exp(log_ratio.clamp(max=0.0)).nan_to_num_(0.0)
        state.n_grad_evals += self.n_leapfrog
        return state

    def kernel_params(self) -> Mapping[str, Any] | None:
        if self._inv_mass is None and self.energy.event_shape is None:
            return None
        event = torch.Size(self.energy.event_shape or self._inv_mass.shape)
        return {
            "step_size": self.step_size,
            "n_leapfrog": self.n_leapfrog,
            "inv_mass": self.inv_mass_for(event).reshape(-1),
            "step_size_jitter": self.step_size_jitter,
        }

    def __repr__(self) -> str:
        return (
            f"HMC(step_size={self.step_size:g}, n_leapfrog={self.n_leapfrog}, "
            f"adapt_step_size={self.adapt_step_size}, adapt_mass={self.adapt_mass}, "
            f"target_accept={self.target_accept:g}, step_size_jitter={self.step_size_jitter:g}, "
            f"energy={type(self.energy).__name__})"
        )


def _kinetic(p: torch.Tensor, inv_mass: torch.Tensor) -> torch.Tensor:
    """½ pᵀ M⁻¹ p per chain."""
    return 0.5 * p.square().mul_(inv_mass).reshape(p.shape[0], -1).sum(dim=1)
