"""Statistical correctness of a sampler on exact targets, with a stated false-fail rate.

:func:`check_sampler_statistics` runs ``n_chains`` chains of the sampler on each target of
:mod:`~ebm_core.testing.statistical_targets` from over-dispersed starts, keeps the final
states (after ``n_steps`` steps the chains have forgotten their starts, so the final states
are close to independent draws) and tests them against the exact answer:

* Gaussian targets — a z-test of every mean and covariance entry (standard errors from the
  sample's own moments) and a Kolmogorov–Smirnov test of every marginal against the normal CDF;
* the double well — a z-test of each mean (0 by symmetry) and a KS test of each marginal
  against the CDF tabulated by quadrature.

**False-fail rate.** All tests of one call share the budget ``false_fail_rate`` (default
1e-3) by Bonferroni: each target gets ``false_fail_rate / len(targets)``, split again over its
tests (see :class:`~ebm_core.testing.Checklist`). A correct sampler that has converged
therefore fails one call with probability at most ``false_fail_rate`` (up to the normal
approximation of the z-tests, accurate at a few thousand chains). The seed is fixed, so a
given sampler either always passes or always fails; the rate is what changing the seed risks.

**Power.** With 2,000 chains a variance off by 10 % or a mean off by 0.1 standard deviation
fails; a noise term scaled by √h instead of √(2h) halves the variance and fails by dozens of
standard errors.

**Biased samplers.** An unadjusted sampler has a known, step-size dependent stationary law.
Pass ``stationary`` — a function ``(mean, covariance) -> (mean, covariance)`` giving it on a
Gaussian target — e.g. :func:`ula_stationary` for the unadjusted Langevin algorithm.

Example::

    import ebm_core.testing as kit
    kit.check_sampler_statistics("mala", {"step_size": 0.5}, targets=("correlated_gaussian",),
                                 n_chains=2000, n_steps=300, burn_in=150)
"""

from __future__ import annotations

import math
from typing import Any, Callable, Mapping, Sequence

import torch

from .checklist import Checklist
from .components import sampler_builder
from .findings import Findings
from .statistical_targets import StatisticalTarget, statistical_target

Stationary = Callable[[torch.Tensor, torch.Tensor], "tuple[torch.Tensor, torch.Tensor]"]

#: Targets :func:`check_sampler_statistics` uses unless told otherwise.
DEFAULT_TARGETS: tuple[str, ...] = ("correlated_gaussian", "double_well")


def ula_stationary(step_size: float) -> Stationary:
    """The exact stationary law of ULA, ``x ← x − h ∇E + √(2h) ξ``, on ``N(μ, Σ)``.

    With ``P = Σ⁻¹`` the chain is the linear recursion ``x − μ ← (I − hP)(x − μ) + √(2h) ξ``,
    whose stationary covariance ``C`` solves ``C = (I − hP) C (I − hP) + 2h I``; since
    ``P`` and ``C`` commute, ``C = (P − h P² / 2)⁻¹`` (for ``h < 2 / λ_max(P)``). In 1-D:
    ``σ² / (1 − h / (2σ²))``. The mean is unbiased.

    Example::

        import torch
        from ebm_core.testing import ula_stationary
        mean, cov = ula_stationary(0.1)(torch.zeros(1), torch.eye(1))
        assert abs(float(cov) - 1 / (1 - 0.05)) < 1e-12
    """
    h = float(step_size)

    def stationary(mean: torch.Tensor, covariance: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        precision = torch.linalg.inv(covariance.double())
        return mean, torch.linalg.inv(precision - 0.5 * h * precision @ precision)

    return stationary


def check_sampler_statistics(
    sampler: Any,
    sampler_kwargs: Mapping[str, Any] | None = None,
    *,
    targets: Sequence[str] = DEFAULT_TARGETS,
    n_chains: int = 2000,
    n_steps: int = 1000,
    burn_in: int = 500,
    false_fail_rate: float = 1e-3,
    seed: int = 0,
    stationary: Stationary | None = None,
    device: Any = "cpu",
) -> Findings:
    """Check that ``sampler`` samples each of ``targets`` exactly (see the module docstring).

    ``n_steps`` includes ``burn_in`` (as in :meth:`ebm_core.Sampler.run`). Raises
    :class:`~ebm_core.testing.ConformanceError` describing each target the sampler got
    wrong — which moments or marginals, by how much, and the usual causes.
    """
    if not targets:
        raise ValueError("targets is empty: name at least one statistical target")
    label, build = sampler_builder(sampler, sampler_kwargs)
    findings = Findings(label)
    rate = false_fail_rate / len(targets)
    device = torch.device(device)
    for index, name in enumerate(targets):
        target = statistical_target(name)
        if stationary is not None and not target.is_gaussian:
            raise ValueError(
                f"stationary= describes the sampler's law on Gaussian targets only; drop {name!r} from targets"
            )
        generator = torch.Generator().manual_seed(seed + index)
        x0 = target.starts(n_chains, generator).to(device)
        what = f"run(x0, n_steps={n_steps}, burn_in={burn_in}) with {n_chains} chains on {name} ({target.description})"
        with findings.guard("statistics", what) as g:
            result = build(target.energy.to(device)).run(
                x0, n_steps, burn_in=burn_in, generator=torch.Generator(device=device).manual_seed(seed + index)
            )
        if g.failed:
            continue
        _judge(findings, target, result, rate, stationary, n_steps, burn_in)
    findings.raise_if_any()
    return findings


def _judge(
    findings: Findings, target: StatisticalTarget, result: Any, rate: float,
    stationary: Stationary | None, n_steps: int, burn_in: int,
) -> None:
    samples = result.samples.detach().to("cpu", torch.float64)
    finite = torch.isfinite(samples).reshape(samples.shape[0], -1).all(1)
    n_bad = int((~finite).sum())
    if n_bad:
        findings.add("statistics", f"{n_bad} of {samples.shape[0]} chains became NaN/inf on {target.name}, a "
                     "smooth target where a correct sampler at its default settings does not diverge: reduce "
                     "the step size or add a Metropolis–Hastings test that rejects non-finite proposals")
        samples = samples[finite]
        if samples.shape[0] < 100:
            return
    mean, covariance = target.mean, target.covariance
    variances = target.variances
    checks = Checklist(false_fail_rate=rate)
    if target.is_gaussian:
        if stationary is not None:
            mean, covariance = (t.double() for t in stationary(mean, covariance))
            variances = covariance.diagonal()
        checks.gaussian(samples, mean, covariance)
    else:
        checks.mean(samples, mean)
        checks.marginals(samples, target.cdfs)
    failed = checks.failures()
    if not failed:
        return
    run = (f"{samples.shape[0]} chains, n_steps={n_steps}, burn_in={burn_in}, acceptance rate "
           f"{result.mean_acceptance_rate:.2f}" + (f", step size {result.step_size:.3g}" if result.step_size else ""))
    lines = [f"the samples do not follow {target.name} ({target.description}) [{run}]."]
    lines += _moment_lines(samples, mean, variances)
    if stationary is not None and target.is_gaussian:
        lines.append("(the targets above are the stationary law declared with stationary=, not the Gaussian itself)")
    lines.append("Failed tests: " + "; ".join(failed) + f" (overall false-fail rate {rate:.2g} for this target).")
    lines += _hints(samples, mean, variances, failed, target, result, claims_exact=stationary is None)
    findings.add("statistics", "\n     ".join(lines))


def _moment_lines(samples: torch.Tensor, mean: torch.Tensor, variances: torch.Tensor) -> list[str]:
    n = samples.shape[0]
    est_mean, est_var = samples.mean(0), samples.var(0)
    lines = []
    for i in range(samples.shape[1]):
        se_mean = math.sqrt(float(est_var[i]) / n)
        ratio = float(est_var[i] / variances[i])
        lines.append(
            f"coordinate {i}: mean {float(est_mean[i]):.3f} ± {se_mean:.3f} (target {float(mean[i]):.3f}), "
            f"variance {float(est_var[i]):.3f} (target {float(variances[i]):.3f}, ratio {ratio:.2f})"
        )
    return lines


def _hints(
    samples: torch.Tensor, mean: torch.Tensor, variances: torch.Tensor, failed: list[str],
    target: StatisticalTarget, result: Any, claims_exact: bool,
) -> list[str]:
    n = samples.shape[0]
    ratio = samples.var(0) / variances
    # The sample variance of n draws has relative standard error ≈ √(2/n) for a Gaussian.
    tolerance = 4 * math.sqrt(2.0 / n)
    hints = []
    if bool((ratio < 1 - tolerance).any()):
        hints.append(
            "The samples are too concentrated. Usual causes: the noise is too small (a Langevin step needs "
            "√(2h)·ξ for a drift of −h∇E, not √h·ξ), the proposal density in the Metropolis–Hastings ratio "
            "does not match the proposal actually drawn, or the energy difference enters with the wrong scale."
        )
    if bool((ratio > 1 + tolerance).any()):
        hints.append(
            "The samples are too spread out. Usual causes: the noise is too large, the Metropolis–Hastings "
            "correction is missing or wrong, or the chains have not forgotten their over-dispersed starts "
            "(try more n_steps and burn_in)."
        )
    off = (samples.mean(0) - mean).abs() > 4 * (samples.var(0) / n).sqrt()
    if bool(off.any()):
        hints.append(
            "The chains are off-centre. Usual causes: a sign error (the drift must be −∇E: downhill in energy; "
            "the acceptance ratio is exp(E(x) − E(y)) for a move x → y), or chains that have not converged."
        )
    if not target.is_gaussian:
        right = float((samples > 0).double().mean())
        if abs(right - 0.5) > 4 * math.sqrt(0.25 / samples.numel()):
            hints.append(
                f"{right:.0%} of the coordinates are in the right-hand wells (x > 0), where the target has "
                "50 %: the chains did not cross the barrier often enough — more steps or larger moves."
            )
    if not hints and all(f.startswith("marginal") for f in failed):
        hints.append(
            "Means and variances are right but the shape of a marginal is not: the sampler may be exact only "
            "for Gaussians (check the acceptance ratio on a non-quadratic energy)."
        )
    if claims_exact and result.mean_acceptance_rate > 0.99 and result.step_size is not None:
        hints.append("Nearly every proposal was accepted: if the sampler is Metropolis-adjusted, its test may "
                     "be accepting unconditionally.")
    return hints
