"""benchmarks.systems.torch_mlp.load_weights loads the shared NumPy weights into the MLP and,
with ``layer_types=(Conv2d, Linear)``, into the conv net (one loader for both), in order."""

from __future__ import annotations

import numpy as np
import pytest
from torch import nn

from benchmarks.inputs import make_inputs
from benchmarks.systems.torch_conv import build_conv
from benchmarks.systems.torch_mlp import build_mlp, load_weights
from benchmarks.workloads import PRESETS


@pytest.mark.parametrize(("key", "build", "layer_types"), [
    ("W4", build_mlp, (nn.Linear,)),
    ("W5", build_conv, (nn.Conv2d, nn.Linear)),
])
def test_the_built_nets_hold_exactly_the_weights(key, build, layer_types) -> None:
    weights = make_inputs(PRESETS["smoke"].workloads[key]).weights
    layers = [m for m in build(weights).modules() if isinstance(m, layer_types)]
    assert len(layers) == len(weights)
    for layer, (w, b) in zip(layers, weights):
        assert np.array_equal(layer.weight.detach().numpy(), w)
        assert np.array_equal(layer.bias.detach().numpy(), b)


def test_a_layer_count_mismatch_names_the_layer_types() -> None:
    weights = make_inputs(PRESETS["smoke"].workloads["W5"]).weights
    net = build_conv(weights)
    with pytest.raises(ValueError, match="Conv2d/Linear layers, weights describe 3"):
        load_weights(net, weights[:3], layer_types=(nn.Conv2d, nn.Linear))
    with pytest.raises(ValueError, match="1 Linear layers"):
        load_weights(net, weights)  # the default: Linear layers only (the conv net has one)


def test_ebm_conv_energy_loaded_like_the_torch_conv_net_gives_its_energies() -> None:
    import torch

    from benchmarks.systems.ebm_system import _energy

    workload = PRESETS["smoke"].workloads["W5"]
    inputs = make_inputs(workload)
    x = torch.rand(3, *workload.event_shape, generator=torch.Generator().manual_seed(0))
    with torch.no_grad():
        torch.testing.assert_close(_energy(workload, inputs)(x), build_conv(inputs.weights)(x).squeeze(-1))
