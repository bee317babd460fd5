"""The example plugin passes ebm's conformance kit (the same suites the built-ins pass).

False-fail budget: each statistical test class below uses the kit's default 1e-3 split
over its targets, so a correct sampler fails this file by chance with probability ≤ 1e-3
for another seed (the seeds are fixed: every run gives the same result).
"""

from ebm_core.testing import EnergyConformance, SamplerConformance


class TestRandomWalkMetropolis(SamplerConformance):
    sampler = "rwm"
    targets = ("correlated_gaussian", "anisotropic_gaussian", "double_well")
    n_chains = 2000
    n_steps = 800
    burn_in = 400


class TestRandomWalkMetropolisWithoutAdaptation(SamplerConformance):
    """The fixed kernel (no tuning) is exact too; it needs a sensible step and longer runs."""

    sampler = "rwm"
    sampler_kwargs = {"step_size": 1.5, "adapt_step_size": False, "adapt_mass": False}
    targets = ("correlated_gaussian",)
    n_steps = 600
    burn_in = 300


class TestBanana(EnergyConformance):
    energy = "banana"


class TestBananaIn5D(EnergyConformance):
    energy = "banana"
    energy_kwargs = {"dim": 5, "sigma": 1.5, "curvature": 0.5}
