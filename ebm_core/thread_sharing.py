"""Sample on the cores other processes leave free: fewer torch threads while other work holds cores.

torch splits each parallel operator evenly over its threads and makes the finished ones wait
for the rest. When another process holds one of the cores, one share of every operator waits
for the scheduler to hand that core back, and the threads that finished spin meanwhile: with
one competing busy process on a 2-core machine the conv workloads W5 and W6 ran 2.4–4.1×
slower than quiet with torch's 2 threads, but only 1.7–2.3× slower when ebm ran one thread
(three runs; docs/performance.md, "Load sensitivity"). One thread on the free core is the faster choice.

So at the start of every CPU sampler run (:meth:`ebm_core.Sampler.run`, hence training,
evaluation and ``ebm sample``; :func:`share_cores`) and between the steps of runs that step in
Python (the torch path and the conv chain kernel; :func:`rebalance`), ebm measures — at most
every :data:`INTERVAL_S` seconds, ~40 µs a time — how many cores the other processes kept busy
since the previous measurement,

    others = (Δ busy time of this process's cores − Δ this process's CPU time) / Δ wall time,

(busy time from ``/proc/stat``: user + system + irq + softirq ticks of the CPUs in
``os.sched_getaffinity``; ``nice``-d processes count only when this process is nice-d itself,
since otherwise the scheduler runs them only when nothing else wants the core) and runs torch
with

    threads = ceiling                                   if others < ½,
    threads = min(ceiling, max(1, ⌊cores − others + ½⌋))  otherwise,

where ``ceiling`` is the thread count the user had set (``torch.get_num_threads()`` before ebm
first changed it; a different count the user sets later becomes the new ceiling). On a quiet
machine nothing changes; beside one busy process on 2 cores (``others`` ≈ ⅔ with two torch
threads, 1 with one) torch runs one thread. A measurement needs two readings
:data:`INTERVAL_S` apart, so the first run of a process, and a run that starts more than
:data:`STALE_S` seconds after the last reading, start at the ceiling; runs done in one native
call (the analytic and MLP chain kernels) then keep the count they started with.

The count stays between runs, so the rest of a training step (the loss's backward pass, the
optimiser) runs on the free cores too — in the training benchmark that part ran 6× slower
beside a busy process with two threads and not slower with one. The next run that finds the
cores free raises it back to the ceiling; the :class:`~ebm_core.training.Trainer` puts the
ceiling back when it ends, and :func:`restore_threads` does so on request (a count the user
set in between stays). One limit: a user count equal to the lowered one cannot be told apart
from it, so a later quiet run may raise it back to the old ceiling — call
:func:`restore_threads` before ``torch.set_num_threads``, or turn sharing off.

Sharing leaves the count alone when this thread may use fewer CPUs than torch runs threads
(``taskset``, container cpusets, OpenMP thread binding that pins the main thread): the
measurement would not say which cores torch's threads share. It measures for the calling
thread, whose OpenMP and MKL thread counts ``torch.set_num_threads`` sets; one state per
process, so sample from one Python thread at a time.

Reproducibility: sampler chains are the same bits at 1 and 2 threads for ebm's built-in conv
and MLP energies on the torch path and the chain kernels (tested; torch and oneDNN promise it
for no energy), but parameter gradients are not (torch splits reductions between threads): on
a machine whose load changes, two runs of one seed — or a run and its resumed copy — can
differ in the last bits. ``EBM_THREAD_SHARING=0`` (or ``false``/``no``/``off``, read at the
start of each run) turns sharing off and puts the ceiling back; sharing changes nothing where
``/proc/stat`` or ``os.sched_getaffinity`` is missing or unreadable (macOS, Windows, some
containers).

Example::

    import torch
    from ebm_core.thread_sharing import rebalance, restore_threads, share_cores
    before = torch.get_num_threads()
    share_cores()  # at the start of a run
    rebalance()  # between its steps; a no-op until INTERVAL_S has passed
    assert 1 <= torch.get_num_threads() <= before
    restore_threads()
    assert torch.get_num_threads() == before
"""

from __future__ import annotations

import contextlib
import dataclasses
import math
import os
import threading
import time
from collections.abc import Callable, Iterator

import torch

from .environment_switches import switch

#: ``EBM_THREAD_SHARING=0`` keeps torch's thread count as it is during sampling.
SWITCH_ENV = "EBM_THREAD_SHARING"
#: Least wall time between two measurements (a shorter window is dominated by the 10 ms ticks).
INTERVAL_S = 0.25
#: A measurement older than this is not reused when a run starts.
STALE_S = 2.0
_STAT_PATH = "/proc/stat"
# Fields of a /proc/stat "cpuN" line after the name: user nice system idle iowait irq softirq …
_USER, _NICE, _SYSTEM, _IRQ, _SOFTIRQ = 0, 1, 2, 5, 6


@dataclasses.dataclass(frozen=True)
class Reading:
    """One measurement: wall clock, busy CPU time of this process's cores, own CPU time (s)."""

    wall_s: float
    busy_s: float
    own_s: float


def allowed_cores() -> int | None:
    """How many CPUs this thread may run on (``os.sched_getaffinity``), or ``None`` if unknown."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return None


def read_cpu_times(stat_path: str = _STAT_PATH) -> Reading | None:
    """Busy time of this process's cores and this process's own CPU time, or ``None`` if unknown.

    ``None`` also when ``/proc/stat`` lacks a line for one of the cores or cannot be parsed
    (e.g. a container whose ``/proc/stat`` numbers CPUs differently).
    """
    try:
        cpus = {f"cpu{i}" for i in os.sched_getaffinity(0)}
        ticks_per_s = os.sysconf("SC_CLK_TCK")
        fields = (_USER, _SYSTEM, _IRQ, _SOFTIRQ)
        if os.getpriority(os.PRIO_PROCESS, 0) > 0:
            fields += (_NICE,)
        with open(stat_path, encoding="ascii") as stat:
            lines = stat.readlines()
        busy_ticks, seen = 0, 0
        for line in lines:
            name, _, rest = line.partition(" ")
            if name in cpus:
                values = rest.split()
                busy_ticks += sum(int(values[i]) for i in fields)
                seen += 1
    except (AttributeError, OSError, ValueError, IndexError):
        return None
    if seen != len(cpus):
        return None
    return Reading(time.monotonic(), busy_ticks / ticks_per_s, time.process_time())


def others_busy_cores(before: Reading, after: Reading) -> float:
    """Cores the other processes kept busy between two readings (≥ 0)."""
    elapsed = after.wall_s - before.wall_s
    if elapsed <= 0:
        return 0.0
    others = (after.busy_s - before.busy_s) - (after.own_s - before.own_s)
    return max(0.0, others / elapsed)


def thread_count(cores: int, others: float, ceiling: int) -> int:
    """The ceiling while others use less than half a core, else ``min(ceiling, max(1, ⌊cores − others + ½⌋))``."""
    if others < 0.5:
        return ceiling
    return min(ceiling, max(1, math.floor(cores - others + 0.5)))


class CoreSharing:
    """The state behind :func:`share_cores`, :func:`rebalance` and :func:`restore_threads` (one per process).

    ``read``, ``set_threads``, ``get_threads``, ``clock`` (the one ``read`` stamps its readings
    with) and ``cores`` (the CPUs this thread may use) are injectable for tests.
    """

    def __init__(
        self,
        read: Callable[[], Reading | None] = read_cpu_times,
        set_threads: Callable[[int], None] = torch.set_num_threads,
        get_threads: Callable[[], int] = torch.get_num_threads,
        clock: Callable[[], float] = time.monotonic,
        cores: Callable[[], int | None] = allowed_cores,
    ) -> None:
        self._read, self._set, self._get, self._clock = read, set_threads, get_threads, clock
        self._allowed_cores = cores
        self._lock = threading.Lock()
        self._cores = 1
        self._ceiling = 1
        self._threads: int | None = None  # what torch runs now; None while not sharing
        self._last: Reading | None = None

    def start(self) -> None:
        """At the start of a CPU sampler run: measure if due and set the thread count."""
        with self._lock:
            current = self._get()
            if current != self._threads:  # the first run, or the user set a thread count since
                self._ceiling, self._threads = current, None
            cores = self._allowed_cores()
            # Off, or this thread may not use as many CPUs as torch runs threads (taskset, cgroup
            # cpusets, OpenMP binding pinning the main thread): the measurement would not say
            # which cores torch's threads share, so leave the count alone.
            if switch(SWITCH_ENV) is False or cores is None or cores < self._ceiling:
                self._restore()
                return
            self._cores = cores
            if self._threads is None:
                self._threads = current
            if self._last is None or self._clock() - self._last.wall_s > STALE_S:
                self._last = self._read()  # an old estimate is not trusted: start from the ceiling
                self._apply(0.0)
                return
            self._measure()

    def rebalance(self) -> None:
        """Measure again and set the thread count if :data:`INTERVAL_S` has passed (see module)."""
        last = self._last
        if self._threads is None or last is None or self._clock() - last.wall_s < INTERVAL_S:
            return
        with self._lock:
            if self._threads is not None:
                self._measure()

    def restore(self) -> None:
        """Put back the thread count the user had (the ceiling) and forget the measurements."""
        with self._lock:
            self._restore()

    def _restore(self) -> None:
        # Only a count ebm set is put back: one the user set since stays.
        if self._threads is not None and self._threads != self._ceiling and self._get() == self._threads:
            self._set(self._ceiling)
        self._threads = None
        self._last = None

    def _measure(self) -> None:
        now = self._read()
        if now is None or self._last is None:
            return
        if now.wall_s - self._last.wall_s < INTERVAL_S:
            return
        others = others_busy_cores(self._last, now)
        self._last = now
        self._apply(others)

    def _apply(self, others: float) -> None:
        threads = thread_count(self._cores, others, self._ceiling)
        if threads != self._threads:
            self._set(threads)
            self._threads = threads


_SHARING = CoreSharing()


def share_cores() -> None:
    """At the start of a CPU sampler run: run torch on the cores other processes leave free."""
    _SHARING.start()


def rebalance() -> None:
    """Between two steps of a CPU sampler run: adjust the thread count (cheap; see the module)."""
    _SHARING.rebalance()


def restore_threads() -> None:
    """Put back the thread count set before ebm lowered it, and forget the measurements."""
    _SHARING.restore()


@contextlib.contextmanager
def restoring_threads() -> Iterator[None]:
    """A block that ends with :func:`restore_threads`, also when it raises (the trainer's loop)."""
    try:
        yield
    finally:
        restore_threads()
