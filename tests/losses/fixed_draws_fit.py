"""Minimise a sampling loss to convergence on fixed draws (L-BFGS), for closed-form checks.

A loss that draws (noise or proposals) from ``generator`` is a deterministic function of its
parameters when the generator is reseeded before every evaluation; L-BFGS then converges to
that function's minimiser, whose sampling distribution the tests compare with the truth.
"""

from __future__ import annotations

import torch


def minimise_on_fixed_draws(loss: torch.nn.Module, data: torch.Tensor, generator: torch.Generator, seed: int) -> None:
    """Run L-BFGS (strong Wolfe, up to 200 iterations) on ``loss(data)`` with ``generator``
    reseeded to ``seed`` at every evaluation; leaves the gradients of the final evaluation."""
    optimiser = torch.optim.LBFGS(loss.parameters(), lr=1, max_iter=200, tolerance_grad=1e-12,
                                  tolerance_change=1e-15, line_search_fn="strong_wolfe")

    def closure():
        generator.manual_seed(seed)  # the same draws at every evaluation
        optimiser.zero_grad()
        value = loss(data)
        value.backward()
        return value

    optimiser.step(closure)
    closure()
