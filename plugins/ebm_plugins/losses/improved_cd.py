"""The KL term of improved contrastive divergence (Du, Li, Tenenbaum & Mordatch, 2021).

CD treats the negatives ``x⁻`` as constants, which ignores that they depend on θ through the
sampler: the sampler's distribution ``q_θ`` should move towards ``p_θ``, i.e. minimise
``KL(q_θ ‖ p_θ) = E_{q_θ}[E_θ(x)] + log Z_θ − H(q_θ)``. Its first term, differentiated only
through the samples, is

.. math::

    L_\\text{KL} = \\mathbb E\\big[E_{\\bar\\theta}(x_k(\\theta))\\big], \\qquad
    x_k = x_{k-1} - h\\,\\nabla_x E_\\theta(x_{k-1}) + \\sqrt{2hT}\\,\\xi ,

where ``θ̄`` is a stop-gradient copy of the parameters (the energy itself is not lowered by
this term) and the gradient flows through the last Langevin step only (``x_{k−1}`` is a
constant). Example: for ``E = ½ a x²``, ``∂L_KL/∂a = ā x_k · (−h x_{k−1})``.

Example::

    import torch, ebm_core
    from ebm_plugins.losses.improved_cd import differentiable_langevin_step, stop_gradient_energy
    energy = ebm_core.energy("gaussian", dim=2)
    x_prev = torch.randn(8, 2)
    x_k = differentiable_langevin_step(energy, x_prev, step_size=0.1, temperature=1.0, generator=None)
    assert stop_gradient_energy(energy, x_k).shape == (8,)
"""

from __future__ import annotations

import math

import torch
from torch.func import functional_call

from ebm_core import Energy

from .noise import randn_like


def differentiable_langevin_step(
    energy: Energy, x: torch.Tensor, *, step_size: float, temperature: float, generator: torch.Generator | None
) -> torch.Tensor:
    """``x − h ∇ₓE_θ(x) + √(2hT) ξ``, differentiable in θ (``x`` itself is treated as a constant)."""
    x = x.detach().requires_grad_(True)
    gradient = energy.grad(x, create_graph=True)
    noise = math.sqrt(2 * step_size * temperature) * randn_like(x, generator)
    return x.detach() - step_size * gradient + noise


def stop_gradient_energy(energy: Energy, x: torch.Tensor) -> torch.Tensor:
    """``E_θ̄(x)``: the energy with its parameters detached, differentiable in ``x`` only."""
    frozen = {name: p.detach() for name, p in energy.named_parameters()}
    return functional_call(energy, frozen, (x,), strict=False)
