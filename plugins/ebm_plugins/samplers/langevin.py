"""Unadjusted Langevin algorithm (ULA)."""

from __future__ import annotations

import dataclasses
import math
from typing import Any, ClassVar, Mapping

import torch

from ebm_core import Sampler
from ebm_core.checks import positive_float
from ebm_core.kernels import LangevinUpdateKernel
from ebm_core.sampling import ChainState
from ebm_core.sampling.fast_path import declared_kernel_key, draw_seed, find_update_kernel


@dataclasses.dataclass
class LangevinState(ChainState):
    """ULA's chain state: a reusable noise buffer and, optionally, a fused update kernel."""

    noise: torch.Tensor | None = None
    update_kernel: LangevinUpdateKernel | None = None
    seed: int = 0
    counter: int = 0


class Langevin(Sampler):
    """Unadjusted Langevin dynamics: ``x ← clamp(x − h ∇E(x) + √(2hT) ξ)``, ξ ~ N(0, I).

    The Euler–Maruyama discretisation of the Langevin diffusion ``dx = −∇E dt + √(2T) dW``,
    whose stationary law is ``∝ exp(−E/T)``. Without a Metropolis correction the chain's
    stationary law is biased by O(h): on ``N(0, σ²)`` (T = 1) it is exactly
    ``N(0, σ² / (1 − h / (2σ²)))`` for ``h < 2σ²`` — use ``mala`` or ``hmc`` for exact
    sampling. One gradient evaluation per step; every step counts as accepted.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ``h > 0``.
        temperature: ``T > 0``; the noise scale is ``σ = √T`` (``noise_scale`` in the kernel
            contract). ``T < 1`` sharpens the target, ``T > 1`` flattens it.
        clamp: if set, every element is clipped to ``[−clamp, clamp]`` after each step (a
            safeguard for neural energies; it changes the target near the box).

    Fast path: chain kernels registered for ``("langevin", energy.kernel_key, device)``; for
    other energies, a per-step :class:`~ebm_core.kernels.LangevinUpdateKernel` registered
    with ``energy="*"`` applies the update while torch computes ``∇E``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", dim=2)
        s = ebm_core.sampler("langevin", e, step_size=0.05)
        x = s.sample(n_samples=500, n_steps=200, generator=torch.Generator().manual_seed(0))
        assert x.shape == (500, 2)
    """

    kernel_key: ClassVar[str] = "langevin"

    def __init__(
        self,
        energy: Any,
        step_size: float = 0.01,
        temperature: float = 1.0,
        clamp: float | None = None,
    ) -> None:
        super().__init__(energy)
        self.step_size = positive_float(step_size, "step_size", "try 0.01 and tune")
        self.temperature = positive_float(temperature, "temperature")
        self.clamp = None if clamp is None else positive_float(clamp, "clamp")

    @property
    def noise_scale(self) -> float:
        """σ = √T."""
        return math.sqrt(self.temperature)

    def init(self, x: torch.Tensor) -> LangevinState:
        ones = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
        return LangevinState(
            x=x,
            grad=self.energy.grad(x),
            energy=None,
            accepted=ones.bool(),
            accept_prob=ones,
            noise=torch.empty_like(x),
        )

    def step(self, state: LangevinState, generator: torch.Generator | None = None) -> LangevinState:
        x, h = state.x, self.step_size
        if state.update_kernel is not None:
            state.update_kernel.update_(
                x,
                state.grad,
                step_size=h,
                noise_scale=self.noise_scale,
                seed=state.seed,
                step=state.counter,
                clamp=self.clamp,
            )
            state.counter += 1
        else:
            noise = state.noise.normal_(generator=generator)
            x.add_(state.grad, alpha=-h).add_(noise, alpha=self.noise_scale * math.sqrt(2.0 * h))
            if self.clamp is not None:
                x.clamp_(-self.clamp, self.clamp)
        state.grad = self.energy.grad(x)
        state.n_grad_evals += 1
        return state

    def attach_step_kernel(
        self, state: LangevinState, generator: torch.Generator | None
    ) -> str | None:
        """Use a registered any-energy Langevin update kernel that accepts these tensors."""
        key = declared_kernel_key(self)
        found = None if key is None else find_update_kernel(key, self.energy, state.x, state.grad)
        if found is None:
            return None
        name, kernel = found
        state.update_kernel = kernel
        state.seed = draw_seed(generator, state.x.device)
        state.counter = 0
        return name

    def kernel_params(self) -> Mapping[str, float | None]:
        return {"step_size": self.step_size, "noise_scale": self.noise_scale, "clamp": self.clamp}

    def state_dict(self) -> dict[str, Any]:
        return {"step_size": self.step_size}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.step_size = positive_float(state["step_size"], "step_size")

    def __repr__(self) -> str:
        return (
            f"Langevin(step_size={self.step_size:g}, temperature={self.temperature:g}, "
            f"clamp={self.clamp}, energy={type(self.energy).__name__})"
        )
