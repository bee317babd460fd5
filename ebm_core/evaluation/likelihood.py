"""Held-out negative log-likelihood from an estimated ``log Z``, with propagated error bars.

For test points ``x₁ … x_n`` and ``p = exp(−E)/Z``,

.. math::

    \\mathrm{NLL} = \\frac{1}{n} \\sum_i E(x_i) + \\log Z  \\ \\text{nats},
    \\qquad \\text{bits/dim} = \\frac{\\mathrm{NLL}}{d \\ln 2}.

Two independent errors add in quadrature: the standard error of the mean energy over the test
set (``sd(E) / √n``) and that of the ``log Z`` estimate. Note the AIS ``log Z`` is a stochastic
*lower* bound, which makes this NLL an (in expectation) optimistic one; use a sandwich to see
how far off it can be.

Example::

    import math, torch, ebm_core
    from ebm_core.evaluation import LogZEstimate, heldout_nll

    e = ebm_core.energy("gaussian", dim=2)
    data = torch.randn(1000, 2, generator=torch.Generator().manual_seed(0))
    nll = heldout_nll(e, data, LogZEstimate.exact(e.log_partition()))
    assert abs(nll.nats - (1 + math.log(2 * math.pi))) < 4 * nll.stderr  # the entropy of N(0, I₂)
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from .log_z import LogZEstimate

#: Test points per energy evaluation.
BATCH = 4096


@dataclasses.dataclass(frozen=True)
class HeldOutNLL:
    """A held-out NLL in nats (and bits per dimension) with its error budget."""

    nats: float
    stderr_data: float
    stderr_log_z: float
    n_points: int
    dim: int

    @property
    def stderr(self) -> float:
        """Total standard error: the test-set mean's and ``log Z``'s in quadrature."""
        return math.hypot(self.stderr_data, self.stderr_log_z)

    @property
    def bits_per_dim(self) -> float:
        """``nats / (d ln 2)``."""
        return self.nats / (self.dim * math.log(2.0))

    @property
    def bits_per_dim_stderr(self) -> float:
        return self.stderr / (self.dim * math.log(2.0))

    def as_dict(self) -> dict[str, Any]:
        return {
            "nats": self.nats,
            "stderr": self.stderr,
            "stderr_data": self.stderr_data,
            "stderr_log_z": self.stderr_log_z,
            "bits_per_dim": self.bits_per_dim,
            "bits_per_dim_stderr": self.bits_per_dim_stderr,
            "n_points": self.n_points,
            "dim": self.dim,
        }

    def __str__(self) -> str:
        return f"{self.nats:.4f} ± {self.stderr:.4f} nats ({self.bits_per_dim:.4f} bits/dim)"


def heldout_nll(energy: Any, data: torch.Tensor, log_z: LogZEstimate | float) -> HeldOutNLL:
    """The held-out NLL of ``data`` (``(n, *event_shape)``, n ≥ 2) under ``exp(−E)/Z``.

    ``log_z`` is a :class:`LogZEstimate` (its standard error is propagated) or a known number.
    """
    if not isinstance(data, torch.Tensor) or not data.is_floating_point() or data.dim() < 2:
        raise TypeError("data must be a floating-point torch.Tensor of shape (n, *event_shape)")
    if data.shape[0] < 2:
        raise ValueError(f"data must hold at least 2 points for an error bar, got {data.shape[0]}")
    estimate = log_z if isinstance(log_z, LogZEstimate) else LogZEstimate.exact(float(log_z))
    energies = energies_of(energy, data)
    if not bool(torch.isfinite(energies).all()):
        raise ValueError("the energy is NaN or inf at some test points; the NLL would be meaningless")
    n = energies.numel()
    return HeldOutNLL(
        nats=float(energies.mean()) + estimate.log_z,
        stderr_data=float(energies.std()) / math.sqrt(n),
        stderr_log_z=estimate.stderr,
        n_points=n,
        dim=data[0].numel(),
    )


def energies_of(energy: Any, x: torch.Tensor) -> torch.Tensor:
    """``E(x)`` in float64 on the CPU, in batches, without gradients, on the energy's device/dtype."""
    reference = energy.reference_tensor() if hasattr(energy, "reference_tensor") else None
    out = []
    with torch.no_grad():
        for chunk in x.split(BATCH):
            if reference is not None and reference.is_floating_point():
                chunk = chunk.to(device=reference.device, dtype=reference.dtype)
            out.append(energy(chunk).detach().to("cpu", torch.float64))
    return torch.cat(out)
