"""Every ``Example::`` block in the docstrings of the default recipe's modules (the fitted
mixture and its EM, the residual energy, the importance_ml loss) and of the argument checks runs."""

from __future__ import annotations

import pytest

from tests.docstring_examples import collect, run_example

MODULES = [
    "ebm_core.checks",
    "ebm_plugins.energies._mixture_em",
    "ebm_plugins.energies.fitted_gaussian_mixture",
    "ebm_plugins.energies.residual",
    "ebm_plugins.losses.importance_ml",
]

EXAMPLES = collect(MODULES)


def test_every_module_has_an_example() -> None:
    assert {name.split(":")[0] for name, _ in EXAMPLES} == set(MODULES)


@pytest.mark.parametrize(("label", "code"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs(label: str, code: str) -> None:
    run_example(label, code)
