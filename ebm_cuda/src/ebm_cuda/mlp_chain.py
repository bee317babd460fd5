"""The fused MLP Langevin chain: :class:`ebm_core.kernels.ChainKernel` for ULA on ``mlp``.

Registered as ``langevin/mlp/cpu``. For the built-in ``mlp`` energy with SiLU (its
``kernel_params()``: ``activation``, ``weights`` (W₁ … W_L, w_out as (1, H_L)) and ``biases``),
one native call runs all K steps of x ← clamp(x − h∇E(x) + σ√(2h)ξ) for every chain: per block
of chains sized for the L2 cache, the first layer by hand (fan-in ≤ 8), the other products on
the platform GEMM (:mod:`ebm_cuda.blas`), bias + SiLU + SiLU′ in one pass over each GEMM output,
the output layer's backward as a scale, and the update fused into the last backward layer
(``csrc/cpu/cpu_mlp.cpp``). ξ is Philox keyed by ``request.seed`` with the counters every
ebm-cuda kernel uses (:func:`ebm_cuda.random.sample_normals`), so a request has one answer
whatever the thread count.

Anything else — another activation, float64 chains, layers wider than :data:`MAX_WIDTH`, a
GPU tensor, no usable BLAS — is declined with a reason, and the sampler runs the torch path.

Gradient evaluations: one per step (at the state the step starts from), so ``n_grad_evals`` is
``n_steps``. ULA does not carry E, and the kernel does not evaluate it at the final state: it
returns ``energy=None``, so ``SampleResult.energy`` is computed by the energy only when read
(contrastive divergence never reads it), and a final-energy overflow is not a divergence, as
on the torch path (:mod:`ebm_core.sampling.divergence`).

Example::

    import torch, ebm_core
    e = ebm_core.energy("mlp", dim=2, hidden=[32, 32])
    s = ebm_core.sampler("langevin", e, step_size=0.01)
    r = s.run(torch.zeros(64, 2), n_steps=10, generator=torch.Generator().manual_seed(0))
    assert r.backend == "ebm-cuda:langevin/mlp/cpu" and r.samples.shape == (64, 2)
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from ebm_core.kernels import ChainRequest, ChainResult

from . import _native
from .blas import platform_sgemm
from .chains import native_seed, set_sampler_params, set_schedule
from .errors import KernelInputError
from .prepared import PreparingKernel
from .tensors import check_state, float32_cpu_tensor

#: The widest hidden layer the kernel runs (wider layers fall back to the torch path).
MAX_WIDTH = 1024


class FusedMLPLangevin(PreparingKernel):
    """ULA chains on the ``mlp`` energy with SiLU, K steps × N chains per native call (CPU)."""

    def __repr__(self) -> str:
        return "FusedMLPLangevin()"

    def run(self, request: ChainRequest) -> ChainResult:
        args, x0, keep_alive = self._prepared(request)
        args.seed = native_seed(request.seed)
        chains, dim = x0.shape
        samples = torch.empty_like(x0)
        divergent = torch.empty(chains, dtype=torch.bool)
        trajectory = None
        if request.record_trajectory:
            trajectory = torch.empty(chains, request.n_kept, dim, dtype=x0.dtype)
            args.trajectory = trajectory.data_ptr() if trajectory.numel() else 0
            args.record_trajectory = trajectory.numel() > 0
        args.samples, args.energy_out = samples.data_ptr(), 0  # no final energy pass
        args.divergent = divergent.data_ptr()
        args.n_threads = torch.get_num_threads()
        _native.run_mlp_langevin_cpu(args)
        del keep_alive
        counted = request.n_steps - request.burn_in
        return ChainResult(
            samples=samples,
            energy=None,
            n_accepted=torch.full((chains,), counted, dtype=torch.int64),
            n_grad_evals=request.n_steps,
            divergent=divergent,
            trajectory=trajectory,
        )

    # ----------------------------------------------------------------- internals
    def _prepare(self, request: ChainRequest) -> tuple[Any, torch.Tensor, list[torch.Tensor]]:
        if request.sampler != "langevin" or request.energy != "mlp":
            raise KernelInputError(
                f"this kernel runs 'langevin' on 'mlp', not {request.sampler!r} on {request.energy!r}"
            )
        x0 = check_state(request.x0, "x0", "cpu", min_dim=2)
        if x0.dim() != 2:
            raise KernelInputError(f"x0 must have shape (chains, d), got {tuple(x0.shape)}")
        if x0.dtype != torch.float32:
            raise KernelInputError(f"the fused MLP kernel runs float32 chains, got {x0.dtype}")
        address, where = platform_sgemm()
        if address is None:
            raise KernelInputError(f"no platform GEMM for the fused MLP kernel: {where}")
        args = _native.MlpChainArgs()
        args.sgemm = address
        args.chains, args.dim = x0.shape
        set_schedule(args, request)
        args.x0 = x0.data_ptr()
        set_sampler_params(args, "langevin", request.sampler_params, x0)  # real parameters only
        keep = [x0, *_network_args(args, request.energy_params, x0)]
        return args, x0, keep


def _network_args(args: Any, params: Mapping[str, Any], x0: torch.Tensor) -> list[torch.Tensor]:
    """Check the ``mlp`` parameters and point ``args`` at them; returns the tensors to keep."""
    activation = params.get("activation")
    if activation != "silu":
        raise KernelInputError(f"the fused MLP kernel runs SiLU networks; this one uses {activation!r}")
    weights, biases = tuple(params.get("weights", ())), tuple(params.get("biases", ()))
    if len(weights) < 2 or len(biases) != len(weights):
        raise KernelInputError("energy_params needs 'weights' and 'biases': one per layer, output layer last")
    tensors = []
    width_in = x0.shape[1]
    for index, (w, b) in enumerate(zip(weights, biases)):
        last = index == len(weights) - 1
        float32_cpu_tensor(w, f"energy_params['weights'][{index}]")
        float32_cpu_tensor(b, f"energy_params['biases'][{index}]")
        if w.dim() != 2 or w.shape[1] != width_in or (last and w.shape[0] != 1):
            raise KernelInputError(
                f"energy_params['weights'][{index}] has shape {tuple(w.shape)}; expected "
                f"({'1' if last else 'H'}, {width_in})"
            )
        if tuple(b.shape) != (w.shape[0],):
            raise KernelInputError(f"energy_params['biases'][{index}] must have shape ({w.shape[0]},)")
        if not last and w.shape[0] > MAX_WIDTH:
            raise KernelInputError(f"hidden layer {index + 1} has {w.shape[0]} units; the fused MLP kernel runs up to {MAX_WIDTH}")
        tensors += [_contiguous(w), _contiguous(b)]
        width_in = w.shape[0]
    hidden = tensors[:-2]
    args.widths = [int(w.shape[0]) for w in hidden[0::2]]
    args.weights = [w.data_ptr() for w in hidden[0::2]]
    args.biases = [b.data_ptr() for b in hidden[1::2]]
    w_out, b_out = tensors[-2], tensors[-1]
    args.w_out = w_out.data_ptr()
    args.b_out = b_out.item()
    return tensors


def _contiguous(t: torch.Tensor) -> torch.Tensor:
    """``t`` itself when contiguous (the kernel only reads it; no new tensor per call), else a
    contiguous copy of its data."""
    return t if t.is_contiguous() else t.detach().contiguous()
