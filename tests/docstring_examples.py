"""Collect and run the ``Example::`` blocks of modules' docstrings (shared by the test packages).

A block is the indented text after a line ending in ``Example::`` (module, class or function
docstrings of the module itself), labelled ``module:qualname#i``. It runs as written, with the
module's names in scope and torch seeded, so a docstring that drifts from the code fails.
"""

from __future__ import annotations

import importlib
import inspect
import textwrap


def examples(module_name: str) -> list[tuple[str, str]]:
    """``(label, code)`` of every ``Example::`` block in ``module_name``'s docstrings."""
    module = importlib.import_module(module_name)
    owners = [module] + [
        obj
        for _, obj in inspect.getmembers(module)
        if (inspect.isclass(obj) or inspect.isfunction(obj)) and obj.__module__ == module_name
    ]
    found = []
    for owner in owners:
        doc = inspect.getdoc(owner) or ""
        for i, part in enumerate(doc.split("Example")[1:]):
            if "::" not in part.split("\n", 1)[0]:
                continue
            lines = []
            for line in part.split("\n", 1)[1].splitlines():
                if line.strip() and not line.startswith("    "):
                    break
                lines.append(line)
            label = f"{module_name}:{getattr(owner, '__qualname__', owner.__name__)}#{i}"
            found.append((label, textwrap.dedent("\n".join(lines))))
    return found


def collect(modules: list[str]) -> list[tuple[str, str]]:
    """The examples of every module, in order."""
    return [example for name in modules for example in examples(name)]


def run_example(label: str, code: str) -> None:
    """Run one block with its module's names in scope and ``torch.manual_seed(0)``."""
    import torch

    torch.manual_seed(0)
    namespace = dict(vars(importlib.import_module(label.split(":")[0])))
    exec(compile(code, f"<example in {label}>", "exec"), namespace)


def example_tests(modules: list[str], *, warnings_are_errors: bool = False):
    """The two tests of a docstring-example module: every module in ``modules`` has an example,
    and each example runs (in a temporary working directory, so examples that write files write
    there; with ``warnings_are_errors`` an example that warns fails). Use as
    ``test_every_module_has_an_example, test_example_runs = example_tests(MODULES)``."""
    import pytest

    found = collect(modules)
    strictness = [pytest.mark.filterwarnings("error")] if warnings_are_errors else []

    def test_every_module_has_an_example() -> None:
        assert {name.split(":")[0] for name, _ in found} == set(modules)

    @pytest.mark.parametrize(
        ("label", "code"), [pytest.param(*example, id=example[0], marks=strictness) for example in found]
    )
    def test_example_runs(label: str, code: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
        monkeypatch.chdir(tmp_path)
        run_example(label, code)

    return test_every_module_has_an_example, test_example_runs
