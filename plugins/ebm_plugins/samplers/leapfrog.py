"""The leapfrog (Störmer–Verlet) integrator of Hamiltonian dynamics."""

from __future__ import annotations

from typing import Any

import torch


def leapfrog(
    energy: Any,
    x: torch.Tensor,
    p: torch.Tensor,
    grad: torch.Tensor,
    step_size: float | torch.Tensor,
    n_steps: int,
    inv_mass: torch.Tensor | None = None,
) -> tuple[torch.Tensor, torch.Tensor]:
    """Advance ``(x, p)`` by ``n_steps`` leapfrog steps of size ε **in place**.

    For ``H(x, p) = E(x) + ½ pᵀ M⁻¹ p`` each step is

    .. math::

        p ← p − \\tfrac{ε}{2} ∇E(x), \\qquad x ← x + ε M^{-1} p, \\qquad
        p ← p − \\tfrac{ε}{2} ∇E(x)

    (consecutive half kicks are merged into one). The map is volume-preserving and
    time-reversible — integrating back with ``−p`` returns to the start — and its energy error
    ``H(x_L, p_L) − H(x_0, p_0)`` is O(ε²) over a fixed time ``Lε``.

    Args:
        energy: an :class:`ebm_core.Energy`.
        x, p: positions and momenta ``(chains, *event)``, overwritten with the end point.
        grad: ``∇E(x)`` at the start (read, not modified).
        step_size: ε, a float or a 0-dim tensor.
        n_steps: L ≥ 1, one gradient evaluation each.
        inv_mass: diagonal ``M⁻¹``, broadcastable to an event (``None``: the identity).

    Returns:
        ``(E(x_L), ∇E(x_L))``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", dim=2)
        x, p = torch.tensor([[1.0, 0.0]]), torch.tensor([[0.0, 1.0]])
        # Integrate to time 1, where the exact flow gives x = x₀ cos 1 + p₀ sin 1.
        energy, grad = leapfrog(e, x, p, e.grad(x), 0.01, 100)
        assert torch.allclose(x, torch.tensor([[0.5403, 0.8415]]), atol=1e-3)
    """
    eps = torch.as_tensor(step_size, dtype=x.dtype, device=x.device)
    half = 0.5 * eps
    drift = eps if inv_mass is None else eps * inv_mass
    p.addcmul_(grad, half, value=-1.0)
    for i in range(n_steps):
        x.addcmul_(p, drift)
        if i + 1 < n_steps:
            p.addcmul_(energy.grad(x), eps, value=-1.0)
        else:
            energy_value, grad = energy.energy_and_grad(x)
            p.addcmul_(grad, half, value=-1.0)
    return energy_value, grad
