"""The fused Langevin update for any energy: :class:`ebm_core.kernels.LangevinUpdateKernel`.

For energies without a fused chain (neural networks), the sampler loop computes ∇E with
autograd and hands the update ``x ← clamp(x − h·g + σ·√(2h)·ξ)`` to this kernel, which draws ξ
in-kernel (Philox, counter (element block, chain, step)) and writes x in place: one read of x
and g and one write of x, instead of torch's separate noise, multiply and add passes.
"""

from __future__ import annotations

from typing import Any

import torch
from ebm_core.kernels import LangevinUpdateKernel

from . import _native
from .errors import CudaNotAvailableError, KernelInputError
from .runtime import require_cuda
from .tensors import (
    check_like,
    check_state,
    integer_in_range,
    native_dtype,
    non_negative_float,
    non_negative_int,
    positive_float,
)

MASK64 = (1 << 64) - 1


class FusedLangevinUpdate(LangevinUpdateKernel):
    """In-place ``x ← clamp(x − h·g + σ√(2h)·ξ)`` for x of shape (chains, *event_shape)."""

    def __init__(self, device: str) -> None:
        if device not in ("cpu", "cuda"):
            raise ValueError(f"device must be 'cpu' or 'cuda', got {device!r}")
        self.device = device

    def __repr__(self) -> str:
        return f"FusedLangevinUpdate({self.device!r})"

    def unsupported_reason(self, x: torch.Tensor, grad: torch.Tensor) -> str | None:
        try:
            self._check(x, grad)
        except (KernelInputError, CudaNotAvailableError) as exc:
            return str(exc)
        return None

    def update_(
        self,
        x: torch.Tensor,
        grad: torch.Tensor,
        *,
        step_size: float,
        noise_scale: float,
        seed: int,
        step: int,
        clamp: float | None = None,
    ) -> None:
        self._check(x, grad)
        args = _native.UpdateArgs()
        args.dtype = native_dtype(x, "x")
        args.chains = x.shape[0]
        args.elements = x.numel() // x.shape[0] if x.shape[0] else 0
        args.x, args.grad = x.data_ptr(), grad.data_ptr()
        args.step_size = positive_float(step_size, "step_size")
        args.noise_scale = non_negative_float(noise_scale, "noise_scale")
        args.has_clamp = clamp is not None
        if clamp is not None:
            args.clamp = positive_float(clamp, "clamp")
        args.seed = integer_in_range(seed, "seed") & MASK64
        args.step = non_negative_int(step, "step") & MASK64
        if self.device == "cpu":
            args.n_threads = torch.get_num_threads()
            _native.langevin_update_cpu(args)
            return
        args.device = x.device.index
        args.stream = torch.cuda.current_stream(x.device).cuda_stream
        try:
            _native.langevin_update_cuda(args)
        except _native.CudaUnavailable as exc:
            raise CudaNotAvailableError(str(exc)) from exc

    def _check(self, x: Any, grad: Any) -> None:
        if self.device == "cuda":
            require_cuda()
        check_state(x, "x", self.device)
        check_like(grad, "grad", x, "x")
        if x.requires_grad and torch.is_grad_enabled():
            raise KernelInputError("x requires grad; update it under torch.no_grad() (the update is in place)")
