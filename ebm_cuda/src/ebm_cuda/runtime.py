"""What this ebm-cuda build contains and what the machine offers.

The CUDA runtime is linked statically, so the native module imports everywhere; whether CUDA
can be used is a run-time question answered by :func:`cuda_device_count`, which the CUDA
kernels ask only when they are handed chains (never at import or registration: initialising
the CUDA driver before ``fork`` breaks the child processes).
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from . import _build_config, _native
from .errors import CudaNotAvailableError

NOT_COMPILED = (
    "ebm-cuda was built without CUDA (no nvcc at build time); rebuild it with nvcc on PATH "
    "and EBM_CUDA=ON to get the GPU kernels"
)


def cuda_compiled() -> bool:
    """Whether the CUDA backend was compiled into this build (known without loading CUDA)."""
    return bool(_build_config.CUDA_COMPILED)


@functools.lru_cache(maxsize=None)
def cuda_device_count() -> int:
    """GPUs the CUDA backend can use (0 when it is not compiled in or CUDA cannot start).

    Asks torch first, so that machines torch sees no GPU on never initialise the CUDA driver.
    """
    if not cuda_compiled() or not torch.cuda.is_available():
        return 0
    try:
        return int(_native.cuda_device_count())
    except _native.CudaUnavailable:
        return 0


def require_cuda() -> None:
    """Raise :class:`CudaNotAvailableError` unless the CUDA backend can run."""
    if not cuda_compiled():
        raise CudaNotAvailableError(f"CUDA not available: {NOT_COMPILED}")
    if cuda_device_count() == 0:
        raise CudaNotAvailableError("CUDA not available: no GPU visible (to torch and to ebm-cuda)")


def cuda_unavailable_reason() -> str | None:
    """``None`` if the CUDA kernels can run here, else why not."""
    try:
        require_cuda()
    except CudaNotAvailableError as exc:
        return str(exc)
    return None


def build_info() -> dict[str, Any]:
    """Build and run-time facts: version, CPU instruction sets built and in use, OpenMP, CUDA."""
    info = dict(_native.build_info())
    info["cpu_isa"] = _native.cpu_isa()
    info["gpus_visible"] = cuda_device_count()
    if cuda_compiled():
        info["cuda_runtime_version"] = _native.cuda_runtime_version()
        info["cuda_driver_version"] = _native.cuda_driver_version()
    return info
