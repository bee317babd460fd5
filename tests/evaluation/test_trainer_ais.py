"""Opt-in AIS at the trainer's evaluation steps: ``metrics.jsonl`` carries an NLL with error bars.

The energy ``E = ½ a ‖x‖²`` (``a`` learnable) in 5-D has ``log Z = (d/2) log(2π / a)``: the logged
``log_z_ais`` must lie within 4 of its standard errors of that (false-fail rate ~6e-5 per check
for a normal error; fixed seeds).
"""

from __future__ import annotations

import json
import math

import torch

import ebm_core
from ebm_core.training import Trainer

D = 5


class Isotropic(ebm_core.Energy):
    "E(x) = ½ a ‖x‖² with a learnable a > 0."

    def __init__(self):
        super().__init__(event_shape=(D,))
        self.log_a = torch.nn.Parameter(torch.tensor(0.5))

    def forward(self, x):
        return 0.5 * self.log_a.exp() * x.pow(2).sum(-1)


class MeanEnergy(ebm_core.Loss):
    "Lowers E(data) (a toy loss: enough to change the model between evaluations)."

    def forward(self, data):
        return self.energy(data).mean()


def test_metrics_carry_an_ais_nll_with_error_bars(tmp_path):
    energy = Isotropic()
    g = torch.Generator().manual_seed(0)
    trainer = Trainer(
        MeanEnergy(energy), data=torch.randn(512, D, generator=g), batch_size=64, lr=1e-2, output_dir=tmp_path,
        heldout=torch.randn(300, D, generator=g), eval_every=5, eval_log_z={"n_chains": 200, "n_temperatures": 50},
        progress=False,
    )
    trainer.fit(10)
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    evaluations = [r for r in records if "nll_ais" in r]
    assert [r["step"] for r in evaluations] == [5, 10]
    exact = 0.5 * D * math.log(2 * math.pi / float(energy.log_a.detach().exp()))
    last = evaluations[-1]
    assert abs(last["log_z_ais"] - exact) < 4 * last["log_z_ais_stderr"]
    assert last["nll_ais_stderr"] > last["log_z_ais_stderr"] > 0 and last["ais_ess"] > 50
    assert evaluations[0]["log_z_ais"] != last["log_z_ais"]  # the model moved between evaluations


def test_off_by_default(tmp_path):
    trainer = Trainer(
        MeanEnergy(Isotropic()), data=torch.randn(64, D), batch_size=8, output_dir=tmp_path,
        heldout=torch.randn(50, D), eval_every=2, progress=False,
    )
    trainer.fit(2)
    assert "nll_ais" not in (tmp_path / "metrics.jsonl").read_text()
