"""Per-chain convergence checks of a run: stuck chains, far chains, split R-hat, ESS.

Every :class:`~ebm_core.sampling.SampleResult` carries a :class:`ConvergenceReport`
(``result.convergence``, computed after the run from what the loop recorded — nothing is
read on the host inside the step loop). :meth:`~ebm_core.sampling.SampleResult.check` and
:meth:`ebm_core.Sampler.sample` turn its ``problems`` into a :class:`ConvergenceWarning`, or
a :class:`ConvergenceError` under ``strict=True`` (or ``EBM_STRICT_CONVERGENCE=1``).

The checks (divergent chains — non-finite state or energy — are left out of all of them:
they are reported as divergent)
--------------------------------------------------------------------------------------------
* **Stuck chains**: a chain that accepted none of the ``n`` proposals after burn-in, when ``n``
  is long enough for that to mean something: ``chains · (1 − a)ⁿ ≤ 10⁻³``, with ``a`` the
  median acceptance rate of the chains that did move — the chance that a chain moving like
  them accepted nothing, over all chains, is then at most 10⁻³ (more if healthy chains'
  acceptance rates differ a lot). When no chain moved at all, ``a = 0.1`` (any sampler worth
  running accepts that much) and the test is on all ``chains · n`` proposals together:
  ``0.9^(chains·n) ≤ 10⁻³``. Unadjusted samplers (ULA) accept every step and are never stuck.
* **Energy R-hat**: split R-hat (:func:`ebm_core.diagnostics.split_rhat`) of each chain's
  energy trace — ``E`` after each kept step, recorded by the torch loop for samplers that
  carry the energy (MALA, HMC), else evaluated on the trajectory when one was recorded.
  Chains stuck or trapped far out have energies unlike the others', so it exceeds 1 where
  the per-coordinate R-hat of a symmetric target may not. A problem when above
  ``max(1.05, R̂₀)``: 1.05 is "far from 1" (Vehtari et al. 2021 ask < 1.01 for final
  inference), and ``R̂₀`` (:func:`~ebm_core.diagnostics.split_rhat_critical_value`) is the
  value independent draws exceed with probability :data:`FALSE_ALARM` = 10⁻³ — it matters
  for few short chains (1.11 for 4 chains × 25 draws, 2.0 for 6 × 4), so that sampling noise
  alone does not warn. Autocorrelated traces behave like fewer draws and raise that rate; an
  R-hat above the limit then also honestly says the run is short.
* **Coordinate R-hat and ESS** (:func:`~ebm_core.diagnostics.effective_sample_size`) per
  event element, when the trajectory was recorded; a problem when the largest R-hat is above
  ``max(1.05, R̂₀)`` with the 10⁻³ split over the coordinates (Bonferroni). Elements with the
  same value in every kept state of every chain (pixels clamped at the edge of their range)
  have no R-hat (0/0): they are counted, reported as NaN and left out of the maximum and the
  split; when every element is constant, all chains sit on one point, which is a problem.
* **Far chains**, for runs with no energy trace (a fused kernel without a trajectory;
  ULA): chains whose final energy is far above the others'
  (:func:`~ebm_core.sampling.chain_health.energy_outliers`: more than max(8 robust sd,
  10 nats) above the median). On a Gaussian target of any dimension a chain drawn from the
  target is that far with probability ≤ 1.1·10⁻⁴ (the worst case, d = 4); so it is a problem
  when at least k chains are, k the smallest count (≥ 2) that ``chains`` draws exceed with
  probability ≤ 10⁻³ at a rate of :data:`FAR_CHAIN_RATE` = 2·10⁻⁴ (Poisson): 2 for 100 chains,
  4 for 1,000, 9 for 10,000.
* Warm-up ``problems`` reported by the sampler's adaptation are added as they are; its
  ``notes`` are shown by :meth:`ConvergenceReport.summary`.

Example::

    import warnings, torch, ebm_core
    from ebm_core.sampling import ConvergenceWarning
    hmc = ebm_core.sampler("hmc", ebm_core.energy("gaussian", dim=2), step_size=5.0,
                           adapt_step_size=False)
    result = hmc.run(torch.zeros(64, 2), n_steps=50, generator=torch.Generator().manual_seed(0))
    report = result.convergence
    assert report.n_stuck == 64 and not report.ok
    print(report.summary())
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        result.check()
    assert caught[0].category is ConvergenceWarning
"""

from __future__ import annotations

import dataclasses
import math

import torch

from .. import diagnostics
from ..environment_switches import switch
from ..errors import EbmError
from .chain_health import energy_outliers

#: Each check's chance of reporting a problem on healthy chains (see the module docstring).
FALSE_ALARM = 1e-3
#: R-hat above max(this, the value noise exceeds with probability FALSE_ALARM) is a problem.
RHAT_LIMIT = 1.05
#: Acceptance rate assumed for the "no chain moved at all" test.
NO_MOVE_ACCEPTANCE = 0.1
#: Bound on the chance that a chain drawn from the target is "far" (module docstring).
FAR_CHAIN_RATE = 2e-4
#: Setting this environment variable to 1 makes every ``sample()`` strict.
STRICT_ENV = "EBM_STRICT_CONVERGENCE"


class ConvergenceWarning(UserWarning):
    """A run's chains look stuck or unmixed (see :class:`ConvergenceReport`)."""


class ConvergenceError(EbmError, RuntimeError):
    """A strict run's chains look stuck or unmixed (see :class:`ConvergenceReport`)."""


def strict_from_environment() -> bool:
    """True when ``EBM_STRICT_CONVERGENCE`` is set to a true value (``1``, ``true``, ``yes``)."""
    return switch(STRICT_ENV) is True


@dataclasses.dataclass
class ConvergenceReport:
    """What the per-chain checks found (module docstring: the rules and their thresholds).

    Attributes:
        stuck: ``(chains,)`` bool, chains that accepted no proposal after burn-in.
        n_stuck: how many.
        far: ``(chains,)`` bool, chains whose final energy is far above the others'.
        energy_rhat: split R-hat of the chains' energy traces, or ``None`` without a trace
            (or with fewer than 4 kept steps, or constant energies).
        energy_rhat_limit: the value above which ``energy_rhat`` is a problem (``None`` with it).
        rhat, ess: per event element, when a trajectory was recorded (else ``None``); NaN for
            an element that is constant, the same in every kept state of every chain (say a
            pixel clamped at the edge of its range), where R-hat is 0/0: such elements are
            counted in :attr:`n_constant` and left out of the R-hat check.
        rhat_limit: the value above which an element of ``rhat`` is a problem.
        mean_acceptance: acceptance rate over the chains that did not diverge.
        n_chains, n_divergent: chains in the run, and those that became non-finite.
        n_sampling_steps: the steps after burn-in (the acceptance rates' denominator).
        notes: what warm-up did that a user may want to know (e.g. chains it restarted).
        problems: one line per reason to distrust the samples, each naming the cure.
    """

    stuck: torch.Tensor
    n_stuck: int
    far: torch.Tensor
    energy_rhat: float | None
    energy_rhat_limit: float | None
    rhat: torch.Tensor | None
    ess: torch.Tensor | None
    rhat_limit: float | None
    mean_acceptance: float
    n_chains: int
    n_divergent: int
    n_sampling_steps: int
    notes: list[str] = dataclasses.field(default_factory=list)
    problems: list[str] = dataclasses.field(default_factory=list)

    @property
    def ok(self) -> bool:
        """No problem found (divergences are judged separately, by ``result.divergent``)."""
        return not self.problems

    @property
    def n_far(self) -> int:
        return int(self.far.sum())

    @property
    def n_constant(self) -> int:
        """Event elements with the same value in every kept state of every chain (R-hat NaN)."""
        return 0 if self.rhat is None else int(torch.isnan(self.rhat).sum())

    def _varying(self, values: torch.Tensor) -> torch.Tensor:
        """``values`` (``rhat`` or ``ess``) of the elements that are not constant."""
        assert self.rhat is not None
        return values[~torch.isnan(self.rhat)]

    def summary(self) -> str:
        """A few lines for a terminal: acceptance, stuck chains, R-hat, ESS, divergences,
        warm-up notes and problems."""
        lines = [
            f"acceptance {self.mean_acceptance:.3f} (mean over chains); "
            f"stuck chains {self.n_stuck} of {self.n_chains}; divergent {self.n_divergent}"
        ]
        rhat = "n/a (no energy trace, fewer than 4 kept steps, or constant energies)"
        if self.energy_rhat is not None:
            rhat = f"{self.energy_rhat:.3f} (limit {self.energy_rhat_limit:.3f})"
        lines.append(f"energy split R-hat {rhat}")
        if self.rhat is not None and self.ess is not None:
            constant = f"; {self.n_constant} of {self.rhat.numel()} constant in every chain, skipped"
            if self.n_constant == self.rhat.numel():
                lines.append(f"coordinates: all {self.n_constant} constant in every chain (no R-hat)")
            else:
                lines.append(
                    f"coordinates: max split R-hat {float(self._varying(self.rhat).max()):.3f}, "
                    f"min ESS {float(self._varying(self.ess).min()):.0f}"
                    + (constant if self.n_constant else "")
                )
        lines += [f"warm-up: {note}" for note in self.notes]
        lines += [f"problem: {problem}" for problem in self.problems]
        return "\n".join(lines)


def assess(
    *,
    acceptance_rate: torch.Tensor,
    n_sampling_steps: int,
    divergent: torch.Tensor,
    final_energy: torch.Tensor,
    energy_trace: torch.Tensor | None,
    trajectory: torch.Tensor | None,
    warmup_notes: list[str],
    warmup_problems: list[str],
) -> ConvergenceReport:
    """Run the checks of the module docstring on what a run recorded."""
    n_chains = divergent.shape[0]
    healthy = ~divergent.cpu()
    acceptance = acceptance_rate.detach().cpu().to(torch.float64)
    stuck = (acceptance == 0) & healthy & _stuck_is_decisive(acceptance[healthy], n_sampling_steps)
    far = energy_outliers(final_energy.detach().cpu()) & healthy
    n_healthy = int(healthy.sum())
    energy_rhat = _energy_rhat(energy_trace, healthy)
    energy_limit = None
    if energy_rhat is not None and energy_trace is not None:
        energy_limit = _rhat_limit(n_healthy, energy_trace.shape[1], FALSE_ALARM)
    rhat = ess = rhat_limit = None
    if trajectory is not None and trajectory.shape[1] >= 4 and n_healthy:
        kept = trajectory.detach()[healthy.to(trajectory.device)]
        rhat, ess = diagnostics.split_rhat(kept), diagnostics.effective_sample_size(kept)
        # Decided from the draws, not from R-hat's value: rounding can turn 0/0 into inf.
        constant = (kept.amax(dim=(0, 1)) == kept.amin(dim=(0, 1))).to(rhat.device)
        rhat, ess = rhat.masked_fill(constant, math.nan), ess.masked_fill(constant, math.nan)
        alpha = FALSE_ALARM / max(int((~constant).sum()), 1)
        rhat_limit = _rhat_limit(n_healthy, trajectory.shape[1], alpha)
    report = ConvergenceReport(
        stuck=stuck,
        n_stuck=int(stuck.sum()),
        far=far,
        energy_rhat=energy_rhat,
        energy_rhat_limit=energy_limit,
        rhat=rhat,
        ess=ess,
        rhat_limit=rhat_limit,
        mean_acceptance=float(acceptance[healthy].mean()) if bool(healthy.any()) else math.nan,
        n_chains=n_chains,
        n_divergent=int(divergent.sum()),
        n_sampling_steps=n_sampling_steps,
        notes=list(warmup_notes),
    )
    report.problems = _problems(report) + list(warmup_problems)
    return report


def _stuck_is_decisive(acceptance: torch.Tensor, n: int) -> bool:
    """Whether a chain that accepted nothing in ``n`` steps is stuck rather than unlucky."""
    chains = acceptance.numel()
    if chains == 0:
        return False
    moved = acceptance[acceptance > 0]
    if moved.numel() == 0:
        return chains * n * math.log1p(-NO_MOVE_ACCEPTANCE) <= math.log(FALSE_ALARM)
    a = float(moved.median())
    if a >= 1.0:
        return True
    return math.log(chains) + n * math.log1p(-a) <= math.log(FALSE_ALARM)


def far_chains_needed(chains: int) -> int:
    """The smallest k ≥ 2 with P(Poisson(chains · FAR_CHAIN_RATE) ≥ k) ≤ 10⁻³.

    Example::

        assert [far_chains_needed(n) for n in (100, 1_000, 10_000)] == [2, 4, 9]
    """
    rate = chains * FAR_CHAIN_RATE
    pmf = math.exp(-rate)
    below = pmf  # P(X ≤ k − 1), starting at k = 1
    k = 1
    while k < 2 or 1.0 - below > FALSE_ALARM:
        pmf *= rate / k
        below += pmf
        k += 1
    return k


def _rhat_limit(chains: int, draws: int, alpha: float) -> float:
    return max(RHAT_LIMIT, diagnostics.split_rhat_critical_value(chains, draws, alpha))


def _energy_rhat(trace: torch.Tensor | None, healthy: torch.Tensor) -> float | None:
    if trace is None or trace.shape[1] < 4 or not bool(healthy.any()):
        return None
    value = float(diagnostics.split_rhat(trace.detach()[healthy.to(trace.device)]))
    return None if math.isnan(value) else value


def _problems(r: ConvergenceReport) -> list[str]:
    problems = []
    if r.n_stuck:
        problems.append(
            f"{r.n_stuck} of {r.n_chains} chains accepted no proposal in the "
            f"{r.n_sampling_steps} steps after burn-in: they returned where they started or "
            "got trapped. Adapt the step size during a burn-in (burn_in=…, at least a few "
            "hundred steps), reduce step_size, or start the chains closer to the typical set"
        )
    energy_limit = r.energy_rhat_limit
    if r.energy_rhat is not None and energy_limit is not None and r.energy_rhat > energy_limit:
        problems.append(
            f"split R-hat of the chains' energies is {r.energy_rhat:.3g} "
            f"(> {r.energy_rhat_limit:.3g}): "
            "the energies differ between chains or drift within them, so the chains have not "
            "settled in one stationary distribution. Run longer (a longer burn-in and more "
            "steps) or start the chains closer to the typical set"
        )
    if r.rhat is not None and r.n_constant == r.rhat.numel():
        problems.append(
            f"every coordinate has the same value in every kept state of every chain: all "
            f"{r.n_chains - r.n_divergent} chains sit on one point and never moved after burn-in. Check the "
            "step size (too small, or a clamp the chains are pinned at) and start the chains apart"
        )
    varying = r._varying(r.rhat) if r.rhat is not None else None
    if varying is not None and varying.numel() and r.rhat_limit is not None and float(varying.max()) > r.rhat_limit:
        n_bad = int((varying > r.rhat_limit).sum())
        problems.append(
            f"split R-hat is above {r.rhat_limit:.3g} for {n_bad} of {varying.numel()} "
            "coordinates "
            f"(max {float(varying.max()):.3g}): the chains have not mixed. Run longer; when "
            "the target has several modes, chains rarely cross between them, so sample with "
            "parallel tempering (sampler 'parallel_tempering', e.g. base='hmc')"
        )
    if r.energy_rhat is None and r.n_far >= far_chains_needed(r.n_chains - r.n_divergent):
        problems.append(
            f"{r.n_far} of {r.n_chains} chains ended at energies far above the others' "
            "(more than max(8 robust sd, 10 nats) above the median): they have not reached "
            "the typical set. Use a longer burn-in with step-size adaptation, or record the "
            "trajectory (return_trajectory=True) for an R-hat"
        )
    return problems
