"""A throw-away virtual environment with torch, for tests that install built distributions.

Creating it costs ~30 s (torch is installed from the wheel pip finds, honouring
``TORCH_SPEC`` like scripts/setup.sh), so one is shared by every test of a session.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


class FreshVenv:
    """A venv under ``root``: ``pip(...)`` installs, ``run(...)`` runs its python."""

    def __init__(self, root: Path) -> None:
        self.root = root
        subprocess.run([sys.executable, "-m", "venv", str(root)], check=True)
        self.python = root / "bin" / "python"
        self.pip("install", os.environ.get("TORCH_SPEC", "torch==2.13.0"))

    def pip(self, *args: str) -> None:
        out = subprocess.run(
            [str(self.python), "-m", "pip", "--disable-pip-version-check", "-q", *args],
            capture_output=True, text=True,
        )
        if out.returncode != 0:
            raise AssertionError(f"pip {' '.join(args)} failed:\n{out.stderr[-4000:]}")

    def run(self, *args: str, cwd: Path | None = None) -> str:
        """Run a command of the venv (``python ...`` or a console script) and return stdout."""
        exe = self.python if args[0] == "python" else self.root / "bin" / args[0]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["EBM_STRICT_PLUGINS"] = "1"
        out = subprocess.run(
            [str(exe), *args[1:]], capture_output=True, text=True, cwd=str(cwd or self.root), env=env
        )
        if out.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {out.returncode}:\n{out.stderr}")
        return out.stdout


def build_distributions(source: Path, out: Path) -> tuple[Path, Path]:
    """``python -m build`` → (sdist, wheel) of the project at ``source``."""
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        check=True, capture_output=True, text=True,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel
