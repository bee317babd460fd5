"""Neural: wraps modules and callables; parameters registered; output shapes checked."""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ebm_core


def mlp():
    torch.manual_seed(0)
    return nn.Sequential(nn.Linear(2, 16), nn.SiLU(), nn.Linear(16, 1))


def test_module_parameters_are_registered():
    net = mlp()
    energy = ebm_core.energy("neural", module=net, event_shape=2)
    assert {id(p) for p in energy.parameters()} == {id(p) for p in net.parameters()}
    assert set(energy.state_dict()) == {f"module.{k}" for k in net.state_dict()}
    assert energy.event_shape == (2,)


def test_trailing_one_is_squeezed_and_grad_is_autograd():
    net = mlp().double()
    energy = ebm_core.energy("neural", module=net)
    x = torch.randn(9, 2, dtype=torch.float64, requires_grad=True)
    values = energy(x)
    assert values.shape == (9,)
    (expected,) = torch.autograd.grad(net(x).sum(), x)
    torch.testing.assert_close(energy.grad(x), expected)
    e, g = energy.energy_and_grad(x)
    torch.testing.assert_close(e, values.detach())
    torch.testing.assert_close(g, expected)


def test_create_graph_lets_a_loss_train_the_module():
    net = mlp()
    energy = ebm_core.energy("neural", module=net, event_shape=(2,))
    x = torch.randn(5, 2)
    score = energy.score(x, create_graph=True)
    score.pow(2).sum().backward()
    assert net[0].weight.grad is not None and net[0].weight.grad.abs().sum() > 0
    net.zero_grad()
    energy.grad(x)  # a sampler's call: no graph, nothing accumulates
    assert all(p.grad is None or not p.grad.any() for p in net.parameters())


def test_plain_callable():
    energy = ebm_core.energy("neural", module=lambda x: (x**4).sum(-1) / 4, event_shape=3)
    x = torch.randn(4, 3)
    torch.testing.assert_close(energy.grad(x), x**3)
    assert list(energy.parameters()) == []
    assert "module=" in repr(energy)


def test_event_shape_is_checked():
    energy = ebm_core.energy("neural", module=mlp(), event_shape=2)
    with pytest.raises(ValueError, match=r"expects \(batch, 2\)"):
        energy(torch.zeros(3, 5))


def test_multi_dimensional_events():
    energy = ebm_core.energy("neural", module=lambda x: x.flatten(1).pow(2).sum(-1), event_shape=(2, 3))
    assert energy(torch.ones(4, 2, 3)).shape == (4,)
    assert energy.dim == 6


@pytest.mark.parametrize(
    "module, match",
    [
        (lambda x: x, r"returned shape \(4, 2\) for a batch of 4; it must return \(4,\) or \(4, 1\)"),
        (lambda x: x.sum(), r"returned shape \(\) for a batch of 4"),
        (lambda x: x[:2, 0], r"returned shape \(2,\) for a batch of 4"),
        (lambda x: 1.0, "returned float; it must return a tensor"),
    ],
)
def test_bad_module_outputs_raise(module, match):
    energy = ebm_core.energy("neural", module=module)
    with pytest.raises((ValueError, TypeError), match=match):
        energy(torch.zeros(4, 2))


def test_non_callable_module_raises():
    with pytest.raises(TypeError, match="module must be an nn.Module or a callable"):
        ebm_core.energy("neural", module=3)


@pytest.mark.parametrize("event_shape, match", [(0, "event_shape must be an integer >= 1"), ((2, 0), "positive sizes")])
def test_bad_event_shape_raises(event_shape, match):
    with pytest.raises(ValueError, match=match):
        ebm_core.energy("neural", module=mlp(), event_shape=event_shape)
