"""Smoke test of ``python -m benchmarks.digits_quality`` at tiny sizes (the full run is a
documented command, not a CI test): it trains, estimates log Z by AIS and prints the table with
the exact Gaussian and mixture baselines."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

REPO = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_digits_quality_runs_every_row_at_tiny_sizes() -> None:
    pytest.importorskip("sklearn")
    out = subprocess.run(
        [sys.executable, "-m", "benchmarks.digits_quality", "--recipes", "nce:2@2,dsm:0.03",
         "--steps", "3", "--chains", "8", "--temperatures", "5"],
        cwd=REPO, capture_output=True, text=True, timeout=600,
    )
    assert out.returncode == 0, out.stderr[-3000:]
    assert "AIS check on the Gaussian" in out.stdout
    table = [line for line in out.stdout.splitlines() if line.startswith("| ")]
    names = [line.split("|")[1].strip() for line in table[1:]]
    assert names[0].startswith("gaussian") and names[1].startswith("2-component")
    assert names[2].startswith("nce:2@2") and names[3].startswith("dsm:0.03")
    assert all(line.count("|") == table[0].count("|") for line in table)
