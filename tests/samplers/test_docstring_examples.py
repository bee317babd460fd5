"""Every ``Example::`` block in the docstrings of the sampling code runs as written."""

from __future__ import annotations

import importlib
import inspect
import textwrap

import pytest
import torch

MODULES = [
    "ebm_core.contracts.adaptive_sampler",
    "ebm_core.contracts.sampler",
    "ebm_core.diagnostics",
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


def _examples(module_name: str) -> list[tuple[str, str]]:
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
            body = part.split("\n", 1)[1]
            lines = []
            for line in body.splitlines():
                if line.strip() and not line.startswith("    "):
                    break
                lines.append(line)
            label = f"{module_name}:{getattr(owner, '__qualname__', owner.__name__)}#{i}"
            found.append((label, textwrap.dedent("\n".join(lines))))
    return found


EXAMPLES = [example for name in MODULES for example in _examples(name)]


def test_every_module_has_an_example() -> None:
    covered = {name.split(":")[0] for name, _ in EXAMPLES}
    assert covered == set(MODULES)


@pytest.mark.parametrize("code", [c for _, c in EXAMPLES], ids=[n for n, _ in EXAMPLES])
def test_example_runs(code: str) -> None:
    torch.manual_seed(0)
    namespace: dict = {}
    module_name = [n for n, c in EXAMPLES if c == code][0].split(":")[0]
    namespace.update(vars(importlib.import_module(module_name)))
    exec(compile(code, f"<example in {module_name}>", "exec"), namespace)
