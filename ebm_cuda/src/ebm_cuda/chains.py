"""Fused whole-chain kernels: :class:`ebm_core.kernels.ChainKernel` over the native backends.

One kernel object serves one (sampler, energy, device) triple. ``unsupported_reason`` runs the
same checks as ``run`` and returns their message instead of raising, so the sampler loop falls
back to the torch path for anything these kernels cannot do (float16, non-contiguous chains,
unknown parameters, no GPU, …) while a direct call of ``run`` raises a clear error.
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import torch
from ebm_core.kernels import ChainKernel, ChainRequest, ChainResult

from . import _native
from .errors import CudaNotAvailableError, KernelInputError
from .runtime import require_cuda
from .tensors import check_state, integer, native_dtype, param_tensor, real

SAMPLERS = ("langevin", "mala", "hmc")
ENERGIES = ("gaussian", "double_well", "rosenbrock", "harmonic")
DEVICES = ("cpu", "cuda")

#: The parameter names each sampler/energy understands (ebm_core.kernels' contract).
SAMPLER_PARAMS = {
    "langevin": ("step_size", "noise_scale", "clamp"),
    "mala": ("step_size",),
    "hmc": ("step_size", "n_leapfrog", "inv_mass"),
}
ENERGY_PARAMS = {
    "gaussian": ("mean", "precision", "precision_diag"),
    "double_well": ("barrier_height", "b"),
    "rosenbrock": ("a", "b"),
    "harmonic": ("k", "center"),
}
MASK64 = (1 << 64) - 1


@dataclasses.dataclass
class _Launch:
    """A validated request: the native arguments and the tensors they point into."""

    args: Any
    x0: torch.Tensor
    keep_alive: list[torch.Tensor]


class FusedChainKernel(ChainKernel):
    """Runs whole chains of one sampler on one analytic energy, K steps × N chains per call.

    The state of each chain stays in registers (GPU) or SIMD lanes (CPU) for all K steps; the
    random numbers come from Philox keyed by ``request.seed``, so the output is a function of
    the request alone (not of the thread count).
    """

    def __init__(self, sampler: str, energy: str, device: str) -> None:
        if sampler not in SAMPLERS or energy not in ENERGIES or device not in DEVICES:
            raise ValueError(
                f"unsupported kernel ({sampler!r}, {energy!r}, {device!r}); samplers "
                f"{SAMPLERS}, energies {ENERGIES}, devices {DEVICES}"
            )
        self.sampler = sampler
        self.energy = energy
        self.device = device

    def __repr__(self) -> str:
        return f"FusedChainKernel({self.sampler!r}, {self.energy!r}, {self.device!r})"

    def unsupported_reason(self, request: ChainRequest) -> str | None:
        try:
            self._prepare(request)
        except (KernelInputError, CudaNotAvailableError) as exc:
            return str(exc)
        return None

    def run(self, request: ChainRequest) -> ChainResult:
        launch = self._prepare(request)
        args, x0 = launch.args, launch.x0
        chains, dim = x0.shape
        samples = torch.empty_like(x0)
        energy = torch.empty(chains, dtype=x0.dtype, device=x0.device)
        n_accepted = torch.empty(chains, dtype=torch.int64, device=x0.device)
        divergent = torch.empty(chains, dtype=torch.bool, device=x0.device)
        trajectory = None
        if request.record_trajectory:
            # Chain-major, like ebm_core's SampleResult.trajectory.
            trajectory = torch.empty(chains, request.n_kept, dim, dtype=x0.dtype, device=x0.device)
            args.trajectory = trajectory.data_ptr() if trajectory.numel() else 0
        args.samples = samples.data_ptr()
        args.energy_out = energy.data_ptr()
        args.n_accepted = n_accepted.data_ptr()
        args.divergent = divergent.data_ptr()
        if self.device == "cpu":
            args.n_threads = torch.get_num_threads()
            _native.run_chains_cpu(args)
        else:
            self._run_cuda(args, x0)
        per_step = args.n_leapfrog if self.sampler == "hmc" else 1
        return ChainResult(
            samples=samples,
            energy=energy,
            n_accepted=n_accepted,
            n_grad_evals=1 + request.n_steps * per_step,
            divergent=divergent,
            trajectory=trajectory,
        )

    # ----------------------------------------------------------------- internals
    @staticmethod
    def _run_cuda(args: Any, x0: torch.Tensor) -> None:
        args.device = x0.device.index
        args.stream = torch.cuda.current_stream(x0.device).cuda_stream
        scratch = None
        elements = _native.chain_scratch_elements(args)
        if elements:
            scratch = torch.empty(elements, dtype=x0.dtype, device=x0.device)
            args.scratch = scratch.data_ptr()
        try:
            _native.run_chains_cuda(args)
        except _native.CudaUnavailable as exc:
            raise CudaNotAvailableError(str(exc)) from exc

    def _prepare(self, request: ChainRequest) -> _Launch:
        if request.sampler != self.sampler or request.energy != self.energy:
            raise KernelInputError(
                f"this kernel runs {self.sampler!r} on {self.energy!r}, not "
                f"{request.sampler!r} on {request.energy!r}"
            )
        if self.device == "cuda":
            require_cuda()
        x0 = check_state(request.x0, "x0", self.device, min_dim=2)
        if x0.dim() != 2 or x0.shape[1] < 1:
            raise KernelInputError(f"x0 must have shape (chains, d) with d >= 1, got {tuple(x0.shape)}")
        args = _native.ChainArgs()
        args.dtype = native_dtype(x0, "x0")
        args.sampler = getattr(_native.SamplerKind, self.sampler)
        args.chains, args.dim = x0.shape
        args.n_steps = integer(request.n_steps, "n_steps", minimum=0)
        args.burn_in = integer(request.burn_in, "burn_in", minimum=0)
        if args.burn_in > args.n_steps:
            raise KernelInputError(f"burn_in ({args.burn_in}) must not exceed n_steps ({args.n_steps})")
        args.thin = integer(request.thin, "thin", minimum=1)
        args.seed = integer(request.seed, "seed") & MASK64
        args.record_trajectory = bool(request.record_trajectory)
        args.x0 = x0.data_ptr()
        keep = [x0]
        keep += self._sampler_args(args, request.sampler_params, x0)
        keep += self._energy_args(args, request.energy_params, x0)
        return _Launch(args=args, x0=x0, keep_alive=keep)

    def _sampler_args(self, args: Any, params: Mapping[str, Any], x0: torch.Tensor) -> list[torch.Tensor]:
        p = _known(params, SAMPLER_PARAMS[self.sampler], f"sampler {self.sampler!r}", "sampler_params")
        args.step_size = real(_required(p, "step_size", "sampler_params"), "sampler_params['step_size']", positive=True)
        if self.sampler == "langevin":
            args.noise_scale = real(p.get("noise_scale", 1.0), "sampler_params['noise_scale']", non_negative=True)
            clamp = p.get("clamp")
            args.has_clamp = clamp is not None
            if clamp is not None:
                args.clamp = real(clamp, "sampler_params['clamp']", positive=True)
            return []
        if self.sampler == "mala":
            return []
        args.n_leapfrog = integer(_required(p, "n_leapfrog", "sampler_params"), "sampler_params['n_leapfrog']", minimum=1)
        dim = x0.shape[1]
        inv_mass = p.get("inv_mass")
        if inv_mass is None:
            inv_mass = torch.ones(dim, dtype=x0.dtype, device=x0.device)
        inv_mass = param_tensor(inv_mass, "sampler_params['inv_mass']", (dim,), x0)
        if not bool((inv_mass > 0).all()):
            raise KernelInputError("sampler_params['inv_mass'] must be > 0 everywhere")
        mass_sqrt = inv_mass.rsqrt().contiguous()
        args.inv_mass = inv_mass.data_ptr()
        args.mass_sqrt = mass_sqrt.data_ptr()
        return [inv_mass, mass_sqrt]

    def _energy_args(self, args: Any, params: Mapping[str, Any], x0: torch.Tensor) -> list[torch.Tensor]:
        p = _known(params, ENERGY_PARAMS[self.energy], f"energy {self.energy!r}", "energy_params")
        dim = x0.shape[1]
        kinds = _native.EnergyKind
        if self.energy == "gaussian":
            mean = p.get("mean")
            mean = torch.zeros(dim, dtype=x0.dtype, device=x0.device) if mean is None else mean
            mean = param_tensor(mean, "energy_params['mean']", (dim,), x0)
            full, diag = p.get("precision"), p.get("precision_diag")
            if (full is None) == (diag is None):
                raise KernelInputError(
                    "energy_params must give exactly one of 'precision' (d, d) and 'precision_diag' (d,)"
                )
            if diag is not None:
                precision = param_tensor(diag, "energy_params['precision_diag']", (dim,), x0)
                args.energy = kinds.gaussian_diag
            else:
                precision = param_tensor(full, "energy_params['precision']", (dim, dim), x0)
                precision = (0.5 * (precision + precision.T)).contiguous()  # same E, exact ∇E
                args.energy = kinds.gaussian_full
            args.mean, args.precision = mean.data_ptr(), precision.data_ptr()
            return [mean, precision]
        if self.energy == "double_well":
            args.energy = kinds.double_well
            args.barrier_height = real(_required(p, "barrier_height", "energy_params"), "energy_params['barrier_height']")
            args.well_b = real(_required(p, "b", "energy_params"), "energy_params['b']")
            return []
        if self.energy == "rosenbrock":
            args.energy = kinds.rosenbrock
            args.rosenbrock_a = real(_required(p, "a", "energy_params"), "energy_params['a']")
            args.rosenbrock_b = real(_required(p, "b", "energy_params"), "energy_params['b']")
            return []
        args.energy = kinds.harmonic
        args.harmonic_k = real(_required(p, "k", "energy_params"), "energy_params['k']")
        center = p.get("center")
        center = torch.zeros(dim, dtype=x0.dtype, device=x0.device) if center is None else center
        center = param_tensor(center, "energy_params['center']", (dim,), x0)
        args.center = center.data_ptr()
        return [center]


def _known(params: Mapping[str, Any] | None, names: tuple[str, ...], what: str, where: str) -> Mapping[str, Any]:
    """``params`` after checking it names nothing this kernel does not implement."""
    params = {} if params is None else params
    unknown = sorted(set(params) - set(names))
    if unknown:
        raise KernelInputError(
            f"{where} has {', '.join(map(repr, unknown))}, which the fused {what} kernel does not "
            f"implement (it knows {', '.join(names)})"
        )
    return params


def _required(params: Mapping[str, Any], name: str, where: str) -> Any:
    if params.get(name) is None:
        raise KernelInputError(f"{where} must give {name!r}")
    return params[name]
