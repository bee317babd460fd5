"""Every ``Example::`` block in the docstrings of the evaluation code runs as written."""

from __future__ import annotations

from tests.docstring_examples import example_tests

MODULES = [
    "ebm_core.api",
    "ebm_core.hookspecs",
    "ebm_core.evaluation.estimator",
    "ebm_core.evaluation.log_z",
    "ebm_core.evaluation.metrics",
    "ebm_plugins.estimators",
    "ebm_plugins.estimators.ais",
    "ebm_plugins.estimators.base",
    "ebm_plugins.estimators.path",
    "ebm_plugins.estimators.reverse_ais",
    "ebm_core.evaluation.sandwich",
    "ebm_core.evaluation.likelihood",
    "ebm_core.evaluation.ood",
    "ebm_core.evaluation.mode_coverage",
    "ebm_core.evaluation.stein",
    "ebm_core.evaluation.plots",
]

test_every_module_has_an_example, test_example_runs = example_tests(MODULES, warnings_are_errors=True)
