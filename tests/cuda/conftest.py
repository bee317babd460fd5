"""Shared helpers for the ebm-cuda tests.

CPU-backend tests always run. Tests of the CUDA backend carry ``@pytest.mark.cuda`` and the
``requires_gpu`` skip, which skips them only when no GPU is visible (and says why).
"""

from __future__ import annotations

from typing import Any

import pytest
import torch
from ebm_core.kernels import ChainRequest

import ebm_cuda
from ebm_cuda.runtime import cuda_unavailable_reason

_GPU_REASON = cuda_unavailable_reason()
#: Skip marker for tests that need the CUDA backend and a visible GPU.
requires_gpu = pytest.mark.skipif(_GPU_REASON is not None, reason=_GPU_REASON or "")


def chain_request(
    sampler: str,
    sampler_params: dict[str, Any],
    energy: str,
    energy_params: dict[str, Any],
    x0: torch.Tensor,
    n_steps: int,
    *,
    burn_in: int = 0,
    thin: int = 1,
    seed: int = 0,
    record_trajectory: bool = False,
) -> ChainRequest:
    """A ChainRequest with the usual defaults."""
    return ChainRequest(
        sampler=sampler,
        sampler_params=sampler_params,
        energy=energy,
        energy_params=energy_params,
        x0=x0,
        n_steps=n_steps,
        burn_in=burn_in,
        thin=thin,
        seed=seed,
        record_trajectory=record_trajectory,
    )


def run_fused(request: ChainRequest, device: str = "cpu"):
    """Run ``request`` through ebm-cuda's kernel for its (sampler, energy) on ``device``."""
    kernel = ebm_cuda.FusedChainKernel(request.sampler, request.energy, device)
    reason = kernel.unsupported_reason(request)
    assert reason is None, reason
    return kernel.run(request)
