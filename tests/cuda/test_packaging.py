"""ebm-cuda's distribution: version pinned to ebm-core's, and sdist + wheel that install in a
fresh virtual environment next to ebm-core's wheel (slow: builds and installs both)."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import ebm_core

from ..packaging.fresh_venv import FreshVenv, build_distributions

REPO = Path(__file__).resolve().parents[2]


def test_pyproject_version_and_pin_equal_ebm_core_version() -> None:
    text = (REPO / "ebm_cuda" / "pyproject.toml").read_text()
    (version,) = re.findall(r'^version = "([^"]+)"', text, flags=re.M)
    assert version == ebm_core.__version__, "bump ebm_cuda/pyproject.toml with ebm_core/_version.py"
    assert f'"ebm-core=={ebm_core.__version__}"' in text


def test_cmake_project_is_inside_the_sdist_root() -> None:
    # scikit-build-core builds the CMakeLists.txt next to pyproject.toml; nothing may point
    # outside ebm_cuda/ (an sdist contains only that folder).
    cmake = (REPO / "ebm_cuda" / "CMakeLists.txt").read_text()
    assert "../" not in cmake


@pytest.mark.slow
def test_sdist_and_wheel_install_in_a_fresh_venv(tmp_path: Path) -> None:
    env = dict(os.environ, EBM_CUDA="OFF", EBM_CPU_ISAS="baseline")  # quick build: CPU baseline only
    out = tmp_path / "dist"
    proc = subprocess.run([sys.executable, "-m", "build", "--outdir", str(out), str(REPO / "ebm_cuda")],
                          capture_output=True, text=True, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    (sdist,) = out.glob("ebm_cuda-*.tar.gz")  # the wheel below was built from this sdist
    (wheel,) = out.glob("ebm_cuda-*.whl")
    _, core_wheel = build_distributions(REPO, tmp_path / "core")
    venv = FreshVenv(tmp_path / "venv")
    venv.pip("install", str(core_wheel), str(wheel))
    script = textwrap.dedent(
        """
        import torch, ebm_core, ebm_cuda
        assert ebm_core.describe("kernel", "mala/double_well/cpu").source.distribution == "ebm-cuda"
        sampler = ebm_core.sampler("mala", ebm_core.energy("double_well"), step_size=0.1)
        result = sampler.run(torch.zeros(100, 2), n_steps=20, generator=torch.Generator().manual_seed(0))
        print(result.backend, tuple(result.samples.shape), ebm_cuda.build_info()["cuda_compiled"])
        """
    )
    out = venv.run("python", "-c", script).split()
    assert out == ["ebm-cuda:mala/double_well/cpu", "(100,", "2)", "False"], out
    assert sdist.stat().st_size < 1_000_000
