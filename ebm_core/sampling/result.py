"""What :meth:`ebm_core.Sampler.run` returns."""

from __future__ import annotations

import dataclasses
import functools
import warnings
from typing import Callable

import torch

from .. import diagnostics
from .convergence import ConvergenceError, ConvergenceReport, ConvergenceWarning, assess
from .divergence import DivergenceError, DivergenceWarning, advice


@dataclasses.dataclass
class SampleResult:
    """Samples of a batch of chains and what is known about how they were produced.

    Attributes:
        samples: final states, shaped like the starting states ``(chains, *event_shape)``.
        energy: ``E(samples)``, ``(chains,)`` — a property: when the run did not produce it (the
            torch path of samplers that do not carry E, such as ULA), it is evaluated on first
            access and kept, so a caller that never reads it (e.g. contrastive divergence)
            pays no extra forward pass.
        trajectory: ``(chains, n_kept, *event_shape)`` — the states after steps
            ``burn_in + thin, burn_in + 2·thin, …`` — or ``None`` unless requested.
        acceptance_rate: ``(chains,)`` fraction of accepted proposals after burn-in (1 for ULA).
        step_size: the step size the kept samples were drawn with (after any adaptation).
        divergent: ``(chains,)`` bool, divergent chains: x, ∇E(x) or E(x) non-finite at some
            step (sticky; :mod:`ebm_core.sampling.divergence`).
        n_grad_evals: gradient evaluations per chain (the one at the start included; when an
            adaptive burn-in ran on torch and the rest on a kernel, both parts are counted).
        n_steps, burn_in, thin: the schedule that ran.
        backend: what drew the kept samples — ``"torch"``; a chain kernel's qualified name
            (e.g. ``"ebm-cuda:mala/cuda"``); or ``"torch+<update kernel>"`` when torch ran
            the loop with a fused per-step Langevin update.
        fallback_reason: why no chain kernel ran (``None`` when one did).
        energy_trace: ``(chains, n_trace)`` — ``E`` at the kept states (at every k-th when there
            are more than 1000, see :mod:`~ebm_core.sampling.loop`), recorded by the torch
            loop for samplers that carry the energy, else evaluated on the trajectory when
            one was recorded; or ``None``. Feeds the energy R-hat.
        sampler: the sampler's class name (used in messages).
        warmup_notes, warmup_problems: what the burn-in adaptation reported
            (:class:`~ebm_core.sampling.Adaptation`), empty without one.

    ``convergence`` (a :class:`~ebm_core.sampling.ConvergenceReport`, computed on first access)
    holds the per-chain checks; :meth:`check` warns about what they found.

    Example::

        import torch, ebm_core
        s = ebm_core.sampler("mala", ebm_core.energy("gaussian", dim=2), step_size=0.5)
        r = s.run(torch.zeros(64, 2), n_steps=200, burn_in=100, return_trajectory=True)
        assert r.trajectory.shape == (64, 100, 2) and r.n_divergent == 0
        ess, rhat = r.ess(), r.rhat()   # per coordinate, shape (2,)
        assert r.convergence.ok, r.convergence.summary()
    """

    samples: torch.Tensor
    energy_source: torch.Tensor | Callable[[], torch.Tensor]
    trajectory: torch.Tensor | None
    acceptance_rate: torch.Tensor
    step_size: float | None
    divergent: torch.Tensor
    n_grad_evals: int
    n_steps: int
    burn_in: int
    thin: int
    backend: str
    fallback_reason: str | None = None
    energy_trace: torch.Tensor | None = None
    sampler: str = "Sampler"
    warmup_notes: list[str] = dataclasses.field(default_factory=list)
    warmup_problems: list[str] = dataclasses.field(default_factory=list)

    @functools.cached_property
    def energy(self) -> torch.Tensor:
        """``E(samples)``: ``energy_source`` itself, or its result (computed once).

        For a sampler that does not carry E (ULA's torch path, and chain kernels that return no
        energy) it is evaluated on first read, with the energy's parameters *as they are then*:
        read it before changing the energy (an optimiser step) if it must match the run.
        """
        source = self.energy_source
        return source if isinstance(source, torch.Tensor) else source()

    @property
    def n_chains(self) -> int:
        return self.samples.shape[0]

    @property
    def n_divergent(self) -> int:
        """Number of divergent chains."""
        return int(self.divergent.sum())

    @property
    def mean_acceptance_rate(self) -> float:
        """Acceptance rate averaged over chains."""
        return float(self.acceptance_rate.float().mean())

    @functools.cached_property
    def convergence(self) -> ConvergenceReport:
        """Stuck chains, far chains, energy and coordinate R-hat, ESS, warm-up notes and
        problems (:mod:`ebm_core.sampling.convergence`); computed once, on first access."""
        return assess(
            acceptance_rate=self.acceptance_rate,
            n_sampling_steps=self.n_steps - self.burn_in,
            divergent=self.divergent,
            final_energy=self.energy,
            energy_trace=self.energy_trace,
            trajectory=self.trajectory,
            warmup_notes=self.warmup_notes,
            warmup_problems=self.warmup_problems,
        )

    def check(self, strict: bool = False, *, stacklevel: int = 2) -> None:
        """Warn about probably-wrong samples; raise instead when ``strict``.

        * Every chain divergent: :class:`~ebm_core.sampling.DivergenceError` (always).
        * Some divergent: :class:`~ebm_core.sampling.DivergenceWarning`
          (``DivergenceError`` when ``strict``).
        * ``convergence.problems`` (stuck chains, R-hat above 1.05, …):
          :class:`~ebm_core.sampling.ConvergenceWarning` listing them
          (:class:`~ebm_core.sampling.ConvergenceError` when ``strict``).
        """
        n_bad = self.n_divergent
        if n_bad:
            what = (
                f"{n_bad} of {self.n_chains} chains of {self.sampler} became non-finite "
                f"(NaN/inf state or energy)"
            )
            hint = advice(self.sampler, self.step_size)
            if n_bad == self.n_chains:
                raise DivergenceError(f"{what}: there is no sample to return; {hint}")
            message = (
                f"{what}; their rows of the output are not samples (see run().divergent); {hint}"
            )
            if strict:
                raise DivergenceError(message)
            warnings.warn(message, DivergenceWarning, stacklevel=stacklevel)
        problems = self.convergence.problems
        if problems:
            message = (
                f"{self.sampler}'s chains look unconverged ({len(problems)} problem(s)):\n- "
                + "\n- ".join(problems)
            )
            if strict:
                raise ConvergenceError(message)
            warnings.warn(message, ConvergenceWarning, stacklevel=stacklevel)

    def ess(self) -> torch.Tensor:
        """Effective sample size of each coordinate over the trajectory (all chains pooled).

        See :func:`ebm_core.diagnostics.effective_sample_size`; needs ``return_trajectory=True``.
        """
        return diagnostics.effective_sample_size(self._require_trajectory("ess"))

    def rhat(self) -> torch.Tensor:
        """Split R-hat of each coordinate (:func:`ebm_core.diagnostics.split_rhat`)."""
        return diagnostics.split_rhat(self._require_trajectory("rhat"))

    def _require_trajectory(self, what: str) -> torch.Tensor:
        if self.trajectory is None:
            raise ValueError(
                f"{what}() needs the chains' trajectories; run with return_trajectory=True"
            )
        return self.trajectory

    def __repr__(self) -> str:
        step = "None" if self.step_size is None else f"{self.step_size:.4g}"
        return (
            f"SampleResult(chains={self.n_chains}, event_shape={tuple(self.samples.shape[1:])}, "
            f"n_steps={self.n_steps}, burn_in={self.burn_in}, thin={self.thin}, "
            f"acceptance={self.mean_acceptance_rate:.3f}, step_size={step}, "
            f"divergent={self.n_divergent}, n_grad_evals={self.n_grad_evals}, "
            f"backend={self.backend!r})"
        )
