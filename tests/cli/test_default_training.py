"""A bare ``ebm train`` learns eight_gaussians: the acceptance bar of the main job.

Fresh model samples (2,000 chains from N(0, I), 500 Langevin steps) must be at least 5× closer
in MMD to held-out data than N(0, I) noise is (``mmd_noise_ratio ≤ 0.2``), with one RBF kernel
whose bandwidth is the held-out data's median distance; the held-out NLL (grid quadrature)
must be within 0.05 nats of the true density's (≈ 1.66) and every mode's weight within ±25 %
of 1/8. Observed with the default recipe (a residual energy over a 50-component mixture fitted
to the data, trained by ``importance_ml``): ratio ≈ 0.11, NLL 1.666, largest mode-weight error
0.016 after the default 3,000 steps.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest

from ebm_core.cli.main import main

pytestmark = pytest.mark.slow


def test_bare_ebm_train_reaches_the_mmd_bar_and_writes_plots(tmp_path: Path) -> None:
    assert main(["train", "--no-progress", "--out", str(tmp_path)]) == 0
    records = [json.loads(line) for line in (tmp_path / "metrics.jsonl").read_text().splitlines()]
    final = [r for r in records if "mmd_noise_ratio" in r][-1]
    assert final["step"] == 3000
    assert final["mmd_noise_ratio"] <= 0.2, final
    assert final["eval_n_divergent"] == 0
    assert math.isfinite(final["nll"]) and final["nll"] < 1.71  # the true density scores ≈ 1.66
    assert final["modes_present"] == 8 and final["mode_weight_error_max"] <= 0.25, final
    energies = [r["energy_data"] for r in records if "energy_data" in r]
    assert max(abs(e) for e in energies) < 50, "energies must stay bounded"
    for name in ("landscape.png", "samples.png", "curves.png", "checkpoint.pt"):
        assert (tmp_path / name).stat().st_size > 1000, name
