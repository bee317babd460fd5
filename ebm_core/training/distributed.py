"""What the trainer needs from ``torch.distributed``: rank, world size, reductions, gathers.

Outside a process group everything degrades to the single-process case (rank 0 of 1), so
the trainer has one code path. Under ``torchrun`` the trainer initialises the group from
the environment (NCCL on GPUs, gloo on CPU).
"""

from __future__ import annotations

import dataclasses
import os
from typing import Any

import torch
import torch.distributed as dist


@dataclasses.dataclass(frozen=True)
class ProcessGroup:
    """This process's place in the job."""

    rank: int = 0
    world_size: int = 1

    @property
    def is_main(self) -> bool:
        """Rank 0 writes checkpoints, plots and logs."""
        return self.rank == 0

    @property
    def active(self) -> bool:
        return self.world_size > 1

    def mean(self, value: torch.Tensor) -> torch.Tensor:
        """All-reduce mean of a tensor across ranks (identity in a single process)."""
        if not self.active:
            return value
        reduced = value.detach().clone()
        dist.all_reduce(reduced, op=dist.ReduceOp.SUM)
        return reduced / self.world_size

    def max(self, value: torch.Tensor) -> torch.Tensor:
        """All-reduce maximum (identity in a single process): "did any rank ..." flags."""
        if not self.active:
            return value
        reduced = value.detach().clone()
        dist.all_reduce(reduced, op=dist.ReduceOp.MAX)
        return reduced

    def gather(self, obj: Any) -> list[Any]:
        """Every rank's ``obj`` in rank order (``[obj]`` in a single process)."""
        if not self.active:
            return [obj]
        out: list[Any] = [None] * self.world_size
        dist.all_gather_object(out, obj)
        return out

    def barrier(self) -> None:
        if self.active:
            dist.barrier()


def current_group(device: torch.device | str = "cpu") -> ProcessGroup:
    """The active process group, initialising it from ``torchrun``'s environment if needed.

    The backend follows the training ``device``: NCCL for CUDA, gloo for CPU (so a CPU run
    on a machine that has GPUs still works).
    """
    if not dist.is_available():
        return ProcessGroup()
    if not dist.is_initialized():
        if int(os.environ.get("WORLD_SIZE", "1")) <= 1:
            return ProcessGroup()
        backend = "nccl" if torch.device(device).type == "cuda" else "gloo"
        dist.init_process_group(backend=backend)
    return ProcessGroup(rank=dist.get_rank(), world_size=dist.get_world_size())


def local_cuda_device() -> str:
    """``cuda:<LOCAL_RANK>`` under ``torchrun`` (each rank its own GPU), else ``cuda``; selects it."""
    local_rank = os.environ.get("LOCAL_RANK")
    if local_rank is None:
        return "cuda"
    torch.cuda.set_device(int(local_rank))
    return f"cuda:{int(local_rank)}"
