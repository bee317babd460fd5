"""Exact (Hyvärinen) score matching, with the Hessian trace computed by autograd.

With the score ``s(x) = ∇ₓ log p(x) = −∇ₓE(x)`` (the one sign convention, used by every
score-matching loss here), Hyvärinen's identity turns the Fisher divergence
``½ E_data ‖s(x) − ∇ₓ log p_data(x)‖²`` into a loss that needs no ``p_data``:

.. math::

    J(\\theta) = \\mathbb E_{x \\sim \\text{data}}\\Big[\\tfrac12 \\|\\nabla_x E(x)\\|^2
                 - \\operatorname{tr} \\nabla_x^2 E(x)\\Big]

(up to a constant independent of θ). The trace of the Hessian costs one backward pass per
input dimension, so this loss is meant for low-dimensional data; use
``sliced_score_matching`` or ``denoising_score_matching`` beyond a few dozen dimensions.

Worked check: for ``E = ½ a ‖x‖²`` in ``d`` dimensions, ``J = ½ a² E‖x‖² − a d``, minimised at
``a = d / E‖x‖²`` — the inverse variance of the data, as maximum likelihood would give.

Example::

    import torch, ebm_core
    energy = ebm_core.energy("neural", module=torch.nn.Sequential(
        torch.nn.Linear(2, 32), torch.nn.SiLU(), torch.nn.Linear(32, 1)))
    loss = ebm_core.loss("score_matching", energy)
    value = loss(torch.randn(64, 2))
    value.backward()
"""

from __future__ import annotations

import torch

from ebm_core import Energy, Loss

from .checks import check_data, check_energy


class ScoreMatching(Loss):
    """Exact score matching ``E[½‖∇ₓE‖² − tr ∇ₓ²E]`` (Hessian trace by autograd)."""

    def __init__(self, energy: Energy) -> None:
        super().__init__(check_energy(energy))

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        x = data.detach().requires_grad_(True)
        with torch.enable_grad():
            gradient = self.energy.grad(x, create_graph=True)
            squared = 0.5 * gradient.flatten(1).pow(2).sum(1)
            trace = hessian_trace(gradient, x)
            per_sample = squared - trace
        self.record(squared_gradient=squared.mean(), hessian_trace=trace.mean())
        return per_sample.mean()


def hessian_trace(gradient: torch.Tensor, x: torch.Tensor) -> torch.Tensor:
    """``tr ∇ₓ²E`` per sample, from ``gradient = ∇ₓE(x)`` built with ``create_graph=True``.

    One backward pass per dimension of an event: ``Σᵢ ∂gᵢ/∂xᵢ``. Dimensions on which the
    gradient does not depend contribute zero.
    """
    flat = gradient.flatten(1)
    trace = torch.zeros(flat.shape[0], dtype=flat.dtype, device=flat.device)
    if not flat.requires_grad:  # the gradient is constant in x: the Hessian is zero
        return trace
    for i in range(flat.shape[1]):
        (row,) = torch.autograd.grad(flat[:, i].sum(), x, create_graph=True, allow_unused=True)
        if row is not None:
            trace = trace + row.flatten(1)[:, i]
    return trace
