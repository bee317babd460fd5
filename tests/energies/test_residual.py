"""``residual``: E = E_base + f_θ, f_θ starting at zero, the base frozen; any dimension; rebuilt from a state_dict."""

from __future__ import annotations

import pytest
import torch

import ebm_core


def test_starts_at_the_base_with_a_frozen_base_in_any_dimension() -> None:
    energy = ebm_core.energy("residual", dim=5, base={"name": "fitted_gaussian_mixture", "components": 3},
                             net={"name": "mlp", "hidden": [16, 16]})
    energy.base.fit_to_data(torch.randn(200, 5) * 2.0)
    x = torch.randn(9, 5)
    torch.testing.assert_close(energy(x), energy.base(x))
    assert energy.base.n_components == 3 and energy.net.event_shape == (5,)
    assert all(not p.requires_grad for p in energy.base.parameters())
    energy(x).sum().backward()
    assert any(p.grad is not None and p.grad.abs().sum() > 0 for p in energy.net.parameters())
    assert energy.grad(x).shape == (9, 5)


def test_without_zero_init_the_network_contributes() -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("residual", dim=2, base={"name": "gaussian", "dim": 2}, zero_init=False)
    x = torch.randn(4, 2)
    assert not torch.allclose(energy(x), energy.base(x))


def test_rebuilds_exactly_from_its_state_dict() -> None:
    spec = dict(dim=2, base={"name": "fitted_gaussian_mixture", "components": 4}, net={"name": "mlp", "hidden": [8]})
    energy = ebm_core.energy("residual", **spec)
    energy.base.fit_to_data(ebm_core.dataset("two_moons").sample(500, generator=torch.Generator().manual_seed(0)))
    torch.nn.init.normal_(energy.net.module[-1].weight)
    rebuilt = ebm_core.energy("residual", **spec)
    rebuilt.load_state_dict(energy.state_dict())
    x = torch.randn(6, 2)
    assert torch.equal(rebuilt(x), energy(x))


def test_bad_component_tables_are_named() -> None:
    with pytest.raises(TypeError, match="base must be an ebm_core.Energy or a table naming a registered energy"):
        ebm_core.energy("residual", base={"components": 3})
    with pytest.raises(TypeError, match="net must be"):
        ebm_core.energy("residual", net="mlp")
