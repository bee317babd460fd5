"""The ``Example::`` blocks of the neural-energy kernels' modules (MLP and conv) run as written."""

from __future__ import annotations

from tests.docstring_examples import example_tests

MODULES = ["ebm_cuda.blas", "ebm_cuda.mlp_chain", "ebm_cuda.conv_chain", "ebm_cuda.prepared"]

test_every_module_has_an_example, test_example_runs = example_tests(MODULES, warnings_are_errors=True)
