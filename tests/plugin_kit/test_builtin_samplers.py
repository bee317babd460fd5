"""The built-in samplers pass the same conformance suites a third-party sampler must pass.

Statistical budget: each class spends the kit's default 1e-3, split over its targets, so
the classes together fail by chance with probability ≤ 1e-3 times their number for another seed (the
seeds are fixed, so every run of this file gives the same result).

ULA is biased by O(h); its class declares the exact stationary law on Gaussians
(``ula_stationary``), so the kit checks the bias is exactly the known one.
"""

from __future__ import annotations

from ebm_core.testing import SamplerConformance, ula_stationary

ULA_STEP = 0.05


class TestLangevin(SamplerConformance):
    sampler = "langevin"
    sampler_kwargs = {"step_size": ULA_STEP}
    targets = ("correlated_gaussian", "anisotropic_gaussian")
    stationary = ula_stationary(ULA_STEP)
    n_steps, burn_in = 400, 200


class TestMALA(SamplerConformance):
    sampler = "mala"
    sampler_kwargs = {"step_size": 0.3}
    n_steps, burn_in = 600, 300


class TestHMC(SamplerConformance):
    sampler = "ebm-core:hmc"  # the qualified name works like the bare one
    sampler_kwargs = {"step_size": 0.2, "n_leapfrog": 5}
    n_steps, burn_in = 300, 150


class TestKineticLangevin(SamplerConformance):
    """Unadjusted BAOAB samples every Gaussian's positions exactly (not other targets)."""

    sampler = "kinetic_langevin"
    sampler_kwargs = {"step_size": 0.4, "friction": 1.0}
    targets = ("correlated_gaussian", "anisotropic_gaussian")
    n_steps, burn_in = 300, 150


class TestKineticLangevinMetropolis(SamplerConformance):
    sampler = "kinetic_langevin"
    sampler_kwargs = {"step_size": 0.4, "friction": 1.0, "metropolis": True}
    n_steps, burn_in = 300, 150


class TestNUTS(SamplerConformance):
    sampler = "nuts"
    sampler_kwargs = {"step_size": 0.5}
    n_steps, burn_in = 150, 100


class TestParallelTempering(SamplerConformance):
    sampler = "parallel_tempering"
    sampler_kwargs = {"base": "mala", "n_replicas": 3, "beta_min": 0.2, "base_kwargs": {"step_size": 0.3}}
    n_steps, burn_in = 400, 200
