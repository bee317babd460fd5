"""What :meth:`ebm_core.Sampler.run` returns."""

from __future__ import annotations

import dataclasses

import torch

from .. import diagnostics


@dataclasses.dataclass
class SampleResult:
    """Samples of a batch of chains and what is known about how they were produced.

    Attributes:
        samples: final states, shaped like the starting states ``(chains, *event_shape)``.
        energy: ``E(samples)``, ``(chains,)``.
        trajectory: ``(chains, n_kept, *event_shape)`` — the states after steps
            ``burn_in + thin, burn_in + 2·thin, …`` — or ``None`` unless requested.
        acceptance_rate: ``(chains,)`` fraction of accepted proposals after burn-in (1 for ULA).
        step_size: the step size the kept samples were drawn with (after any adaptation).
        divergent: ``(chains,)`` bool, chains whose state or energy became non-finite.
        n_grad_evals: gradient evaluations per chain (the one at the start included; when an
            adaptive burn-in ran on torch and the rest on a kernel, both parts are counted).
        n_steps, burn_in, thin: the schedule that ran.
        backend: what drew the kept samples — ``"torch"``; a chain kernel's qualified name
            (e.g. ``"ebm-cuda:mala/cuda"``); or ``"torch+<update kernel>"`` when torch ran
            the loop with a fused per-step Langevin update.
        fallback_reason: why no chain kernel ran (``None`` when one did).

    Example::

        import torch, ebm_core
        s = ebm_core.sampler("mala", ebm_core.energy("gaussian", dim=2), step_size=0.5)
        r = s.run(torch.zeros(64, 2), n_steps=200, burn_in=100, return_trajectory=True)
        assert r.trajectory.shape == (64, 100, 2) and r.n_divergent == 0
        ess, rhat = r.ess(), r.rhat()   # per coordinate, shape (2,)
    """

    samples: torch.Tensor
    energy: torch.Tensor
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
