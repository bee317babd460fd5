"""End to end: ``ebm_core.sampler(...).run(...)`` goes through ebm-cuda's kernels by itself and
samples the same distribution, with the same acceptance rate, as the torch path
(``accelerate=False``).

Every run is judged with ebm_core.testing's Bonferroni-corrected checklists (z-tests of means
and covariances, KS tests of marginals); the acceptance rates of the two paths are compared
by a z-test of their difference. This module's family-wise false-fail rate is 1e-3 (split
evenly over its N_JUDGEMENTS judgements); seeds are fixed, so runs are reproducible.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any, Callable

import pytest
import torch

import ebm_core
from ebm_core.testing import Checklist, z_threshold
from ebm_core.testing.sampler_statistics import ula_stationary
from ebm_core.testing.targets import CorrelatedGaussian, SeparableDoubleWell

CHAINS = 2000
MEAN_2D = torch.tensor([1.0, -1.0], dtype=torch.float64)
COV_2D = torch.tensor([[1.0, 0.5], [0.5, 2.0]], dtype=torch.float64)
VAR_10D = torch.logspace(-1, 1, 10, dtype=torch.float64)


@dataclasses.dataclass
class Case:
    name: str
    sampler: str
    kwargs: dict[str, Any]
    energy: Callable[[], Any]
    n_steps: int
    burn_in: int
    kernel: str  # the registry name the fast path must report
    judge: Callable[[Checklist, torch.Tensor], None]
    start: Callable[[torch.Generator], torch.Tensor]


def _gaussian_judge(mean, cov):
    return lambda checks, x: checks.gaussian(x, mean, cov)


def _double_well_judge(checks: Checklist, x: torch.Tensor) -> None:
    checks.mean(x, torch.zeros(2))
    checks.marginals(x, SeparableDoubleWell(dim=2, barrier=1.0).marginal_cdfs())


def _starts(d: int, scale: float = 3.0):
    return lambda g: scale * torch.randn(CHAINS, d, generator=g)


CASES = [
    Case("mala-correlated-2d", "mala", {"step_size": 0.3}, lambda: ebm_core.energy(
        "gaussian", mean=MEAN_2D.float(), covariance=COV_2D.float()), 500, 200, "mala/gaussian/cpu",
        _gaussian_judge(MEAN_2D, COV_2D), _starts(2)),
    Case("hmc-log-spaced-10d", "hmc", {"n_leapfrog": 5}, lambda: ebm_core.energy("gaussian", covariance=VAR_10D.float()),
         200, 100, "hmc/gaussian/cpu", _gaussian_judge(torch.zeros(10), torch.diag(VAR_10D)), _starts(10, 2.0)),
    Case("mala-double-well", "mala", {"step_size": 0.1}, lambda: ebm_core.energy("double_well", dim=2), 1200, 200,
         "mala/double_well/cpu", _double_well_judge, lambda g: 0.5 + 0.8 * torch.randn(CHAINS, 2, generator=g)),
    Case("ula-correlated-2d", "langevin", {"step_size": 0.1}, lambda: ebm_core.energy(
        "gaussian", mean=MEAN_2D.float(), covariance=COV_2D.float()), 500, 100, "langevin/gaussian/cpu",
        _gaussian_judge(*ula_stationary(0.1)(MEAN_2D, COV_2D)), _starts(2)),
]
# Half a period per trajectory without jitter (see test_chain_statistics.RESONANT_EPS).
RESONANT_HMC = {"step_size": 2 * math.sin(math.pi / 20), "n_leapfrog": 10, "step_size_jitter": 0.5,
                "adapt_step_size": False, "adapt_mass": False}
CASES.append(Case("hmc-jitter-resonant", "hmc", RESONANT_HMC, lambda: ebm_core.energy("gaussian", dim=2), 200, 0,
                  "hmc/gaussian/cpu", _gaussian_judge(torch.zeros(2), torch.eye(2)), _starts(2)))
ULA_ANY_ENERGY_H = 0.1
N_JUDGEMENTS = 2 * len(CASES) + sum(c.sampler != "langevin" for c in CASES) + 2
RATE = 1e-3 / N_JUDGEMENTS


def _run(case: Case, accelerate: bool):
    sampler = ebm_core.sampler(case.sampler, case.energy(), **case.kwargs)
    x0 = case.start(torch.Generator().manual_seed(1))
    return sampler.run(x0, case.n_steps, burn_in=case.burn_in, generator=torch.Generator().manual_seed(2),
                       accelerate=accelerate)


def _judge(case: Case, result) -> None:
    checks = Checklist(false_fail_rate=RATE)
    case.judge(checks, result.samples.double())
    checks.verify()


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_fused_and_torch_paths_sample_the_same_distribution(case: Case, monkeypatch) -> None:
    monkeypatch.delenv("EBM_DISABLE_KERNELS", raising=False)
    fused = _run(case, accelerate=True)
    assert fused.backend == f"ebm-cuda:{case.kernel}", (fused.backend, fused.fallback_reason)
    assert fused.fallback_reason is None
    plain = _run(case, accelerate=False)
    assert plain.backend == "torch"
    # After an adaptive burn-in on torch, the kernel evaluates ∇E once more at the hand-over state.
    assert fused.n_grad_evals - plain.n_grad_evals in (0, 1)
    assert fused.n_divergent == 0 and plain.n_divergent == 0
    _judge(case, fused)
    _judge(case, plain)
    if case.sampler != "langevin":
        a, b = fused.acceptance_rate.double(), plain.acceptance_rate.double()
        z = (a.mean() - b.mean()) / (a.var() / len(a) + b.var() / len(b)).sqrt()
        assert abs(float(z)) < z_threshold(RATE), (
            f"acceptance rates differ: fused {a.mean():.4f}, torch {b.mean():.4f} (z = {float(z):.2f})")


def test_fast_path_is_reproducible_from_the_generator() -> None:
    case = CASES[-1]
    a, b = _run(case, accelerate=True), _run(case, accelerate=True)
    assert torch.equal(a.samples, b.samples) and torch.equal(a.acceptance_rate, b.acceptance_rate)


def test_langevin_on_any_energy_uses_the_fused_update() -> None:
    """A target without a kernel_key (custom Energy): torch computes ∇E, ebm-cuda updates x."""
    outs = {}
    for accelerate in (True, False):
        sampler = ebm_core.sampler("langevin", CorrelatedGaussian(MEAN_2D.tolist(), COV_2D.tolist()),
                                   step_size=ULA_ANY_ENERGY_H)
        outs[accelerate] = sampler.run(_starts(2)(torch.Generator().manual_seed(3)), 300, burn_in=50,
                                       generator=torch.Generator().manual_seed(4), accelerate=accelerate)
    assert outs[True].backend == "torch+ebm-cuda:langevin/update/cpu", outs[True].backend
    assert outs[False].backend == "torch"
    mean, cov = ula_stationary(ULA_ANY_ENERGY_H)(MEAN_2D, COV_2D)
    for result in outs.values():
        checks = Checklist(false_fail_rate=RATE)
        checks.gaussian(result.samples.double(), mean, cov)
        checks.verify()


DIVERGENCE_CASES = {
    # ∇E(1e13) overflows float32; the clamp brings row 0 back into [−3, 3], but it stays flagged.
    "langevin-clamped": ("langevin", {"step_size": 0.01, "clamp": 3.0}, 0),
    # From 1e13 every MALA/HMC proposal is rejected: the chain holds a state with E = ∇E = inf.
    "mala": ("mala", {"step_size": 0.1, "adapt_step_size": False}, 0),
    # Adaptive burn-in on torch, then the kernel: the torch burn-in's flags are kept.
    "hmc-after-torch-burn-in": ("hmc", {"step_size": 0.1, "n_leapfrog": 3, "adapt_mass": False}, 10),
    # A fused Langevin update (the energy has no chain kernel).
    "langevin-update": ("langevin", {"step_size": 0.01, "clamp": 3.0}, 0),
}


@pytest.mark.parametrize("name", sorted(DIVERGENCE_CASES))
def test_divergence_means_the_same_on_both_paths(name: str, monkeypatch) -> None:
    """Same inputs on the kernel and the torch path give the same ``divergent`` flags: a chain
    whose x, ∇E(x) or carried E(x) was ever non-finite (see ebm_core.sampling.divergence)."""
    monkeypatch.delenv("EBM_DISABLE_KERNELS", raising=False)
    sampler_name, kwargs, burn_in = DIVERGENCE_CASES[name]
    if name == "langevin-update":  # same double well, but through a class without a kernel_key
        energy = type("PlainDoubleWell", (type(ebm_core.energy("double_well")),), {})(dim=2)
    else:
        energy = ebm_core.energy("double_well", dim=2)
    x0 = torch.linspace(-1.5, 1.5, 16).reshape(8, 2)
    x0[0] = 1e13
    results = {}
    for accelerate in (True, False):
        sampler = ebm_core.sampler(sampler_name, energy, **kwargs)
        results[accelerate] = sampler.run(x0.clone(), 30, burn_in=burn_in, accelerate=accelerate,
                                          generator=torch.Generator().manual_seed(0))
    assert results[True].backend != "torch" and results[False].backend == "torch"
    for result in results.values():
        assert result.divergent.tolist() == [True] + [False] * 7, (result.backend, result.divergent)
    if sampler_name == "langevin":
        assert torch.isfinite(results[True].samples).all() and torch.isfinite(results[False].samples).all()
