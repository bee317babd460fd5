"""Sampling on the CPU keeps freed activation memory in the process (ebm_core.malloc_tuning).

The end-to-end test runs a fresh interpreter that samples once on the CPU and then repeats the
allocation pattern of a conv energy's gradient (several ~16 MB tensors allocated, written and
freed per step), counting minor page faults over 30 steps. With glibc's defaults the freed
blocks go back to the OS and are faulted in again (measured: 16,000–249,000 faults in 30
steps); with the tuning they are reused (0–4,096: at most a one-off heap growth). The opt-out
run is the control that shows the test can fail.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import sys

import pytest

from ebm_core import malloc_tuning

_GLIBC = platform.system() == "Linux" and platform.libc_ver()[0] == "glibc"


def _huge_pages_always() -> bool:
    """Transparent huge pages for every mapping: one fault per 2 MiB, so counts mean little."""
    try:
        with open("/sys/kernel/mm/transparent_hugepage/enabled") as f:
            return "[always]" in f.read()
    except OSError:
        return False

_PROBE = r"""
import json, resource, torch, ebm_core
sampler = ebm_core.sampler("langevin", ebm_core.energy("gaussian", dim=2), step_size=0.1)
sampler.run(torch.zeros(4, 2), n_steps=2)          # the first CPU run applies the tuning
def step():
    blocks = [torch.empty(4 << 20).fill_(1.0) for _ in range(3)]  # three 16 MiB activations
    del blocks
step()
before = resource.getrusage(resource.RUSAGE_SELF).ru_minflt
for _ in range(30):
    step()
faults = resource.getrusage(resource.RUSAGE_SELF).ru_minflt - before
print(json.dumps({"faults": faults}))
"""


def _faults(**env: str) -> int:
    environ = {k: v for k, v in os.environ.items() if not k.startswith("MALLOC_") and k != malloc_tuning.OPT_OUT_ENV}
    environ.pop("GLIBC_TUNABLES", None)
    environ.update(env)
    out = subprocess.run([sys.executable, "-c", _PROBE], env=environ, capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])["faults"]


@pytest.mark.skipif(not _GLIBC, reason="the tuning applies to glibc's malloc only")
@pytest.mark.skipif(_huge_pages_always(), reason="transparent huge pages 'always': page-fault counts are not comparable")
def test_sampling_on_cpu_stops_freed_activations_from_faulting_back_in() -> None:
    untuned = _faults(**{malloc_tuning.OPT_OUT_ENV: "0"})
    tuned = _faults()
    one_block = (16 << 20) // 4096  # pages of one block (4 KiB pages)
    assert tuned <= one_block + 512, f"tuned: {tuned} page faults in 30 steps (at most a one-off heap growth expected)"
    assert untuned > one_block + 512, f"control: glibc's defaults should fault blocks back in ({untuned})"


@pytest.mark.parametrize(
    ("environ", "reason"),
    [
        ({"EBM_MALLOC_TUNING": "0"}, "EBM_MALLOC_TUNING=0"),
        ({"EBM_MALLOC_TUNING": " Off "}, "EBM_MALLOC_TUNING=Off"),
        ({"MALLOC_TRIM_THRESHOLD_": "1000000"}, "the user set MALLOC_TRIM_THRESHOLD_"),
        ({"MALLOC_MMAP_THRESHOLD_": "65536", "MALLOC_TOP_PAD_": "0"}, "the user set MALLOC_MMAP_THRESHOLD_, MALLOC_TOP_PAD_"),
        ({"GLIBC_TUNABLES": "glibc.malloc.trim_threshold=1"}, "the user set GLIBC_TUNABLES"),
    ],
)
def test_the_users_choice_and_the_opt_out_leave_malloc_alone(environ, reason) -> None:
    assert malloc_tuning.skip_reason(environ) == reason


def test_other_settings_do_not_count_as_a_choice(monkeypatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "libc_ver", lambda: ("glibc", "2.36"))
    assert malloc_tuning.skip_reason({"EBM_MALLOC_TUNING": "1", "GLIBC_TUNABLES": "glibc.cpu.x86_ibt=on"}) is None
    assert malloc_tuning.skip_reason({"GLIBC_TUNABLES": "glibc.malloc.arena_max=2"}) is None  # not a threshold


def test_only_glibc_is_tuned(monkeypatch) -> None:
    monkeypatch.setattr(platform, "system", lambda: "Linux")
    monkeypatch.setattr(platform, "libc_ver", lambda: ("", ""))  # musl
    assert malloc_tuning.skip_reason({}) == "the C library is not glibc"
    monkeypatch.setattr(platform, "system", lambda: "Darwin")
    assert malloc_tuning.skip_reason({}) == "the C library is not glibc"
