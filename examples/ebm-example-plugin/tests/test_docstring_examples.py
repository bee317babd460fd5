"""The ``Example::`` blocks in the plugin's docstrings run, so they never go stale."""

import inspect
import re

import pytest

from ebm_example_plugin import Banana, RandomWalkMetropolis


@pytest.mark.parametrize("obj", [RandomWalkMetropolis, Banana], ids=lambda o: o.__name__)
def test_example_runs(obj, ebm_single_thread):
    match = re.search(r"Example::\n\n((?:    .*\n?|\n)+)", inspect.getdoc(obj))
    assert match, f"{obj.__name__} has no Example:: block"
    code = "\n".join(line[4:] for line in match.group(1).splitlines())
    exec(compile(code, f"<{obj.__name__} example>", "exec"), {})
