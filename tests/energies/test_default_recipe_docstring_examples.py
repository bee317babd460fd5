"""Every ``Example::`` block in the docstrings of the default recipe's modules (the fitted
mixture and its EM, the residual energy, the importance_ml loss) and of the argument checks runs."""

from __future__ import annotations

from tests.docstring_examples import example_tests

MODULES = [
    "ebm_core.checks",
    "ebm_plugins.energies._mixture_em",
    "ebm_plugins.energies.fitted_gaussian_mixture",
    "ebm_plugins.energies.residual",
    "ebm_plugins.losses.importance_ml",
]

test_every_module_has_an_example, test_example_runs = example_tests(MODULES)
