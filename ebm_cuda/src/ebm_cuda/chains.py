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
from ebm_core.kernels import (
    ENERGY_PARAMS,
    KERNEL_ENERGIES,
    KERNEL_SAMPLERS,
    SAMPLER_PARAMS,
    ChainKernel,
    ChainRequest,
    ChainResult,
    KernelParam,
)

from . import _native
from .errors import CudaNotAvailableError, KernelInputError
from .runtime import require_cuda
from .tensors import (
    check_state,
    finite_float,
    integer_in_range,
    native_dtype,
    non_negative_float,
    non_negative_int,
    param_tensor,
    positive_float,
    positive_int,
    unit_interval,
)

SAMPLERS = KERNEL_SAMPLERS
ENERGIES = KERNEL_ENERGIES
DEVICES = ("cpu", "cuda")
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
        set_schedule(args, request)
        args.record_trajectory = bool(request.record_trajectory)
        args.x0 = x0.data_ptr()
        keep = [x0]
        keep += self._sampler_args(args, request.sampler_params, x0)
        keep += self._energy_args(args, request.energy_params, x0)
        return _Launch(args=args, x0=x0, keep_alive=keep)

    def _sampler_args(self, args: Any, params: Mapping[str, Any], x0: torch.Tensor) -> list[torch.Tensor]:
        given = set_sampler_params(args, self.sampler, params, x0)
        if self.sampler != "hmc":
            return list(given.values())
        mass_sqrt = given["inv_mass"].rsqrt().contiguous()
        args.mass_sqrt = mass_sqrt.data_ptr()
        return [*given.values(), mass_sqrt]

    def _energy_args(self, args: Any, params: Mapping[str, Any], x0: torch.Tensor) -> list[torch.Tensor]:
        prefix = f"{self.energy}_"
        given = _set_params(args, ENERGY_PARAMS[self.energy], params, prefix, "energy_params",
                            f"energy {self.energy!r}", x0)
        kinds = _native.EnergyKind
        if self.energy != "gaussian":
            args.energy = getattr(kinds, self.energy)
            return list(given.values())
        if "precision" in given:
            precision = (0.5 * (given["precision"] + given["precision"].T)).contiguous()  # same E, exact ∇E
            args.gaussian_precision = precision.data_ptr()
            given["precision"] = precision
            args.energy = kinds.gaussian_full
        else:
            args.energy = kinds.gaussian_diag
        return list(given.values())


def set_schedule(args: Any, request: ChainRequest) -> None:
    """Check ``request``'s ``n_steps``, ``burn_in`` (≤ ``n_steps``), ``thin`` and ``seed`` and set
    the native fields of the same names (``seed`` as its 64-bit pattern, :func:`native_seed`);
    the one schedule check of every ebm-cuda chain kernel."""
    args.n_steps = non_negative_int(request.n_steps, "n_steps")
    args.burn_in = non_negative_int(request.burn_in, "burn_in")
    if args.burn_in > args.n_steps:
        raise KernelInputError(f"burn_in ({args.burn_in}) must not exceed n_steps ({args.n_steps})")
    args.thin = positive_int(request.thin, "thin")
    args.seed = native_seed(request.seed)


def set_sampler_params(
    args: Any, sampler: str, params: Mapping[str, Any] | None, x0: torch.Tensor
) -> dict[str, torch.Tensor]:
    """Check ``params`` against :data:`ebm_core.kernels.SAMPLER_PARAMS` ``[sampler]`` and set
    the native fields of the same names; the one sampler-parameter check of every ebm-cuda chain
    kernel. Returns the tensors the fields point into (keep them alive for the launch)."""
    return _set_params(args, SAMPLER_PARAMS[sampler], params, "", "sampler_params", f"sampler {sampler!r}", x0)


def native_seed(seed: Any) -> int:
    """``seed`` checked (an integer in the kernels' range) and reduced to its 64-bit pattern."""
    return integer_in_range(seed, "seed") & MASK64


def _set_params(
    args: Any,
    declared: tuple[KernelParam, ...],
    params: Mapping[str, Any] | None,
    prefix: str,
    where: str,
    what: str,
    x0: torch.Tensor,
) -> dict[str, torch.Tensor]:
    """Check ``params`` against ``declared`` and set each native field ``prefix + name``.

    Returns the tensors the native fields point into (keep them alive for the launch).
    """
    params = _known(params, tuple(p.name for p in declared), what, where)
    tensors: dict[str, torch.Tensor] = {}
    groups: dict[str, list[str]] = {}
    dim = x0.shape[1]
    for param in declared:
        label = f"{where}[{param.name!r}]"
        value = params.get(param.name)
        if value is None and param.one_of:
            groups.setdefault(param.one_of, [])
            continue
        if param.one_of:
            groups.setdefault(param.one_of, []).append(param.name)
        field = prefix + param.name
        if param.nullable:
            setattr(args, f"has_{field}", value is not None)
            if value is None:
                continue
        if value is None:
            value = param.default
        if value is None:
            raise KernelInputError(f"{where} must give {param.name!r}")
        if param.kind == "real":
            setattr(args, field, _REAL_CHECKS[param.check](value, label))
        elif param.kind == "integer":
            setattr(args, field, _INTEGER_CHECKS[param.check](value, label))
        else:
            shape = (dim,) if param.kind == "vector" else (dim, dim)
            if isinstance(value, str):
                value = (torch.zeros if value == "zeros" else torch.ones)(shape, dtype=x0.dtype, device=x0.device)
            t = param_tensor(value, label, shape, x0)
            if param.check == "positive" and not bool((t > 0).all()):
                raise KernelInputError(f"{label} must be > 0 everywhere")
            if param.check == "non_negative" and not bool((t >= 0).all()):
                raise KernelInputError(f"{label} must be >= 0 everywhere")
            setattr(args, field, t.data_ptr())
            tensors[param.name] = t
    for group, names in groups.items():
        if len(names) != 1:
            options = " and ".join(repr(p.name) for p in declared if p.one_of == group)
            raise KernelInputError(f"{where} must give exactly one of {options}")
    return tensors


#: The ebm_core.checks check of each ``KernelParam.check`` of a number ("": any finite value).
_REAL_CHECKS = {"": finite_float, "positive": positive_float, "non_negative": non_negative_float,
                "unit_interval": unit_interval}
_INTEGER_CHECKS = {"": integer_in_range, "positive": positive_int, "non_negative": non_negative_int}


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

