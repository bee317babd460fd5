"""``ebm sample`` with its defaults gives samples of the target, and says when a run did not.

The documented commands ``ebm sample double_well --out d.pt`` and ``ebm sample rosenbrock
--out r.pt`` run exactly as written (2,000 chains, 1,000 steps, HMC with target acceptance
0.97, half the steps an adaptive burn-in, starts from N(0, I)). Their samples pass KS tests of
both marginals against quadrature references: the double well ``E = Σ (xᵢ² − 1)²`` factorises
(1-D quadrature of ``exp(−(t² − 1)²)``); Rosenbrock ``E = 100 (x₂ − x₁²)² + (1 − x₁)²`` is
tabulated on a fine 2-D grid (its first marginal is exactly N(1, ½)). The four KS checks use
DKW thresholds at a false-fail rate of 5e-5 each (Bonferroni over the two marginals of a
command: 1e-4 per command, 2e-4 for the file); the seeds are fixed, so every run is identical.

Before the new defaults (MALA from N(0, 2² I)) both commands failed these checks: 11–29 % of
the samples sat where there is almost no probability, in chains that never moved.
"""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

import ebm_core
from ebm_core import quadrature
from ebm_core.cli.main import main
from ebm_core.cli.sample_command import KEPT_DRAWS, TRAJECTORY_BYTES, _thinning
from ebm_core.testing import Checklist

FALSE_FAIL_RATE = 5e-5


def _double_well_cdfs():
    marginal = quadrature.separable_marginal(ebm_core.energy("double_well", dim=2), bounds=(-3.5, 3.5))
    return [marginal.cdf, marginal.cdf]


def _rosenbrock_cdfs():
    grid = quadrature.grid_density(ebm_core.energy("rosenbrock", dim=2), bounds=((-3.0, 5.0), (-3.0, 26.0)),
                                   n=(801, 4001))
    return [grid.marginal(0).cdf, grid.marginal(1).cdf]


REFERENCES = {"double_well": _double_well_cdfs, "rosenbrock": _rosenbrock_cdfs}


@pytest.mark.parametrize("target", list(REFERENCES))
def test_the_documented_commands_sample_the_target(target, tmp_path: Path, monkeypatch, capsys) -> None:
    monkeypatch.chdir(tmp_path)
    assert main(["sample", target, "--out", f"{target}.pt", "--no-progress"]) == 0
    out, err = capsys.readouterr()
    samples = torch.load(tmp_path / f"{target}.pt", weights_only=True)
    assert samples.shape == (2000, 2)
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    checks.marginals(samples, REFERENCES[target]())
    checks.verify()
    assert "stuck chains 0 of 2000; divergent 0" in out and "energy split R-hat" in out, out
    assert "unconverged" not in err, err


STUCK = ["gaussian", "--sampler", "hmc", "--set", "sampler.step_size=5.0", "--set", "sampler.adapt_step_size=false",
         "--burn-in", "0", "--n", "64", "--steps", "50", "--no-progress"]


def test_a_stuck_run_warns_and_strict_fails_without_writing(tmp_path: Path, capsys) -> None:
    """HMC with step 5 on N(0, I) rejects every proposal: the chains never move."""
    out = tmp_path / "stuck.pt"
    assert main(["sample", *STUCK, "--out", str(out)]) == 0
    printed, err = capsys.readouterr()
    assert "stuck chains 64 of 64" in printed
    assert "warning: HMC's chains look unconverged" in err and "accepted no proposal" in err
    assert "--strict makes this an error" in err
    assert out.exists()

    out.write_bytes(b"earlier result")
    assert main(["sample", *STUCK, "--strict", "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"--strict: {out} was not written" in err and "accepted no proposal" in err
    assert out.read_bytes() == b"earlier result"
    assert list(tmp_path.iterdir()) == [out]


def test_strict_passes_a_healthy_run(tmp_path: Path) -> None:
    out = tmp_path / "ok.pt"
    assert main(["sample", "gaussian", "--strict", "--n", "200", "--out", str(out), "--no-progress"]) == 0
    assert torch.load(out, weights_only=True).shape == (200, 2)


def test_strict_fails_when_some_chains_diverged(tmp_path: Path, capsys) -> None:
    out = tmp_path / "some.pt"
    code = main(["sample", "double_well", "--sampler", "langevin", "--set", "sampler.step_size=0.05",
                 "--init-scale", "3", "--n", "200", "--steps", "50", "--strict", "--out", str(out), "--no-progress"])
    assert code == 2
    assert "--strict" in capsys.readouterr().err and not out.exists()


def test_diagnostics_keep_a_bounded_thinned_trajectory() -> None:
    start = torch.zeros(2000, 2)
    assert _thinning(500, start) == 5 and 500 // 5 <= KEPT_DRAWS
    assert _thinning(30, start) == 1
    big = torch.zeros(256, 3, 64, 64)  # 12.6 MB per draw of all chains: memory, not draws, limits
    thin = _thinning(10_000, big)
    kept = 10_000 // thin
    assert 4 <= kept < KEPT_DRAWS and kept * big.numel() * 4 <= TRAJECTORY_BYTES
    huge = torch.zeros(4096, 3, 64, 64)  # 201 MB per draw: still the 4 draws split R-hat needs
    assert 10_000 // _thinning(10_000, huge) == 4
