"""The image energies ``conv`` and ``jem``: the conformance kit, architecture, JEM identities, errors.

All checks are deterministic (fixed seeds), so their false-fail rate is 0.
"""

from __future__ import annotations

import pytest
import torch
from torch import nn

import ebm_core
import ebm_core.testing as kit

IMAGE = (1, 6, 6)


def _points(shape=IMAGE, n: int = 4) -> torch.Tensor:
    return torch.rand((n, *shape), generator=torch.Generator().manual_seed(0), dtype=torch.float64)


@pytest.mark.parametrize("spectral_norm", [False, True])
def test_conv_passes_the_energy_conformance_kit(spectral_norm: bool) -> None:
    torch.manual_seed(0)
    kit.check_energy("conv", {"event_shape": IMAGE, "width": 4, "depth": 2, "spectral_norm": spectral_norm},
                     points=_points())


def test_jem_passes_the_energy_conformance_kit() -> None:
    torch.manual_seed(0)
    kit.check_energy("jem", {"event_shape": IMAGE, "n_classes": 3, "width": 4, "depth": 1}, points=_points())
    mlp = nn.Sequential(nn.Flatten(), nn.Linear(36, 8), nn.SiLU(), nn.Linear(8, 3))
    kit.check_energy(ebm_core.energy("jem", classifier=mlp, n_classes=3, event_shape=IMAGE), points=_points())


def test_conv_gradient_is_with_respect_to_x_only_and_finite_differences_agree() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("conv", event_shape=(2, 4, 4), width=4, depth=1).double()
    x = _points((2, 4, 4), 2)
    gradient = energy.grad(x)
    assert all(p.grad is None for p in energy.parameters())
    direction = torch.randn_like(x)
    step = 1e-6
    numeric = (energy(x + step * direction) - energy(x - step * direction)) / (2 * step)
    torch.testing.assert_close((gradient * direction).flatten(1).sum(1), numeric, rtol=1e-6, atol=1e-8)


def test_conv_downsamples_while_the_maps_are_at_least_4() -> None:
    energy = ebm_core.energy("conv", event_shape=(3, 28, 28), width=8, depth=4)
    sizes = []
    energy.net.blocks[-1].register_forward_hook(lambda m, i, o: sizes.append(tuple(o.shape[-2:])))
    assert energy(torch.rand(2, 3, 28, 28)).shape == (2,)
    assert sizes == [(3, 3)]  # 28 → 14 → 7 → 3, then no more pooling
    assert sum(isinstance(m, nn.Conv2d) for m in energy.modules()) == 1 + 2 * 4


def test_spectral_norm_divides_by_the_top_singular_value_and_refines_on_backward() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("conv", event_shape=IMAGE, width=4, depth=1, spectral_norm=True).double()
    layer = energy.net.stem
    true_sigma = torch.linalg.matrix_norm(layer.layer.weight.detach().flatten(1), ord=2)
    torch.testing.assert_close(layer.sigma().detach(), true_sigma, rtol=1e-4, atol=0)
    u_before = layer.u.clone()
    energy.grad(_points())  # sampling: estimates untouched
    assert torch.equal(layer.u, u_before)
    with torch.no_grad():
        layer.layer.weight.mul_(torch.linspace(0.5, 2.0, 4, dtype=torch.float64)[:, None, None, None])
    for _ in range(30):
        energy(_points()).sum().backward()  # training: one power step per backward
    new_sigma = torch.linalg.matrix_norm(layer.layer.weight.detach().flatten(1), ord=2)
    torch.testing.assert_close(layer.sigma().detach(), new_sigma, rtol=1e-4, atol=0)


def test_spectral_norm_estimates_of_a_copy_are_refined_too() -> None:
    import copy

    torch.manual_seed(0)
    energy = copy.deepcopy(ebm_core.energy("conv", event_shape=IMAGE, width=4, depth=1, spectral_norm=True))
    layer = energy.net.stem
    with torch.no_grad():
        layer.layer.weight.mul_(torch.linspace(0.5, 2.0, 4)[:, None, None, None])
    u_before = layer.u.clone()
    energy(_points().float()).sum().backward()
    assert not torch.equal(layer.u, u_before)


def test_jem_identities() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("jem", event_shape=IMAGE, n_classes=5, width=4, depth=1)
    x = _points().float()
    logits = energy.logits(x)
    labels = torch.tensor([0, 4, 2, 1])
    torch.testing.assert_close(energy(x), -logits.logsumexp(1))
    torch.testing.assert_close(energy.class_energy(x, labels), -logits[torch.arange(4), labels])
    # p(y | x) = exp(−E(x, y)) / exp(−E(x))
    torch.testing.assert_close((energy(x) - energy.class_energy(x, labels)).exp(), logits.softmax(1)[torch.arange(4), labels])
    assert torch.equal(energy.predict(x), logits.argmax(1))


@pytest.mark.parametrize(
    ("name", "kwargs", "error", "match"),
    [
        ("conv", dict(event_shape=(8, 8)), ValueError, r"event_shape must be \(C, H, W\)"),
        ("conv", dict(width=0), ValueError, "width must be an integer >= 1"),
        ("jem", dict(), ValueError, "needs event_shape"),
        ("jem", dict(classifier=lambda x: x), TypeError, "classifier must be an nn.Module"),
        ("jem", dict(event_shape=IMAGE, n_classes=0), ValueError, "n_classes must be an integer >= 1"),
    ],
)
def test_bad_arguments(name, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        ebm_core.energy(name, **kwargs)


def test_jem_refuses_logits_of_the_wrong_width() -> None:
    energy = ebm_core.energy("jem", classifier=nn.Sequential(nn.Flatten(), nn.Linear(36, 4)), n_classes=3)
    with pytest.raises(ValueError, match=r"must return \(2, 3\) logits"):
        energy(torch.rand(2, 1, 6, 6))
