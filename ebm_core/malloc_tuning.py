"""Keep freed CPU memory in the process between sampler steps (glibc ``malloc`` thresholds).

Every gradient evaluation of a conv energy allocates and frees activation maps of ~10 MB (128
chains × 32 channels × 28 × 28 float32 = 12.8 MB for the W5 benchmark net). With glibc's
defaults a freed block that large is handed back to the operating system — unmapped, or
trimmed off the top of the heap once more than the *trim threshold* (dynamically 2 × the
largest freed block) is free there — so the next step touches fresh pages and the kernel
zero-fills them one page fault at a time. On W5 that was 6,000–11,000 minor page faults and
15–25 ms of system time per gradient evaluation, against ~30 ms of computation.

:func:`keep_freed_memory` raises both thresholds once per process with ``mallopt``:

* ``M_MMAP_THRESHOLD`` = 128 MiB (32 MiB where glibc refuses more: older releases cap it at
  half their 64 MiB heap size): blocks up to that size come from the heap, not from a private
  ``mmap`` each. Larger blocks — a 32-channel 28 × 28 float32 map of more than ~1,300 chains
  (~330 with the fallback) — are still mapped and faulted in per allocation;
* ``M_TRIM_THRESHOLD`` = 256 MiB: free memory at the top of each heap is returned to the OS
  only beyond that much.

Cost: up to 256 MiB of freed memory at the top of each heap stays in the process (free blocks
below live ones are never returned, with or without the tuning), as a caching allocator such
as jemalloc or tcmalloc keeps memory by design. ebm calls it the first time chains are
sampled on the CPU (:meth:`ebm_core.Sampler.run`, hence training and evaluation). It changes
nothing when

* ``EBM_MALLOC_TUNING`` is ``0``, ``false``, ``no`` or ``off`` (opt out),
* the user already chose thresholds (any of ``MALLOC_MMAP_THRESHOLD_``,
  ``MALLOC_TRIM_THRESHOLD_``, ``MALLOC_TOP_PAD_``, ``MALLOC_MMAP_MAX_``, or the same settings as
  ``glibc.malloc.*`` in ``GLIBC_TUNABLES``) — their choice stays, or
* the C library is not glibc (macOS, Windows, musl).

Example::

    from ebm_core.malloc_tuning import keep_freed_memory
    applied = keep_freed_memory()  # True on glibc unless opted out; later calls repeat the answer
    assert keep_freed_memory() == applied
"""

from __future__ import annotations

import ctypes
import functools
import os
import platform
from collections.abc import Mapping

from .environment_switches import switch

#: Opt-out switch: ``EBM_MALLOC_TUNING=0`` leaves glibc's defaults alone.
OPT_OUT_ENV = "EBM_MALLOC_TUNING"
#: Blocks up to this size come from the heap; the fallback is older glibc's maximum (64-bit).
MMAP_THRESHOLD_BYTES = 128 << 20
MMAP_THRESHOLD_FALLBACK_BYTES = 32 << 20
#: Free memory kept at the top of the heap before it is returned to the OS.
TRIM_THRESHOLD_BYTES = 256 << 20

# mallopt parameter numbers from glibc's <malloc.h>.
_M_TRIM_THRESHOLD = -1
_M_MMAP_THRESHOLD = -3

_USER_SETTINGS = ("MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_", "MALLOC_MMAP_MAX_")
_USER_TUNABLES = ("glibc.malloc.mmap_threshold", "glibc.malloc.trim_threshold", "glibc.malloc.top_pad",
                  "glibc.malloc.mmap_max")


def skip_reason(environ: Mapping[str, str] | None = None) -> str | None:
    """Why :func:`keep_freed_memory` would leave ``malloc`` alone, or ``None`` if it would tune it."""
    environ = os.environ if environ is None else environ
    if switch(OPT_OUT_ENV, environ) is False:
        return f"{OPT_OUT_ENV}={environ[OPT_OUT_ENV].strip()}"
    chosen = [name for name in _USER_SETTINGS if environ.get(name, "") != ""]
    if any(tunable in environ.get("GLIBC_TUNABLES", "") for tunable in _USER_TUNABLES):
        chosen.append("GLIBC_TUNABLES")
    if chosen:
        return f"the user set {', '.join(chosen)}"
    if platform.system() != "Linux" or platform.libc_ver()[0] != "glibc":
        return "the C library is not glibc"
    return None


@functools.cache
def keep_freed_memory() -> bool:
    """Raise glibc's mmap and trim thresholds (see the module docstring); True when applied.

    Runs once per process (the answer is cached). Never raises: a C library without
    ``mallopt``, or one that rejects both mmap thresholds, leaves the defaults and the answer
    is False. (Once an mmap threshold is accepted glibc has stopped adjusting its thresholds;
    the trim threshold, which glibc accepts at any size, then follows.)
    """
    if skip_reason() is not None:
        return False
    try:
        mallopt = ctypes.CDLL(None).mallopt
    except (OSError, AttributeError):
        return False
    mallopt.argtypes, mallopt.restype = (ctypes.c_int, ctypes.c_int), ctypes.c_int
    # The mmap threshold first: a refused value changes nothing, an accepted one turns off
    # glibc's dynamic adjustment of both thresholds.
    if not (mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_BYTES) or mallopt(_M_MMAP_THRESHOLD, MMAP_THRESHOLD_FALLBACK_BYTES)):
        return False
    return bool(mallopt(_M_TRIM_THRESHOLD, TRIM_THRESHOLD_BYTES))
