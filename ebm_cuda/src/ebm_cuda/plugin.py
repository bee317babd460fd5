"""ebm-cuda's plugin: registers its kernels with ebm-core through ``ebm_register_kernels``.

Found through the entry point ``ebm_cuda = "ebm_cuda.plugin"`` in group ``ebm``; ebm-core never
imports ebm-cuda directly. One kernel record per (sampler, energy, device), named
``"<sampler>/<energy>/<device>"`` (e.g. ``"mala/double_well/cpu"``), the fused ULA chain on
the built-in ``mlp`` energy with SiLU ``"langevin/mlp/cpu"``, ULA on the ``conv`` energy's
strided net ``"langevin/conv/cpu"``, plus the any-energy Langevin
update ``"langevin/update/<device>"`` (``energy="*"``). CUDA kernels are registered
only when CUDA was compiled in; without a visible GPU they decline every request (their
``unsupported_reason`` says so) and the sampler falls back.

Registering is cheap and has no side effects: it reads the build configuration, not the native
module, and asks the CUDA driver nothing. The factories import the native module when a run
first builds a kernel, and the CUDA kernels query the GPUs only when handed chains.
"""

from __future__ import annotations

import functools

import ebm_core
from ebm_core.kernels import KERNEL_ENERGIES, KERNEL_SAMPLERS

from ._build_config import CUDA_COMPILED

_BACKEND = {"cpu": "C++/OpenMP SIMD", "cuda": "CUDA, one thread per chain"}
_BUILD = f"CUDA compiled in: {'yes' if CUDA_COMPILED else 'no'}"


def _devices() -> tuple[str, ...]:
    return ("cpu", "cuda") if CUDA_COMPILED else ("cpu",)


def chain_kernel(sampler: str, energy: str, device: str):
    """A :class:`~ebm_cuda.FusedChainKernel` (imports the native module on first call)."""
    from .chains import FusedChainKernel

    return FusedChainKernel(sampler, energy, device)


def mlp_kernel():
    """A :class:`~ebm_cuda.mlp_chain.FusedMLPLangevin` (imports the native module on first call)."""
    from .mlp_chain import FusedMLPLangevin

    return FusedMLPLangevin()


def conv_kernel():
    """A :class:`~ebm_cuda.conv_chain.FusedConvLangevin` (imports the native module on first call)."""
    from .conv_chain import FusedConvLangevin

    return FusedConvLangevin()


def update_kernel(device: str):
    """A :class:`~ebm_cuda.FusedLangevinUpdate` (imports the native module on first call)."""
    from .update import FusedLangevinUpdate

    return FusedLangevinUpdate(device)


@ebm_core.hookimpl
def ebm_register_kernels(register) -> None:
    """Register every fused chain kernel and the any-energy Langevin update."""
    register(
        "langevin/mlp/cpu",
        mlp_kernel,
        sampler="langevin",
        energy="mlp",
        device="cpu",
        description=f"fused ULA chains on the mlp energy with SiLU (C++/OpenMP + platform GEMM; {_BUILD})",
    )
    register(
        "langevin/conv/cpu",
        conv_kernel,
        sampler="langevin",
        energy="conv",
        device="cpu",
        description=f"ULA on the conv energy's strided net: native first layer + SiLU, oneDNN for the rest ({_BUILD})",
    )
    for device in _devices():
        for sampler in KERNEL_SAMPLERS:
            for energy in KERNEL_ENERGIES:
                register(
                    f"{sampler}/{energy}/{device}",
                    functools.partial(chain_kernel, sampler, energy, device),
                    sampler=sampler,
                    energy=energy,
                    device=device,
                    description=f"fused {sampler} chains on {energy} ({_BACKEND[device]}; {_BUILD})",
                )
        register(
            f"langevin/update/{device}",
            functools.partial(update_kernel, device),
            sampler="langevin",
            energy="*",
            device=device,
            description=f"fused Langevin update for any energy ({_BACKEND[device]}; {_BUILD})",
        )
