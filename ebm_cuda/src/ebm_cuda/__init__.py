"""ebm-cuda: fused Langevin / MALA / HMC kernels for ebm, with a C++/OpenMP CPU twin.

Installing ebm-cuda is all it takes: its entry point registers the kernels with ebm-core, and
``ebm_core.sampler(...)`` runs chains through them whenever the (sampler, energy, device)
combination is supported (``accelerate=False`` or ``EBM_DISABLE_KERNELS=1`` opts out).

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

from . import _native
from .chains import FusedChainKernel
from .errors import CudaNotAvailableError, KernelDTypeError, KernelInputError
from .runtime import build_info, cuda_compiled, cuda_device_count
from .update import FusedLangevinUpdate

__version__: str = _native.build_info()["version"]

__all__ = [
    "CudaNotAvailableError",
    "FusedChainKernel",
    "FusedLangevinUpdate",
    "KernelDTypeError",
    "KernelInputError",
    "__version__",
    "build_info",
    "cuda_compiled",
    "cuda_device_count",
]
