"""Thread sharing (ebm_core.thread_sharing): fewer torch threads while other processes hold cores."""

from __future__ import annotations

import os
import subprocess
import sys
import time

import pytest
import torch

import ebm_core
from ebm_core import thread_sharing
from ebm_core.thread_sharing import (
    INTERVAL_S,
    STALE_S,
    CoreSharing,
    Reading,
    others_busy_cores,
    read_cpu_times,
    thread_count,
)


@pytest.fixture(autouse=True)
def _sharing_on(monkeypatch: pytest.MonkeyPatch) -> None:
    """The suite turns sharing off (tests/conftest.py); these tests are about it."""
    monkeypatch.delenv("EBM_THREAD_SHARING", raising=False)


class FakeMachine:
    """A clock, the threads torch would run, and other processes using ``others`` cores.

    ``read_takes`` seconds pass at every reading (0: time passes only through ``advance``).
    """

    def __init__(self, threads: int = 2, others: float = 0.0, own: float = 2.0, read_takes: float = 0.0) -> None:
        self.now, self.threads, self.others, self.own = 100.0, threads, others, own
        self.busy_s = self.own_s = 0.0
        self.sets: list[int] = []
        self.readable = True
        self.read_takes = read_takes

    def advance(self, seconds: float) -> None:
        self.now += seconds
        self.busy_s += (self.others + self.own) * seconds
        self.own_s += self.own * seconds

    def read(self) -> Reading | None:
        self.advance(self.read_takes)
        return Reading(self.now, self.busy_s, self.own_s) if self.readable else None

    def set_threads(self, n: int) -> None:
        self.threads = n
        self.sets.append(n)

    def sharing(self, cores: int = 2) -> CoreSharing:
        return CoreSharing(self.read, self.set_threads, lambda: self.threads, lambda: self.now, lambda: cores)


def run_steps(machine: FakeMachine, sharing: CoreSharing, steps: int, seconds: float = 0.1) -> None:
    """One sampler run: start, then ``steps`` steps of ``seconds`` each with a rebalance after each."""
    sharing.start()
    for _ in range(steps):
        machine.advance(seconds)
        sharing.rebalance()


def test_quiet_machine_keeps_the_thread_count():
    machine = FakeMachine(threads=2, others=0.05)
    sharing = machine.sharing()
    for _ in range(3):
        run_steps(machine, sharing, 10)
    assert machine.sets == [] and machine.threads == 2


def test_a_busy_neighbour_takes_a_thread_until_it_stops():
    machine = FakeMachine(threads=2, others=0.67)
    sharing = machine.sharing()
    sharing.start()
    machine.advance(INTERVAL_S / 2)
    sharing.rebalance()
    assert machine.threads == 2  # too soon to measure
    machine.advance(INTERVAL_S)
    sharing.rebalance()
    assert machine.threads == 1
    machine.others = 1.0  # the neighbour now has a whole core
    run_steps(machine, sharing, 5)
    assert machine.threads == 1  # also between runs: the rest of a training step
    machine.others = 0.0  # it stopped
    run_steps(machine, sharing, 5)
    assert machine.sets == [1, 2] and machine.threads == 2


def test_a_run_long_after_the_last_measurement_starts_from_the_ceiling():
    machine = FakeMachine(threads=2, others=1.0)
    sharing = machine.sharing()
    run_steps(machine, sharing, 5)
    assert machine.threads == 1
    machine.advance(0.05)  # e.g. a training step's parameter update between two sampler runs
    sharing.start()
    assert machine.threads == 1
    machine.advance(STALE_S + 1)
    sharing.start()
    assert machine.threads == 2  # an old estimate is not trusted
    run_steps(machine, sharing, 5)
    assert machine.sets == [1, 2, 1]


def test_restore_puts_back_the_user_s_count_and_a_new_user_count_is_the_new_ceiling():
    machine = FakeMachine(threads=4, others=2.0)
    sharing = machine.sharing(cores=4)
    run_steps(machine, sharing, 5)
    assert machine.threads == 2
    sharing.restore()
    assert machine.threads == 4
    run_steps(machine, sharing, 5)
    assert machine.threads == 2
    machine.threads = 3  # the user calls torch.set_num_threads(3)
    machine.others = 0.0
    run_steps(machine, sharing, 5)
    assert machine.threads == 3  # not raised past the user's new setting
    machine.others = 2.0
    run_steps(machine, sharing, 5)
    assert machine.threads == 2


@pytest.mark.parametrize(
    ("threads", "others", "cores"),
    [(1, 0.0, 8),  # never more threads than the user set
     (2, 1.0, 1)],  # this thread may use fewer CPUs than torch runs threads (e.g. OpenMP binding
                    # pinned it): the measurement would not say which cores torch's threads share
    ids=["user set one thread", "fewer allowed CPUs than threads"],
)
def test_the_count_is_left_alone(threads, others, cores):
    machine = FakeMachine(threads=threads, others=others)
    sharing = machine.sharing(cores=cores)
    run_steps(machine, sharing, 5)
    assert machine.sets == []


def test_switched_off_or_unreadable_changes_nothing(monkeypatch):
    machine = FakeMachine(threads=2, others=2.0)
    sharing = machine.sharing()
    run_steps(machine, sharing, 5)
    assert machine.threads == 1
    monkeypatch.setenv("EBM_THREAD_SHARING", "off")
    run_steps(machine, sharing, 5)
    assert machine.sets == [1, 2]  # turning it off puts the ceiling back
    monkeypatch.delenv("EBM_THREAD_SHARING")
    machine.readable = False
    sharing = machine.sharing()
    run_steps(machine, sharing, 5)
    assert machine.sets == [1, 2]


def test_a_count_the_user_set_meanwhile_is_not_overwritten_by_restore():
    machine = FakeMachine(threads=4, others=2.0)
    sharing = machine.sharing(cores=4)
    run_steps(machine, sharing, 5)
    assert machine.threads == 2
    machine.threads = 3  # the user calls torch.set_num_threads(3); ebm has not run since
    sharing.restore()
    assert machine.threads == 3 and machine.sets == [2]


def test_the_trainer_puts_the_count_back_when_it_ends_also_on_error(monkeypatch):
    from ebm_core.training import Trainer

    machine = FakeMachine(threads=2, others=1.0, read_takes=INTERVAL_S)
    monkeypatch.setattr(thread_sharing, "_SHARING", machine.sharing())
    energy = ebm_core.energy("mlp", dim=2, hidden=(8,))
    loss = ebm_core.loss("cd", energy, sampler="langevin", k=2)
    trainer = Trainer(loss, data=torch.randn(64, 2), batch_size=16, progress=False)
    trainer.fit(4)
    assert machine.sets == [1, 2]  # lowered from the second sampler run, put back at the end
    real_step, steps = trainer._train_step, []

    def fails_on_the_third(*args):
        if len(steps) == 2:
            raise RuntimeError("a failing step")
        steps.append(None)
        return real_step(*args)

    monkeypatch.setattr(trainer, "_train_step", fails_on_the_third)
    with pytest.raises(RuntimeError, match="a failing step"):
        trainer.fit(10)
    assert machine.sets == [1, 2, 1, 2]


@pytest.mark.parametrize(
    ("cores", "others", "ceiling", "expected"),
    [(2, 0.0, 2, 2), (2, 0.4, 2, 2), (2, 0.67, 2, 1), (2, 1.0, 2, 1), (2, 3.0, 2, 1),
     (8, 1.0, 8, 7), (8, 2.6, 8, 5), (8, 1.0, 4, 4), (16, 0.0, 1, 1), (1, 0.3, 4, 4)],
)
def test_thread_count_is_the_free_cores_rounded_at_least_one_once_others_use_half_a_core(cores, others, ceiling, expected):
    assert thread_count(cores, others, ceiling) == expected


def test_others_busy_cores_subtracts_this_process_and_never_goes_negative():
    before = Reading(wall_s=10.0, busy_s=100.0, own_s=5.0)
    assert others_busy_cores(before, Reading(12.0, 104.0, 7.0)) == pytest.approx(1.0)
    assert others_busy_cores(before, Reading(12.0, 101.0, 7.0)) == 0.0  # tick rounding
    assert others_busy_cores(before, before) == 0.0


@pytest.mark.skipif(not hasattr(os, "sched_getaffinity"), reason="Linux only (/proc/stat)")
def test_read_cpu_times_sums_the_busy_fields_of_this_process_s_cores(tmp_path):
    cpus = sorted(os.sched_getaffinity(0))
    hz = os.sysconf("SC_CLK_TCK")
    # user nice system idle iowait irq softirq steal: busy = user + system + irq + softirq
    lines = ["cpu  999 999 999 999 999 999 999 999 0 0"]
    lines += [f"cpu{i} 10 1000 20 5000 7000 3 4 9000 0 0" for i in cpus]
    lines.append(f"cpu{max(cpus) + 1} 10000 0 0 0 0 0 0 0 0 0")  # a core this process may not use
    stat = tmp_path / "stat"
    stat.write_text("\n".join(lines) + "\nintr 1 2 3\n")
    reading = read_cpu_times(str(stat))
    nice = 1000 if os.getpriority(os.PRIO_PROCESS, 0) > 0 else 0
    assert reading is not None
    assert reading.busy_s == pytest.approx(len(cpus) * (37 + nice) / hz)
    assert read_cpu_times(str(tmp_path / "missing")) is None
    stat.write_text("\n".join(lines[:-2]) + "\n")  # the last core of this process has no line
    assert read_cpu_times(str(stat)) is None
    stat.write_text("\n".join(lines[:-1]).replace(" 20 ", " x ") + "\n")  # not a number
    assert read_cpu_times(str(stat)) is None


@pytest.mark.skipif(not os.path.exists("/proc/stat") or len(os.sched_getaffinity(0)) < 2,
                    reason="needs Linux and at least 2 cores")
def test_a_real_busy_process_takes_a_thread():
    """The real measurement: one spinning process on this machine's cores → at most cores − 1."""
    cores = len(os.sched_getaffinity(0))
    threads = [cores]  # every count "torch" was set to
    sharing = CoreSharing(set_threads=threads.append, get_threads=lambda: threads[-1])
    busy = subprocess.Popen([sys.executable, "-c", "while True: pass"])
    try:
        time.sleep(0.3)  # the interpreter has started and spins
        sharing.start()
        time.sleep(2 * INTERVAL_S)
        sharing.rebalance()
    finally:
        busy.kill()
        busy.wait()
    sharing.restore()
    assert len(threads) == 3 and threads[1] <= cores - 1 and threads[2] == cores


def test_cpu_sampler_runs_share_and_rebalance_every_step(monkeypatch):
    """Sampler.run on the CPU starts sharing and rebalances after every step."""
    machine = FakeMachine(threads=2, others=1.0)
    sharing = machine.sharing()
    real_rebalance = sharing.rebalance
    calls = []

    def rebalance() -> None:
        calls.append(machine.threads)
        machine.advance(INTERVAL_S)  # as if every step took INTERVAL_S
        real_rebalance()

    monkeypatch.setattr(sharing, "rebalance", rebalance)
    monkeypatch.setattr(thread_sharing, "_SHARING", sharing)
    sampler = ebm_core.sampler("langevin", ebm_core.energy("gaussian", dim=2), step_size=0.1)
    sampler.run(torch.zeros(4, 2), n_steps=5, burn_in=2, accelerate=False)
    assert calls == [2, 1, 1, 1, 1]
    assert machine.threads == 1
