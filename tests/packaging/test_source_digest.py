"""scripts/source_digest.sh — the stamp scripts/setup.sh rebuilds ebm-cuda by — changes when a
source changes and never because a build wrote into ebm_cuda/build/ (in a git checkout and in
an unpacked archive without git)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from .fresh_venv import REPO

SCRIPT = REPO / "scripts" / "source_digest.sh"


def _digest(root: Path) -> str:
    out = subprocess.run(["bash", str(root / "scripts" / "source_digest.sh"), "ebm_cuda"],
                         capture_output=True, text=True, check=True)
    (line,) = out.stdout.split()
    assert len(line) == 64
    return line


def _build(root: Path, run: int) -> None:
    """Write what a CMake configure and build leave behind, different on every run."""
    out = root / "ebm_cuda" / "build" / "cp311-cp311-linux_x86_64"
    (out / "CMakeFiles" / "CompilerIdCXX").mkdir(parents=True, exist_ok=True)
    (out / "CMakeFiles" / "CompilerIdCXX" / "CMakeCXXCompilerId.cpp").write_text(f"// run {run}\n")
    (out / "CMakeCache.txt").write_text(f"RUN:STRING={run}\n")
    (out / "CMakeFiles" / "Makefile.cmake").write_text(f"# run {run}\n")
    (out / "_native.so").write_bytes(bytes([run]) * 16)
    (root / "ebm_cuda" / "src" / "__pycache__").mkdir(exist_ok=True)
    (root / "ebm_cuda" / "src" / "__pycache__" / "plugin.cpython-311.pyc").write_bytes(bytes([run]))


@pytest.fixture
def source_tree(tmp_path: Path) -> Path:
    root = tmp_path / "repo"
    (root / "scripts").mkdir(parents=True)
    shutil.copy(SCRIPT, root / "scripts" / SCRIPT.name)
    (root / "ebm_cuda" / "csrc").mkdir(parents=True)
    (root / "ebm_cuda" / "src").mkdir()
    (root / "ebm_cuda" / "csrc" / "chain.h").write_text("// chain\n")
    (root / "ebm_cuda" / "CMakeLists.txt").write_text("project(x)\n")
    (root / "ebm_cuda" / "src" / "plugin.py").write_text("X = 1\n")
    (root / "ebm_cuda" / ".gitignore").write_text("build/\n__pycache__/\n")
    return root


@pytest.mark.parametrize("with_git", [True, False], ids=["git checkout", "no git"])
def test_digest_ignores_build_output_and_follows_sources(source_tree: Path, with_git: bool) -> None:
    if with_git:
        git = ["git", "-C", str(source_tree), "-c", "user.name=t", "-c", "user.email=t@t"]
        subprocess.run([*git, "init", "-q"], check=True)
        subprocess.run([*git, "add", "."], check=True)
        subprocess.run([*git, "commit", "-q", "-m", "sources"], check=True)
    before = _digest(source_tree)
    _build(source_tree, 1)
    assert _digest(source_tree) == before, "a build changed the stamp: setup.sh would rebuild every time"
    _build(source_tree, 2)
    assert _digest(source_tree) == before

    (source_tree / "ebm_cuda" / "csrc" / "chain.h").write_text("// chain, edited\n")
    edited = _digest(source_tree)
    assert edited != before, "an edited source must trigger a rebuild"
    (source_tree / "ebm_cuda" / "csrc" / "new_kernel.cu").write_text("// new\n")
    assert _digest(source_tree) != edited, "a new (not yet committed) source must trigger a rebuild"


def test_setup_stamps_ebm_cuda_with_this_digest() -> None:
    setup = (REPO / "scripts" / "setup.sh").read_text()
    assert "digest=$(bash scripts/source_digest.sh ebm_cuda)" in setup
