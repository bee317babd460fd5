"""Statistical testing of samplers: thresholds, z-scores, KS distances and checklists.

Proving a sampler correct means comparing its output with exact properties of the target
under a false-fail budget stated up front. The recipe (see ``tests/samplers``):

1. run many chains (≥ 2,000) from over-dispersed starts and keep the final states, which are
   (close to) independent draws from the target;
2. collect test statistics in a :class:`Checklist` — z-scores of means and covariances
   (:mod:`~ebm_core.testing.moments`), KS distances of marginals to exact CDFs
   (:mod:`~ebm_core.testing.ks`, e.g. from :mod:`ebm_core.quadrature`);
3. :meth:`Checklist.verify` applies a Bonferroni correction so that a correct sampler fails
   with probability at most the stated rate (:mod:`~ebm_core.testing.thresholds`).

Use fixed seeds so a run is reproducible; the stated rate is what a change of seed risks.

Example::

    import torch, ebm_core
    from ebm_core.testing import Checklist

    target = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[1.0, 0.5], [0.5, 2.0]])
    g = torch.Generator().manual_seed(0)
    sampler = ebm_core.sampler("mala", target, step_size=0.5)
    x = sampler.sample(3 * torch.randn(2000, 2, generator=g), n_steps=600, burn_in=300, generator=g)
    checks = Checklist(false_fail_rate=1e-3)
    checks.gaussian(x, target.mean, target.covariance_matrix())
    checks.verify()
"""

from .checklist import Check, Checklist
from .ks import ks_distance, normal_cdf
from .moments import covariance_z_scores, mean_z_scores
from .thresholds import bonferroni, ks_threshold, z_threshold

__all__ = [
    "Check",
    "Checklist",
    "bonferroni",
    "covariance_z_scores",
    "ks_distance",
    "ks_threshold",
    "mean_z_scores",
    "normal_cdf",
    "z_threshold",
]
