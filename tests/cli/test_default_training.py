"""A bare ``ebm train`` learns eight_gaussians: the acceptance bar of the main job.

Fresh model samples (2,000 chains from N(0, I), 500 Langevin steps) must be at least 5× closer
in MMD to held-out data than N(0, I) noise is (``mmd_noise_ratio ≤ 0.2``), with one RBF kernel
whose bandwidth is the held-out data's median distance. Observed: ratio ≈ 0 (MMD² estimate ≤ 0)
and NLL ≈ 1.75 after the default 3,000 steps (~45 s on 2 cores).
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
    assert math.isfinite(final["nll"]) and final["nll"] < 2.5  # the best single Gaussian scores ≈ 3.55
    energies = [r["energy_data"] for r in records if "energy_data" in r]
    assert max(abs(e) for e in energies) < 50, "energies must stay bounded"
    for name in ("landscape.png", "samples.png", "curves.png", "checkpoint.pt"):
        assert (tmp_path / name).stat().st_size > 1000, name
