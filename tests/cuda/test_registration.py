"""ebm-cuda's kernels reach ebm-core through the entry point, like any third-party plugin."""

from __future__ import annotations

import importlib.metadata
import subprocess
import sys

import ebm_core
from ebm_core.kernels import ChainKernel, LangevinUpdateKernel
from ebm_core.registry import REGISTRY

import ebm_cuda
from ebm_cuda.chains import ENERGIES, SAMPLERS


def test_every_cpu_kernel_is_registered_by_the_ebm_cuda_distribution() -> None:
    names = ebm_core.available("kernel")
    for sampler in SAMPLERS:
        for energy in ENERGIES:
            assert f"{sampler}/{energy}/cpu" in names
    record = ebm_core.describe("kernel", "mala/double_well/cpu")
    assert record.source.distribution == "ebm-cuda"
    assert record.source.version == ebm_cuda.__version__
    assert dict(record.meta) == {"sampler": "mala", "energy": "double_well", "device": "cpu"}
    kernel = record.factory()
    assert isinstance(kernel, ChainKernel) and kernel.device == "cpu"


def test_dispatch_lookup_finds_exact_kernel_then_update() -> None:
    records = REGISTRY.kernels_for("langevin", "double_well", "cpu")
    names = [r.name for r in records if r.source.distribution == "ebm-cuda"]
    assert names == ["langevin/double_well/cpu", "langevin/update/cpu"]
    assert isinstance(records[-1].factory(), LangevinUpdateKernel)
    assert [r.name for r in REGISTRY.kernels_for("langevin", "neural", "cpu")] == ["langevin/update/cpu"]


def test_cuda_kernels_registered_exactly_when_compiled() -> None:
    names = ebm_core.available("kernel")
    assert ("mala/gaussian/cuda" in names) == ebm_cuda.cuda_compiled()
    assert ("langevin/update/cuda" in names) == ebm_cuda.cuda_compiled()


def test_descriptions_say_whether_cuda_is_compiled_and_a_gpu_visible() -> None:
    compiled = "yes" if ebm_cuda.cuda_compiled() else "no"
    visible = "yes" if ebm_cuda.cuda_device_count() else "no"
    description = ebm_core.describe("kernel", "hmc/gaussian/cpu").description
    assert f"CUDA compiled in: {compiled}; GPU visible: {visible}" in description


def test_plugins_command_lists_the_kernels() -> None:
    out = subprocess.run([sys.executable, "-m", "ebm_core", "plugins", "--kind", "kernel"],
                         capture_output=True, text=True, check=True).stdout
    assert "mala/double_well/cpu" in out and "ebm-cuda" in out and "CUDA compiled in" in out


def test_version_and_dependency_pin_match_ebm_core() -> None:
    assert ebm_cuda.__version__ == importlib.metadata.version("ebm-cuda") == ebm_core.__version__
    requires = importlib.metadata.requires("ebm-cuda") or []
    assert f"ebm-core=={ebm_core.__version__}" in requires
    (entry,) = [ep for ep in importlib.metadata.entry_points(group="ebm") if ep.dist.name == "ebm-cuda"]
    assert entry.value == "ebm_cuda.plugin"
