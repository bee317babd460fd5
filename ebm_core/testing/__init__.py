"""The conformance kit: checks that a plugin's sampler, energy or loss honours ebm's contracts.

Plugin authors call the check functions from their tests, or subclass the ready-made
pytest suites (:mod:`ebm_core.testing.suites`); every failure is a
:class:`ConformanceError` listing what is wrong in plain words.

* Samplers — :func:`check_sampler_contract` (init/step state, shapes, dtypes, devices,
  generator reproducibility, burn-in/thin/trajectory, divergence reporting; deterministic)
  and :func:`check_sampler_statistics` (exact Gaussian moments and KS tests of marginals on
  exact targets, at a stated false-fail rate);
* energies — :func:`check_energy` (batch shapes, dtypes, devices, gradient vs autograd);
* losses — :func:`check_loss_minimiser` (the closed-form minimiser ``a = 1/s²`` of
  ``E = ½ a ‖x‖²`` on data ``N(0, s² I)``);
* pytest — ``pytest_plugins = ["ebm_core.testing.pytest_plugin"]`` for options and fixtures,
  and the base classes :class:`SamplerConformance`, :class:`EnergyConformance`,
  :class:`LossConformance` (imported lazily: pytest is needed only if you use them).

Example::

    import ebm_core.testing as kit
    kit.check_energy("double_well")
    kit.check_sampler_contract("mala")

The statistical building blocks are usable on their own: thresholds, z-scores, KS distances
and checklists. Proving a sampler correct means comparing its output with exact properties of the target
under a false-fail budget stated up front. The recipe (see ``tests/samplers``):

1. run many chains (≥ 2,000) from over-dispersed starts and keep the final states, which are
   (close to) independent draws from the target;
2. collect test statistics in a :class:`Checklist` — z-scores of means and covariances
   (:mod:`~ebm_core.testing.moments`), KS distances of marginals to exact CDFs
   (:mod:`~ebm_core.testing.ks`, e.g. from :mod:`ebm_core.quadrature`);
3. :meth:`Checklist.verify` applies a Bonferroni correction so that a correct sampler fails
   with probability at most the stated rate (:mod:`~ebm_core.testing.thresholds`).

Use fixed seeds so a run is reproducible; the stated rate is what a change of seed risks.

Example::

    import torch, ebm_core
    from ebm_core.testing import Checklist

    target = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[1.0, 0.5], [0.5, 2.0]])
    g = torch.Generator().manual_seed(0)
    sampler = ebm_core.sampler("mala", target, step_size=0.5)
    x = sampler.sample(3 * torch.randn(2000, 2, generator=g), n_steps=600, burn_in=300, generator=g)
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(x, target.mean, target.covariance_matrix())
    checks.verify()
"""

from .checklist import Check, Checklist
from .energy_checks import check_energy
from .findings import ConformanceError, Findings, Problem
from .ks import ks_distance, normal_cdf
from .loss_checks import check_loss_minimiser
from .moments import covariance_z_scores, mean_z_scores
from .sampler_contract import (
    available_devices,
    check_divergence_reporting,
    check_generator_reproducibility,
    check_sampler_contract,
    check_schedule_semantics,
    check_shapes_dtypes_devices,
    check_state_contract,
)
from .sampler_statistics import check_sampler_statistics, ula_stationary
from .statistical_targets import TARGET_NAMES, statistical_target
from .thresholds import bonferroni, ks_threshold, t_threshold, z_threshold

_SUITES = ("EnergyConformance", "LossConformance", "SamplerConformance")

__all__ = [
    "Check",
    "Checklist",
    "ConformanceError",
    "EnergyConformance",
    "Findings",
    "LossConformance",
    "Problem",
    "SamplerConformance",
    "TARGET_NAMES",
    "available_devices",
    "bonferroni",
    "check_divergence_reporting",
    "check_energy",
    "check_generator_reproducibility",
    "check_loss_minimiser",
    "check_sampler_contract",
    "check_sampler_statistics",
    "check_schedule_semantics",
    "check_shapes_dtypes_devices",
    "check_state_contract",
    "covariance_z_scores",
    "ks_distance",
    "ks_threshold",
    "mean_z_scores",
    "normal_cdf",
    "statistical_target",
    "t_threshold",
    "ula_stationary",
    "z_threshold",
]


def __getattr__(name: str):
    """The pytest suites are imported on first use, so ``ebm_core.testing`` works without pytest."""
    if name in _SUITES:
        from . import suites

        return getattr(suites, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
