"""A residual energy over a tractable base: E(x) = E_base(x) + f_θ(x) (Deng et al., 2020)."""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch import nn

import ebm_core
from ebm_core import Energy
from ebm_core.checks import positive_int


class Residual(Energy):
    """``E(x) = E_base(x) + f_θ(x)``: a learned correction ``f_θ`` of a fixed, tractable base.

    The model density is the base *exponentially tilted* by the network,
    ``p_θ(x) = q(x) e^{−f_θ(x)} / Z_θ`` with ``q = e^{−E_base}`` and
    ``Z_θ = E_q[e^{−f_θ}]`` (for a normalised base). The base is frozen (its parameters
    do not train); with a base fitted to data (``fitted_gaussian_mixture``, fitted by the
    :class:`ebm_core.training.Trainer` before the first step) training starts *at* the base's
    likelihood and the network only has to learn what the base misses. The network's last
    ``nn.Linear`` starts at zero (``zero_init``), so initially ``f_θ ≡ 0`` and ``p_θ = q``.
    Pair it with the ``importance_ml`` loss, which samples the base as its proposal.

    Both parts are given as component tables (a registered energy name and its arguments);
    ``dim`` is passed to each unless the table sets it, so the residual works for vectors of
    any dimension.

    Args:
        dim: dimension of x.
        base: ``{"name": ..., **kwargs}`` of the base energy (default a 50-component
            ``fitted_gaussian_mixture``), or an :class:`ebm_core.Energy`.
        net: ``{"name": ..., **kwargs}`` of the learned energy ``f_θ`` (default an ``mlp`` with
            hidden widths [128, 128]), or an :class:`ebm_core.Energy`.
        zero_init: start the network's last linear layer at zero (``f_θ ≡ 0``).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("residual", dim=2, base={"name": "gaussian", "dim": 2},
                            net={"name": "mlp", "hidden": [16]})
        x = torch.randn(4, 2)
        assert torch.allclose(e(x), e.base(x))  # f starts at zero
        assert not any(p.requires_grad for p in e.base.parameters())
    """

    def __init__(
        self,
        dim: int = 2,
        base: Mapping[str, Any] | Energy | None = None,
        net: Mapping[str, Any] | Energy | None = None,
        zero_init: bool = True,
    ) -> None:
        dim = positive_int(dim, "dim")
        super().__init__(event_shape=(dim,))
        self.base = _build("base", base, {"name": "fitted_gaussian_mixture", "components": 50}, dim)
        self.base.requires_grad_(False)
        self.net = _build("net", net, {"name": "mlp", "hidden": [128, 128]}, dim)
        if zero_init:
            last = [m for m in self.net.modules() if isinstance(m, nn.Linear)]
            if not last:
                raise ValueError("zero_init=True needs a network with an nn.Linear output layer; pass zero_init=False")
            nn.init.zeros_(last[-1].weight)
            if last[-1].bias is not None:
                nn.init.zeros_(last[-1].bias)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        correction = self.net(x.to(_dtype_of(self.net, x.dtype)))
        return self.base(x) + correction.to(x.dtype)

    def energy_and_grad(self, x: torch.Tensor, *, create_graph: bool = False) -> tuple[torch.Tensor, torch.Tensor]:
        """The parts' own ``energy_and_grad`` summed (closed forms where they have them)."""
        x = self.check_input(x)
        base_energy, base_grad = self.base.energy_and_grad(x, create_graph=create_graph)
        net_energy, net_grad = self.net.energy_and_grad(x.to(_dtype_of(self.net, x.dtype)), create_graph=create_graph)
        return base_energy + net_energy.to(x.dtype), base_grad + net_grad.to(x.dtype)

    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        return self.energy_and_grad(x, create_graph=create_graph)[1]


def _build(role: str, spec: Mapping[str, Any] | Energy | None, default: Mapping[str, Any], dim: int) -> Energy:
    if isinstance(spec, Energy):
        return spec
    if spec is None:
        spec = default
    if not isinstance(spec, Mapping) or not isinstance(spec.get("name"), str):
        raise TypeError(
            f"{role} must be an ebm_core.Energy or a table naming a registered energy, e.g. "
            f"{role}={dict(default)!r}; got {spec!r}"
        )
    kwargs = {k: v for k, v in spec.items() if k != "name"}
    kwargs.setdefault("dim", dim)
    return ebm_core.energy(spec["name"], **kwargs)


def _dtype_of(module: nn.Module, fallback: torch.dtype) -> torch.dtype:
    for parameter in module.parameters():
        return parameter.dtype
    return fallback
