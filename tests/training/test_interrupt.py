"""Ctrl-C during training writes a checkpoint at a step boundary and stops cleanly."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from ebm_core.training.checkpoint import load_checkpoint

SCRIPT = """
import sys, time, torch
from ebm_core.training import Trainer
from tests.training.toy_models import LearnableQuadratic, NoisyContrast

class Slow(NoisyContrast):
    def forward(self, data):
        time.sleep(0.01)
        return super().forward(data)

out = sys.argv[1]
result = Trainer(Slow(LearnableQuadratic()), data=torch.randn(100, 2), batch_size=8,
                 output_dir=out, progress=False, log_every=1, checkpoint_every=10**6).fit(100_000)
print("interrupted" if result.interrupted else "finished", result.step, flush=True)
"""


def test_sigint_writes_checkpoint_then_exits(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    proc = subprocess.Popen(
        [sys.executable, "-c", SCRIPT, str(tmp_path)], cwd=repo, stdout=subprocess.PIPE, text=True,
        env={**os.environ, "PYTHONPATH": str(repo)},
    )
    log = tmp_path / "metrics.jsonl"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and (not log.exists() or len(log.read_text().splitlines()) < 5):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    out, _ = proc.communicate(timeout=60)
    assert proc.returncode == 0, out
    word, step = out.split()
    assert word == "interrupted" and 5 <= int(step) < 100_000
    state = load_checkpoint(tmp_path / "checkpoint.pt")
    assert state["step"] == int(step)
    last = json.loads(log.read_text().splitlines()[-1])
    assert last["step"] == int(step)
