"""The execution environment: the thread budget every system gets, and a machine description.

Every system runs in its own subprocess with the same budget of :data:`THREADS` threads:

* ``OMP_NUM_THREADS``/``MKL_NUM_THREADS``/``OPENBLAS_NUM_THREADS`` (torch's and ebm-cuda's
  OpenMP pools, BLAS) and ``torch.set_num_threads`` in the worker;
* ``XLA_FLAGS=--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads=2`` for JAX;
* the process's CPU affinity restricted to :data:`THREADS` CPUs when the machine has more,
  which also bounds thread pools that size themselves from the hardware (XLA's).

``float32`` everywhere (torch's and JAX's default dtypes).
"""

from __future__ import annotations

import datetime
import importlib.metadata
import os
import platform

THREADS = 2
#: Set by :func:`thread_env` for the workers: their thread budget (``THREADS`` unless the
#: smoke test's shared-workers mode lowers it to keep concurrent workers off each other's CPUs).
THREADS_ENV = "EBM_BENCH_THREADS"
DISABLE_KERNELS_ENV = "EBM_DISABLE_KERNELS"

#: Distributions whose versions the report records (missing ones are reported as such).
DISTRIBUTIONS = (
    "ebm-core", "ebm-cuda", "torch", "torchebm", "ebmkit", "jax", "jaxlib", "blackjax",
    "optax", "numpy",
)


def threads() -> int:
    """This worker's thread budget (:data:`THREADS` unless :data:`THREADS_ENV` says otherwise)."""
    return int(os.environ.get(THREADS_ENV, THREADS))


def thread_env(n_threads: int = THREADS, base: dict[str, str] | None = None) -> dict[str, str]:
    """A copy of ``base`` (default: this process's environment) with a budget of ``n_threads``."""
    env = dict(os.environ if base is None else base)
    n = str(n_threads)
    env.update(
        EBM_BENCH_THREADS=n,
        OMP_NUM_THREADS=n,
        MKL_NUM_THREADS=n,
        OPENBLAS_NUM_THREADS=n,
        XLA_FLAGS=f"--xla_cpu_multi_thread_eigen=true intra_op_parallelism_threads={n}",
        JAX_PLATFORMS="cpu",
        TF_CPP_MIN_LOG_LEVEL="2",
    )
    env.pop(DISABLE_KERNELS_ENV, None)
    return env


def pin_threads() -> list[int]:
    """Restrict this process to :func:`threads` CPUs (no-op where it has that few); returns them."""
    if not hasattr(os, "sched_getaffinity"):
        return []
    allowed = sorted(os.sched_getaffinity(0))
    if len(allowed) > threads():
        allowed = allowed[: threads()]
        os.sched_setaffinity(0, allowed)
    return allowed


def set_torch_threads() -> None:
    """``torch.set_num_threads(threads())`` (imports torch)."""
    import torch

    torch.set_num_threads(threads())


def versions() -> dict[str, str | None]:
    """Installed version of each of :data:`DISTRIBUTIONS` (``None`` when not installed)."""
    found: dict[str, str | None] = {}
    for name in DISTRIBUTIONS:
        try:
            found[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            found[name] = None
    return found


def load_average() -> list[float] | None:
    """The 1/5/15-minute load averages (``None`` where the OS has none)."""
    try:
        return [round(v, 2) for v in os.getloadavg()]
    except OSError:
        return None


#: Environment variables that change how the kernels or thread pools behave, recorded when set.
RECORDED_ENV = (
    "OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "KMP_BLOCKTIME", "EBM_CUDA_CPU_ISA",
    DISABLE_KERNELS_ENV,
    "EBM_THREAD_SHARING",  # fewer threads while other processes hold cores (ebm_core.thread_sharing)
    # ebm's malloc tuning and what overrides it (ebm_core.malloc_tuning): W5 moves ~1.7× with it
    "EBM_MALLOC_TUNING", "MALLOC_MMAP_THRESHOLD_", "MALLOC_TRIM_THRESHOLD_", "MALLOC_TOP_PAD_",
    "MALLOC_MMAP_MAX_", "GLIBC_TUNABLES",
)
#: The variables :func:`thread_env` sets for the workers.
THREAD_ENV_KEYS = (
    "OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "XLA_FLAGS", "JAX_PLATFORMS",
)


def machine() -> dict:
    """CPU model, core count, memory, OS, Python, library versions and the time of the run."""
    return {
        "env": {k: os.environ[k] for k in RECORDED_ENV if k in os.environ},
        "cpu": _cpu_model(),
        "logical_cpus": os.cpu_count(),
        "memory_gb": _memory_gb(),
        "os": platform.platform(),
        "python": platform.python_version(),
        "threads_per_system": THREADS,
        "versions": versions(),
        "date": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"),
    }


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def _memory_gb() -> float | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemTotal:"):
                    return round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    return None
