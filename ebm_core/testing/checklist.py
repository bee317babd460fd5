"""A set of statistical checks judged together under one false-fail budget."""

from __future__ import annotations

import dataclasses
from typing import Any, Sequence

import torch

from .ks import CDF, ks_distance, normal_cdf
from .moments import covariance_z_scores, mean_z_scores
from .thresholds import bonferroni, ks_threshold, z_threshold


@dataclasses.dataclass(frozen=True)
class Check:
    """One test statistic: a z-score (``kind="z"``) or a KS distance with its sample size."""

    name: str
    kind: str
    value: float
    n: int = 0

    def threshold(self, alpha: float) -> float:
        return z_threshold(alpha) if self.kind == "z" else ks_threshold(self.n, alpha)

    def passed(self, alpha: float) -> bool:
        return abs(self.value) <= self.threshold(alpha)


class Checklist:
    """Collect statistics first, judge them together with a Bonferroni correction.

    Each of the m collected checks is a test at level ``false_fail_rate / m``, so a correct
    sampler fails the whole checklist with probability at most ``false_fail_rate`` (for
    z-checks, up to the normal approximation of :mod:`ebm_core.testing.moments`; KS checks
    use the exact DKW bound). Draws must be (close to) independent: use the final states of
    many chains, or thin a trajectory by its ESS.

    Example::

        import torch
        from ebm_core.testing import Checklist
        x = torch.randn(4000, 2, generator=torch.Generator().manual_seed(0))
        checks = Checklist(false_fail_rate=1e-3)
        checks.gaussian(x, mean=torch.zeros(2), covariance=torch.eye(2))
        checks.z("my statistic", 0.3)           # any N(0, 1) statistic under the null
        checks.verify()                          # raises AssertionError listing failures
        assert checks.n_checks == 2 + 3 + 2 + 1  # means, covariance entries, marginals, extra
    """

    def __init__(self, false_fail_rate: float = 1e-3) -> None:
        bonferroni(false_fail_rate, 1)  # validates the rate
        self.false_fail_rate = float(false_fail_rate)
        self.checks: list[Check] = []

    @property
    def n_checks(self) -> int:
        return len(self.checks)

    @property
    def alpha(self) -> float:
        """The per-check level ``false_fail_rate / n_checks``."""
        return bonferroni(self.false_fail_rate, max(self.n_checks, 1))

    # ------------------------------------------------------------ collecting
    def z(self, name: str, value: float) -> None:
        """A statistic that is N(0, 1) under the null hypothesis."""
        self.checks.append(Check(name, "z", float(value)))

    def ks(self, name: str, samples: Any, cdf: CDF) -> None:
        """KS distance of 1-D ``samples`` to the exact ``cdf``."""
        n = torch.as_tensor(samples).numel()
        self.checks.append(Check(name, "ks", ks_distance(samples, cdf), n))

    def mean(self, samples: torch.Tensor, mean: Any, label: str = "mean") -> None:
        """One z-check per element of the mean."""
        for i, z in enumerate(mean_z_scores(samples, mean).tolist()):
            self.z(f"{label}[{i}]", z)

    def covariance(self, samples: torch.Tensor, covariance: Any, label: str = "cov") -> None:
        """One z-check per entry on or above the diagonal of the covariance."""
        z = covariance_z_scores(samples, covariance)
        for i in range(z.shape[0]):
            for j in range(i, z.shape[0]):
                self.z(f"{label}[{i},{j}]", float(z[i, j]))

    def marginals(
        self, samples: torch.Tensor, cdfs: Sequence[CDF], label: str = "marginal"
    ) -> None:
        """KS check of each coordinate ``i`` of ``(n, d)`` samples against ``cdfs[i]``."""
        x = samples.reshape(samples.shape[0], -1)
        if len(cdfs) != x.shape[1]:
            raise ValueError(f"got {len(cdfs)} CDFs for {x.shape[1]} coordinates")
        for i, cdf in enumerate(cdfs):
            self.ks(f"{label}[{i}]", x[:, i], cdf)

    def gaussian(self, samples: torch.Tensor, mean: Any, covariance: Any) -> None:
        """Means, covariance entries and normal-CDF KS checks of every marginal."""
        mu = torch.as_tensor(mean, dtype=torch.float64).reshape(-1)
        sigma = torch.as_tensor(covariance, dtype=torch.float64)
        variances = sigma.diagonal() if sigma.dim() == 2 else sigma.reshape(-1).expand(mu.shape[0])
        self.mean(samples, mu)
        self.covariance(samples, sigma)
        self.marginals(
            samples,
            [normal_cdf(float(m), float(v) ** 0.5) for m, v in zip(mu, variances)],
        )

    # --------------------------------------------------------------- judging
    def failures(self) -> list[str]:
        """Descriptions of the checks beyond their Bonferroni-corrected thresholds."""
        alpha = self.alpha
        return [
            f"{c.name}: {'|z|' if c.kind == 'z' else 'KS'} = {abs(c.value):.4g} "
            f"> {c.threshold(alpha):.4g}"
            for c in self.checks
            if not c.passed(alpha)
        ]

    def verify(self) -> None:
        """Raise ``AssertionError`` listing every failed check (nothing if all pass)."""
        if not self.checks:
            raise ValueError("the checklist is empty: add checks before verify()")
        failed = self.failures()
        if failed:
            raise AssertionError(
                f"{len(failed)} of {self.n_checks} statistical checks failed (per-check level "
                f"{self.alpha:.3g}, overall false-fail rate {self.false_fail_rate:g}):\n  "
                + "\n  ".join(failed)
            )
