"""The ``conv`` energy's plain strided net (``channels=…``, the IGEBM-small benchmark net):
the conformance kit, its resolutions, argument errors, and spectral norm with strides.

All checks are deterministic (fixed seeds), so their false-fail rate is 0.
"""

from __future__ import annotations

import copy

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
    ({"channels": (8, 8), "width": 32}, "channels=.*replaces width and depth"),  # the default, given
    ({"channels": (8, 8), "depth": 2}, "channels=.*replaces width and depth"),
    ({"channels": ()}, "channels must list"),
    ({"channels": (8, 0)}, "channels"),
])
def test_bad_channels_name_the_argument(kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        ebm_core.energy("conv", event_shape=(1, 8, 8), **kwargs)


# ------------------------------------------------------------------ channels-last fast path
class _PlainConv(ebm_core.Energy):
    """The same conv energy computed the plain way: NCHW weights and inputs, autograd ∇ₓE."""

    def __init__(self, energy: ebm_core.Energy) -> None:
        super().__init__(event_shape=energy.event_shape)
        self.net = copy.deepcopy(energy.net).to(memory_format=torch.contiguous_format)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.check_input(x)).squeeze(1)


@pytest.mark.parametrize("kwargs, shape", [
    ({"channels": (4, 6, 6)}, (1, 12, 12)),
    ({"channels": (4, 6), "spectral_norm": True}, (3, 9, 7)),
    ({"width": 4, "depth": 2}, (3, 8, 8)),
])
def test_channels_last_path_equals_the_plain_nchw_computation(kwargs: dict, shape: tuple) -> None:
    """Energies and ∇ₓE equal the plain NCHW autograd computation to 1e-5 on random inputs
    (float32; deterministic, false-fail rate 0), and ∇ₓE comes back contiguous in NCHW."""
    torch.manual_seed(0)
    energy = ebm_core.energy("conv", event_shape=shape, **kwargs)
    assert all(p.is_contiguous(memory_format=torch.channels_last) for p in energy.parameters() if p.dim() == 4)
    plain = _PlainConv(energy)
    assert all(p.is_contiguous() for p in plain.parameters())
    x = torch.randn((16, *shape), generator=torch.Generator().manual_seed(1))
    value, gradient = energy.energy_and_grad(x)
    expected_value, expected_gradient = plain.energy_and_grad(x)
    assert gradient.is_contiguous() and gradient.shape == x.shape
    torch.testing.assert_close(value, expected_value, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(gradient, expected_gradient, rtol=1e-5, atol=1e-5)
    torch.testing.assert_close(energy.grad(x), expected_gradient, rtol=1e-5, atol=1e-5)


def test_langevin_chains_match_the_plain_path() -> None:
    """ULA on a tiny conv energy, channels-last vs the plain NCHW path (float64).

    Same seed: the chains agree to 1e-9 (deterministic). Independent seeds, 4,000 chains × 30
    steps each: two-sample z-tests on the per-chain mean and mean square (iid across chains);
    |z| < 5 for both, a false-fail rate of about 1e-6.
    """
    torch.manual_seed(0)
    energy = ebm_core.energy("conv", event_shape=(2, 4, 4), channels=(3, 3)).double()
    plain = _PlainConv(energy)

    def chains(e: ebm_core.Energy, seed: int, n: int = 4000) -> torch.Tensor:
        generator = torch.Generator().manual_seed(seed)
        x0 = torch.randn((n, 2, 4, 4), dtype=torch.float64, generator=generator)
        sampler = ebm_core.sampler("langevin", e, step_size=0.05)
        return sampler.run(x0, n_steps=30, generator=generator, accelerate=False).samples

    torch.testing.assert_close(chains(energy, 3, 64), chains(plain, 3, 64), rtol=1e-9, atol=1e-9)
    fast, reference = chains(energy, 4).flatten(1), chains(plain, 5).flatten(1)
    for statistic in (lambda s: s.mean(1), lambda s: (s * s).mean(1)):
        a, b = statistic(fast), statistic(reference)
        z = (a.mean() - b.mean()) / torch.sqrt(a.var() / a.numel() + b.var() / b.numel())
        assert abs(float(z)) < 5, float(z)


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_kernel_params_are_the_weights_the_forward_pass_applies(spectral_norm: bool) -> None:
    """E(x) recomputed from ``kernel_params()`` alone (conv, SiLU, sum, head) equals E(x)."""
    torch.manual_seed(1)
    energy = ebm_core.energy("conv", event_shape=(2, 9, 9), channels=(3, 5, 4), spectral_norm=spectral_norm)
    params = energy.kernel_params()
    assert params["architecture"] == "strided" and tuple(params["event_shape"]) == (2, 9, 9)
    assert params["strides"] == (1, 2, 2)
    assert not any(t.requires_grad for t in (*params["weights"], params["head_weight"]))
    x = _points((2, 9, 9), n=3).float()
    h = x
    for w, b, s in zip(params["weights"], params["biases"], params["strides"]):
        h = F.silu(F.conv2d(h, w, b, stride=s, padding=1))
    expected = h.sum((-2, -1)) @ params["head_weight"].T + params["head_bias"]
    torch.testing.assert_close(expected.squeeze(1), energy(x).detach(), rtol=1e-5, atol=1e-5)


def test_kernel_params_of_the_residual_net_name_only_its_architecture() -> None:
    assert ebm_core.energy("conv", event_shape=(1, 8, 8)).kernel_params() == {"architecture": "residual"}
