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
    "regularized_incomplete_beta",
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
    m, n = 2 * chains, draws // 2
    d1, d2 = m - 1.0, m * (n - 1.0)

    def f_tail(f: float) -> float:  # P(F > f) = I_{d2/(d2 + d1 f)}(d2/2, d1/2)
        return regularized_incomplete_beta(
            d2 / (d2 + d1 * f), d2 / 2, d1 / 2, one_minus_x=d1 * f / (d2 + d1 * f)
        )

    low, high = 0.0, 1.0
    while f_tail(high) > alpha:
        low, high = high, 2.0 * high
    for _ in range(200):
        mid = 0.5 * (low + high)
        if mid in (low, high):
            break
        low, high = (mid, high) if f_tail(mid) > alpha else (low, mid)
    return math.sqrt((n - 1) / n + high / n)


def regularized_incomplete_beta(
    x: float, a: float, b: float, *, one_minus_x: float | None = None
) -> float:
    """``I_x(a, b)``, the regularized incomplete beta function (the Beta(a, b) CDF at x).

    Evaluated by its continued fraction (Numerical Recipes §6.4, modified Lentz) on the side
    of ``x`` where it converges fast, so neither tail suffers cancellation. Pass
    ``one_minus_x`` when ``x`` is close to 1 and ``1 − x`` is known more precisely. Student-t
    and F tail probabilities are instances: ``P(|T_ν| > t) = I_{ν/(ν+t²)}(ν/2, ½)``.

    Example::

        from ebm_core.diagnostics import regularized_incomplete_beta
        assert abs(regularized_incomplete_beta(0.5, 2.0, 2.0) - 0.5) < 1e-14
    """
    if one_minus_x is None:
        one_minus_x = 1.0 - x
    if x <= 0.0 or one_minus_x <= 0.0:
        return 0.0 if x <= 0.0 else 1.0
    log_front = (
        math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
        + a * math.log(x) + b * math.log(one_minus_x)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(x, a, b) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(one_minus_x, b, a) / b


def _beta_continued_fraction(x: float, a: float, b: float) -> float:
    tiny, eps = 1e-300, 1e-16

    def guard(v: float) -> float:
        return tiny if abs(v) < tiny else v

    c, d = 1.0, 1.0 / guard(1.0 - (a + b) * x / (a + 1.0))
    h = d
    for m in range(1, 10_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 / guard(1.0 + numerator * d)
            c = guard(1.0 + numerator / c)
            h *= d * c
        if abs(d * c - 1.0) < eps:
            return h
    raise ArithmeticError(
        f"incomplete beta continued fraction did not converge (x={x}, a={a}, b={b})"
    )


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
