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
        out = self.completed(*args, cwd=cwd)
        if out.returncode != 0:
            raise AssertionError(f"{' '.join(args)} exited {out.returncode}:\n{out.stderr}")
        return out.stdout

    def completed(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        """Like :meth:`run`, but return the finished process (exit code, stdout, stderr)."""
        exe = self.python if args[0] == "python" else self.root / "bin" / args[0]
        env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
        env["EBM_STRICT_PLUGINS"] = "1"
        return subprocess.run(
            [str(exe), *args[1:]], capture_output=True, text=True, cwd=str(cwd or self.root), env=env
        )


def build_distributions(source: Path, out: Path) -> tuple[Path, Path]:
    """``python -m build`` → (sdist, wheel) of the project at ``source``."""
    subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        check=True, capture_output=True, text=True,
    )
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return sdist, wheel


def build_ebm_cuda(out: Path) -> tuple[Path, Path]:
    """``python -m build`` of ebm_cuda/ → (sdist, wheel built from that sdist).

    A quick build: CPU kernels only, baseline instruction set (no CUDA, one CPU copy). Building
    from the sdist keeps the checkout's ebm_cuda/build/ untouched.
    """
    env = dict(os.environ, EBM_CUDA="OFF", EBM_CPU_ISAS="baseline")
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO / "ebm_cuda")],
                          capture_output=True, text=True, env=env)
    if proc.returncode != 0:
        raise AssertionError(f"building ebm-cuda failed:\n{proc.stderr[-4000:]}")
    (sdist,) = out.glob("ebm_cuda-*.tar.gz")
    (wheel,) = out.glob("ebm_cuda-*.whl")
    return sdist, wheel
