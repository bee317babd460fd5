"""ebm-cuda: fused Langevin / MALA / HMC kernels for ebm, with a C++/OpenMP CPU twin.

Installing ebm-cuda is all it takes: its entry point registers the kernels with ebm-core, and
``ebm_core.sampler(...)`` runs chains through them whenever the (sampler, energy, device)
combination is supported (``accelerate=False`` or ``EBM_DISABLE_KERNELS=1`` opts out).

Importing this package (or its plugin module) loads neither the native module nor CUDA: the
names below are imported on first use, and the CUDA driver is asked about GPUs only when a
CUDA kernel is about to run (or :func:`cuda_device_count` / :func:`build_info` is called).

Example::

    import torch
    from ebm_core.kernels import ChainRequest
    from ebm_cuda import FusedChainKernel

    request = ChainRequest(
        sampler="mala", sampler_params={"step_size": 0.1},
        energy="double_well", energy_params={"barrier_height": 1.0, "b": 1.0},
        x0=torch.zeros(1000, 2), n_steps=100, burn_in=0, thin=1, seed=0,
        record_trajectory=False,
    )
    result = FusedChainKernel("mala", "double_well", "cpu").run(request)
    assert result.samples.shape == (1000, 2)
"""

from __future__ import annotations

import importlib as _importlib

from ._build_config import VERSION as __version__

#: Public name → the submodule defining it (imported on first access, PEP 562).
_LAZY = {
    "CudaNotAvailableError": "errors",
    "FusedChainKernel": "chains",
    "FusedLangevinUpdate": "update",
    "KernelDTypeError": "errors",
    "KernelInputError": "errors",
    "build_info": "runtime",
    "cuda_compiled": "runtime",
    "cuda_device_count": "runtime",
}

__all__ = [*sorted(_LAZY), "__version__"]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(_importlib.import_module(f".{_LAZY[name]}", __name__), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
