"""The C++ unit tests (ctest) of the root CMake project: Philox known answers, the polynomial
log/sincos against libm, energies against finite differences, and the SIMD CPU backend against
a one-chain-at-a-time scalar reference, bit for bit, at every CPU instruction set this machine
runs. Slow: compiles the kernels (CUDA off, Python module off)."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("cmake") is None or shutil.which("ctest") is None, reason="cmake/ctest not on PATH")
def test_ctest_passes_at_every_cpu_instruction_set(tmp_path: Path) -> None:
    build = tmp_path / "native"
    configure = ["cmake", "-S", str(REPO), "-B", str(build), "-DEBM_CUDA=OFF",
                 "-DCMAKE_DISABLE_FIND_PACKAGE_pybind11=ON"]
    if shutil.which("ninja"):
        configure += ["-G", "Ninja"]
    for cmd in (configure, ["cmake", "--build", str(build), "--parallel", str(os.cpu_count() or 2)]):
        proc = subprocess.run(cmd, capture_output=True, text=True)
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    for level in ("baseline", "x86-64-v3", "x86-64-v4"):
        env = dict(os.environ, EBM_CUDA_CPU_ISA=level)
        proc = subprocess.run(["ctest", "--test-dir", str(build), "--output-on-failure"], capture_output=True,
                              text=True, env=env)
        if "this CPU does not support" in proc.stdout + proc.stderr or "is not built" in proc.stdout + proc.stderr:
            continue  # a level this machine cannot run (or this platform does not build)
        assert proc.returncode == 0, f"EBM_CUDA_CPU_ISA={level}:\n{proc.stdout[-4000:]}"
