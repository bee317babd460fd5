"""The No-U-Turn sampler (NUTS) with a diagonal mass matrix."""

from __future__ import annotations

import dataclasses
from typing import Any

import torch

from ebm_core import AdaptiveMassSampler
from ebm_core.checks import positive_float, positive_int
from ebm_core.sampling import ChainState

from .nuts_tree import nuts_transition


@dataclasses.dataclass
class NUTSState(ChainState):
    """NUTS's chain state plus the per-chain records of the kept transitions.

    ``tree_depth``, ``n_leapfrog`` and ``n_divergent`` are sums over transitions; the
    Hamiltonian ``H`` of each transition's sample feeds ``h_mean``/``h_m2`` (Welford) and
    ``h_jump`` (Σ (H_t − H_{t−1})²) for E-BFMI. ``rows_evaluated``/``lockstep_rows`` count
    gradient rows computed / chains × leapfrog iterations for :attr:`NUTS.idle_fraction`;
    ``total_rows`` counts every gradient row of the run (burn-in included).
    """

    momentum: torch.Tensor | None = None
    n_transitions: int = 0
    tree_depth: torch.Tensor | None = None
    n_leapfrog: torch.Tensor | None = None
    n_divergent: torch.Tensor | None = None
    h_last: torch.Tensor | None = None
    h_mean: torch.Tensor | None = None
    h_m2: torch.Tensor | None = None
    h_jump: torch.Tensor | None = None
    rows_evaluated: int = 0
    lockstep_rows: int = 0
    total_rows: int = 0


class NUTS(AdaptiveMassSampler):
    """The No-U-Turn sampler: HMC whose trajectory length adapts to each chain and point.

    Per transition: draw ``p ~ N(0, M)`` and build a trajectory of ``H(x, p) = E(x) + ½ pᵀ M⁻¹ p``
    by doubling — 1, 2, 4, … leapfrog steps of size ε, each in a random direction — until
    it makes a U-turn (generalised criterion), diverges (``H − H₀ > max_energy_error``) or
    reaches ``2^max_tree_depth − 1`` steps; the next state is drawn from the trajectory with
    multinomial weights ``exp(−H)`` and biased progressive sampling (Betancourt 2017; the
    algorithm of Stan, see :mod:`~ebm_plugins.samplers.nuts_tree`). The chains build their
    trees together, but a chain whose tree is finished is not integrated (nor its gradient
    evaluated) while the others continue.

    Warm-up during ``burn_in`` (then frozen), as for ``hmc``: ε by dual averaging towards
    ``target_accept`` (Stan's statistic: the mean acceptance probability over the new points
    of the trajectory) and the diagonal ``inv_mass`` from the chains' variance in Stan's
    doubling windows.

    Reports after a run (the kept transitions, or all of them without burn-in), per chain:
    :attr:`tree_depth` and :attr:`n_leapfrog` (means per transition), :attr:`n_divergent`
    (count) and :attr:`e_bfmi` (Σ(H_t − H_{t−1})² / Σ(H_t − H̄)², below ~0.3 flags a
    momentum resampling too weak for the energy's tails); :attr:`idle_fraction` — the share
    of chain × leapfrog-iteration slots in which a chain had finished its tree: what a
    lock-step implementation evaluating every chain at every iteration would waste, and this
    one skips. ``result.n_grad_evals`` is the gradient evaluations per chain on average.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ε > 0 (the initial value when adapting).
        max_tree_depth: at most ``2^max_tree_depth − 1`` leapfrog steps per transition (≥ 1).
        max_energy_error: energy error beyond which a trajectory is divergent (default 1000).
        inv_mass: diagonal of ``M⁻¹`` — a scalar or one positive entry per event element;
            ``None`` is the identity.
        adapt_step_size, adapt_mass: what to tune during burn-in.
        target_accept: the acceptance statistic the step size aims at (0.8, as in Stan).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", covariance=[0.1, 1.0, 10.0])
        s = ebm_core.sampler("nuts", e, step_size=0.1)
        g = torch.Generator().manual_seed(0)
        x = s.sample(n_samples=500, n_steps=300, burn_in=200, generator=g)
        assert torch.allclose(s.inv_mass, torch.tensor([0.1, 1.0, 10.0]), rtol=0.2)
        assert float(s.n_divergent.sum()) == 0 and 1 <= float(s.tree_depth.mean()) <= 4
    """

    def __init__(
        self,
        energy: Any,
        step_size: float = 0.1,
        max_tree_depth: int = 10,
        max_energy_error: float = 1000.0,
        inv_mass: Any = None,
        adapt_step_size: bool = True,
        adapt_mass: bool = True,
        target_accept: float = 0.8,
    ) -> None:
        super().__init__(
            energy,
            step_size=step_size,
            adapt_step_size=adapt_step_size,
            target_accept=target_accept,
            inv_mass=inv_mass,
            adapt_mass=adapt_mass,
        )
        self.max_tree_depth = positive_int(
            max_tree_depth, "max_tree_depth",
            "a tree of depth d has up to 2^d - 1 leapfrog steps (Stan's default is 10)",
        )
        self.max_energy_error = positive_float(
            max_energy_error,
            "max_energy_error",
            "an energy error above it marks a divergence; Stan uses 1000",
        )
        self._record: NUTSState | None = None

    # ------------------------------------------------------------------ kernel
    def init(self, x: torch.Tensor) -> NUTSState:
        energy, grad = self.energy.energy_and_grad(x)
        zeros = torch.zeros_like(energy)
        state = NUTSState(
            x=x, grad=grad, energy=energy, accepted=zeros.bool(), accept_prob=zeros,
            momentum=torch.empty_like(x), **self.tuned_fields(x),
        )
        _restart_records(state)
        self._record = state
        return state

    def step(self, state: NUTSState, generator: torch.Generator | None = None) -> NUTSState:
        inv_mass = state.inv_mass
        p = state.momentum.normal_(generator=generator).mul_(inv_mass.rsqrt())
        t = nuts_transition(
            self.energy, state.x, state.energy, state.grad, p, state.step_size, inv_mass,
            self.max_tree_depth, self.max_energy_error, generator,
        )
        state.x.copy_(t.x)
        state.energy.copy_(t.energy)
        state.grad.copy_(t.grad)
        state.accepted, state.accept_prob = t.moved, t.accept_prob
        state.total_rows += t.rows_evaluated
        state.n_grad_evals = 1 + state.total_rows // state.x.shape[0]
        _record(state, t)
        return state

    def commit_adaptation(self, state: ChainState) -> None:
        super().commit_adaptation(state)
        _restart_records(state)  # the reports describe the kept transitions

    # ------------------------------------------------------------------ reports
    @property
    def tree_depth(self) -> torch.Tensor:
        """Mean tree depth (doublings) per transition, per chain."""
        r = self._require_run("tree_depth")
        return r.tree_depth.double().cpu() / max(r.n_transitions, 1)

    @property
    def n_leapfrog(self) -> torch.Tensor:
        """Mean leapfrog steps (gradient evaluations) per transition, per chain."""
        r = self._require_run("n_leapfrog")
        return r.n_leapfrog.double().cpu() / max(r.n_transitions, 1)

    @property
    def n_divergent(self) -> torch.Tensor:
        """Divergent transitions per chain."""
        return self._require_run("n_divergent").n_divergent.cpu()

    @property
    def e_bfmi(self) -> torch.Tensor:
        """Energy Bayesian fraction of missing information per chain (needs ≥ 2 transitions)."""
        r = self._require_run("e_bfmi")
        return (r.h_jump / r.h_m2).double().cpu()

    @property
    def idle_fraction(self) -> float:
        """Share of chain × leapfrog-iteration slots in which the chain's tree was finished."""
        r = self._require_run("idle_fraction")
        return 1.0 - r.rows_evaluated / r.lockstep_rows if r.lockstep_rows else 0.0

    def _require_run(self, what: str) -> NUTSState:
        if self._record is None:
            raise RuntimeError(f"{what} is measured by a run: call run() or sample() first")
        return self._record

    def __repr__(self) -> str:
        return (
            f"NUTS(step_size={self.step_size:g}, max_tree_depth={self.max_tree_depth}, "
            f"adapt_step_size={self.adapt_step_size}, adapt_mass={self.adapt_mass}, "
            f"target_accept={self.target_accept:g}, energy={type(self.energy).__name__})"
        )


def _restart_records(state: NUTSState) -> None:
    chains = state.x.shape[0]
    counts = torch.zeros(chains, dtype=torch.int64, device=state.x.device)
    state.n_transitions = 0
    state.tree_depth, state.n_leapfrog, state.n_divergent = (counts.clone() for _ in range(3))
    state.h_last = torch.zeros_like(state.energy)
    state.h_mean, state.h_m2, state.h_jump = (torch.zeros_like(state.energy) for _ in range(3))
    state.rows_evaluated = state.lockstep_rows = 0


def _record(state: NUTSState, t: Any) -> None:
    """Add one transition to the per-chain records (tensor ops only)."""
    state.tree_depth += t.depth
    state.n_leapfrog += t.n_leapfrog
    state.n_divergent += t.divergent
    state.rows_evaluated += t.rows_evaluated
    state.lockstep_rows += t.lockstep_rows
    h = t.hamiltonian
    if state.n_transitions > 0:
        state.h_jump += (h - state.h_last).square()
    state.h_last = h
    state.n_transitions += 1
    delta = h - state.h_mean
    state.h_mean += delta / state.n_transitions
    state.h_m2 += delta * (h - state.h_mean)
