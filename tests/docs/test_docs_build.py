"""The documentation site builds with ``mkdocs build --strict`` (every warning is an error).

mkdocs, mkdocs-material and mkdocstrings come with the ``docs`` extra, which
``scripts/setup.sh`` installs; the test is skipped only where they are missing, saying how to
install them.
"""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
NEEDED = ("mkdocs", "material", "mkdocstrings", "mkdocstrings_handlers.python")


def test_docs_build_strictly(tmp_path: Path) -> None:
    missing = [m for m in NEEDED if importlib.util.find_spec(m.split(".")[0]) is None]
    if missing:
        pytest.skip(f"mkdocs tooling not installed ({', '.join(missing)}): pip install -e '.[docs]'")
    assert (REPO / "docs" / "performance.md").exists(), (
        "docs/performance.md (the benchmark report, linked from the nav) is missing"
    )
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1"}
    out = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path / "site")],
        cwd=REPO, capture_output=True, text=True, env=env, timeout=300,
    )
    assert out.returncode == 0, f"mkdocs build --strict failed:\n{out.stdout[-4000:]}\n{out.stderr[-6000:]}"
    for page in ("index.html", "guides/writing-a-plugin/index.html", "reference/testing/index.html"):
        assert (tmp_path / "site" / page).exists(), f"{page} was not generated"
    reference = (tmp_path / "site" / "reference" / "testing" / "index.html").read_text(encoding="utf-8")
    assert "check_sampler_contract" in reference  # mkdocstrings rendered the docstrings
