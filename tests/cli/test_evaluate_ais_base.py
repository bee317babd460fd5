"""``ebm evaluate --ais-base``: AIS anneals from the energy's own exact base when it has one.

For ``E(x) = E_base(x) + c`` (a residual energy whose net is the constant ``c``) annealing from
the base is exact: every importance weight is ``exp(−c)``, so ``log Z = log Z_base − c`` with
zero standard error and full ESS. From a Gaussian fitted to the data (a different density) the
weights vary. Deterministic (fixed seeds).
"""

from __future__ import annotations

import argparse
import math

import pytest
import torch

import ebm_core
from ebm_core.cli import evaluate_command

SHIFT = 0.7


class _Residual(ebm_core.Energy):
    def __init__(self, base: ebm_core.Energy) -> None:
        super().__init__(event_shape=base.event_shape)
        self.base = base

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.base(self.check_input(x)) + SHIFT


def _args(choice: str) -> argparse.Namespace:
    return argparse.Namespace(n_temperatures=20, n_chains=64, sampler="hmc", step_size=0.1, no_adapt=False,
                              strict=False, no_progress=True, ais_base=choice)


def _estimate(energy, choice: str):
    heldout = torch.randn(200, 3, generator=torch.Generator().manual_seed(0)) * 2 + 1
    base = evaluate_command._ais_base(energy, choice)
    return evaluate_command._log_z("ais", energy, heldout, _args(choice), torch.Generator().manual_seed(1), base)


def test_auto_anneals_from_the_energy_s_exact_base() -> None:
    base = ebm_core.energy("gaussian", dim=3, mean=torch.tensor([0.5, 0.0, -1.0]),
                           covariance=torch.diag(torch.tensor([0.5, 1.0, 2.0])))
    energy = _Residual(base)
    estimate = _estimate(energy, "auto")
    assert estimate.log_z == pytest.approx(float(base.log_partition()) - SHIFT, abs=1e-5)
    assert estimate.stderr < 1e-5 and estimate.ess == pytest.approx(64)
    assert _estimate(energy, "data").stderr > 1e-3  # a data-fitted Gaussian is not the model


@pytest.mark.filterwarnings("ignore:ais. the importance weights")  # 20 temperatures: a rough estimate
def test_energy_without_a_base_uses_the_data_or_refuses_energy() -> None:
    mlp = ebm_core.energy("mlp", dim=3, hidden=[8])
    assert evaluate_command._ais_base(mlp, "auto") is None
    with pytest.raises(ValueError, match="--ais-base energy needs an energy with an exact base"):
        evaluate_command._ais_base(mlp, "energy")
    assert math.isfinite(_estimate(mlp, "auto").log_z)
