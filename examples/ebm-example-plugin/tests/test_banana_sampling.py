"""RWM samples the banana exactly: its untwisted samples are standard normal.

The banana is an exact bijection of N(0, I) (``Banana.untwist``), so the kit's Gaussian
checklist applies to the untwisted final states of 2,000 chains. False-fail rate 1e-3
(Bonferroni over the 2 means, 3 covariance entries and 2 marginals).
"""

import torch

import ebm_core
from ebm_core.testing import Checklist


def test_untwisted_samples_are_standard_normal(ebm_single_thread):
    banana = ebm_core.energy("banana", sigma=2.0, curvature=0.25)
    g = torch.Generator().manual_seed(1)
    start = torch.randn(2000, 2, generator=g) * torch.tensor([4.0, 4.0])
    result = ebm_core.sampler("rwm", banana).run(start, n_steps=1500, burn_in=500, generator=g)
    assert result.n_divergent == 0 and result.n_grad_evals == 0
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(banana.untwist(result.samples.double()), torch.zeros(2), torch.eye(2))
    checks.verify()


def test_exact_draws_pass_the_same_checklist():
    banana = ebm_core.energy("banana", dim=3, sigma=2.0, curvature=0.25)
    x = banana.sample_exact(4000, generator=torch.Generator().manual_seed(2))
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(banana.untwist(x), torch.zeros(3), torch.eye(3))
    checks.verify()
    assert abs(float(x[:, 1].var()) - (1 + 2 * 0.25**2 * 2.0**4)) < 0.3


def test_adaptation_reaches_the_target_acceptance_and_scales(ebm_single_thread):
    energy = ebm_core.energy("gaussian", covariance=[0.25, 4.0])
    rwm = ebm_core.sampler("rwm", energy, target_accept=0.3)
    result = rwm.run(n_samples=1000, n_steps=1000, burn_in=600, generator=torch.Generator().manual_seed(3))
    assert abs(result.mean_acceptance_rate - 0.3) < 0.05
    assert torch.allclose(rwm.inv_mass, torch.tensor([0.25, 4.0]), rtol=0.2)


def test_checkpoint_round_trip_resumes_exactly(ebm_single_thread):
    """A sampler restored from ``state_dict()`` continues the tuning exactly as the original."""
    rwm = ebm_core.sampler("rwm", ebm_core.energy("gaussian", dim=2))
    rwm.run(n_samples=200, n_steps=300, burn_in=200, generator=torch.Generator().manual_seed(4))
    copy = ebm_core.sampler("rwm", ebm_core.energy("gaussian", dim=2))
    copy.load_state_dict(rwm.state_dict())
    assert copy.step_size == rwm.step_size and torch.equal(copy.inv_mass, rwm.inv_mass.double())
    x0 = torch.zeros(50, 2, dtype=torch.float64)
    runs = [s.run(x0, n_steps=120, burn_in=100, generator=torch.Generator().manual_seed(5))
            for s in (rwm, copy)]
    assert torch.equal(runs[0].samples, runs[1].samples) and copy.step_size == rwm.step_size


def test_registered_by_name_with_metadata():
    record = ebm_core.describe("sampler", "rwm")
    assert record.meta["gradient_free"] is True
    assert record.description.startswith("Random-walk Metropolis")
