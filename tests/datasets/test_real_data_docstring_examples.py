"""Every ``Example::`` block in the docstrings of the real-data modules (data, energies, losses) runs."""

from __future__ import annotations

import pytest

from tests.docstring_examples import collect, run_example

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

EXAMPLES = collect(MODULES)


def test_every_module_has_an_example() -> None:
    assert {name.split(":")[0] for name, _ in EXAMPLES} == set(MODULES)


@pytest.mark.parametrize(("label", "code"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs(label: str, code: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    run_example(label, code)
