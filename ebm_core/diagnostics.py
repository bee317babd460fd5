"""MCMC convergence diagnostics: autocorrelation, effective sample size, split R-hat.

Every function takes draws shaped ``(chains, draws, *event_shape)`` — the layout of
``SampleResult.trajectory`` — and returns one value per event element (shape
``event_shape``). A 2-D input ``(chains, draws)`` gives a scalar.

Effective sample size (Geyer 1992; the multi-chain form of Stan / Vehtari et al. 2021)
-------------------------------------------------------------------------------------
With m chains of n draws, per-chain autocovariances ``γ_c(t)`` (the 1/n estimator), the
within-chain variance ``W = mean_c s_c²`` and the pooled variance
``var⁺ = (n−1)/n · W + B/n`` (``B/n`` the variance of the chain means), the combined
autocorrelation is ``ρ̂(t) = 1 − (W − mean_c γ_c(t)) / var⁺``. Sums of pairs
``P_k = ρ̂(2k) + ρ̂(2k+1)`` are positive and decreasing for a reversible chain, so the sum is
cut at the first non-positive ``P_k`` (initial positive sequence) and each ``P_k`` is replaced
by ``min(P_0, …, P_k)`` (initial monotone sequence). Then
``τ = −1 + 2 Σ_k P_k`` and ``ESS = m n / τ``.

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

__all__ = ["autocovariance", "effective_sample_size", "split_rhat"]


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


def effective_sample_size(draws: torch.Tensor) -> torch.Tensor:
    """ESS of each event element over all chains (initial monotone sequence estimator).

    ``draws`` is ``(chains, n, *event)`` with n ≥ 4. Constant elements give NaN.

    Antithetic chains (lag-1 autocorrelation near −1) make the estimate of
    τ = 1 + 2 Σ ρₜ approach 0 or even go negative; like Stan, τ is floored at
    1 / log₁₀(m n), so the ESS is positive and at most m n log₁₀(m n).
    """
    _check_draws(draws, minimum=4)
    m, n = draws.shape[0], draws.shape[1]
    acov = autocovariance(draws)
    chain_var = acov[:, 0] * (n / (n - 1))
    within = chain_var.mean(dim=0)
    pooled = within * (n - 1) / n
    if m > 1:
        pooled = pooled + draws.to(acov.dtype).mean(dim=1).var(dim=0)
    rho = 1.0 - (within - acov.mean(dim=0)) / pooled  # (n, *event); rho[0] = 1
    n_pairs = n // 2
    pairs = rho[: 2 * n_pairs].reshape(n_pairs, 2, *rho.shape[1:]).sum(dim=1)
    positive = torch.cumprod((pairs > 0).to(pairs.dtype), dim=0)
    monotone = torch.cummin(pairs, dim=0).values
    tau = -1.0 + 2.0 * (monotone * positive).sum(dim=0)
    tau = torch.clamp(tau, min=1.0 / math.log10(m * n))
    return (m * n) / tau


def split_rhat(draws: torch.Tensor) -> torch.Tensor:
    """Split R-hat of each event element (needs at least 4 draws per chain)."""
    _check_draws(draws, minimum=4)
    half = draws.shape[1] // 2
    x = draws.to(torch.float64)
    halves = torch.cat([x[:, :half], x[:, -half:]], dim=0)  # (2m, half, *event)
    within = halves.var(dim=1).mean(dim=0)
    between_over_n = halves.mean(dim=1).var(dim=0)
    pooled = within * (half - 1) / half + between_over_n
    return torch.sqrt(pooled / within)


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
