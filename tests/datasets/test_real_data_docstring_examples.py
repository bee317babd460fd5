"""Every ``Example::`` block in the docstrings of the real-data modules (data, energies, losses) runs."""

from __future__ import annotations

from tests.docstring_examples import example_tests

MODULES = [
    "ebm_core.image_grid",
    "ebm_plugins.datasets.bundled",
    "ebm_plugins.datasets.images",
    "ebm_plugins.datasets.ood",
    "ebm_plugins.datasets.transforms",
    "ebm_plugins.datasets.user_data",
    "ebm_plugins.energies.conv",
    "ebm_plugins.energies.conv_net",
    "ebm_plugins.energies.jem",
    "ebm_plugins.losses.augmentation",
    "ebm_plugins.losses.improved_cd",
    "ebm_plugins.losses.jem",
    "ebm_plugins.losses.nce",
]

test_every_module_has_an_example, test_example_runs = example_tests(MODULES)
