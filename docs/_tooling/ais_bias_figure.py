"""Draws docs/images/ais-bias.png: the bias of AIS log Z against the number of temperatures.

Target: a 10-D Gaussian with a random full covariance (eigenvalues in [e⁻¹, e]) and exact
log Z; base N(0, I); HMC transitions (ε = 0.4, L = 3), sigmoid schedule. For each K, 2000
chains form 200 independent estimates of 10 chains each; the plot shows their mean shortfall
log Z − log Ẑ (the estimator's bias) with its standard error, and the shortfall of a single
chain's log-weight, log Z − E[log w] (the bias of a one-chain estimate), which falls like 1/K.

Run from the repository root: python docs/_tooling/ais_bias_figure.py
"""

from __future__ import annotations

import math
import warnings
from pathlib import Path

import torch

import ebm_core
from ebm_core.evaluation import EstimateWarning, LogZEstimate

GROUPS, PER_GROUP = 200, 10
TEMPERATURES = (3, 5, 10, 20, 50, 100, 200)


def random_gaussian(d: int, seed: int):
    g = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(torch.randn(d, d, generator=g, dtype=torch.float64))
    eigenvalues = torch.empty(d, dtype=torch.float64).uniform_(-1.0, 1.0, generator=g).exp()
    covariance = q @ torch.diag(eigenvalues) @ q.T
    mean = 0.5 * torch.randn(d, generator=g, dtype=torch.float64)
    return ebm_core.energy("gaussian", mean=mean, covariance=0.5 * (covariance + covariance.T))


def main() -> None:
    torch.set_num_threads(1)
    target = random_gaussian(10, seed=4)
    exact = target.log_partition()
    rows = []
    for k in TEMPERATURES:
        ais = ebm_core.estimator("ais", target, n_chains=GROUPS * PER_GROUP, n_temperatures=k,
                                 sampler_kwargs={"step_size": 0.4, "n_leapfrog": 3})
        estimate = ais.estimate(generator=torch.Generator().manual_seed(k))
        with warnings.catch_warnings():  # groups of 10 chains: tiny ESS is expected at small K
            warnings.simplefilter("ignore", EstimateWarning)
            groups = [LogZEstimate.from_log_weights(w, log_z_base=estimate.log_z_base).log_z
                      for w in estimate.log_weights.view(GROUPS, PER_GROUP)]
        shortfall = torch.tensor([exact - v for v in groups])
        single = exact - (estimate.log_z_base + float(estimate.log_weights.mean()))
        rows.append((k, float(shortfall.mean()), float(shortfall.std()) / math.sqrt(GROUPS), single))
        print(f"K={k:4d}  bias of log Ẑ (10 chains) {rows[-1][1]:.4f} ± {rows[-1][2]:.4f}   E[log w] gap {single:.4f}")

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(5.5, 4.0))
    ks = [r[0] for r in rows]
    ax.plot(ks, [r[3] for r in rows], "o-", label="single chain: log Z − E[log w]")
    positive = [(r[0], r[1], r[2]) for r in rows if r[1] > 2 * r[2]]
    ax.errorbar([p[0] for p in positive], [p[1] for p in positive], yerr=[p[2] for p in positive], fmt="s-",
                capsize=3, label="10 chains: log Z − E[log Ẑ] (± SE)")
    ax.plot(ks, [rows[0][3] * ks[0] / k for k in ks], "k:", label="∝ 1/K")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("number of temperatures K")
    ax.set_ylabel("shortfall below the exact log Z (nats)")
    ax.set_title("AIS bias on a 10-D Gaussian (base N(0, I), HMC)")
    ax.legend(fontsize=8)
    fig.tight_layout()
    out = Path(__file__).resolve().parents[1] / "images" / "ais-bias.png"
    fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
