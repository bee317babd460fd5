"""Base classes for samplers whose step size (and diagonal mass matrix) is tuned during burn-in.

:class:`AdaptiveSampler` gives a :class:`~ebm_core.Sampler` a ``step_size`` tuned by dual
averaging towards a target acceptance rate, with checkpointable tuning state;
:class:`AdaptiveMassSampler` adds a diagonal inverse mass matrix ``inv_mass`` estimated in
Stan's windows. The built-in ``mala`` (step size), ``hmc`` and ``nuts`` (step size and mass) are
built on them, and so is a plugin's sampler: it writes only ``init`` and ``step``.

The tuning itself is :class:`~ebm_core.sampling.WindowedAdaptation`, driven by the loop during
``burn_in`` only:

* **Dual averaging** (Nesterov 2009; Hoffman & Gelman 2014, Algorithm 5). After burn-in step
  ``t`` with mean acceptance probability ``αₜ``,
  ``H̄ₜ = (1 − 1/(t + t₀)) H̄ₜ₋₁ + (δ − αₜ)/(t + t₀)``,
  ``log εₜ = μ − (√t/γ) H̄ₜ`` and ``log ε̄ₜ = t^−κ log εₜ + (1 − t^−κ) log ε̄ₜ₋₁``, with
  ``δ = target_accept``, ``μ = log(10 ε₀)``, γ = 0.05, t₀ = 10, κ = 0.75
  (:class:`~ebm_core.sampling.DualAveraging`). The iterates ``εₜ`` drive the burn-in; the
  average ``ε̄`` is frozen at its end, so the kept draws come from one fixed kernel.
* **Windows** (Stan's; :func:`~ebm_core.sampling.mass_matrix_windows`). An initial buffer of 75
  steps tunes the step size only — one per chain when the class sets
  ``per_chain_step_size = True``, so a chain started where the curvature is extreme does not
  drag the others down; then slow windows of 25, 50, 100, … steps each end by setting the
  mass matrix to the chains' regularised position variance
  ``(n σ̂² + 5·10⁻³)/(n + 5)`` (pooled over the chains that are not far off) and restarting
  dual averaging; a terminal buffer of 50 steps tunes the step size for the final metric.

Everything tuned lives on the run's private copies (``state.step_size``, ``state.inv_mass``)
and reaches the sampler only through :meth:`AdaptiveSampler.commit_adaptation` at the end of
burn-in, so a run that fails midway leaves the sampler as it was. The dual-averaging state is
kept between runs: a later burn-in continues it (a checkpointed sampler resumes exactly);
assigning ``step_size`` starts afresh.

Example — a random-walk Metropolis sampler whose step size is tuned to 30 % acceptance::

    import torch, ebm_core
    from ebm_core.sampling import ChainState

    class RandomWalk(ebm_core.AdaptiveSampler):
        def __init__(self, energy, step_size=0.1, target_accept=0.3):
            super().__init__(energy, step_size=step_size, target_accept=target_accept)

        def init(self, x):
            e = self.energy(x)
            no = torch.zeros_like(e)
            return ChainState(x=x, grad=torch.zeros_like(x), energy=e, accepted=no.bool(),
                              accept_prob=no, n_grad_evals=0, **self.tuned_fields(x))

        def step(self, state, generator=None):
            y = state.x + state.step_size * torch.randn(state.x.shape, generator=generator)
            e_y = self.energy(y)
            log_r = state.energy - e_y
            ok = torch.rand(log_r.shape, generator=generator).log() < log_r
            state.x = torch.where(ok[:, None], y, state.x)
            state.energy = torch.where(ok, e_y, state.energy)
            state.accepted, state.accept_prob = ok, log_r.clamp(max=0).exp()
            return state

    s = RandomWalk(ebm_core.energy("gaussian", dim=2))
    r = s.run(n_samples=500, n_steps=600, burn_in=300, generator=torch.Generator().manual_seed(0))
    assert abs(r.mean_acceptance_rate - 0.3) < 0.05 and s.step_size > 1.0
    assert set(s.state_dict()) == {"step_size", "dual_averaging"}
"""

from __future__ import annotations

import copy
from typing import Any, ClassVar, Mapping

import torch

from .. import checks
from ..sampling.adaptation import WindowedAdaptation
from ..sampling.dual_averaging import DualAveraging
from ..sampling.state import ChainState
from .energy import Energy
from .sampler import Sampler


class AdaptiveSampler(Sampler):
    """A :class:`~ebm_core.Sampler` with a ``step_size`` tuned by dual averaging during burn-in.

    A subclass calls ``super().__init__(energy, step_size=..., target_accept=...)`` and builds
    its chain state with ``ChainState(..., **self.tuned_fields(x))``; its :meth:`step` reads
    ``state.step_size`` (a tensor) — never ``self.step_size`` — so that burn-in can change it.
    The base class provides :meth:`adaptation`, :meth:`state_dict` and
    :meth:`load_state_dict`; see the module docstring for the math and an example.

    Adaptation runs only during a run's ``burn_in`` (nothing is tuned with ``burn_in=0``) and
    is frozen afterwards; :attr:`step_size` is then the tuned value.

    Set the class attribute ``per_chain_step_size = True`` when :meth:`step` accepts a
    ``(chains,)`` ``state.step_size`` (shape it with
    :func:`~ebm_core.sampling.state.per_chain_view`): the warm-up then lets each chain tune its
    own step size in the initial buffer.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ε > 0, the initial value when adapting.
        target_accept: δ ∈ (0, 1), the mean acceptance probability dual averaging aims at.
        adapt_step_size: tune ε during burn-in (else it stays fixed).
    """

    per_chain_step_size: ClassVar[bool] = False

    def __init__(
        self,
        energy: Energy,
        *,
        step_size: float,
        target_accept: float,
        adapt_step_size: bool = True,
    ) -> None:
        super().__init__(energy)
        self.adapt_step_size = bool(adapt_step_size)
        self.target_accept = checks.probability(target_accept, "target_accept")
        self.step_size = step_size

    @property
    def step_size(self) -> float:
        """The step size used after burn-in (the adapted one once a burn-in has run).

        Assigning it restarts the adaptation from the new value (:meth:`reset_adaptation`).
        """
        return self._step_size

    @step_size.setter
    def step_size(self, value: float) -> None:
        self._step_size = checks.positive_float(
            value, "step_size", "it scales each move; start small (e.g. 0.01) when unsure"
        )
        self.reset_adaptation()

    def reset_adaptation(self) -> None:
        """Forget the dual-averaging state: the next burn-in starts from ``step_size``."""
        self._dual_averaging = DualAveraging(self.target_accept)

    def tuned_fields(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """The :class:`~ebm_core.sampling.ChainState` fields this base tunes, for chains at
        ``x``: ``step_size``, a 0-dim tensor in ``x``'s dtype and device."""
        return {"step_size": torch.tensor(self._step_size, dtype=x.dtype, device=x.device)}

    def adaptation(self, n_burn_in: int) -> WindowedAdaptation | None:
        """The warm-up of one burn-in (``None`` when nothing is adapted). It tunes a copy of
        the dual-averaging state, stored with :meth:`commit_adaptation` when burn-in ends."""
        if not (self.adapt_step_size or self._adapts_mass()):
            return None
        dual_averaging = copy.deepcopy(self._dual_averaging) if self.adapt_step_size else None

        def commit(state: ChainState) -> None:
            self.commit_adaptation(state)
            if dual_averaging is not None:
                self._dual_averaging = dual_averaging

        return WindowedAdaptation(
            n_adapt=n_burn_in,
            dual_averaging=dual_averaging,
            adapt_mass=self._adapts_mass(),
            commit=commit,
            per_chain_step_size=self.per_chain_step_size,
        )

    def commit_adaptation(self, state: ChainState) -> None:
        """Keep the values frozen at the end of burn-in (one host read). A subclass that tunes
        more, or resets per-run records here, extends it and calls ``super()``."""
        if self.adapt_step_size:
            self._step_size = float(state.step_size)

    def _adapts_mass(self) -> bool:
        return False

    def state_dict(self) -> dict[str, Any]:
        """``{"step_size": float, "dual_averaging": {...}}`` — plain values, checkpoint-safe."""
        return {"step_size": self._step_size, "dual_averaging": self._dual_averaging.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.step_size = state["step_size"]
        self._dual_averaging.load_state_dict(state["dual_averaging"])
        self.target_accept = self._dual_averaging.target


class AdaptiveMassSampler(AdaptiveSampler):
    """An :class:`AdaptiveSampler` with a diagonal inverse mass matrix ``M⁻¹ = diag(inv_mass)``.

    ``inv_mass`` is the metric of HMC-type samplers (momenta ``p ~ N(0, M)``, kinetic energy
    ``½ pᵀ M⁻¹ p``) and, for a random walk, the proposal's diagonal variance up to ε². With
    ``adapt_mass`` it becomes, at the end of each slow warm-up window, the chains' regularised
    position variance (module docstring), so every coordinate moves on its own scale.
    :meth:`tuned_fields` adds ``inv_mass`` — a private event-shaped copy in the chains' dtype
    and device — to the chain state; :meth:`state_dict` adds ``"inv_mass"`` (CPU, or ``None``).

    Args:
        energy, step_size, target_accept, adapt_step_size: as for :class:`AdaptiveSampler`.
        inv_mass: the diagonal of ``M⁻¹`` — a scalar or one positive entry per event element;
            ``None`` is the identity.
        adapt_mass: estimate ``inv_mass`` during burn-in.
    """

    def __init__(
        self,
        energy: Energy,
        *,
        step_size: float,
        target_accept: float,
        adapt_step_size: bool = True,
        inv_mass: Any = None,
        adapt_mass: bool = True,
    ) -> None:
        super().__init__(
            energy,
            step_size=step_size,
            target_accept=target_accept,
            adapt_step_size=adapt_step_size,
        )
        self.adapt_mass = bool(adapt_mass)
        self.inv_mass = inv_mass

    @property
    def inv_mass(self) -> torch.Tensor | None:
        """The diagonal inverse mass matrix (adapted after a burn-in), ``None`` for the identity."""
        return self._inv_mass

    @inv_mass.setter
    def inv_mass(self, value: Any) -> None:
        self._inv_mass = None if value is None else checks.positive_tensor(value, "inv_mass")

    def inv_mass_for(self, event_shape: torch.Size) -> torch.Tensor:
        """``inv_mass`` as an ``event_shape`` tensor (ones for ``None``, a scalar broadcast)."""
        if self._inv_mass is None:
            return torch.ones(event_shape)
        size = event_shape.numel()
        if self._inv_mass.numel() == 1:
            return self._inv_mass.reshape(()).expand(event_shape).clone()
        if self._inv_mass.numel() != size:
            raise ValueError(
                f"inv_mass has {self._inv_mass.numel()} entries but one sample has {size} "
                f"elements (event shape {tuple(event_shape)}); pass a scalar or {size} entries"
            )
        return self._inv_mass.reshape(event_shape)

    def tuned_fields(self, x: torch.Tensor) -> dict[str, torch.Tensor]:
        """``step_size`` and ``inv_mass``, the run's private copies (burn-in adapts them in
        place and commits them only at its end)."""
        inv_mass = self.inv_mass_for(x.shape[1:]).to(dtype=x.dtype, device=x.device, copy=True)
        return {**super().tuned_fields(x), "inv_mass": inv_mass}

    def commit_adaptation(self, state: ChainState) -> None:
        super().commit_adaptation(state)
        if self.adapt_mass:
            self._inv_mass = state.inv_mass.detach().clone()

    def _adapts_mass(self) -> bool:
        return self.adapt_mass

    def state_dict(self) -> dict[str, Any]:
        """The step-size state plus ``"inv_mass"`` (a CPU tensor, or ``None``)."""
        state = super().state_dict()
        inv_mass = self._inv_mass
        state["inv_mass"] = None if inv_mass is None else inv_mass.detach().cpu().clone()
        return state

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.inv_mass = state["inv_mass"]
