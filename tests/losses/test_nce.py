"""``nce``: on the Gaussian family it recovers a* = 1/s² and the true log Z within standard error.

Model ``E = ½ a ‖x‖²`` with learned ``log_z = c``; data ``N(0, s² I)``; noise ``N(0, σ_q² I)``
(exact). The NCE estimate (a fixed set of data and noise draws, minimised to convergence by
L-BFGS) is asymptotically normal around the truth ``a* = 1/s²``, ``c* = (d/2) log(2π s²)``,
with the sandwich covariance ``H⁻¹ (Cov(∇f)/N_d + Cov(ν∇h)/N_q) H⁻¹`` computed from the same
draws. The two z-tests share a false-fail budget of 1e-3 (Bonferroni); seeds are fixed.
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core.testing import bonferroni, z_threshold

from .fixed_draws_fit import minimise_on_fixed_draws
from .gaussian_energies import ScaledQuadratic

DIM, S, NOISE_STD, RATIO, N_DATA = 2, 0.8, 1.2, 2, 4000


def _fit():
    energy = ScaledQuadratic(a=1.0, dim=DIM)
    noise = ebm_core.energy("gaussian", covariance=torch.tensor(NOISE_STD**2, dtype=torch.float64), dim=DIM)
    generator = torch.Generator().manual_seed(1)
    loss = ebm_core.loss("nce", energy, noise=noise, noise_ratio=RATIO, generator=generator)
    data = S * torch.randn(N_DATA, DIM, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    minimise_on_fixed_draws(loss, data, generator, seed=1)
    generator.manual_seed(1)
    noise_draws = noise.sample_exact(RATIO * N_DATA, generator=generator)
    return loss, energy, noise, data, noise_draws


def _sandwich_standard_errors(loss, energy, noise, data, noise_draws) -> torch.Tensor:
    a, c = energy.a.detach(), loss.log_z.detach().double()

    def log_odds(x):
        log_q = -noise(x) - noise.log_partition()
        g = -0.5 * a * x.pow(2).sum(1) - c - log_q - math.log(RATIO)
        dg = torch.stack([-0.5 * x.pow(2).sum(1), -torch.ones(x.shape[0], dtype=x.dtype)], 1)  # ∂G/∂(a, c)
        return g, dg

    g_d, dg_d = log_odds(data)
    g_q, dg_q = log_odds(noise_draws)
    grad_d = -torch.sigmoid(-g_d)[:, None] * dg_d           # ∇ softplus(−G)
    grad_q = RATIO * torch.sigmoid(g_q)[:, None] * dg_q     # ∇ ν softplus(G)
    weight_d = torch.sigmoid(g_d) * torch.sigmoid(-g_d)
    weight_q = torch.sigmoid(g_q) * torch.sigmoid(-g_q)
    hessian = (weight_d[:, None, None] * dg_d[:, :, None] * dg_d[:, None, :]).mean(0) + RATIO * (
        weight_q[:, None, None] * dg_q[:, :, None] * dg_q[:, None, :]).mean(0)
    meat = torch.cov(grad_d.T) / len(data) + torch.cov(grad_q.T) / len(noise_draws)
    inverse = torch.linalg.inv(hessian)
    return (inverse @ meat @ inverse).diagonal().sqrt()


def test_nce_recovers_the_precision_and_log_z_within_standard_error() -> None:
    loss, energy, noise, data, noise_draws = _fit()
    assert abs(float(energy.a.grad)) < 1e-7 and abs(float(loss.log_z.grad)) < 1e-7  # converged
    se_a, se_c = _sandwich_standard_errors(loss, energy, noise, data, noise_draws).tolist()
    a_true, c_true = 1 / S**2, DIM / 2 * math.log(2 * math.pi * S**2)
    limit = z_threshold(bonferroni(1e-3, 2))
    z_a = (float(energy.a.detach()) - a_true) / se_a
    z_c = (float(loss.log_z.detach()) - c_true) / se_c
    assert abs(z_a) < limit, f"a = {float(energy.a.detach()):.4f} ± {se_a:.4f}, truth {a_true:.4f} (z = {z_a:.2f})"
    assert abs(z_c) < limit, f"log Z = {float(loss.log_z.detach()):.4f} ± {se_c:.4f}, truth {c_true:.4f} (z = {z_c:.2f})"
    assert se_a < 0.05 * a_true  # the test has power: a 5 % error would be seen


def test_default_noise_is_a_gaussian_fitted_to_the_first_batch() -> None:
    energy = ebm_core.energy("conv", event_shape=(1, 4, 4), width=4, depth=1)
    loss = ebm_core.loss("nce", energy, generator=torch.Generator().manual_seed(0))
    batch = torch.rand(64, 1, 4, 4, generator=torch.Generator().manual_seed(1))
    loss(batch).backward()
    torch.testing.assert_close(loss.noise.mean.float(), batch.flatten(1).mean(0))
    assert loss.noise.event_shape == (16,) and loss.log_z.grad is not None
    assert 0 <= float(loss.last["accuracy"]) <= 1


def test_bad_noise_is_refused() -> None:
    energy = ScaledQuadratic(a=1.0, dim=2)
    with pytest.raises(TypeError, match="noise must be an ebm_core.Energy with exact samples"):
        ebm_core.loss("nce", energy, noise=ebm_core.energy("double_well"))
    with pytest.raises(ValueError, match="noise_ratio must be"):
        ebm_core.loss("nce", energy, noise_ratio=0)


class _BasePlusQuadratic(ebm_core.Energy):
    """``E(x) = E_base(x) + ½ b ‖x‖²`` with a fixed exact base and learnable ``b``."""

    def __init__(self, base: ebm_core.Energy, dim: int) -> None:
        super().__init__(event_shape=(dim,))
        self.base = base
        self.b = torch.nn.Parameter(torch.tensor(0.3, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return self.base(x) + 0.5 * self.b * x.pow(2).sum(-1)


def test_noise_base_is_the_energy_s_own_base_looked_up_at_each_call() -> None:
    """``noise="base"`` gives exactly the loss and gradients of passing that base as ``noise``,
    and a base replaced after the loss was built (fitted before the first step) is the one used."""
    gaussian = ebm_core.energy("gaussian", covariance=torch.tensor(NOISE_STD**2, dtype=torch.float64), dim=DIM)
    data = S * torch.randn(256, DIM, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    values, grads = [], []
    for noise in ("base", gaussian):
        energy = _BasePlusQuadratic(ebm_core.energy("gaussian", dim=DIM), DIM)
        loss = ebm_core.loss("nce", energy, noise=noise, noise_ratio=RATIO, generator=torch.Generator().manual_seed(1))
        energy.base = gaussian  # e.g. fitted to the data after the loss was built
        value = loss(data)
        value.backward()
        values.append(float(value.detach()))
        grads.append((float(energy.b.grad), float(loss.log_z.grad)))
    assert values[0] == values[1] and grads[0] == grads[1]
    assert loss.noise_energy() is gaussian


def test_noise_base_needs_an_energy_with_an_exact_base() -> None:
    with pytest.raises(ValueError, match="noise='base' needs an energy with a base"):
        ebm_core.loss("nce", ScaledQuadratic(a=1.0, dim=2), noise="base")
    with pytest.raises(ValueError, match="noise must be"):
        ebm_core.loss("nce", ScaledQuadratic(a=1.0, dim=2), noise="gaussian")
    energy = _BasePlusQuadratic(ebm_core.energy("double_well"), 2)
    loss = ebm_core.loss("nce", energy, noise="base")
    with pytest.raises(TypeError, match="noise must be an ebm_core.Energy with exact samples"):
        loss(torch.randn(8, 2, dtype=torch.float64))
