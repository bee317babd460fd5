"""Burn-in adaptation: dual-averaging step size and Stan-style windowed diagonal mass matrix,
robust to chains started far from the typical set (per-chain step sizes early on, restarts of
hopeless chains and a mass matrix that leaves out chains still far off — see
:class:`WindowedAdaptation` and :mod:`~ebm_core.sampling.chain_health`).

The base loop drives an :class:`Adaptation` through the burn-in only — ``start`` before the
first step, ``update`` after each burn-in step, ``finish`` after the last — so the kept
samples come from a fixed (frozen) kernel and are valid MCMC output.

Adapted parameters live on the :class:`~ebm_core.sampling.state.ChainState` as tensors
(``state.step_size``, 0-dim; ``state.inv_mass``, event-shaped) and are changed in place, so
the step code sees them without any host synchronisation. They are the run's private copies:
nothing of the sampler changes until ``finish`` freezes them and hands them back through its
``commit`` callback, so a burn-in that raises midway leaves the sampler as it was.
"""

from __future__ import annotations

import abc
import math
from typing import Callable

import torch

from .chain_health import energy_outliers, restart_sources
from .dual_averaging import DualAveraging
from .state import ChainState
from .welford import ChainWelford, WelfordVariance

#: Stan's defaults: an initial fast interval, doubling slow windows, a terminal fast interval.
INIT_BUFFER, TERM_BUFFER, BASE_WINDOW = 75, 50, 25
#: Below this many burn-in steps there is no mass-matrix adaptation (as in Stan).
MIN_MASS_ADAPTATION = 20
#: A chain is not moving when its mean acceptance probability since the last check is below
#: this, or (early phase) its own step size is below this fraction of the chains' median.
STUCK_ACCEPTANCE, STUCK_STEP_RATIO = 0.05, 0.1
#: Warm-up checks on the last slow window: at least this fraction of chains was not far off,
#: and no variance changed by more than this log-factor (3-fold) between the window's halves or
#: (the mass matrix) from the window before. Adequate warm-ups stay well inside: ≤ 1.6-fold on
#: the test Gaussians with 8–2,000 chains; a too-short one on a collinear regression, 55-fold.
MIN_KEPT_FRACTION, MAX_CHANGE = 0.9, math.log(3.0)


class Adaptation(abc.ABC):
    """Tunes a sampler's parameters during burn-in (see the module docstring).

    Attributes (filled by :meth:`finish`; the loop reports them with the result):
        notes: what warm-up did that a user may want to know (e.g. chains it restarted).
        problems: reasons to distrust the tuning or the chains (e.g. a warm-up too short);
            each line says what to change.
    """

    def __init__(self) -> None:
        self.notes: list[str] = []
        self.problems: list[str] = []

    @abc.abstractmethod
    def start(self, state: ChainState) -> None:
        """Called once before the first burn-in step."""

    @abc.abstractmethod
    def update(self, state: ChainState, iteration: int) -> None:
        """Called after burn-in step ``iteration`` (0-based)."""

    @abc.abstractmethod
    def finish(self, state: ChainState) -> None:
        """Freeze the tuned parameters (in ``state`` and in the sampler)."""


def mass_matrix_windows(n_adapt: int) -> list[tuple[int, int]]:
    """Stan's slow adaptation windows ``[start, end)`` for ``n_adapt`` burn-in steps.

    An initial buffer of 75 steps (step size only) is followed by windows of 25, 50, 100, …
    steps, the last stretched to end 50 steps before the end of burn-in (terminal buffer, step
    size only, for the final mass matrix). When 75 + 25 + 50 > ``n_adapt`` the buffers shrink to
    15 % and 10 % of it and a single window fills the rest; under 20 steps there is none.

    Example::

        windows = [(75, 100), (100, 150), (150, 250), (250, 450), (450, 950)]
        assert mass_matrix_windows(1000) == windows
    """
    if n_adapt < MIN_MASS_ADAPTATION:
        return []
    init, term, size = INIT_BUFFER, TERM_BUFFER, BASE_WINDOW
    if init + size + term > n_adapt:
        init, term = int(0.15 * n_adapt), int(0.1 * n_adapt)
        size = n_adapt - init - term
    last_end = n_adapt - term
    windows: list[tuple[int, int]] = []
    start = init
    while start < last_end:
        end = start + size
        if end + 2 * size > last_end:  # the next window would not fit: stretch this one
            end = last_end
        windows.append((start, end))
        start, size = end, 2 * size
    return windows


def regularised_variance(welford: WelfordVariance) -> torch.Tensor:
    """Stan's shrinkage of a variance towards 1e-3: ``(n σ̂² + 5·10⁻³) / (n + 5)``."""
    n = welford.count
    return welford.variance() * (n / (n + 5.0)) + 1e-3 * (5.0 / (n + 5.0))


class WindowedAdaptation(Adaptation):
    """Stan's windowed warm-up — dual-averaging step size, diagonal mass matrix — made robust to
    chains that start far from the typical set.

    Phases, over the steps of :func:`mass_matrix_windows` (whether or not the mass is adapted):

    * **Early phase** (Stan's initial buffer: 75 steps, or 15 % of a short burn-in). With
      ``per_chain_step_size`` each chain tunes *its own* step size by dual averaging (a
      ``(chains,)`` ``state.step_size``), so a chain started where the curvature is extreme
      takes steps small enough to move instead of being rejected forever — and does not drag
      the others' step size down. At its end the shared step size starts from the median of
      the chains' averaged step sizes.
    * **Shared step size**: :class:`DualAveraging` on the mean acceptance probability over
      chains at every later step; its averaged ε̄ is frozen at the end. A sampler keeps its
      ``DualAveraging`` across runs, so a later burn-in *continues* the sequence (a
      checkpointed sampler resumes exactly) instead of restarting from the early phase's
      median; assigning ``step_size`` restarts it.
    * **Mass matrix** (``adapt_mass``; needs ``state.inv_mass``): in each slow window every
      chain's positions feed a per-chain :class:`~ebm_core.sampling.welford.ChainWelford`; at
      the window's end ``inv_mass`` becomes the regularised variance pooled over the chains
      whose mean energy in the window was not an outlier
      (:func:`~ebm_core.sampling.chain_health.energy_outliers`): chains still on their way in
      would inflate it by orders of magnitude. Dual averaging then restarts from the current
      step size (the scale of good steps changed with the metric).
    * **Restarts**: at the end of the early phase and of every slow window, a chain whose
      energy is an outlier *and* that is not moving (mean acceptance probability below 0.05
      since the last check, or in the early phase a step size below a tenth of the chains'
      median) is restarted as a copy of a healthy chain
      (:meth:`~ebm_core.sampling.state.ChainState.copy_chains`); ``notes`` says how many. This
      is a warm-up device like any other (the kept draws still come from the frozen kernel).
    * **Checks** (into ``problems``), on the last slow window: more than 10 % of the chains
      were still far from the others; the chains' pooled variance changed more than 3-fold
      between the window's halves (they were still contracting or spreading); the mass
      estimate changed more than 3-fold from the window before. And chains still stuck (far
      off, not moving) at the end of warm-up.

    The step loop stays on the device: host reads happen only at the window boundaries.
    ``commit(state)`` is the sampler's callback storing the frozen values.
    """

    def __init__(
        self,
        *,
        n_adapt: int,
        dual_averaging: DualAveraging | None,
        adapt_mass: bool,
        commit: Callable[[ChainState], None],
        per_chain_step_size: bool = False,
    ) -> None:
        super().__init__()
        self.dual_averaging = dual_averaging
        schedule = mass_matrix_windows(n_adapt)
        self.windows = schedule if adapt_mass else []
        self._adapt_mass = adapt_mass
        self._early_end = schedule[0][0] if schedule else 0
        self._per_chain = per_chain_step_size and dual_averaging is not None and self._early_end > 0
        self._checks = {end - 1 for _, end in schedule}
        if self._early_end > 0:
            self._checks.add(self._early_end - 1)
        self._window_end = {end - 1 for _, end in schedule}
        self._in_window = {t for start, end in schedule for t in range(start, end)}
        # Which half of its slow window each step feeds (None: outside, or an odd middle step).
        self._half: list[int | None] = [None] * n_adapt
        for start, end in schedule:
            half = (end - start) // 2
            self._half[start : start + half] = [0] * half
            self._half[end - half : end] = [1] * half
        self._commit = commit
        self._n_adapt = n_adapt
        self._chain_da: DualAveraging | None = None
        self._continuing = False
        self._halves = (ChainWelford(), ChainWelford())
        self._window_energy: torch.Tensor | None = None
        self._window_steps = 0
        self._accept_sum: torch.Tensor | None = None
        self._span = 0
        self._restarted: torch.Tensor | None = None
        self._n_restarts = 0
        self._last_window: dict[str, float] = {}

    # ------------------------------------------------------------------ the loop's calls
    def start(self, state: ChainState) -> None:
        self._accept_sum = torch.zeros_like(state.accept_prob)
        self._restarted = torch.zeros_like(state.accepted, dtype=torch.bool)
        da = self.dual_averaging
        if da is None:
            return
        step = state.step_size
        self._continuing = da.started
        if da.started:
            da.to(step)
            step.copy_(torch.exp(da.log_step))
        else:
            da.restart(step)
        if self._per_chain:
            state.step_size = step.expand(state.n_chains).clone()
            self._chain_da = DualAveraging(da.target, gamma=da.gamma, t0=da.t0, kappa=da.kappa)
            self._chain_da.restart(state.step_size)

    def update(self, state: ChainState, iteration: int) -> None:
        da = self.dual_averaging
        if self._per_chain and iteration < self._early_end:
            state.step_size.copy_(self._chain_da.update(state.accept_prob))
        elif da is not None:
            state.step_size.copy_(da.update(state.accept_prob.mean()))
        self._accept_sum += state.accept_prob
        self._span += 1
        half = self._half[iteration]
        if half is not None:
            self._halves[half].add(state.x)
        if iteration in self._in_window and state.energy is not None:
            if self._window_energy is None:
                self._window_energy = state.energy.clone()
            else:
                self._window_energy += state.energy
            self._window_steps += 1
        if iteration in self._checks:
            self._check(state, iteration)

    def finish(self, state: ChainState) -> None:
        if self.dual_averaging is not None:
            state.step_size.copy_(self.dual_averaging.final_step_size())
        self._report(state)
        self._commit(state)

    # ------------------------------------------------------------------ window boundaries
    def _check(self, state: ChainState, iteration: int) -> None:
        """At a boundary: update the mass matrix, restart hopeless chains, change phase."""
        far = None if state.energy is None else energy_outliers(state.energy)
        if iteration in self._window_end:
            self._close_window(state)
        if far is not None:
            self._restart_hopeless(state, far)
        if self._per_chain and iteration == self._early_end - 1:
            self._leave_early_phase(state, ~far if far is not None else None)
        elif self._adapt_mass and iteration in self._window_end and self.dual_averaging is not None:
            self.dual_averaging.restart(state.step_size)
        self._accept_sum.zero_()
        self._span = 0

    def _hopeless(self, state: ChainState, far: torch.Tensor) -> torch.Tensor:
        """Far off and not moving since the last check (see the class docstring)."""
        stuck = self._accept_sum / self._span < STUCK_ACCEPTANCE
        if state.step_size is not None and state.step_size.dim() > 0:  # early phase
            stuck |= state.step_size < STUCK_STEP_RATIO * state.step_size.median()
        return far & stuck

    def _restart_hopeless(self, state: ChainState, far: torch.Tensor) -> None:
        hopeless = self._hopeless(state, far)
        n_hopeless = int(hopeless.sum())
        if n_hopeless == 0 or int((~far).sum()) < 2:
            return
        to, source = restart_sources(hopeless, healthy=~far)
        state.copy_chains(to, source)
        if state.step_size is not None and state.step_size.dim() > 0:
            state.step_size.index_copy_(0, to, state.step_size.index_select(0, source))
            self._chain_da.copy_chains(to, source)
        self._restarted |= hopeless
        self._n_restarts += n_hopeless

    def _leave_early_phase(self, state: ChainState, healthy: torch.Tensor | None) -> None:
        """Switch from per-chain step sizes to the shared one."""
        da = self.dual_averaging
        if self._continuing:
            shared = torch.exp(da.log_step)
        else:
            steps = self._chain_da.final_step_size()
            if healthy is not None and bool(healthy.any()):
                steps = steps[healthy]
            shared = steps.median()
            da.restart(shared)
        state.step_size = shared.detach().clone().reshape(())
        self._chain_da = None

    def _close_window(self, state: ChainState) -> None:
        """Summarise the slow window; with ``adapt_mass``, ``inv_mass`` ← its regularised
        variance over the chains that were not far off."""
        n_chains = state.n_chains
        keep = None
        if self._window_energy is not None:
            kept = ~energy_outliers(self._window_energy / self._window_steps)
            if int(kept.sum()) >= 2:
                keep = kept.nonzero().squeeze(1)
        first, second = self._halves
        window = {"kept": n_chains if keep is None else keep.numel(), "chains": n_chains}
        pooled, later = first.pooled(keep), second.pooled(keep)
        window["drift"] = float((pooled.variance() / later.variance()).log().abs().max())
        if self._adapt_mass:
            pooled.merge(later)
            new = regularised_variance(pooled)
            if self._last_window:
                window["change"] = float((new / state.inv_mass).log().abs().max())
            state.inv_mass.copy_(new)
        self._last_window = window
        first.reset()
        second.reset()
        self._window_energy = None
        self._window_steps = 0

    # ------------------------------------------------------------------ reporting
    def _report(self, state: ChainState) -> None:
        n = state.n_chains
        if self._n_restarts:
            distinct = int(self._restarted.sum())
            self.notes.append(
                f"restarted {distinct} of {n} chains from copies of healthy chains during warm-up "
                f"({self._n_restarts} restarts): they were stuck where the energy was far above "
                "the other chains'"
            )
        window = self._last_window
        advice = f"lengthen the warm-up (e.g. burn_in={2 * self._n_adapt})"
        if state.energy is not None and self._span > 0:
            n_stuck = int(self._hopeless(state, energy_outliers(state.energy)).sum())
            if n_stuck:
                self.problems.append(
                    f"{n_stuck} of {n} chains were stuck at the end of warm-up (not moving, with "
                    f"energies far above the other chains'); {advice}"
                )
        if window:
            if window["kept"] < MIN_KEPT_FRACTION * window["chains"]:
                self.problems.append(
                    f"warm-up too short: in the last warm-up window {window['chains'] - window['kept']} "
                    f"of {window['chains']} chains were still far from the others; {advice}"
                )
            if window["drift"] > MAX_CHANGE:
                self.problems.append(
                    "warm-up too short: the chains' spread was still changing in the last warm-up "
                    f"window (an element's variance changed {math.exp(window['drift']):.1f}-fold "
                    f"between its halves), so they had not yet settled; {advice}"
                )
            if window.get("change", 0.0) > MAX_CHANGE:
                self.problems.append(
                    "warm-up too short: the mass matrix was still changing in the last window "
                    f"(an entry changed {math.exp(window['change']):.1f}-fold from the window "
                    f"before); {advice}"
                )
