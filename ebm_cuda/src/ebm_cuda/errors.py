"""Exceptions raised by ebm-cuda's wrappers (all are :class:`ebm_core.EbmError`)."""

from __future__ import annotations

from ebm_core import EbmError


class KernelInputError(EbmError, ValueError):
    """A tensor or parameter handed to a kernel has the wrong shape, layout, device or value."""


class KernelDTypeError(KernelInputError, TypeError):
    """A tensor handed to a kernel has an unsupported dtype (kernels take float32 and float64)."""


class CudaNotAvailableError(EbmError, RuntimeError):
    """CUDA cannot be used: ebm-cuda was built without it, or no GPU/driver is visible."""
