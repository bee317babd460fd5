"""The ``mlp`` energy: architecture, gradients, argument errors."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ebm_core


def test_architecture_and_shapes() -> None:
    energy = ebm_core.energy("mlp", dim=3, hidden=[16, 8], activation="softplus")
    linears = [m for m in energy.modules() if isinstance(m, nn.Linear)]
    assert [(m.in_features, m.out_features) for m in linears] == [(3, 16), (16, 8), (8, 1)]
    assert any(isinstance(m, nn.Softplus) for m in energy.modules())
    x = torch.randn(7, 3)
    assert energy(x).shape == (7,) and energy.event_shape == (3,)


def test_gradient_matches_finite_differences_in_float64() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("mlp", hidden=[16, 16]).double()
    x = torch.randn(5, 2, dtype=torch.float64)
    step = 1e-6
    numeric = torch.stack(
        [(energy(x + step * e) - energy(x - step * e)) / (2 * step) for e in torch.eye(2, dtype=torch.float64)],
        dim=1,
    )
    torch.testing.assert_close(energy.grad(x), numeric, rtol=1e-6, atol=1e-8)


def test_gradient_wrt_x_leaves_parameter_grads_alone() -> None:
    energy = ebm_core.energy("mlp", hidden=[8])
    energy.grad(torch.randn(4, 2))
    assert all(p.grad is None for p in energy.parameters())


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        (dict(hidden=[]), ValueError, "at least one layer"),
        (dict(hidden=[0]), ValueError, "hidden must be an integer >= 1"),
        (dict(activation="relu"), ValueError, "activation must be one of silu"),
        (dict(dim=2.5), TypeError, "dim must be an integer"),
    ],
)
def test_bad_arguments(kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ebm_core.energy("mlp", **kwargs)


@pytest.mark.parametrize("activation", ["silu", "softplus", "tanh", "elu", "gelu"])
def test_closed_form_gradient_matches_autograd(activation) -> None:
    torch.manual_seed(1)
    energy = ebm_core.energy("mlp", dim=3, hidden=[16, 12], activation=activation).double()
    x = torch.randn(9, 3, dtype=torch.float64) * 2
    e, g = energy.energy_and_grad(x)
    leaf = x.clone().requires_grad_(True)
    (reference,) = torch.autograd.grad(energy(leaf).sum(), leaf)
    torch.testing.assert_close(e, energy(x).detach(), rtol=1e-12, atol=1e-12)
    torch.testing.assert_close(g, reference, rtol=1e-10, atol=1e-12)
    torch.testing.assert_close(energy.grad(x), reference, rtol=1e-10, atol=1e-12)
    assert not g.requires_grad


def test_create_graph_keeps_the_gradient_differentiable_in_the_weights() -> None:
    energy = ebm_core.energy("mlp", hidden=[8])
    g = energy.grad(torch.randn(4, 2), create_graph=True)
    g.pow(2).sum().backward()
    assert all(p.grad is not None for p in energy.parameters() if p.dim() == 2)
