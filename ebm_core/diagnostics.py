"""MCMC convergence diagnostics: autocorrelation, effective sample size, split R-hat.

Every function takes draws shaped ``(chains, draws, *event_shape)`` — the layout of
``SampleResult.trajectory`` — and returns one value per event element (shape
``event_shape``). A 2-D input ``(chains, draws)`` gives a scalar.

Effective sample size (Geyer 1992; Stan's multi-chain form, Vehtari et al. 2021)
--------------------------------------------------------------------------------
With m chains of n draws, per-chain autocovariances ``γ_c(t)`` (the 1/n estimator), the
within-chain variance ``W = mean_c s_c²`` (``s_c²`` with divisor n−1) and the pooled variance
``var⁺ = (n−1)/n · W + B/n`` (``B/n`` the variance of the chain means, divisor m−1), the
combined autocorrelation is ``ρ̂(0) = 1`` and ``ρ̂(t) = 1 − (W − mean_c γ_c(t)) / var⁺`` for
t ≥ 1. Sums of pairs ``P_k = ρ̂(2k) + ρ̂(2k+1)`` are positive and decreasing for a reversible
chain, so:

* *initial positive sequence*: pairs are read while the previous one was positive (and the
  lag stays below n − 2); the last pair read, number L, ends the sum;
* *initial monotone sequence*: ``P_k ← min(P_0, …, P_k)`` for k < L;
* Stan's *final term*: ``τ = −1 + 2 Σ_{k<L} P_k + ρ̂(2L)⁺`` where ``ρ̂(2L)⁺`` is the even
  half of pair L when that pair was kept (P_L ≥ 0) or is itself positive, and 0 otherwise
  (it reduces the variance of the estimate for antithetic chains);

and ``ESS = m n / τ``, with τ floored at 1/log₁₀(m n) as in Stan. This is exactly Stan's
``compute_effective_sample_size`` and ArviZ's ``ess(method="identity")``; with
``split=True`` each chain is first cut in halves (Stan's split ESS, ArviZ's
``ess(method="mean")``), which also catches chains that drift.

For an AR(1) series ``x_t = ρ x_{t−1} + ε_t``, ``τ = (1+ρ)/(1−ρ)``: ESS = n(1−ρ)/(1+ρ).

Split R-hat (Gelman et al., BDA3)
---------------------------------
Each chain is cut in halves (the middle draw dropped when n is odd), giving 2m chains of
n' draws; ``R̂ = sqrt(var⁺ / W)`` with ``var⁺ = (n'−1)/n' · W + B/n'``. It is ≈ 1 when all
chains sample the same distribution and > 1 when they disagree (or drift); values above
~1.01 call for longer runs.

Example::

    import torch
    from ebm_core.diagnostics import effective_sample_size, split_rhat
    draws = torch.randn(4, 1000, 3)          # 4 chains, 1000 iid draws of a 3-vector
    ess = effective_sample_size(draws)       # ≈ 4000 per coordinate
    assert ess.shape == (3,) and (split_rhat(draws) < 1.01).all()
"""

from __future__ import annotations

import math

import torch

__all__ = [
    "autocovariance",
    "effective_sample_size",
    "split_rhat",
    "split_rhat_critical_value",
]


def autocovariance(draws: torch.Tensor) -> torch.Tensor:
    """Autocovariance of each chain along dim 1, lags 0..n−1 (the biased 1/n estimator).

    ``draws`` is ``(chains, n, *event)``; the result has the same shape. Computed with an FFT
    of the zero-padded, centred series (O(n log n)).
    """
    _check_draws(draws, minimum=2)
    n = draws.shape[1]
    x = draws.to(torch.float64)
    centred = x - x.mean(dim=1, keepdim=True)
    size = 1 << (2 * n - 1).bit_length()
    spectrum = torch.fft.rfft(centred, n=size, dim=1)
    acov = torch.fft.irfft(spectrum * spectrum.conj(), n=size, dim=1)
    return acov.narrow(1, 0, n) / n


def effective_sample_size(draws: torch.Tensor, *, split: bool = False) -> torch.Tensor:
    """ESS of each event element over all chains (Stan's initial monotone sequence estimator).

    ``draws`` is ``(chains, n, *event)`` with n ≥ 4; ``split=True`` cuts each chain in halves
    first (the middle draw dropped when n is odd). Constant elements give NaN.

    Antithetic chains (lag-1 autocorrelation near −1) make the estimate of
    τ = 1 + 2 Σ ρₜ approach 0 or even go negative; like Stan, τ is floored at
    1 / log₁₀(m n), so the ESS is positive and at most m n log₁₀(m n).
    """
    _check_draws(draws, minimum=4)
    if split:
        draws = _split_chains(draws)
    m, n = draws.shape[0], draws.shape[1]
    acov = autocovariance(draws)
    within = (acov[:, 0] * (n / (n - 1))).mean(dim=0)
    pooled = within * (n - 1) / n
    if m > 1:
        pooled = pooled + draws.to(acov.dtype).mean(dim=1).var(dim=0)
    rho = 1.0 - (within - acov.mean(dim=0)) / pooled  # (n, *event)
    rho[0] = 1.0
    # Pairs (ρ̂(2k), ρ̂(2k+1)) for the even lags 2k ≤ n − 3 that Stan's loop may read.
    n_pairs = max((n - 1) // 2, 1)
    even = rho[0 : 2 * n_pairs : 2]
    pairs = even + rho[1 : 2 * n_pairs : 2]
    # Pair k+1 is read only when pair k was positive: L = the first k with P_k ≤ 0, else the last.
    stops = pairs <= 0
    stops[-1] = True
    last = torch.argmax(stops.to(torch.int8), dim=0)  # L, per event element
    k = torch.arange(n_pairs, device=rho.device).reshape(-1, *([1] * (rho.dim() - 1)))
    monotone = torch.cummin(pairs, dim=0).values
    head = torch.where(k < last, monotone, torch.zeros_like(monotone)).sum(dim=0)
    even_last = even.gather(0, last.unsqueeze(0)).squeeze(0)
    pair_last = pairs.gather(0, last.unsqueeze(0)).squeeze(0)
    keep = (pair_last >= 0) | (even_last > 0)
    tau = -1.0 + 2.0 * head + torch.where(keep, even_last, torch.zeros_like(even_last))
    tau = torch.clamp(tau, min=1.0 / math.log10(m * n))
    return (m * n) / tau


def split_rhat(draws: torch.Tensor) -> torch.Tensor:
    """Split R-hat of each event element (needs at least 4 draws per chain)."""
    _check_draws(draws, minimum=4)
    halves = _split_chains(draws.to(torch.float64))  # (2m, n // 2, *event)
    half = halves.shape[1]
    within = halves.var(dim=1).mean(dim=0)
    between_over_n = halves.mean(dim=1).var(dim=0)
    pooled = within * (half - 1) / half + between_over_n
    return torch.sqrt(pooled / within)


def split_rhat_critical_value(chains: int, draws: int, alpha: float) -> float:
    """The ``1 − alpha`` quantile of split R-hat for independent Gaussian draws.

    With ``M = 2·chains`` half-chains of ``N = draws // 2`` draws, the between/within ratio
    ``N·(B/N)/W`` of independent Gaussian draws is exactly F-distributed with
    ``(M − 1, M(N − 1))`` degrees of freedom, so ``R̂² = (N − 1)/N + F/N``; this returns
    ``sqrt((N − 1)/N + F_{1−α}/N)``. Autocorrelated draws behave like fewer draws, so for MCMC
    output it is a lower bound on the R-hat that sampling noise alone can produce.

    Example::

        from ebm_core.diagnostics import split_rhat_critical_value
        assert 1.0 < split_rhat_critical_value(64, 1000, 1e-3) < 1.01
        assert split_rhat_critical_value(4, 8, 1e-3) > 1.4   # few short chains: noisy
    """
    if chains < 1 or draws < 4:
        raise ValueError(f"need at least 1 chain of 4 draws, got {chains} chains of {draws}")
    if not 0 < alpha < 1:
        raise ValueError(f"alpha must be a probability in (0, 1), got {alpha!r}")
    import scipy.stats

    m, n = 2 * chains, draws // 2
    f = float(scipy.stats.f.isf(alpha, m - 1, m * (n - 1)))
    return math.sqrt((n - 1) / n + f / n)


def _split_chains(draws: torch.Tensor) -> torch.Tensor:
    """``(2m, n // 2, *event)``: the first and last halves of every chain (middle draw dropped)."""
    half = draws.shape[1] // 2
    return torch.cat([draws[:, :half], draws[:, -half:]], dim=0)


def _check_draws(draws: torch.Tensor, minimum: int) -> None:
    if not isinstance(draws, torch.Tensor):
        raise TypeError(f"draws must be a torch.Tensor, got {type(draws).__name__}")
    if draws.dim() < 2:
        raise ValueError(
            f"draws must be shaped (chains, draws, *event_shape), got shape {tuple(draws.shape)}; "
            "for a single chain use draws.unsqueeze(0)"
        )
    if draws.shape[1] < minimum:
        raise ValueError(f"need at least {minimum} draws per chain, got {draws.shape[1]}")
