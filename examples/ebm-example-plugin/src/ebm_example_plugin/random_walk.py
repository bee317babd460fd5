"""Random-walk Metropolis (RWM) with a diagonal proposal adapted during burn-in."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import torch

import ebm_core
from ebm_core import checks
from ebm_core.sampling import ChainState, DualAveraging, WindowedAdaptation


@dataclasses.dataclass
class RWMState(ChainState):
    """The chain state plus reusable buffers for the proposal noise and the uniforms."""

    noise: torch.Tensor | None = None
    uniform: torch.Tensor | None = None


class RandomWalkMetropolis(ebm_core.Sampler):
    """Random-walk Metropolis: propose ``y = x + ε √v ⊙ ξ``, ξ ~ N(0, I); accept with
    probability ``min(1, exp(E(x) − E(y)))``.

    The proposal is symmetric (``q(y | x) = q(x | y)``), so the Metropolis ratio needs only
    the energies: the chain leaves ``p ∝ exp(−E)`` invariant exactly, for any ``ε > 0`` and
    any positive ``v``. A non-finite ``E(y)`` is a rejection, so chains never diverge. No
    gradient is evaluated; one energy evaluation per step.

    During ``burn_in`` (then frozen, so the kept samples come from one fixed kernel):

    * ``ε`` is tuned by dual averaging towards ``target_accept`` — 0.234 is optimal for
      many i.i.d. coordinates (Roberts, Gelman & Gilks 1997); in one or two dimensions the
      optimum is nearer 0.35–0.45, but the efficiency curve is flat around it;
    * ``v`` (``adapt_scale``) becomes the variance of the chains' positions, estimated in
      Stan's doubling windows (:func:`ebm_core.sampling.mass_matrix_windows`) and pooled over
      all chains: with ``v`` equal to the target's variances every coordinate moves on its
      own scale.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ``ε > 0``; the initial value when adapting.
        scale: the diagonal ``v`` (scalar or one entry per event element); default 1.
        adapt_step_size, adapt_scale: what to tune during burn-in.
        target_accept: the acceptance rate adaptation aims at.

    Example::

        import torch, ebm_core
        energy = ebm_core.energy("gaussian", covariance=[0.25, 4.0])
        rwm = ebm_core.sampler("rwm", energy)
        x = rwm.sample(n_samples=2000, n_steps=600, burn_in=300,
                       generator=torch.Generator().manual_seed(0))
        assert torch.allclose(x.var(0), torch.tensor([0.25, 4.0]), rtol=0.15)
    """

    def __init__(
        self,
        energy: Any,
        step_size: float = 1.0,
        scale: Any = None,
        adapt_step_size: bool = True,
        adapt_scale: bool = True,
        target_accept: float = 0.234,
    ) -> None:
        super().__init__(energy)
        self.target_accept = checks.probability(target_accept, "target_accept")
        self.adapt_step_size = bool(adapt_step_size)
        self.adapt_scale = bool(adapt_scale)
        self.scale = scale
        self.step_size = step_size

    # ----------------------------------------------------------- parameters
    @property
    def step_size(self) -> float:
        """ε used after burn-in (the adapted value once a burn-in has run)."""
        return self._step_size

    @step_size.setter
    def step_size(self, value: float) -> None:
        self._step_size = checks.positive_float(value, "step_size")
        self._dual_averaging = DualAveraging(self.target_accept)

    @property
    def scale(self) -> torch.Tensor | None:
        """The proposal's diagonal variance ``v`` (``None`` means 1 everywhere)."""
        return self._scale

    @scale.setter
    def scale(self, value: Any) -> None:
        if value is None:
            self._scale = None
            return
        self._scale = checks.positive_tensor(value, "scale").cpu()

    def _scale_for(self, x: torch.Tensor) -> torch.Tensor:
        event = x.shape[1:]
        if self._scale is None:
            return torch.ones(event, dtype=x.dtype, device=x.device)
        if self._scale.numel() not in (1, event.numel()):
            raise ValueError(
                f"scale has {self._scale.numel()} entries but one sample has {event.numel()} elements; "
                f"pass a scalar or {event.numel()} entries"
            )
        return self._scale.to(dtype=x.dtype, device=x.device).expand(event.numel()).reshape(event).clone()

    # --------------------------------------------------------------- kernel
    def init(self, x: torch.Tensor) -> RWMState:
        energy = self.energy(x)
        zeros = torch.zeros_like(energy)
        return RWMState(
            x=x,
            grad=torch.zeros_like(x),  # never used: RWM is gradient-free
            energy=energy,
            accepted=zeros.bool(),
            accept_prob=zeros,
            n_grad_evals=0,
            step_size=torch.tensor(self._step_size, dtype=x.dtype, device=x.device),
            inv_mass=self._scale_for(x),
            noise=torch.empty_like(x),
            uniform=torch.empty_like(energy),
        )

    def step(self, state: RWMState, generator: torch.Generator | None = None) -> RWMState:
        x = state.x
        noise = state.noise.normal_(generator=generator)
        proposal = x + state.step_size * state.inv_mass.sqrt() * noise
        energy_y = self.energy(proposal)
        log_ratio = torch.where(torch.isfinite(energy_y), state.energy - energy_y, float("-inf"))
        accept = torch.log(state.uniform.uniform_(generator=generator)) < log_ratio
        torch.where(accept.view(-1, *([1] * (x.dim() - 1))), proposal, x, out=x)
        torch.where(accept, energy_y, state.energy, out=state.energy)
        state.accepted = accept
        state.accept_prob = torch.exp(log_ratio.clamp(max=0.0)).nan_to_num_(0.0)
        return state

    # ------------------------------------------------------------ adaptation
    def adaptation(self, n_burn_in: int) -> WindowedAdaptation | None:
        if not (self.adapt_step_size or self.adapt_scale):
            return None
        return WindowedAdaptation(
            n_adapt=n_burn_in,
            dual_averaging=self._dual_averaging if self.adapt_step_size else None,
            adapt_mass=self.adapt_scale,
            commit=self._commit,
        )

    def _commit(self, state: ChainState) -> None:
        self._step_size = float(state.step_size)
        if self.adapt_scale:
            self._scale = state.inv_mass.detach().to("cpu", torch.float64).clone()

    # ------------------------------------------------------------ checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {
            "step_size": self._step_size,
            "scale": None if self._scale is None else self._scale.clone(),
            "dual_averaging": self._dual_averaging.state_dict(),
        }

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.step_size = state["step_size"]
        self.scale = state["scale"]
        self._dual_averaging.load_state_dict(state["dual_averaging"])

    def __repr__(self) -> str:
        return (
            f"RandomWalkMetropolis(step_size={self._step_size:g}, adapt_step_size={self.adapt_step_size}, "
            f"adapt_scale={self.adapt_scale}, target_accept={self.target_accept:g}, "
            f"energy={type(self.energy).__name__})"
        )
