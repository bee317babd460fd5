"""The example plugin's own test suite passes, run the way its author runs it.

It runs in a subprocess from the example's folder, so its ``pyproject.toml`` configures
pytest (``pythonpath = ["src"]``) and its ``conftest.py`` enables the kit's pytest plugin;
the options ``--ebm-device`` and ``--ebm-false-fail-rate`` exercise that plugin. The example
is not installed here: its conftest registers it in-process (its packaging is tested in
tests/packaging/test_example_plugin.py).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "ebm-example-plugin"


def test_example_plugin_tests_pass_with_the_kit() -> None:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "PYTEST_ADDOPTS")}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--ebm-device", "cpu",
         "--ebm-false-fail-rate", "1e-3"],
        cwd=EXAMPLE, capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, f"the example plugin's tests failed:\n{out.stdout[-6000:]}\n{out.stderr[-3000:]}"
    assert " passed" in out.stdout and "failed" not in out.stdout
