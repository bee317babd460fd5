"""Every ``Example::`` block in the docstrings of the sampling code runs as written."""

from __future__ import annotations

from tests.docstring_examples import example_tests

MODULES = [
    "ebm_core.contracts.adaptive_sampler",
    "ebm_core.contracts.sampler",
    "ebm_core.diagnostics",
    "ebm_core.environment_switches",
    "ebm_core.malloc_tuning",
    "ebm_core.sampling.adaptation",
    "ebm_core.sampling.chain_health",
    "ebm_core.sampling.convergence",
    "ebm_core.sampling.dual_averaging",
    "ebm_core.sampling.progress",
    "ebm_core.sampling.result",
    "ebm_core.sampling.welford",
    "ebm_core.testing",
    "ebm_core.testing.checklist",
    "ebm_core.testing.ks",
    "ebm_core.testing.moments",
    "ebm_core.testing.thresholds",
    "ebm_core.thread_sharing",
    "ebm_plugins.samplers",
    "ebm_plugins.samplers.hmc",
    "ebm_plugins.samplers.kinetic_langevin",
    "ebm_plugins.samplers.langevin",
    "ebm_plugins.samplers.leapfrog",
    "ebm_plugins.samplers.mala",
    "ebm_plugins.samplers.nuts",
    "ebm_plugins.samplers.parallel_tempering",
    "ebm_plugins.samplers.tempered_energy",
    "ebm_plugins.samplers.tempering_ladder",
]

test_every_module_has_an_example, test_example_runs = example_tests(MODULES)
