"""Dispatch to fused kernels registered by plugins (the fast path of the sampling loop).

How a run finds a kernel
------------------------
1. Unless ``accelerate=False`` or the environment sets ``EBM_DISABLE_KERNELS=1``, the loop
   reads the ``kernel_key`` that the sampler's and the energy's *own classes* declare
   (``type(obj).__dict__``, so a subclass that changes the math never inherits a kernel) and
   asks the registry for chain kernels registered for ``(sampler key, energy key,
   x.device.type)``.
2. It builds a :class:`~ebm_core.kernels.ChainRequest` from ``kernel_params()`` of both (tensor
   parameters moved to the chains' device and dtype), ``x0`` flattened to ``(chains, d)``,
   and asks each candidate's ``unsupported_reason``; the first that returns ``None`` runs the
   chain. The seed is drawn from the run's ``torch.Generator`` only then, so the same
   generator state gives the same request (and, the kernel being counter-based, the same
   output), and a declining kernel does not change what the torch path draws.
3. Otherwise the torch path runs and the result's ``fallback_reason`` says why.

Samplers that adapt during burn-in run the burn-in on the torch path and hand the
remaining, frozen-parameter steps to the kernel (``burn_in=0`` in that request).

For Langevin with no chain kernel, a :class:`~ebm_core.kernels.LangevinUpdateKernel`
registered with ``energy="*"`` may perform each step's update while torch evaluates the
gradient (:func:`find_update_kernel`).

What the loop expects back
--------------------------
A :class:`~ebm_core.kernels.ChainResult` with ``samples`` ``(chains, d)``, ``energy``
``(chains,)`` or ``None`` (then ``SampleResult.energy`` is evaluated by the energy when first
read, as on the torch path of ULA), ``n_accepted`` (steps after burn-in) and ``divergent``
``(chains,)``, and — when
``record_trajectory`` — ``trajectory`` ``(chains, n_kept, d)``, chain-major like
``SampleResult.trajectory``; anything else raises an error naming the kernel. The loop
reshapes ``d`` back to the event shape, reports ``backend`` as the kernel's qualified
registry name, and adds the torch burn-in's gradient evaluations to the kernel's.

A kernel factory is called once per run; a plugin whose kernels are costly to build should
return a cached instance. The registry lookup itself is cached by the registry per (sampler
key, energy key, device type) until it changes (a reload or an added or removed plugin; see
:meth:`ebm_core.registry.Registry.exact_kernels_for`).
"""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import torch

from ..environment_switches import switch
from ..kernels import ChainKernel, ChainRequest, ChainResult, LangevinUpdateKernel, ParamValue
from ..registry import REGISTRY

DISABLE_ENV = "EBM_DISABLE_KERNELS"
_SEED_BOUND = 2**62


def kernels_disabled() -> bool:
    """True when ``EBM_DISABLE_KERNELS`` is set to a true value (``1``, ``true``, ``yes``)."""
    return switch(DISABLE_ENV) is True


def declared_kernel_key(obj: Any) -> str | None:
    """The ``kernel_key`` declared by ``type(obj)`` itself; inherited keys do not count."""
    key = type(obj).__dict__.get("kernel_key")
    return key if isinstance(key, str) else None


@dataclasses.dataclass
class KernelChoice:
    """A chain kernel that accepted a request, with the name it is reported under."""

    name: str
    kernel: ChainKernel
    request: ChainRequest


def find_chain_kernels(
    sampler: Any, energy: Any, device: torch.device, accelerate: bool
) -> tuple[list[tuple[str, ChainKernel]], str | None]:
    """Candidate chain kernels for this run, or ``([], reason)`` when there is none."""
    if not accelerate:
        return [], "accelerate=False"
    if kernels_disabled():
        return [], f"{DISABLE_ENV}=1"
    sampler_key, energy_key = declared_kernel_key(sampler), declared_kernel_key(energy)
    if sampler_key is None:
        return [], f"{type(sampler).__name__} declares no kernel_key on its own class"
    if energy_key is None:
        return [], f"{type(energy).__name__} declares no kernel_key on its own class"
    records = REGISTRY.exact_kernels_for(sampler_key, energy_key, device.type)
    if not records:
        return [], (
            f"no kernel registered for sampler={sampler_key!r}, energy={energy_key!r}, "
            f"device={device.type!r}"
        )
    candidates = []
    for record in records:
        kernel = record.factory()
        if not isinstance(kernel, ChainKernel):
            raise TypeError(
                f"kernel {record.qualified_name!r} ({record.source.describe()}) built a "
                f"{type(kernel).__name__}, not an ebm_core.kernels.ChainKernel"
            )
        candidates.append((record.qualified_name, kernel))
    return candidates, None


def choose_chain_kernel(
    candidates: list[tuple[str, ChainKernel]],
    sampler: Any,
    energy: Any,
    x: torch.Tensor,
    *,
    n_steps: int,
    burn_in: int,
    thin: int,
    record_trajectory: bool,
) -> tuple[KernelChoice | None, str | None]:
    """The first candidate accepting the request (seed still 0), or ``(None, reason)``."""
    sampler_params = sampler.kernel_params()
    energy_params = energy.kernel_params()
    if sampler_params is None:
        return None, f"{type(sampler).__name__}.kernel_params() returned None"
    if energy_params is None:
        return None, f"{type(energy).__name__}.kernel_params() returned None"
    request = ChainRequest(
        sampler=declared_kernel_key(sampler),
        sampler_params=_on_chain_device(sampler_params, x),
        energy=declared_kernel_key(energy),
        energy_params=_on_chain_device(energy_params, x),
        x0=x.reshape(x.shape[0], -1).contiguous(),
        n_steps=n_steps,
        burn_in=burn_in,
        thin=thin,
        seed=0,
        record_trajectory=record_trajectory,
    )
    reasons = []
    for name, kernel in candidates:
        reason = kernel.unsupported_reason(request)
        if reason is None:
            return KernelChoice(name, kernel, request), None
        reasons.append(f"{name} declined: {reason}")
    return None, "; ".join(reasons)


def run_chain_kernel(choice: KernelChoice, generator: torch.Generator | None) -> ChainResult:
    """Draw the seed from ``generator`` and run the chosen kernel; checks what it returns."""
    x0 = choice.request.x0
    request = dataclasses.replace(choice.request, seed=draw_seed(generator, x0.device))
    result = choice.kernel.run(request)
    _check_result(choice.name, request, result)
    return result


def find_update_kernel(
    sampler_key: str, energy: Any, x: torch.Tensor, grad: torch.Tensor
) -> tuple[str, LangevinUpdateKernel] | None:
    """A registered any-energy update kernel that accepts ``x`` and ``grad``, if any.

    The caller checks ``accelerate`` and :func:`kernels_disabled` first.
    """
    for record in REGISTRY.kernels_for(sampler_key, "*", x.device.type):
        if record.meta.get("energy") != "*":
            continue
        kernel = record.factory()
        if not isinstance(kernel, LangevinUpdateKernel):
            raise TypeError(
                f"kernel {record.qualified_name!r} ({record.source.describe()}) is registered "
                f"with energy='*' but built a {type(kernel).__name__}, not an "
                "ebm_core.kernels.LangevinUpdateKernel"
            )
        if kernel.unsupported_reason(x, grad) is None:
            return record.qualified_name, kernel
    return None


def draw_seed(generator: torch.Generator | None, device: torch.device) -> int:
    """A 62-bit seed for a counter-based kernel RNG, drawn from ``generator`` (or torch's)."""
    if generator is not None:
        device = generator.device
    return int(torch.randint(0, _SEED_BOUND, (1,), generator=generator, device=device))


def _on_chain_device(params: Mapping[str, ParamValue], x: torch.Tensor) -> dict[str, ParamValue]:
    def convert(v: ParamValue) -> ParamValue:
        if isinstance(v, torch.Tensor):
            return v.detach().to(device=x.device, dtype=x.dtype).contiguous()
        return v

    return {k: convert(v) for k, v in params.items()}


def _check_result(name: str, request: ChainRequest, result: ChainResult) -> None:
    chains, d = request.x0.shape
    expected = {"samples": (chains, d), "n_accepted": (chains,), "divergent": (chains,)}
    if result.energy is not None:  # None: E(samples) is evaluated when the result's is read
        expected["energy"] = (chains,)
    if request.record_trajectory:
        expected["trajectory"] = (chains, request.n_kept, d)
    for field, shape in expected.items():
        value = getattr(result, field)
        if not isinstance(value, torch.Tensor) or tuple(value.shape) != shape:
            got = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            raise RuntimeError(
                f"kernel {name!r} broke the ChainResult contract: {field} should be a tensor of "
                f"shape {shape}, got {got} (see ebm_core.kernels.ChainResult)"
            )
