"""OOD metrics against closed forms for Gaussian scores.

Scores ``s_in ~ N(0, σ²)`` and ``s_out ~ N(Δ, σ²)`` (n = 2000 each) have
``AUROC = Φ(Δ / (σ√2))`` (checked within 4 Hanley–McNeil standard errors, false-fail rate
~6e-5), ``FPR@95%TPR = 1 − Φ(Δ/σ − z₀.₉₅)`` and an average precision given by a 1-D integral
(checked within 0.03, about 4 sampling sds at this n). Seeds are fixed.
"""

from __future__ import annotations

import math

import pytest
import torch
from scipy import integrate, stats

from ebm_core.evaluation import ood_metrics


def _hanley_mcneil_se(a: float, n_in: int, n_out: int) -> float:
    q1, q2 = a / (2 - a), 2 * a * a / (1 + a)
    return math.sqrt((a * (1 - a) + (n_out - 1) * (q1 - a * a) + (n_in - 1) * (q2 - a * a)) / (n_in * n_out))


@pytest.mark.parametrize("delta, sigma", [(0.5, 1.0), (1.0, 2.0), (3.0, 1.0)])
def test_gaussian_scores_match_closed_forms(delta, sigma):
    g = torch.Generator().manual_seed(int(10 * delta + sigma))
    n = 2000
    s_in = sigma * torch.randn(n, generator=g, dtype=torch.float64)
    s_out = delta + sigma * torch.randn(n, generator=g, dtype=torch.float64)
    result = ood_metrics(s_in, s_out)
    auroc = stats.norm.cdf(delta / (sigma * math.sqrt(2)))
    assert abs(result.auroc - auroc) < 4 * _hanley_mcneil_se(auroc, n, n)
    fpr = 1 - stats.norm.cdf(delta / sigma - stats.norm.ppf(0.95))
    assert abs(result.fpr_at_95_tpr - fpr) < 0.03

    def precision_density(t):
        tpr, fpr_t = stats.norm.sf(t, delta, sigma), stats.norm.sf(t, 0, sigma)
        return tpr / (tpr + fpr_t) * stats.norm.pdf(t, delta, sigma)

    aupr = integrate.quad(precision_density, -12 * sigma, delta + 12 * sigma)[0]
    assert abs(result.aupr - aupr) < 0.03
    assert (result.n_in, result.n_out) == (n, n)


def test_identical_sets_are_chance_and_separated_sets_are_perfect():
    x = torch.randn(300, generator=torch.Generator().manual_seed(0))
    same = ood_metrics(x, x.clone())
    assert same.auroc == 0.5 and same.aupr == pytest.approx(0.5) and same.fpr_at_95_tpr == pytest.approx(0.95)
    perfect = ood_metrics(x, x + 100.0)
    assert perfect.auroc == 1.0 and perfect.aupr == 1.0 and perfect.fpr_at_95_tpr == 0.0
    reversed_ = ood_metrics(x + 100.0, x)
    assert reversed_.auroc == 0.0


def test_bad_input():
    with pytest.raises(ValueError, match="in_scores is empty"):
        ood_metrics([], [1.0])
    with pytest.raises(ValueError, match="out_scores contains NaN"):
        ood_metrics([0.0], [float("nan")])
