"""The default recipe of ``ebm train`` (a residual energy over a fitted mixture, trained by
``importance_ml``) at tiny size: it recovers a known mixture, and ``ebm sample --checkpoint``
rebuilds the fitted base from the run.

Data: the ``gaussian_mixture`` data set (3 diagonal Gaussians, weights 0.5 / 0.3 / 0.2); the
base has 3 full-covariance components fitted by EM on 4,000 draws, so it contains the truth.
The fitted weights are z-tested against 0.5 / 0.3 / 0.2 with standard errors
``sqrt(w(1 − w)/n)``, and the held-out NLL (2,000 points, grid quadrature) must be within
0.02 nats of the true density's on the same points — the expected excess of a 17-parameter
fit on 4,000 points is ≈ 17/8,000 = 0.002 nats and the paired difference's standard error is
≈ 0.002, so 0.02 is ≥ 8 standard errors away. False-fail rate ≤ 1e-3 (Bonferroni over the
3 weight tests; the NLL bound contributes far less); seeds are fixed.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import ebm_core
from ebm_core.cli import components
from ebm_core.cli.main import main
from ebm_core.testing import bonferroni, z_threshold
from ebm_core.training.checkpoint import load_checkpoint

FIT_SAMPLES = 4000
TINY_DEFAULT = [
    "train", "--dataset", "gaussian_mixture", "--no-progress", "--steps", "30", "--batch-size", "64",
    "--set", 'energy.base={name = "fitted_gaussian_mixture", components = 3}',
    "--set", 'energy.net={name = "mlp", hidden = [16]}', "--set", f"fit_samples={FIT_SAMPLES}",
    "--set", "loss.n_proposals=64", "--set", "eval_every=30", "--set", "eval_samples=200",
    "--set", "eval_steps=20", "--set", "heldout=2000", "--set", "checkpoint_every=30",
]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("default-recipe")
    assert main([*TINY_DEFAULT, "--out", str(out)]) == 0
    return out


def test_the_default_recipe_recovers_a_known_mixture(run: Path) -> None:
    config = json.loads((run / "config.json").read_text())
    assert config["energy"]["name"] == "residual" and config["loss"]["name"] == "importance_ml"
    state = load_checkpoint(run / "checkpoint.pt")["ranks"][0]["loss"]
    weights = state["energy.base.log_weights"].exp().sort(descending=True).values
    truth = torch.tensor([0.5, 0.3, 0.2], dtype=torch.float64)
    z = (weights - truth) / (truth * (1 - truth) / FIT_SAMPLES).sqrt()
    assert z.abs().max() < z_threshold(bonferroni(1e-3, 3)), (weights, z)

    dataset = components.build_dataset(config)
    heldout = components.heldout_data(config, dataset, config["heldout"], config["seed"])
    true_nll = -float(dataset.log_prob(heldout.double()).mean())
    final = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    nll = [r["nll"] for r in final if "nll" in r][-1]
    assert math.isfinite(nll) and abs(nll - true_nll) < 0.02, (nll, true_nll)


def test_sample_checkpoint_rebuilds_the_fitted_base(run: Path, tmp_path: Path, monkeypatch) -> None:
    seen = {}
    build_sampler = components.build_sampler

    def capture(config, energy):
        seen["energy"] = energy
        return build_sampler(config, energy)

    monkeypatch.setattr(components, "build_sampler", capture)
    out = tmp_path / "s.pt"
    assert main(["sample", "--checkpoint", str(run), "--n", "64", "--steps", "20", "--no-progress",
                 "--out", str(out)]) == 0
    energy = seen["energy"]
    state = load_checkpoint(run / "checkpoint.pt")["ranks"][0]["loss"]
    assert energy.base.is_fitted and torch.equal(energy.base.means, state["energy.base.means"])
    x = torch.randn(5, 2)
    rebuilt = ebm_core.energy("residual", dim=2, base={"name": "fitted_gaussian_mixture", "components": 3},
                              net={"name": "mlp", "hidden": [16]})
    rebuilt.load_state_dict({k[len("energy."):]: v for k, v in state.items() if k.startswith("energy.")})
    assert torch.equal(energy(x), rebuilt(x))
    samples = torch.load(out, weights_only=True)
    assert samples.shape == (64, 2) and torch.isfinite(samples).all()


def test_the_default_recipe_resumes_bit_exactly_without_refitting(tmp_path: Path, monkeypatch) -> None:
    tiny = [*TINY_DEFAULT, "--set", "lr_schedule=constant", "--set", "fit_samples=500", "--set", "eval_every=100",
            "--set", "checkpoint_every=3"]
    tiny[tiny.index("--steps") + 1] = "6"
    assert main([*tiny, "--out", str(tmp_path / "a")]) == 0
    assert main([*tiny, "--steps", "3", "--out", str(tmp_path / "b")]) == 0
    fits = []
    monkeypatch.setattr("ebm_plugins.energies.fitted_gaussian_mixture.FittedGaussianMixture.fit_to_data",
                        lambda self, samples: fits.append(samples))
    assert main([*tiny, "--resume", "--out", str(tmp_path / "b")]) == 0
    assert fits == [], "a resumed run must take the fit from its checkpoint"
    a = load_checkpoint(tmp_path / "a" / "checkpoint.pt")["ranks"][0]["loss"]
    b = load_checkpoint(tmp_path / "b" / "checkpoint.pt")["ranks"][0]["loss"]
    assert a.keys() == b.keys() and all(torch.equal(a[k], b[k]) for k in a)
