"""The sampling loop behind :meth:`ebm_core.Sampler.run`: burn-in, adaptation, thinning,
trajectory recording, divergence detection, progress, and the fast path.

Schedule: step ``s = 1 … n_steps``; steps ``1 … burn_in`` are discarded (and adapt the
sampler when it has an adaptation); the trajectory keeps the states after steps
``burn_in + thin, burn_in + 2·thin, …`` — ``(n_steps − burn_in) // thin`` of them, in a
tensor allocated once — and ``samples`` is the state after the last step. Acceptance rates
count the steps after burn-in. The energy of every chain after each kept step is recorded
too (``energy_trace``, for the convergence report's energy R-hat; after every k-th kept step
when there are more than ``MAX_ENERGY_TRACE`` = 1000, k the smallest that fits) when the
sampler carries it; otherwise it is evaluated on the trajectory after the run, when one was
recorded. The final energy of a sampler that does not carry it is evaluated only when
``result.energy`` is read (no extra forward pass for callers such as contrastive divergence).

The step loop never reads a tensor value on the host (no ``.item()``, no boolean indexing):
acceptance counts, adaptation and recording are tensor ops, so CUDA chains run without
synchronisation until the run ends. Everything runs under ``torch.no_grad()``; energies that
need autograd for their gradient enable it themselves, with respect to ``x`` only.
"""

from __future__ import annotations

import functools
from typing import Any

import torch

from .. import malloc_tuning, thread_sharing
from . import fast_path
from .divergence import nonfinite_chains, nonfinite_state
from .progress import Progress
from .result import SampleResult
from .state import ChainState
from .validation import check_schedule, starting_states

#: Most energies recorded per chain for the convergence report (see the module docstring).
MAX_ENERGY_TRACE = 1000


def run_chains(
    sampler: Any,
    x: torch.Tensor | None,
    n_steps: int,
    *,
    n_samples: int | None,
    burn_in: int,
    thin: int,
    generator: torch.Generator | None,
    progress: bool,
    return_trajectory: bool,
    accelerate: bool,
) -> SampleResult:
    """Run ``sampler``'s chains from ``x`` (see :meth:`ebm_core.Sampler.run`)."""
    n_steps, burn_in, thin = check_schedule(n_steps, burn_in, thin)
    energy = sampler.energy
    x = starting_states(energy, x, n_samples, generator)
    on_cpu = x.device.type == "cpu"
    if on_cpu:
        malloc_tuning.keep_freed_memory()  # reuse freed activations instead of page-faulting them
        thread_sharing.share_cores()  # torch threads on the cores other processes leave free
    rebalance = _rebalancer(x.device)
    candidates, fallback = fast_path.find_chain_kernels(sampler, energy, x.device, accelerate)
    adaptation = sampler.adaptation(burn_in) if burn_in > 0 else None
    schedule = dict(n_steps=n_steps, burn_in=burn_in, thin=thin)

    with Progress(n_steps, enabled=progress, description=type(sampler).__name__) as bar:
        with torch.no_grad():
            if candidates and adaptation is None:
                choice, fallback = fast_path.choose_chain_kernel(
                    candidates, sampler, energy, x, record_trajectory=return_trajectory, **schedule
                )
                if choice is not None:
                    bar.note(choice.name)
                    out = fast_path.run_chain_kernel(choice, generator)
                    bar.advance(n_steps)
                    return _kernel_result(sampler, x, out, choice.name, 0, bar, **schedule)

            state = sampler.init(x)
            divergent = nonfinite_state(state)  # sticky; see divergence.py for the definition
            backend = "torch"
            if accelerate and not fast_path.kernels_disabled():
                update_kernel = sampler.attach_step_kernel(state, generator)
                if update_kernel is not None:
                    backend = f"torch+{update_kernel}"
            bar.note(backend)

            if adaptation is not None:
                adaptation.start(state)
            for t in range(burn_in):
                state = sampler.step(state, generator)
                divergent |= nonfinite_state(state)
                if adaptation is not None:
                    adaptation.update(state, t)
                bar.advance()
                rebalance()
            warmup: dict[str, list[str]] = {}
            if adaptation is not None:
                adaptation.finish(state)
                warmup = dict(
                    warmup_notes=list(getattr(adaptation, "notes", [])),
                    warmup_problems=list(getattr(adaptation, "problems", [])),
                )

            if candidates and adaptation is not None:
                remaining = dict(n_steps=n_steps - burn_in, burn_in=0, thin=thin)
                choice, fallback = fast_path.choose_chain_kernel(
                    candidates, sampler, energy, state.x, record_trajectory=return_trajectory,
                    **remaining,
                )
                if choice is not None:
                    bar.note(f"{choice.name} after torch burn-in")
                    out = fast_path.run_chain_kernel(choice, generator)
                    bar.advance(n_steps - burn_in)
                    return _kernel_result(
                        sampler, x, out, choice.name, state.n_grad_evals, bar, **schedule,
                        divergent=divergent,
                        **warmup,
                    )

            return _sample_on_torch(
                sampler, state, generator, bar, backend=backend, fallback=fallback,
                return_trajectory=return_trajectory, **schedule, **warmup,
                divergent=divergent,
            )


def _sample_on_torch(
    sampler: Any,
    state: ChainState,
    generator: torch.Generator | None,
    bar: Progress,
    *,
    n_steps: int,
    burn_in: int,
    thin: int,
    return_trajectory: bool,
    backend: str,
    fallback: str | None,
    divergent: torch.Tensor,
    warmup_notes: list[str] | None = None,
    warmup_problems: list[str] | None = None,
) -> SampleResult:
    """The post-burn-in steps on the torch path; ``divergent`` is the sticky flag so far."""
    x = state.x
    rebalance = _rebalancer(x.device)
    n_sampling = n_steps - burn_in
    n_kept = n_sampling // thin
    trajectory = None
    if return_trajectory:
        trajectory = x.new_empty((x.shape[0], n_kept, *x.shape[1:]))
    trace_every = thin * _trace_stride(n_kept)
    energy_trace = None
    if state.energy is not None:
        energy_trace = state.energy.new_empty((x.shape[0], n_sampling // trace_every))
    n_accepted = torch.zeros(x.shape[0], dtype=torch.int64, device=x.device)
    for j in range(1, n_sampling + 1):
        state = sampler.step(state, generator)
        divergent |= nonfinite_state(state)
        n_accepted += state.accepted
        if trajectory is not None and j % thin == 0:
            trajectory[:, j // thin - 1].copy_(state.x)
        if energy_trace is not None and j % trace_every == 0:
            energy_trace[:, j // trace_every - 1].copy_(state.energy)
        bar.advance()
        rebalance()
    if state.energy is not None:
        final_energy: torch.Tensor | Any = state.energy
        divergent = divergent | nonfinite_chains(state.x, state.energy)
    else:  # evaluated only if someone reads result.energy (see divergence.py)
        final_energy = functools.partial(_final_energy, sampler.energy, state.x)
    if energy_trace is None and trajectory is not None:
        energy_trace = _trajectory_energy(sampler.energy, trajectory)
    result = SampleResult(
        samples=state.x,
        energy_source=final_energy,
        trajectory=trajectory,
        acceptance_rate=n_accepted.to(x.dtype) / n_sampling,
        step_size=_step_size(sampler),
        divergent=divergent,
        n_grad_evals=state.n_grad_evals,
        n_steps=n_steps,
        burn_in=burn_in,
        thin=thin,
        backend=backend,
        fallback_reason=fallback,
        energy_trace=energy_trace,
        sampler=type(sampler).__name__,
        warmup_notes=warmup_notes or [],
        warmup_problems=warmup_problems or [],
    )
    _finish_bar(bar, result)
    return result


def _rebalancer(device: torch.device) -> Any:
    """What to call between steps: :func:`~ebm_core.thread_sharing.rebalance` on the CPU."""
    return thread_sharing.rebalance if device.type == "cpu" else _nothing


def _nothing() -> None:
    pass


def _kernel_result(
    sampler: Any,
    x: torch.Tensor,
    out: Any,
    name: str,
    torch_grad_evals: int,
    bar: Progress,
    *,
    n_steps: int,
    burn_in: int,
    thin: int,
    divergent: torch.Tensor | None = None,
    warmup_notes: list[str] | None = None,
    warmup_problems: list[str] | None = None,
) -> SampleResult:
    """Reshape a kernel's ``(chains, d)`` output back to the chains' event shape; ``divergent``
    is the torch burn-in's sticky flag, when the burn-in ran on the torch path."""
    chains, event = x.shape[0], x.shape[1:]
    samples = out.samples if x.dim() == 2 else out.samples.reshape(chains, *event)
    trajectory = None
    if out.trajectory is not None:
        trajectory = out.trajectory.reshape(chains, -1, *event)
    final_energy: torch.Tensor | Any = out.energy
    if final_energy is None:  # the kernel left E(samples) to be evaluated when read
        final_energy = functools.partial(_final_energy, sampler.energy, samples)
    flags = out.divergent if out.divergent.dtype == torch.bool else out.divergent.to(torch.bool)
    result = SampleResult(
        samples=samples,
        energy_source=final_energy,
        trajectory=trajectory,
        acceptance_rate=out.n_accepted.to(x.dtype) / (n_steps - burn_in),
        step_size=_step_size(sampler),
        divergent=flags if divergent is None else flags | divergent,
        n_grad_evals=torch_grad_evals + int(out.n_grad_evals),
        n_steps=n_steps,
        burn_in=burn_in,
        thin=thin,
        backend=name,
        fallback_reason=None,
        energy_trace=None if trajectory is None else _trajectory_energy(sampler.energy, trajectory),
        sampler=type(sampler).__name__,
        warmup_notes=warmup_notes or [],
        warmup_problems=warmup_problems or [],
    )
    _finish_bar(bar, result)
    return result


#: Rows per energy evaluation when energies are computed on a recorded trajectory.
_ENERGY_CHUNK = 65_536


def _trace_stride(n_kept: int) -> int:
    """Record the energy after every k-th kept step, k the smallest keeping ≤ MAX_ENERGY_TRACE."""
    return max(1, -(-n_kept // MAX_ENERGY_TRACE))


def _trajectory_energy(energy: Any, trajectory: torch.Tensor) -> torch.Tensor:
    """Energies of the states of a ``(chains, n_kept, *event)`` trajectory that the torch loop
    would have recorded (every k-th, :func:`_trace_stride`), evaluated after the run in chunks
    of at most ``_ENERGY_CHUNK`` states: ``(chains, n_kept // k)``."""
    k = _trace_stride(trajectory.shape[1])
    kept = trajectory[:, k - 1 :: k]
    chains, n_trace = kept.shape[:2]
    states = kept.reshape(chains * n_trace, *kept.shape[2:])
    values = [energy(chunk) for chunk in states.split(_ENERGY_CHUNK)]
    return torch.cat(values).reshape(chains, n_trace)


def _final_energy(energy: Any, x: torch.Tensor) -> torch.Tensor:
    """E(x) without a graph, for a result's energy read after the run."""
    with torch.no_grad():
        return energy(x)


def _step_size(sampler: Any) -> float | None:
    value = getattr(sampler, "step_size", None)
    return None if value is None else float(value)


def _finish_bar(bar: Progress, result: SampleResult) -> None:
    if bar.enabled:
        bar.finish(acceptance=result.mean_acceptance_rate, divergent=result.n_divergent)
