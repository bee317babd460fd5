"""Every ``Example::`` block in the docstrings of the evaluation code runs as written."""

from __future__ import annotations

import pytest

from tests.docstring_examples import collect, run_example

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

EXAMPLES = collect(MODULES)


def test_every_module_has_an_example() -> None:
    assert {name.split(":")[0] for name, _ in EXAMPLES} == set(MODULES)


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize(("label", "code"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs(label: str, code: str) -> None:
    run_example(label, code)
