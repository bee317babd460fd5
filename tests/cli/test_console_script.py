"""The installed ``ebm`` console script is the command line (``ebm_core.cli.main:main``)."""

from __future__ import annotations

import subprocess
import sys
from importlib.metadata import entry_points
from pathlib import Path

import ebm_core
from ebm_core.cli.main import main


def test_the_console_script_entry_point_is_the_cli_main() -> None:
    (script,) = entry_points(group="console_scripts", name="ebm")
    assert script.load() is main


def test_the_installed_script_runs() -> None:
    """Next to the interpreter, as pip installs it (the README's and demo's ``.venv/bin/ebm``)."""
    executable = Path(sys.executable).with_name("ebm")
    out = subprocess.run([str(executable), "--version"], capture_output=True, text=True, timeout=120, check=True)
    assert ebm_core.__version__ in out.stdout
