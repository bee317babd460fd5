"""Data-parallel training: 2 CPU processes (gloo, 127.0.0.1) launched with torchrun."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from pathlib import Path

import torch

from ebm_core.training import Trainer

from .toy_models import GaussianNLL, LearnableQuadratic, training_data


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_two_process_training_matches_single_process(tmp_path: Path) -> None:
    repo = Path(__file__).resolve().parents[2]
    cmd = [
        sys.executable, "-m", "torch.distributed.run", "--nnodes=1", "--nproc_per_node=2",
        "--master_addr=127.0.0.1", f"--master_port={free_port()}",
        str(repo / "tests" / "training" / "ddp_script.py"), str(tmp_path),
    ]
    env = {**os.environ, "PYTHONPATH": str(repo), "OMP_NUM_THREADS": "1"}
    proc = subprocess.run(cmd, cwd=repo, env=env, capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]

    single = Trainer(GaussianNLL(LearnableQuadratic()), data=training_data(), batch_size=32,
                     lr=0.05, seed=5, progress=False)
    single.fit(20)
    expected = torch.cat([p.detach().flatten() for p in single.loss.parameters()])
    distributed = torch.load(tmp_path / "params.pt", weights_only=True)
    torch.testing.assert_close(distributed, expected, rtol=1e-5, atol=1e-6)
    assert not torch.equal(expected, torch.zeros_like(expected)), "training must have moved the parameters"
