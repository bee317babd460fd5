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


def test_descriptions_say_whether_cuda_is_compiled() -> None:
    compiled = "yes" if ebm_cuda.cuda_compiled() else "no"
    description = ebm_core.describe("kernel", "hmc/gaussian/cpu").description
    assert f"CUDA compiled in: {compiled}" in description
    assert "GPU visible" not in description  # registering asks the CUDA driver nothing


def test_build_config_agrees_with_the_native_module() -> None:
    from ebm_cuda import _build_config, _native

    assert _build_config.CUDA_COMPILED == bool(_native.cuda_compiled)
    assert _build_config.VERSION == _native.build_info()["version"]


_LOOKUP_THEN_SAMPLE = """
import sys, torch, ebm_core
energy = ebm_core.energy("gaussian", dim=2)
after_lookup = ("ebm_cuda._native" in sys.modules, "ebm_cuda.runtime" in sys.modules,
                torch.cuda.is_initialized())
result = ebm_core.sampler("mala", energy, step_size=0.5, adapt_step_size=False).run(
    torch.zeros(64, 2), n_steps=5, generator=torch.Generator().manual_seed(0))
from ebm_cuda import runtime
print(after_lookup, result.backend, "ebm_cuda._native" in sys.modules,
      runtime.cuda_device_count.cache_info().currsize, torch.cuda.is_initialized())
"""


def test_selecting_a_component_loads_no_native_code_and_queries_no_gpu() -> None:
    """Finding ``gaussian`` by name loads every plugin's registrations but neither ebm-cuda's
    native module nor CUDA (unsafe before ``fork``); a CPU kernel still runs when sampling and
    never asks the CUDA driver about GPUs."""
    out = subprocess.run([sys.executable, "-c", _LOOKUP_THEN_SAMPLE], capture_output=True, text=True,
                         check=True).stdout.strip()
    assert out == "(False, False, False) ebm-cuda:mala/gaussian/cpu True 0 False", out


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
