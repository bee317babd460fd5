"""ebm-cuda's plugin: registers its kernels with ebm-core through ``ebm_register_kernels``.

Found through the entry point ``ebm_cuda = "ebm_cuda.plugin"`` in group ``ebm``; ebm-core never
imports ebm-cuda directly. One kernel record per (sampler, energy, device), named
``"<sampler>/<energy>/<device>"`` (e.g. ``"mala/double_well/cpu"``), plus the any-energy
Langevin update ``"langevin/update/<device>"`` (``energy="*"``). CUDA kernels are registered
only when CUDA was compiled in; without a visible GPU they decline every request (their
``unsupported_reason`` says so) and the sampler falls back.
"""

from __future__ import annotations

import functools

import ebm_core

from .chains import ENERGIES, SAMPLERS, FusedChainKernel
from .runtime import cuda_compiled, describe_build
from .update import FusedLangevinUpdate

_BACKEND = {"cpu": "C++/OpenMP SIMD", "cuda": "CUDA, one thread per chain"}


def _devices() -> tuple[str, ...]:
    return ("cpu", "cuda") if cuda_compiled() else ("cpu",)


@ebm_core.hookimpl
def ebm_register_kernels(register) -> None:
    """Register every fused chain kernel and the any-energy Langevin update."""
    build = describe_build()
    for device in _devices():
        for sampler in SAMPLERS:
            for energy in ENERGIES:
                register(
                    f"{sampler}/{energy}/{device}",
                    functools.partial(FusedChainKernel, sampler, energy, device),
                    sampler=sampler,
                    energy=energy,
                    device=device,
                    description=f"fused {sampler} chains on {energy} ({_BACKEND[device]}; {build})",
                )
        register(
            f"langevin/update/{device}",
            functools.partial(FusedLangevinUpdate, device),
            sampler="langevin",
            energy="*",
            device=device,
            description=f"fused Langevin update for any energy ({_BACKEND[device]}; {build})",
        )
