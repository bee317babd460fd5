"""Burn-in adaptation: dual-averaging step size and Stan-style windowed diagonal mass matrix.

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
from typing import Callable

import torch

from .dual_averaging import DualAveraging
from .state import ChainState
from .welford import WelfordVariance

#: Stan's defaults: an initial fast interval, doubling slow windows, a terminal fast interval.
INIT_BUFFER, TERM_BUFFER, BASE_WINDOW = 75, 50, 25
#: Below this many burn-in steps there is no mass-matrix adaptation (as in Stan).
MIN_MASS_ADAPTATION = 20


class Adaptation(abc.ABC):
    """Tunes a sampler's parameters during burn-in (see the module docstring)."""

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
    """Dual-averaging step size (optional) plus windowed diagonal mass matrix (optional).

    * Step size: :class:`DualAveraging` on the mean acceptance probability over chains, at
      every burn-in step; the averaged ε̄ is frozen at the end. A sampler keeps its
      ``DualAveraging`` across runs, so a later burn-in *continues* the sequence (a
      checkpointed sampler resumes exactly); assigning ``step_size`` restarts it.
    * Mass matrix (needs ``state.inv_mass``): in each window of :func:`mass_matrix_windows`
      the positions of all chains feed a :class:`WelfordVariance`; at the window's end
      ``inv_mass`` becomes the regularised variance and dual averaging restarts from the
      current step size (the scale of good steps changed with the metric).

    ``commit(state)`` is the sampler's callback storing the frozen values.
    """

    def __init__(
        self,
        *,
        n_adapt: int,
        dual_averaging: DualAveraging | None,
        adapt_mass: bool,
        commit: Callable[[ChainState], None],
    ) -> None:
        self.dual_averaging = dual_averaging
        self.windows = mass_matrix_windows(n_adapt) if adapt_mass else []
        self._window_end = {end - 1 for _, end in self.windows}
        self._in_window = [False] * n_adapt
        for start, end in self.windows:
            self._in_window[start:end] = [True] * (end - start)
        self._welford = WelfordVariance()
        self._commit = commit

    def start(self, state: ChainState) -> None:
        da = self.dual_averaging
        if da is None:
            return
        step = state.step_size
        if da.started:
            da.to(step)
            step.copy_(torch.exp(da.log_step))
        else:
            da.restart(step)

    def update(self, state: ChainState, iteration: int) -> None:
        da = self.dual_averaging
        if da is not None:
            state.step_size.copy_(da.update(state.accept_prob.mean()))
        if self._in_window[iteration]:
            self._welford.add(state.x)
            if iteration in self._window_end:
                state.inv_mass.copy_(regularised_variance(self._welford))
                self._welford.reset()
                if da is not None:
                    da.restart(state.step_size)

    def finish(self, state: ChainState) -> None:
        if self.dual_averaging is not None:
            state.step_size.copy_(self.dual_averaging.final_step_size())
        self._commit(state)
