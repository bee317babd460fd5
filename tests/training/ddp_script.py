"""Run under torchrun by test_distributed.py (2 CPU processes, gloo, loopback)."""

from __future__ import annotations

import sys
from pathlib import Path

import torch
import torch.distributed as dist

from ebm_core.training import Trainer
from ebm_core.training.checkpoint import load_checkpoint
from tests.training.toy_models import GaussianNLL, LearnableQuadratic, NoisyContrast, training_data


def all_ranks_equal(tensor: torch.Tensor) -> bool:
    gathered = [torch.empty_like(tensor) for _ in range(dist.get_world_size())]
    dist.all_gather(gathered, tensor)
    return all(torch.equal(gathered[0], t) for t in gathered)


def flat_params(trainer: Trainer) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in trainer.loss.parameters()])


def main(out: Path) -> None:
    # Phase A: a deterministic loss; compared with a single process by the test.
    trainer = Trainer(GaussianNLL(LearnableQuadratic()), data=training_data(), batch_size=32,
                      lr=0.05, seed=5, progress=False)
    assert trainer.group.world_size == 2
    for step in range(1, 21):
        trainer.fit(step)
        assert all_ranks_equal(flat_params(trainer)), f"ranks disagree after step {step}"
    if trainer.group.is_main:
        torch.save(flat_params(trainer), out / "params.pt")

    # Phase B: per-rank replay buffers and negatives; rank 0 checkpoints every rank's state.
    trainer = Trainer(NoisyContrast(LearnableQuadratic()), data=training_data(), batch_size=32,
                      lr=0.05, seed=5, progress=False, output_dir=out, log_every=5)
    trainer.fit(10)
    assert all_ranks_equal(flat_params(trainer))
    assert not all_ranks_equal(trainer.loss.buffer), "ranks must draw distinct negatives"
    dist.barrier()
    state = load_checkpoint(out / "checkpoint.pt")
    mine = state["ranks"][trainer.group.rank]["loss"]["buffer"]
    assert torch.equal(mine, trainer.loss.buffer), "checkpoint must hold this rank's own buffer"
    dist.destroy_process_group()


if __name__ == "__main__":
    main(Path(sys.argv[1]))
