"""Argument checks of the sampling loop: schedule, starting states, generator.

Built on :mod:`ebm_core.checks` (same convention: ``TypeError`` for the wrong kind of object,
``ValueError`` for a bad value). Every check raises before any chain moves, with a message
naming the argument, the value and the fix.
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ..checks import non_negative_int, optional_generator, positive_int
from .divergence import nonfinite_rows


def check_schedule(n_steps: Any, burn_in: Any, thin: Any) -> tuple[int, int, int]:
    """Validate the run length, burn-in and thinning; returns them as ints."""
    n_steps = positive_int(n_steps, "n_steps", "the number of steps per chain, burn-in included")
    burn_in = non_negative_int(burn_in, "burn_in", "the number of steps discarded before sampling")
    thin = positive_int(thin, "thin", "thin=k keeps every k-th state; 1 keeps all")
    if burn_in >= n_steps:
        raise ValueError(
            f"burn_in={burn_in} leaves no step to sample with n_steps={n_steps}: burn_in counts "
            "steps discarded before sampling, so use burn_in < n_steps "
            f"(e.g. n_steps={burn_in + n_steps})"
        )
    kept = n_steps - burn_in
    if thin > kept:
        raise ValueError(
            f"thin={thin} keeps no state: only n_steps - burn_in = {kept} steps follow the "
            f"burn-in; use thin <= {kept} or increase n_steps"
        )
    return n_steps, burn_in, thin


def starting_states(
    energy: Any, x: Any, n_samples: Any, generator: torch.Generator | None
) -> torch.Tensor:
    """The validated starting states: a contiguous copy of ``x``, or ``n_samples`` N(0, I) draws.

    Checks: a floating tensor of ``(chains, *event_shape)`` (``energy.check_input``), on the
    device of the energy's parameters, in their dtype when it has any, at least one chain,
    no NaN/inf; ``generator`` on the chains' device.
    """
    if x is None:
        x = _standard_normal_starts(energy, n_samples, generator)
    elif n_samples is not None:
        raise ValueError(
            "pass either starting states x or n_samples, not both (n_samples draws starting "
            "states from N(0, I); x gives them explicitly)"
        )
    x = energy.check_input(x, name="x")
    if x.dim() == 0 or x.shape[0] == 0:
        raise ValueError(
            "x must hold at least one chain, shape (chains, *event_shape); "
            f"got shape {tuple(x.shape)}"
        )
    _check_dtype(energy, x)
    check_generator(generator, x)
    # One reduction: a NaN or ±inf anywhere makes the sum non-finite. A sum of finite values
    # that overflows is not proof of anything, so the element-wise check decides then.
    if not math.isfinite(float(x.sum())):
        nonfinite = nonfinite_rows(x)
        if bool(nonfinite.any()):
            bad = nonfinite.nonzero().flatten()
            shown = ", ".join(str(int(i)) for i in bad[:5]) + (", ..." if bad.numel() > 5 else "")
            raise ValueError(
                f"x contains NaN or infinite values in {bad.numel()} chain(s) (rows {shown}); "
                "start every chain at a finite point"
            )
    return x.detach().clone(memory_format=torch.contiguous_format)


def check_generator(generator: torch.Generator | None, x: torch.Tensor) -> None:
    """Raise unless ``generator`` is ``None`` or lives on ``x``'s device type."""
    optional_generator(generator, "generator", x.device, f"the chains are on {x.device}")


def _standard_normal_starts(
    energy: Any, n_samples: Any, generator: torch.Generator | None
) -> torch.Tensor:
    if n_samples is None:
        raise ValueError(
            "pass starting states x, shape (chains, *event_shape), or n_samples=N to start N "
            "chains from N(0, I)"
        )
    n = positive_int(n_samples, "n_samples", "the number of chains to start from N(0, I)")
    if energy.event_shape is None:
        raise ValueError(
            f"n_samples={n} needs to know the shape of one sample, but {type(energy).__name__} "
            "has no event_shape; pass starting states x of shape (chains, *event_shape) instead"
        )
    reference = energy.reference_tensor()
    device = reference.device if reference is not None else torch.device("cpu")
    if reference is None and generator is not None:
        device = generator.device
    dtype = torch.get_default_dtype()
    if reference is not None and reference.is_floating_point():
        dtype = reference.dtype
    return torch.randn((n, *energy.event_shape), generator=generator, device=device, dtype=dtype)


def _check_dtype(energy: Any, x: torch.Tensor) -> None:
    """Weights of a network cannot follow the input's dtype: x must match them.

    Constants of the built-in energies (buffers, scalars) are cast to the input, so only
    non-scalar floating *parameters* are compared.
    """
    for parameter in energy.parameters():
        if parameter.is_floating_point() and parameter.dim() > 0 and parameter.dtype != x.dtype:
            raise TypeError(
                f"x has dtype {x.dtype} but {type(energy).__name__}'s parameters are "
                f"{parameter.dtype}; convert the chains with x.to({parameter.dtype}) or the "
                f"energy with energy.to({x.dtype})"
            )
