"""Timing and memory measurement: warm-up excluded, median of repeats, peak RSS per workload.

Peak RSS is the kernel's high-water mark ``VmHWM`` of the worker process. Before each
workload the mark is reset to the current RSS (``echo 5 > /proc/self/clear_refs``, Linux ≥ 4.0),
so the peak reported for a workload is the most memory the process held while running it —
baseline (interpreter, libraries) included; ``extra`` is the part above the RSS at the reset.
Where the reset is not possible the process-lifetime peak (``ru_maxrss``) is reported instead
and ``peak_is_process_wide`` says so.
"""

from __future__ import annotations

import dataclasses
import resource
import statistics
import time
from typing import Any, Callable


@dataclasses.dataclass
class Timing:
    """Times of one workload: the compile step, the warm-up run and the timed repeats (s)."""

    compile_s: float | None
    warmup_s: float
    times_s: list[float]

    @property
    def median_s(self) -> float:
        return statistics.median(self.times_s)

    def to_json(self) -> dict:
        times = sorted(self.times_s)
        return {
            "compile_s": self.compile_s,
            "warmup_s": self.warmup_s,
            "median_s": self.median_s,
            "min_s": times[0],
            "max_s": times[-1],
            "repeats": len(times),
            "times_s": self.times_s,
        }


def time_runs(
    run: Callable[[], Any],
    *,
    compile: Callable[[], None] | None,
    min_repeats: int,
    max_repeats: int,
    min_seconds: float,
    warmup: bool = True,
) -> tuple[Timing, Any]:
    """Compile (if the system has a separate compile step), warm up once, then time ``run``.

    ``run`` must finish its work before returning (JAX systems block on the result). Repeats
    continue past ``min_repeats`` while the timed total is under ``min_seconds``, up to
    ``max_repeats``. Without ``warmup`` (runs of many seconds, e.g. NUTS) there is no untimed
    run and ``warmup_s`` is 0. Returns the timing and the last run's output.
    """
    compile_s = None
    if compile is not None:
        start = time.perf_counter()
        compile()
        compile_s = time.perf_counter() - start
    warmup_s = 0.0
    if warmup:
        start = time.perf_counter()
        out = run()
        warmup_s = time.perf_counter() - start
    times: list[float] = []
    while len(times) < max_repeats and (len(times) < min_repeats or sum(times) < min_seconds):
        start = time.perf_counter()
        out = run()
        times.append(time.perf_counter() - start)
    return Timing(compile_s, warmup_s, times), out


class PeakMemory:
    """Reset-and-read of the process's peak RSS around one workload (MiB)."""

    def __init__(self) -> None:
        self.resettable = _reset_peak()
        self.start_mb = _status_mb("VmRSS")

    def result(self) -> dict:
        peak = _status_mb("VmHWM") if self.resettable else None
        if peak is None:
            peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0
        extra = None if self.start_mb is None or not self.resettable else peak - self.start_mb
        return {
            "peak_rss_mb": round(peak, 1),
            "extra_rss_mb": None if extra is None else round(max(extra, 0.0), 1),
            "peak_is_process_wide": not self.resettable,
        }


def process_peak_rss_mb() -> float:
    """The process's lifetime peak RSS (MiB)."""
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0, 1)


def _reset_peak() -> bool:
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")
        return True
    except OSError:
        return False


def _status_mb(field: str) -> float | None:
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith(field + ":"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return None
