"""The platform GEMM the fused MLP kernel calls: the BLAS ``sgemm_`` torch's CPU library exports.

ebm-cuda links neither libtorch nor a BLAS (see the README's design notes), yet the fused MLP
kernel's hidden×hidden products should run on the same tuned GEMM as ``torch.mm`` (MKL in
torch's x86 wheels). torch's ``libtorch_cpu`` exports that BLAS's Fortran-convention ``sgemm_``;
its address is handed to the native code as an integer, like a tensor's ``data_ptr()``. Before
first use, :func:`platform_sgemm` checks the function on small products against ``torch.mm``
(all four transpose combinations, non-square shapes), so
a BLAS with another convention is refused — the kernel then declines and sampling falls back
to the torch path — instead of giving wrong numbers.

Example::

    import torch
    from ebm_cuda.blas import matmul, platform_sgemm
    address, where = platform_sgemm()
    if address is not None:  # torch's x86 wheels: "sgemm_ of libtorch_cpu.so"
        a, b = torch.randn(4, 3), torch.randn(5, 3)
        assert torch.allclose(matmul(address, a, b, trans_b=True), a @ b.T, atol=1e-5)
"""

from __future__ import annotations

import ctypes
import functools
import pathlib

import torch

from . import _native

_LIBRARIES = ("libtorch_cpu.so", "libtorch_cpu.dylib")


@functools.lru_cache(maxsize=None)
def platform_sgemm() -> tuple[int | None, str]:
    """``(address, where)`` of a checked ``sgemm_``, or ``(None, why not)`` (computed once)."""
    lib_dir = pathlib.Path(torch.__file__).parent / "lib"
    path = next((lib_dir / name for name in _LIBRARIES if (lib_dir / name).exists()), None)
    if path is None:
        return None, f"no torch CPU library ({' or '.join(_LIBRARIES)}) in {lib_dir}"
    try:
        function = ctypes.CDLL(str(path)).sgemm_
    except (OSError, AttributeError):
        return None, f"{path.name} exports no BLAS sgemm_"
    address = ctypes.cast(function, ctypes.c_void_p).value
    problem = _check(address)
    if problem is not None:
        return None, f"the sgemm_ in {path.name} failed its check ({problem})"
    return address, f"sgemm_ of {path.name}"


def matmul(address: int, a: torch.Tensor, b: torch.Tensor, trans_a: bool = False,
           trans_b: bool = False) -> torch.Tensor:
    """op(a) @ op(b) for contiguous float32 CPU matrices through the sgemm_ at ``address``."""
    m, k = (a.shape[1], a.shape[0]) if trans_a else a.shape
    n = b.shape[0] if trans_b else b.shape[1]
    out = torch.empty(m, n, dtype=torch.float32)
    _native.sgemm_rowmajor(address, trans_a, trans_b, m, n, k, a.data_ptr(), a.shape[1],
                           b.data_ptr(), b.shape[1], out.data_ptr(), n)
    return out


def _check(address: int) -> str | None:
    generator = torch.Generator().manual_seed(0)
    m, n, k = 7, 5, 3
    for trans_a in (False, True):
        for trans_b in (False, True):
            a = torch.randn((k, m) if trans_a else (m, k), generator=generator)
            b = torch.randn((n, k) if trans_b else (k, n), generator=generator)
            expected = (a.T if trans_a else a) @ (b.T if trans_b else b)
            got = matmul(address, a, b, trans_a, trans_b)
            if not torch.allclose(got, expected, rtol=1e-5, atol=1e-5):
                return f"trans_a={trans_a}, trans_b={trans_b} differs from torch.mm"
    return None
