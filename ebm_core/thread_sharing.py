"""Sample on the cores other processes leave free: fewer torch threads while other work holds cores.

torch splits each parallel operator evenly over its threads and makes the finished ones wait
for the rest. When another process holds one of the cores, one share of every operator waits
for the scheduler to hand that core back, and the threads that finished spin meanwhile: with
one competing busy process on a 2-core machine the conv workloads W5 and W6 ran 2.9–4.1×
slower than quiet with torch's 2 threads, but only 1.8× slower when ebm ran one thread
(docs/performance.md, "Load sensitivity"). One thread on the free core is the faster choice.

So at the start of every CPU sampler run (:meth:`ebm_core.Sampler.run`, hence training,
evaluation and ``ebm sample``; :func:`share_cores`) and between its steps (:func:`rebalance`),
ebm measures — at most every :data:`INTERVAL_S` seconds, ~40 µs a time — how many cores the
other processes kept busy since the previous measurement,

    others = (Δ busy time of this process's cores − Δ this process's CPU time) / Δ wall time,

(busy time from ``/proc/stat``: user + system + irq + softirq ticks of the CPUs in
``os.sched_getaffinity``; ``nice``-d processes count only when this process is nice-d itself,
since otherwise the scheduler runs them only when nothing else wants the core) and runs torch
with

    threads = min(ceiling, max(1, ⌊cores − others + ½⌋))

threads, where ``ceiling`` is the thread count the user had set (``torch.get_num_threads()``
before ebm first changed it; a count the user sets later becomes the new ceiling). On a quiet
machine ``others`` ≈ 0 and nothing changes; beside one busy process on 2 cores (``others`` ≈ ⅔
with two torch threads, 1 with one) torch runs one thread.

The count stays between runs, so the rest of a training step (the loss's backward pass, the
optimiser) runs on the free cores too — in the training benchmark that part ran 6× slower
beside a busy process with two threads and not slower with one. The next run that finds the
cores free raises it back to the ceiling; a run that starts more than :data:`STALE_S` seconds
after the last measurement starts from the ceiling; the :class:`~ebm_core.training.Trainer`
puts the ceiling back when it ends, and :func:`restore_threads` does so on request.

Reproducibility: sampler chains are the same bits at any thread count for ebm's own energies
and kernels (tested), but parameter gradients are not (torch splits reductions between
threads): on a machine whose load changes, two runs of one seed — or a run and its resumed
copy — can differ in the last bits. ``EBM_THREAD_SHARING=0`` (or ``false``/``no``/``off``,
read at the start of each run) turns sharing off and puts the ceiling back; sharing changes
nothing where ``/proc/stat`` or ``os.sched_getaffinity`` is missing (macOS, Windows).

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
#: A measurement older than this is not reused when a block starts.
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


def read_cpu_times(stat_path: str = _STAT_PATH) -> Reading | None:
    """Busy time of this process's cores and this process's own CPU time, or ``None`` if unknown."""
    try:
        cpus = {f"cpu{i}" for i in os.sched_getaffinity(0)}
        ticks_per_s = os.sysconf("SC_CLK_TCK")
        nice = os.getpriority(os.PRIO_PROCESS, 0) > 0
        with open(stat_path, encoding="ascii") as stat:
            lines = stat.readlines()
    except (AttributeError, OSError, ValueError):
        return None
    fields = (_USER, _SYSTEM, _IRQ, _SOFTIRQ) + ((_NICE,) if nice else ())
    busy_ticks = 0
    for line in lines:
        name, _, rest = line.partition(" ")
        if name in cpus:
            values = rest.split()
            busy_ticks += sum(int(values[i]) for i in fields)
    return Reading(time.monotonic(), busy_ticks / ticks_per_s, time.process_time())


def others_busy_cores(before: Reading, after: Reading) -> float:
    """Cores the other processes kept busy between two readings (≥ 0)."""
    elapsed = after.wall_s - before.wall_s
    if elapsed <= 0:
        return 0.0
    others = (after.busy_s - before.busy_s) - (after.own_s - before.own_s)
    return max(0.0, others / elapsed)


def thread_count(cores: int, others: float, ceiling: int) -> int:
    """``min(ceiling, max(1, ⌊cores − others + ½⌋))``: the cores left free, at least one."""
    return min(ceiling, max(1, math.floor(cores - others + 0.5)))


class CoreSharing:
    """The state behind :func:`share_cores`, :func:`rebalance` and :func:`restore_threads` (one per process).

    ``read``, ``set_threads``, ``get_threads`` and ``clock`` (the one ``read`` stamps its
    readings with) are injectable for tests; ``cores`` defaults to this process's CPU affinity.
    """

    def __init__(
        self,
        read: Callable[[], Reading | None] = read_cpu_times,
        set_threads: Callable[[int], None] = torch.set_num_threads,
        get_threads: Callable[[], int] = torch.get_num_threads,
        clock: Callable[[], float] = time.monotonic,
        cores: int | None = None,
    ) -> None:
        self._read, self._set, self._get, self._clock = read, set_threads, get_threads, clock
        self._cores = cores
        self._lock = threading.Lock()
        self._ceiling = 1
        self._threads: int | None = None  # what torch runs now; None until the first run
        self._last: Reading | None = None

    def start(self) -> None:
        """At the start of a CPU sampler run: measure if due and set the thread count."""
        with self._lock:
            if switch(SWITCH_ENV) is False:
                self._restore()
                return
            if self._cores is None:
                try:
                    self._cores = len(os.sched_getaffinity(0))
                except (AttributeError, OSError):
                    return
            current = self._get()
            if current != self._threads:  # the first run, or the user set a thread count since
                self._ceiling = self._threads = current
            if self._last is None or self._clock() - self._last.wall_s > STALE_S:
                self._last = self._read()  # an old estimate is not trusted: start from the ceiling
                self._apply(0.0)
                return
            self._measure()

    def rebalance(self) -> None:
        """Measure again and set the thread count if :data:`INTERVAL_S` has passed (see module)."""
        if self._threads is None or self._last is None or self._clock() - self._last.wall_s < INTERVAL_S:
            return
        with self._lock:
            if self._threads is not None:
                self._measure()

    def restore(self) -> None:
        """Put back the thread count the user had (the ceiling) and forget the measurements."""
        with self._lock:
            self._restore()

    def _restore(self) -> None:
        if self._threads is not None and self._threads != self._ceiling:
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
        threads = thread_count(self._cores or 1, others, self._ceiling)
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
