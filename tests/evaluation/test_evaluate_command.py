"""``ebm evaluate`` on a small trained run: AIS agrees with exact grid quadrature; the AIS /
reverse-AIS sandwich brackets it.

The run (200 steps of the default recipe with a 16-16 MLP) is normalisable; its quadrature
``log Z`` is exact up to grid error (~1e-4 here), so the AIS NLL must match the grid NLL within
3 standard errors of the AIS ``log Z`` (false-fail rate 0.27 % for a normal error; fixed seeds).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from ebm_core import quadrature
from ebm_core.cli.evaluate_command import _trained_energy
from ebm_core.cli.main import main
from ebm_core.cli.trained_run import load_run
from ebm_core.evaluation import bidirectional

SMALL_TRAIN = [
    "train", "--energy", "mlp", "--loss", "pcd", "--no-progress", "--steps", "200", "--batch-size", "64",
    "--set", "energy.hidden=[16, 16]", "--set", "loss.k=5", "--set", "loss.buffer_size=256",
    # the MLP + PCD recipe that was ebm train's default: α keeps exp(−E) integrable for the grid
    "--set", "loss.alpha=0.1", "--set", "loss.noise_scale=3.0", "--sampler", "langevin", "--set", "sampler.step_size=0.01",
    "--set", "eval_every=200", "--set", "eval_samples=64", "--set", "eval_steps=5", "--set", "heldout=500",
]
FAST = ["--n-temperatures", "100", "--n-chains", "128", "--no-progress"]


@pytest.fixture(scope="module")
def run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("run")
    with pytest.warns(RuntimeWarning):  # training's own quick NLL bounds are tight: it says so
        assert main([*SMALL_TRAIN, "--out", str(out)]) == 0
    return out


def test_ais_nll_agrees_with_grid_quadrature_and_files_are_written(run: Path, tmp_path, capsys):
    out = tmp_path / "eval"
    code = main(["evaluate", str(run), "--log-z", "ais,grid", "--ood", "uniform,noise", "--ksd", *FAST, "--out", str(out)])
    assert code == 0
    printed = capsys.readouterr().out
    assert "NLL    ais" in printed and "nats" in printed and "AUROC" in printed and "KSD" in printed
    report = json.loads((out / "evaluation.json").read_text())
    ais, grid = report["log_z"]["ais"], report["log_z"]["grid"]
    assert abs(ais["log_z"] - grid["log_z"]) < 3 * ais["stderr"], (ais, grid)
    assert abs(report["nll"]["ais"]["nats"] - report["nll"]["grid"]["nats"]) < 3 * ais["stderr"]
    assert report["nll"]["ais"]["stderr"] > report["nll"]["ais"]["stderr_data"] > 0
    assert ais["n_temperatures"] == 100 and ais["n_chains"] == 128 and ais["n_nonfinite"] == 0
    assert 0.0 <= report["ood"]["uniform"]["auroc"] <= 1.0 and report["ood"]["uniform"]["n_in"] == 500
    assert report["ksd"]["p_value"] is not None
    assert (out / "evaluation.png").stat().st_size > 10_000


def test_sandwich_is_reported_with_reverse_ais(run: Path, tmp_path):
    out = tmp_path / "eval"
    assert main(["evaluate", str(run / "checkpoint.pt"), "--log-z", "ais,reverse_ais", *FAST, "--out", str(out)]) == 0
    report = json.loads((out / "evaluation.json").read_text())
    assert report["sandwich"]["gap"] == pytest.approx(
        report["log_z"]["reverse_ais"]["log_z"] - report["log_z"]["ais"]["log_z"]
    )


@pytest.mark.parametrize(
    "extra, message",
    [
        (["--log-z", "simpson"], "--log-z takes"),
        (["--n-temperatures", "1"], "--n-temperatures"),
        (["--ood", "no_such_set"], "no dataset named"),
    ],
)
def test_bad_input_fails_and_keeps_earlier_results(run: Path, tmp_path, capsys, extra, message):
    out = tmp_path / "eval"
    out.mkdir()
    (out / "evaluation.json").write_text("earlier")
    assert main(["evaluate", str(run), "--log-z", "none", "--no-progress", "--out", str(out), *extra]) == 2
    assert message in capsys.readouterr().err
    assert (out / "evaluation.json").read_text() == "earlier"


def test_missing_run_is_a_clear_error(tmp_path, capsys):
    assert main(["evaluate", str(tmp_path / "nothing"), "--no-progress"]) == 2
    assert "ebm evaluate: error:" in capsys.readouterr().err


def _grid_samples(grid, n: int, generator: torch.Generator) -> torch.Tensor:
    """Samples of the tabulated density: a node ∝ its density, then uniform within its cell
    (exact up to the grid's O(h²) error, h = 0.033 here)."""
    weights = grid.density.flatten()
    index = torch.multinomial(weights, n, replacement=True, generator=generator)
    h = torch.tensor([float(grid.x[1] - grid.x[0]), float(grid.y[1] - grid.y[0])], dtype=torch.float64)
    nodes = torch.stack([grid.x[index // grid.y.numel()], grid.y[index % grid.y.numel()]], dim=1)
    return (nodes + (torch.rand(n, 2, generator=generator, dtype=torch.float64) - 0.5) * h).float()


def test_sandwich_on_the_trained_mlp_brackets_grid_quadrature(run: Path):
    """The trained MLP's log Z by quadrature lies between AIS and reverse AIS started from exact
    (grid) samples of the model: the mean log-weights' bounds within 3 of their standard errors
    (their gap, 0.05 → 0.004 nats here, shrinks with more temperatures), and the log-mean-exp
    estimates within 3 standard errors (0.27 % false-fail rate each for normal errors)."""
    energy = _trained_energy(load_run(run), "cpu")
    grid = quadrature.grid_density(energy, (-20.0, 20.0), 1201)
    truth = grid.log_partition
    g = torch.Generator().manual_seed(0)
    samples = _grid_samples(grid, 600, g)
    gaps = []
    for k in (10, 100):
        both = bidirectional(energy, samples, generator=g, n_temperatures=k, adapt=True,
                             sampler_kwargs={"step_size": 0.1, "n_leapfrog": 5})
        lower = both.lower.log_z_base + float(both.lower.log_weights.mean())
        upper = both.upper.log_z_base - float(both.upper.log_weights.mean())
        se_lower, se_upper = (float(e.log_weights.std()) / e.n_chains**0.5 for e in (both.lower, both.upper))
        assert lower - 3 * se_lower < truth < upper + 3 * se_upper, (k, lower, truth, upper)
        gaps.append(upper - lower)
    assert gaps[0] > 2 * gaps[1] > 0, gaps
    assert both.contains(truth), (both, truth)
