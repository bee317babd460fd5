"""Shapes, dtype and device follow the input; bad inputs raise the base-class errors."""

from __future__ import annotations

import pytest
import torch

import ebm_core
from energy_cases import random_points


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_dtype_follows_input(analytic_energy, dtype):
    x = random_points(analytic_energy, 5, dtype=dtype)
    energy, gradient = analytic_energy.energy_and_grad(x)
    assert analytic_energy(x).dtype == dtype and analytic_energy.grad(x).dtype == dtype
    assert energy.dtype == dtype and gradient.dtype == dtype


def test_float32_constants_accept_float64_input():
    energy = ebm_core.energy("gaussian", mean=[1.0, 2.0], covariance=[[2.0, 0.5], [0.5, 1.0]])
    assert energy.mean.dtype == torch.float32
    x = torch.ones(3, 2, dtype=torch.float64)
    assert energy(x).dtype == torch.float64
    assert energy.double().mean.dtype == torch.float64  # nn.Module casting moves the buffers


def test_float64_arguments_keep_float64_constants():
    energy = ebm_core.energy("gaussian", mean=torch.zeros(2, dtype=torch.float64), covariance=2.0)
    assert energy.mean.dtype == torch.float64 and energy.precision_diag.dtype == torch.float64


@pytest.mark.parametrize("batch", [1, 3, 100])
def test_output_shapes(analytic_energy, batch):
    x = random_points(analytic_energy, batch)
    assert analytic_energy(x).shape == (batch,)
    assert analytic_energy.grad(x).shape == x.shape


def test_empty_batch(analytic_energy):
    x = torch.zeros(0, *analytic_energy.event_shape)
    assert analytic_energy(x).shape == (0,)
    assert analytic_energy.grad(x).shape == x.shape


def test_wrong_event_shape_raises(analytic_energy):
    d = analytic_energy.dim
    for bad in (torch.zeros(4, d + 1), torch.zeros(d), torch.zeros(2, d, 1)):
        with pytest.raises(ValueError, match=rf"expects \(batch, {d}\)"):
            analytic_energy(bad)
        with pytest.raises(ValueError, match="expects"):
            analytic_energy.grad(bad)
        with pytest.raises(ValueError, match="expects"):
            analytic_energy.energy_and_grad(bad)


def test_integer_input_raises(analytic_energy):
    x = torch.zeros(3, analytic_energy.dim, dtype=torch.int64)
    with pytest.raises(TypeError, match="floating-point"):
        analytic_energy(x)
    with pytest.raises(TypeError, match="floating-point"):
        analytic_energy.grad(x)


def test_non_tensor_input_raises(analytic_energy):
    with pytest.raises(TypeError, match="torch.Tensor"):
        analytic_energy([[0.0] * analytic_energy.dim])


def test_buffers_move_with_the_module():
    energy = ebm_core.energy("harmonic", dim=2, center=[1.0, 2.0])
    assert [name for name, _ in energy.named_buffers()] == ["center"]
    state = energy.state_dict()
    assert set(state) == {"center"}
    clone = ebm_core.energy("harmonic", dim=2)
    clone.load_state_dict(state)
    torch.testing.assert_close(clone.center, torch.tensor([1.0, 2.0]))


def test_known_values():
    x = torch.tensor([[1.0, 2.0]], dtype=torch.float64)
    cases = {
        "double_well": (dict(barrier_height=2.0, b=1.0), 2.0 * (0.0 + 9.0)),
        "rosenbrock": (dict(a=1.0, b=100.0), 100.0 * (2.0 - 1.0) ** 2 + 0.0),
        "harmonic": (dict(k=3.0, center=[0.0, 1.0]), 0.5 * 3.0 * 2.0),
        "rastrigin": (dict(a=10.0), 20.0 + (1.0 - 10.0) + (4.0 - 10.0)),
        "gaussian": (dict(precision=[2.0, 0.5]), 0.5 * (2.0 + 0.5 * 4.0)),
    }
    for name, (kwargs, expected) in cases.items():
        value = ebm_core.energy(name, **kwargs)(x)
        torch.testing.assert_close(value, torch.tensor([expected], dtype=torch.float64), msg=name)
