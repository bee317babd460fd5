"""ULA's known discretisation bias, exactly; MALA and HMC at the same step remove it.

On N(0, σ²) the ULA update x ← (1 − h/σ²) x + √(2hT) ξ is an AR(1) process whose
stationary variance is T σ² / (1 − h / (2σ²)) — not T σ². With h/σ² = 1/2 that is 4/3 of the
target variance, a bias of ~25 standard errors at 20,000 chains, so the test tells them apart.
One Bonferroni-corrected checklist (means and variances of four runs) fails by chance with
probability ≤ 5e-5; the 11 statistical tests of tests/samplers together ≤ 5.5e-4.
"""

from __future__ import annotations

import math

import torch

import ebm_core
from ebm_core.testing import Checklist, covariance_z_scores, z_threshold

from ._support import FALSE_FAIL_RATE, seeded

SIGMA2 = 2.0
H = 1.0  # h / σ² = 1/2
CHAINS = 20_000


def _final_states(name, g, **kwargs):
    energy = ebm_core.energy("gaussian", covariance=[SIGMA2])
    start = 3.0 * math.sqrt(SIGMA2) * torch.randn(CHAINS, 1, generator=g)
    return ebm_core.sampler(name, energy, **kwargs).sample(start, n_steps=100, generator=g)


def test_ula_variance_is_biased_exactly_as_predicted_and_mala_hmc_are_not() -> None:
    g = seeded(3)
    checks = Checklist(false_fail_rate=FALSE_FAIL_RATE)
    for temperature in (1.0, 0.5):
        x = _final_states("langevin", g, step_size=H, temperature=temperature)
        biased = temperature * SIGMA2 / (1 - H / (2 * SIGMA2))
        checks.mean(x, [0.0], label=f"ula T={temperature} mean")
        checks.covariance(x, [biased], label=f"ula T={temperature} var")
        # ... and the test has the power to see that this is not the target variance (the
        # expected z is ≈ 25, far beyond any threshold used here):
        z_against_target = covariance_z_scores(x, [temperature * SIGMA2]).item()
        assert abs(z_against_target) > 3 * z_threshold(FALSE_FAIL_RATE)
    exact = {
        "mala": _final_states("mala", g, step_size=H, adapt_step_size=False),
        # ε²/2 = h: the leapfrog's first move is the Langevin move with step h. Here εω = 1
        # (ω = 1/σ), so each leapfrog step turns (x, p) by 60°; L = 2 (120°) mixes, whereas
        # L = 3 would map x to exactly −x — HMC's resonance on Gaussians at its extreme.
        "hmc": _final_states(
            "hmc", g, step_size=math.sqrt(2 * H), n_leapfrog=2,
            adapt_step_size=False, adapt_mass=False,
        ),
    }
    for name, x in exact.items():
        checks.mean(x, [0.0], label=f"{name} mean")
        checks.covariance(x, [SIGMA2], label=f"{name} var")
    checks.verify()
