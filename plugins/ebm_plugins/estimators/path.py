"""The annealing path of AIS: geometric interpolation between a base and a target energy.

``p_β(x) ∝ p₀(x)^{1−β} p₁(x)^β``, i.e. the energy ``E_β = (1 − β) E₀ + β E₁``, for inverse
temperatures ``0 = β₀ < β₁ < … < β_{K−1} = 1`` (:func:`temperature_schedule`).

Example::

    import torch, ebm_core
    from ebm_plugins.estimators.path import AnnealedEnergy, temperature_schedule

    betas = temperature_schedule(5, "linear")
    assert betas.tolist() == [0.0, 0.25, 0.5, 0.75, 1.0]
    path = AnnealedEnergy(ebm_core.energy("gaussian", dim=2), ebm_core.energy("double_well"))
    path.beta = 0.5
    x = torch.randn(3, 2)
    assert torch.allclose(path(x), 0.5 * path.base(x) + 0.5 * path.target(x))
"""

from __future__ import annotations

import math
from typing import Any

import torch

from ebm_core import Energy
from ebm_core.checks import integer_in_range

#: The named schedules :func:`temperature_schedule` knows.
SCHEDULES = ("sigmoid", "geometric", "linear")
#: Steepness δ of the sigmoid schedule (Grosse et al. 2015 use 4).
SIGMOID_SHARPNESS = 4.0
#: The first non-zero β of the geometric schedule.
GEOMETRIC_START = 1e-4


def temperature_schedule(n_temperatures: int, schedule: Any = "sigmoid") -> torch.Tensor:
    """Inverse temperatures ``β`` (float64, ``(n_temperatures,)``) from 0 to 1.

    * ``"sigmoid"`` — ``βₜ ∝ σ(δ (2t/(K−1) − 1))`` rescaled to ``[0, 1]`` (δ = 4): dense at both
      ends, where the path's distributions change fastest;
    * ``"geometric"`` — ``β₀ = 0`` then geometrically spaced from 10⁻⁴ to 1 (dense near 0,
      the usual choice when the base is much wider than the target);
    * ``"linear"`` — evenly spaced;
    * or an explicit increasing sequence starting at 0 and ending at 1.
    """
    if isinstance(schedule, str):
        k = integer_in_range(
            n_temperatures, "n_temperatures", 2,
            hint="the base and the target at least; AIS needs hundreds to thousands for an accurate log Z",
        )
        t = torch.linspace(0.0, 1.0, k, dtype=torch.float64)
        if schedule == "linear":
            return t
        if schedule == "sigmoid":
            s = torch.sigmoid(SIGMOID_SHARPNESS * (2.0 * t - 1.0))
            betas = (s - s[0]) / (s[-1] - s[0])
        elif schedule == "geometric":
            betas = torch.zeros(k, dtype=torch.float64)
            if k > 2:
                betas[1:] = torch.logspace(math.log10(GEOMETRIC_START), 0.0, k - 1, dtype=torch.float64)
        else:
            raise ValueError(
                f"schedule must be one of {', '.join(SCHEDULES)} or an increasing sequence of betas "
                f"from 0 to 1, got {schedule!r}"
            )
        betas[0], betas[-1] = 0.0, 1.0
        return betas
    betas = torch.as_tensor(schedule, dtype=torch.float64).flatten()
    if betas.numel() < 2 or betas[0] != 0 or betas[-1] != 1 or not bool((betas.diff() > 0).all()):
        raise ValueError(
            "an explicit schedule must be a strictly increasing sequence of at least 2 betas "
            f"starting at 0 and ending at 1, got {schedule!r}"
        )
    return betas


class AnnealedEnergy(Energy):
    """``E_β(x) = (1 − β) E₀(x) + β E₁(x)`` with a settable ``beta``; gradients likewise.

    At ``β = 0`` only the base is evaluated and at ``β = 1`` only the target, so an infinite
    energy of the other never turns into ``0 · ∞ = NaN``.
    """

    def __init__(self, base: Energy, target: Energy, beta: float = 0.0) -> None:
        super().__init__(event_shape=target.event_shape or base.event_shape)
        self.base = base
        self.target = target
        self.beta = float(beta)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.beta == 0.0:
            return self.base(x)
        if self.beta == 1.0:
            return self.target(x)
        return torch.lerp(self.base(x), self.target(x), self.beta)

    def energy_and_grad(
        self, x: torch.Tensor, *, create_graph: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        if self.beta == 0.0:
            return self.base.energy_and_grad(x, create_graph=create_graph)
        if self.beta == 1.0:
            return self.target.energy_and_grad(x, create_graph=create_graph)
        e0, g0 = self.base.energy_and_grad(x, create_graph=create_graph)
        e1, g1 = self.target.energy_and_grad(x, create_graph=create_graph)
        return torch.lerp(e0, e1.to(e0), self.beta), torch.lerp(g0, g1.to(g0), self.beta)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return self.energy_and_grad(x, create_graph=create_graph)[1]

    def reference_tensor(self) -> torch.Tensor | None:
        return self.target.reference_tensor()

    def extra_repr(self) -> str:
        return f"beta={self.beta:g}"
