"""``importance_ml``: on the Gaussian family it recovers a* = 1/s², and its log Z is unbiased to O(1/M).

Model ``E = ½ a ‖x‖²``; data ``N(0, s² I)``; proposal ``N(0, σ_q² I)`` (exact). The estimate
from a fixed set of data and proposal draws (minimised to convergence by L-BFGS) solves
``mean_i h(x_i) = Σ_j w̃_j h(y_j)`` with ``h = ½‖x‖²``: asymptotically normal around
``a* = 1/s²`` with variance ``(Var_p h / N + Σ_j w̃_j² (h_j − h̄)²) / Var_p(h)²`` (the delta
method for the data mean and the self-normalised importance estimate), computed from the same
draws. At a fixed ``a`` the recorded ``log_z`` is within its delta-method standard error of
the exact ``(d/2) log(2π/a)``. The three z-tests share a false-fail budget of 1e-3
(Bonferroni); seeds are fixed.
"""

from __future__ import annotations

import math
import warnings

import pytest
import torch

import ebm_core
from ebm_core.evaluation import EstimateWarning
from ebm_core.testing import bonferroni, z_threshold

from .fixed_draws_fit import minimise_on_fixed_draws
from .gaussian_energies import ScaledQuadratic

DIM, S, PROPOSAL_STD, N_DATA, M = 2, 0.8, 1.2, 4000, 8000
LIMIT = z_threshold(bonferroni(1e-3, 3))


def _proposal() -> ebm_core.Energy:
    return ebm_core.energy("gaussian", covariance=torch.tensor(PROPOSAL_STD**2, dtype=torch.float64), dim=DIM)


def test_importance_ml_recovers_the_precision_within_standard_error() -> None:
    energy = ScaledQuadratic(a=1.0, dim=DIM)
    generator = torch.Generator().manual_seed(1)
    loss = ebm_core.loss("importance_ml", energy, proposal=_proposal(), n_proposals=M, generator=generator)
    data = S * torch.randn(N_DATA, DIM, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    minimise_on_fixed_draws(loss, data, generator, seed=1)
    assert abs(float(energy.a.grad)) < 1e-7  # converged
    a = float(energy.a.detach())
    generator.manual_seed(1)
    y = _proposal().sample_exact(M, generator=generator)
    h_data, h_y = 0.5 * data.pow(2).sum(1), 0.5 * y.pow(2).sum(1)
    log_w = -a * h_y + _proposal()(y)
    w = torch.softmax(log_w, 0)
    h_bar = float((w * h_y).sum())
    var_h = float(h_data.var())
    se = math.sqrt(var_h / N_DATA + float((w * w * (h_y - h_bar) ** 2).sum())) / var_h
    z = (a - 1 / S**2) / se
    assert abs(z) < LIMIT, f"a = {a:.4f} ± {se:.4f}, truth {1 / S**2:.4f} (z = {z:.2f})"
    assert se < 0.05 / S**2  # the test has power: a 5 % error would be seen
    assert 0.3 < float(loss.last["ess"]) <= 1


@pytest.mark.parametrize("a", [0.7, 2.0])
def test_log_z_estimate_matches_the_exact_normaliser(a: float) -> None:
    energy = ScaledQuadratic(a=a, dim=DIM)
    loss = ebm_core.loss("importance_ml", energy, proposal=_proposal(), n_proposals=M,
                         generator=torch.Generator().manual_seed(2))
    loss(torch.zeros(4, DIM, dtype=torch.float64))
    generator = torch.Generator().manual_seed(2)
    y = _proposal().sample_exact(M, generator=generator)
    ratio = torch.exp(-0.5 * a * y.pow(2).sum(1) + _proposal()(y))  # e^{−E}/q up to a constant factor
    se = float(ratio.std() / ratio.mean()) / math.sqrt(M)  # delta method for log of a mean
    exact = DIM / 2 * math.log(2 * math.pi / a)
    z = (float(loss.last["log_z"]) - exact) / se
    assert abs(z) < LIMIT, f"log Z = {float(loss.last['log_z']):.4f} ± {se:.4f}, exact {exact:.4f}"


def test_gradient_is_the_self_normalised_maximum_likelihood_gradient() -> None:
    energy = ScaledQuadratic(a=1.3, dim=DIM)
    loss = ebm_core.loss("importance_ml", energy, proposal=_proposal(), n_proposals=64,
                         generator=torch.Generator().manual_seed(3))
    data = torch.randn(32, DIM, dtype=torch.float64, generator=torch.Generator().manual_seed(4))
    loss(data).backward()
    y = _proposal().sample_exact(64, generator=torch.Generator().manual_seed(3))
    w = torch.softmax(-0.65 * y.pow(2).sum(1) + _proposal()(y), 0)
    expected = 0.5 * data.pow(2).sum(1).mean() - (w * 0.5 * y.pow(2).sum(1)).sum()
    torch.testing.assert_close(energy.a.grad, expected)


def test_default_proposal_is_the_energy_s_base_and_other_energies_are_refused() -> None:
    energy = ebm_core.energy("residual", dim=2, base={"name": "gaussian", "dim": 2}, net={"name": "mlp", "hidden": [8]})
    loss = ebm_core.loss("importance_ml", energy, n_proposals=16)
    assert loss.proposal is energy.base
    data = torch.randn(8, 2)
    value = loss(data)  # f ≡ 0 at the start: every weight is equal and the value is the base's NLL
    torch.testing.assert_close(value, -energy.base.log_prob(data).mean())
    assert float(loss.last["ess"]) == pytest.approx(1.0)
    with pytest.raises(ValueError, match="importance_ml needs a proposal"):
        ebm_core.loss("importance_ml", ScaledQuadratic(a=1.0, dim=2))
    with pytest.raises(TypeError, match="proposal must be an ebm_core.Energy with exact samples"):
        ebm_core.loss("importance_ml", ScaledQuadratic(a=1.0, dim=2), proposal=ebm_core.energy("double_well"))
    with pytest.raises(ValueError, match="n_proposals"):
        ebm_core.loss("importance_ml", energy, n_proposals=0)


def test_a_low_effective_sample_size_warns_once_naming_the_fix() -> None:
    """A model far narrower than the proposal (a = 400: std 0.05 against 1.2) leaves ESS ≈ 1e-2
    of M; a close one (a = 1/1.2²) leaves ESS ≈ 1: only the first warns, and only once."""
    data = S * torch.randn(64, DIM, generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    close = ebm_core.loss("importance_ml", ScaledQuadratic(a=1 / PROPOSAL_STD**2, dim=DIM), proposal=_proposal(),
                          n_proposals=1000, generator=torch.Generator().manual_seed(1))
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        close(data)
    assert float(close.last["ess"]) > 0.9
    narrow = ebm_core.loss("importance_ml", ScaledQuadratic(a=400.0, dim=DIM), proposal=_proposal(),
                           n_proposals=1000, generator=torch.Generator().manual_seed(1))
    with pytest.warns(EstimateWarning, match="n_proposals") as record:
        narrow(data)
        narrow(data)
    assert float(narrow.last["ess"]) < 0.1
    assert len([w for w in record if issubclass(w.category, EstimateWarning)]) == 1
