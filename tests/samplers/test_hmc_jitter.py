"""HMC's default step-size jitter breaks the resonance of a fixed trajectory length.

Leapfrog with step ε on a Gaussian direction of standard deviation σ (unit mass) is a linear map
conjugate to a rotation by θ, ``cos θ = 1 − ε²/(2σ²)``. Choosing ``σ² = ε² / (2(1 − cos(π/L)))``
makes L steps turn exactly half a period: ``x − μ → −(x − μ)``, ``p → −p``, H unchanged, every
proposal accepted. Without jitter that direction never mixes — each chain flips between two
points for ever — so the final states keep the starts' distribution, reflected.
"""

from __future__ import annotations

import math

import torch

import ebm_core
from ebm_core.testing import bonferroni, z_threshold

from ._support import FALSE_FAIL_RATE, seeded

STEP, N_LEAPFROG = 0.3, 10
#: The resonant direction (first) and a direction far from resonance (second, Lθ ≈ 1 rad).
SD = torch.tensor([STEP / math.sqrt(2 * (1 - math.cos(math.pi / N_LEAPFROG))), 3.0])
MEAN = torch.tensor([1.0, -2.0])


def final_states(**kwargs) -> torch.Tensor:
    """Final states of 4,000 chains after 301 steps, started N(0, (3σ)²) — off the mean."""
    energy = ebm_core.energy("gaussian", mean=MEAN, covariance=SD.square())
    s = ebm_core.sampler(
        "hmc", energy, step_size=STEP, n_leapfrog=N_LEAPFROG, adapt_step_size=False,
        adapt_mass=False, **kwargs,
    )
    g = seeded(7)
    x0 = 3 * SD * torch.randn(4000, 2, generator=g)
    return s.sample(x0, n_steps=301, generator=g).double()


def z_scores(x: torch.Tensor) -> torch.Tensor:
    """z of the mean and of the variance of each coordinate (final states are ≈ iid)."""
    n, sd = x.shape[0], SD.double()
    z_mean = (x.mean(0) - MEAN) / (sd / math.sqrt(n))
    z_var = (x.var(0) - sd.square()) / (sd.square() * math.sqrt(2 / (n - 1)))
    return torch.cat([z_mean, z_var])


def test_the_default_jitter_samples_a_half_period_resonant_gaussian() -> None:
    """Means and variances of both coordinates within ``z_threshold`` (≈ 4.3) standard errors;
    false-fail rate ≤ 5e-5 (Bonferroni over 4 z-scores; with the default jitter 0.2 the
    resonant direction's lag-1 autocorrelation is −sin(0.2π)/(0.2π) ≈ −0.94, so 301 steps leave
    ≈ 2·10⁻⁹ of the start)."""
    assert ebm_core.sampler("hmc", ebm_core.energy("gaussian", dim=2)).step_size_jitter == 0.2
    z = z_scores(final_states())
    assert float(z.abs().max()) < z_threshold(bonferroni(FALSE_FAIL_RATE, 4)), z


def test_without_jitter_the_resonant_direction_never_mixes() -> None:
    """The control: at jitter 0 the resonant coordinate's final states are the reflected starts
    (variance ≈ 9σ²), tens to hundreds of standard errors off."""
    x = final_states(step_size_jitter=0.0)
    z = z_scores(x)
    assert float(z[0].abs()) > 20 and float(z[2].abs()) > 20
    assert float(z[1].abs()) < 5 and float(z[3].abs()) < 5  # the other direction is fine
