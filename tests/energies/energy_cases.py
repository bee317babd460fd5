"""Shared cases and helpers of the built-in energies' tests (a uniquely named module, not conftest)."""

from __future__ import annotations

import math

import torch

_F64 = torch.float64

#: (id, registered name, keyword arguments) covering every analytic energy and its code paths.
ANALYTIC_CASES = [
    ("gaussian-standard", "gaussian", dict(dim=3)),
    ("gaussian-isotropic", "gaussian", dict(mean=torch.tensor([0.5, -1.0, 2.0], dtype=_F64), covariance=2.5)),
    ("gaussian-diagonal", "gaussian", dict(mean=1.0, precision=torch.tensor([0.5, 2.0, 4.0, 1.5], dtype=_F64))),
    (
        "gaussian-full-covariance",
        "gaussian",
        dict(mean=[1.0, -1.0, 0.0], covariance=torch.tensor([[2.0, 0.6, 0.1], [0.6, 1.0, -0.3], [0.1, -0.3, 0.7]], dtype=_F64)),
    ),
    (
        "gaussian-full-precision",
        "gaussian",
        dict(precision=torch.tensor([[3.0, -1.0], [-1.0, 2.0]], dtype=_F64)),
    ),
    ("double_well", "double_well", dict(dim=3, barrier_height=2.0, b=1.3)),
    ("rosenbrock-2d", "rosenbrock", dict(dim=2, a=1.0, b=10.0)),
    ("rosenbrock-5d", "rosenbrock", dict(dim=5, a=0.5, b=3.0)),
    ("harmonic", "harmonic", dict(dim=3, k=2.5, center=torch.tensor([1.0, -2.0, 0.5], dtype=_F64))),
    ("ackley", "ackley", dict(dim=3)),
    ("ackley-custom", "ackley", dict(dim=2, a=5.0, b=0.5, c=math.pi)),
    ("rastrigin", "rastrigin", dict(dim=4, a=3.0)),
    (
        "gaussian_mixture-diagonal",
        "gaussian_mixture",
        dict(
            means=torch.tensor([[-1.0, 0.0, 1.0], [1.5, 1.0, -0.5], [0.0, -1.5, 0.5]], dtype=_F64),
            stds=torch.tensor([[0.8, 1.2, 0.6], [1.0, 0.5, 0.9], [0.7, 0.7, 1.4]], dtype=_F64),
            weights=[0.2, 0.5, 0.3],
        ),
    ),
    ("gaussian_mixture-shared", "gaussian_mixture", dict(means=[[-2.0, 0.0], [2.0, 0.0]], stds=0.7)),
]


def random_points(energy, batch: int, seed: int = 0, dtype=torch.float64) -> torch.Tensor:
    """A reproducible batch of points in the region where the energy's features live."""
    generator = torch.Generator().manual_seed(seed)
    return 1.5 * torch.randn((batch, *energy.event_shape), generator=generator, dtype=dtype)
