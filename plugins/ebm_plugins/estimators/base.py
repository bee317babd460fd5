"""The tractable base distribution ``p₀ = exp(−E₀)/Z₀`` an annealing path starts from.

A base is any :class:`ebm_core.Energy` with a known ``log_partition()`` (``log Z₀``) and
``sample_exact(n, generator)`` — for instance ``ebm_core.energy("gaussian", mean=...,
covariance=...)``. :func:`resolve_base` builds one when none is given: a Gaussian fitted to
samples (their mean and covariance), else the standard normal of the energy's event shape.

Example::

    import torch, ebm_core
    from ebm_plugins.estimators.base import resolve_base

    data = torch.randn(500, 2, dtype=torch.float64) * 2 + 1
    base = resolve_base(ebm_core.energy("double_well"), base=None, samples=data)
    assert torch.allclose(base.mean, data.mean(0))
"""

from __future__ import annotations

from typing import Any

import torch

from ebm_core import Energy
from ebm_core.checks import tractable_energy

from ..energies.gaussian import Gaussian

#: Ridge added to a fitted covariance, relative to its mean variance (keeps it positive definite).
COVARIANCE_RIDGE = 1e-6


def resolve_base(energy: Energy, *, base: Any, samples: torch.Tensor | None) -> Energy:
    """The base for ``energy``: ``base`` (checked), a Gaussian fitted to ``samples``, or N(0, I).

    Raises ``TypeError`` for a base without ``log_partition``/``sample_exact`` and
    ``ValueError`` for event shapes that disagree or cannot be known.
    """
    if base is not None:
        tractable_energy(base, "base", "e.g. base=ebm_core.energy('gaussian', mean=m, covariance=c)")
        if base.event_shape is None:
            raise ValueError("base has no event_shape; build it with an explicit dimension")
        if energy.event_shape is not None and base.event_shape != energy.event_shape:
            raise ValueError(
                f"base has event shape {base.event_shape} but the energy's is {energy.event_shape}; "
                "the base must live on the same space as the energy"
            )
        return base
    if samples is not None:
        return fitted_gaussian(energy, samples)
    if energy.event_shape is None:
        raise ValueError(
            f"{type(energy).__name__} has no event_shape, so a Gaussian base cannot be sized; pass "
            "samples= (a Gaussian is fitted to them) or base= (an energy with log_partition() and "
            "sample_exact())"
        )
    _check_vector_events(energy.event_shape)
    return Gaussian(dim=energy.event_shape[0]).to(_device(energy))


def fitted_gaussian(energy: Energy, samples: torch.Tensor) -> Gaussian:
    """N(mean, covariance) of ``samples`` (float64, a small ridge keeps it positive definite)."""
    check_samples(energy, samples)
    _check_vector_events(tuple(samples.shape[1:]))
    x = samples.detach().to(torch.float64)
    n, d = x.shape
    if n <= d:
        raise ValueError(
            f"fitting a full-covariance Gaussian base in {d} dimensions needs more than {d} samples, "
            f"got {n}; pass more samples or an explicit base="
        )
    mean = x.mean(0)
    centred = x - mean
    covariance = centred.T @ centred / (n - 1)
    ridge = COVARIANCE_RIDGE * float(covariance.diagonal().mean())
    covariance = covariance + ridge * torch.eye(d, dtype=torch.float64, device=x.device)
    return Gaussian(mean=mean, covariance=covariance).to(_device(energy))


def check_samples(energy: Energy, samples: Any, name: str = "samples") -> torch.Tensor:
    """``samples`` after checking it is a floating batch of the energy's events."""
    if not isinstance(samples, torch.Tensor) or not samples.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor, got {type(samples).__name__}")
    if samples.dim() < 2:
        raise ValueError(f"{name} must have shape (n, *event_shape), got {tuple(samples.shape)}")
    if energy.event_shape is not None and tuple(samples.shape[1:]) != energy.event_shape:
        raise ValueError(
            f"{name} has event shape {tuple(samples.shape[1:])} but the energy's is {energy.event_shape}"
        )
    if not bool(torch.isfinite(samples).all()):
        raise ValueError(f"{name} contains NaN or inf; drop those rows first")
    return samples


def _check_vector_events(event_shape: tuple[int, ...]) -> None:
    if len(event_shape) != 1:
        raise ValueError(
            f"the built-in Gaussian base needs vector events (d,), got event shape {event_shape}; "
            "pass base= (an energy with log_partition() and sample_exact() on that shape)"
        )


def _device(energy: Energy) -> torch.device:
    reference = energy.reference_tensor()
    return reference.device if reference is not None else torch.device("cpu")
