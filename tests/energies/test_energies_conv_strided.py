"""The ``conv`` energy's plain strided net (``channels=…``, the IGEBM-small benchmark net):
the conformance kit, its resolutions, argument errors, and spectral norm with strides.

All checks are deterministic (fixed seeds), so their false-fail rate is 0.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn
from torch.nn import functional as F

import ebm_core
import ebm_core.testing as kit


def _points(shape, n: int = 4) -> torch.Tensor:
    return torch.rand((n, *shape), generator=torch.Generator().manual_seed(0), dtype=torch.float64)


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_strided_conv_passes_the_energy_conformance_kit(spectral_norm: bool) -> None:
    torch.manual_seed(0)
    kit.check_energy("conv", {"event_shape": (1, 8, 8), "channels": (3, 4, 4), "spectral_norm": spectral_norm},
                     points=_points((1, 8, 8)))


def test_igebm_small_resolutions_and_layers() -> None:
    energy = ebm_core.energy("conv", event_shape=(1, 28, 28), channels=(32, 64, 64))
    convs = [m for m in energy.modules() if isinstance(m, nn.Conv2d)]
    assert [(c.in_channels, c.out_channels, c.stride) for c in convs] == [
        (1, 32, (1, 1)), (32, 64, (2, 2)), (64, 64, (2, 2))]
    sizes = []
    for c in convs:
        c.register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[-2:])))
    assert energy(torch.rand(2, 1, 28, 28)).shape == (2,)
    assert sizes == [(28, 28), (14, 14), (7, 7)]


def test_spectral_norm_keeps_the_stride() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("conv", event_shape=(1, 8, 8), channels=(2, 3), spectral_norm=True).double()
    layer = energy.net.convs[1]
    h = torch.rand(2, 2, 8, 8, dtype=torch.float64)
    expected = F.conv2d(h, layer.layer.weight / layer.sigma(), layer.layer.bias, stride=2, padding=1)
    torch.testing.assert_close(layer(h), expected)
    assert layer(h).shape[-2:] == (4, 4)


@pytest.mark.parametrize("kwargs, match", [
    ({"channels": (8, 8), "width": 16}, "channels=.*replaces width and depth"),
    ({"channels": ()}, "channels must list"),
    ({"channels": (8, 0)}, "channels"),
])
def test_bad_channels_name_the_argument(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ebm_core.energy("conv", event_shape=(1, 8, 8), **kwargs)
