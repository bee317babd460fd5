"""The ``mlp`` energy's fast-path declaration: ``kernel_key`` and ``kernel_params``."""

from __future__ import annotations

import torch

import ebm_core


def test_mlp_declares_its_kernel_key_and_hands_over_its_layers() -> None:
    energy = ebm_core.energy("mlp", dim=3, hidden=[8, 5], activation="softplus")
    assert type(energy).__dict__["kernel_key"] == "mlp"
    params = energy.kernel_params()
    assert params["activation"] == "softplus"
    assert [tuple(w.shape) for w in params["weights"]] == [(8, 3), (5, 8), (1, 5)]
    assert [tuple(b.shape) for b in params["biases"]] == [(8,), (5,), (1,)]
    # The tensors themselves: a kernel always sees the current parameters.
    linears = [m for m in energy.module if isinstance(m, torch.nn.Linear)]
    assert all(w is m.weight for w, m in zip(params["weights"], linears))


def test_kernel_params_is_none_once_the_module_is_not_the_built_layout() -> None:
    energy = ebm_core.energy("mlp", dim=2, hidden=[4])
    energy.module.append(torch.nn.Tanh())
    assert energy.kernel_params() is None
    other = ebm_core.energy("mlp", dim=2, hidden=[4])
    other.module[1] = torch.nn.Tanh()  # activation swapped behind the energy's back
    assert other.kernel_params() is None
