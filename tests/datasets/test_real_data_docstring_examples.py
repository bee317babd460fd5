"""Every ``Example::`` block in the docstrings of the real-data modules (data, energies, losses) runs."""

from __future__ import annotations

import importlib
import inspect
import textwrap

import pytest
import torch

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
    "ebm_plugins.losses.improved_cd",
    "ebm_plugins.losses.jem",
    "ebm_plugins.losses.nce",
]


def _examples(module_name: str) -> list[tuple[str, str]]:
    module = importlib.import_module(module_name)
    owners = [module] + [
        obj for _, obj in inspect.getmembers(module)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module_name
    ]
    found = []
    for owner in owners:
        for i, part in enumerate((inspect.getdoc(owner) or "").split("Example")[1:]):
            if "::" not in part.split("\n", 1)[0]:
                continue
            lines = []
            for line in part.split("\n", 1)[1].splitlines():
                if line.strip() and not line.startswith("    "):
                    break
                lines.append(line)
            found.append((f"{module_name}:{getattr(owner, '__qualname__', owner.__name__)}#{i}",
                          textwrap.dedent("\n".join(lines))))
    return found


EXAMPLES = [example for name in MODULES for example in _examples(name)]


def test_every_module_has_an_example() -> None:
    assert {name.split(":")[0] for name, _ in EXAMPLES} == set(MODULES)


@pytest.mark.parametrize(("label", "code"), EXAMPLES, ids=[n for n, _ in EXAMPLES])
def test_example_runs(label: str, code: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # examples that write files write here
    torch.manual_seed(0)
    exec(compile(code, f"<example in {label}>", "exec"), {})
