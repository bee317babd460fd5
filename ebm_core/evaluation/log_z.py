"""Estimates of a log-partition function ``log Z`` from importance weights, with error bars.

An importance-sampling estimator — plain importance sampling, annealed importance sampling
(AIS) or its reverse — produces one log-weight ``log wᵢ`` per chain with ``E[wᵢ] = r`` for a
known ratio ``r`` (``Z / Z₀`` forward, ``Z₀ / Z`` in reverse). The estimate of ``log r`` is
computed stably by log-sum-exp in float64,

.. math::

    \\log \\hat r = \\log \\frac{1}{n} \\sum_i w_i
               = m + \\log \\frac{1}{n} \\sum_i e^{\\log w_i - m},  \\qquad m = \\max_i \\log w_i,

and its standard error by the delta method on the normalised weights ``w̃ᵢ = wᵢ / w̄``:
``SE(log r̂) ≈ SE(w̄) / w̄ = √(Σ(w̃ᵢ − 1)² / (n (n − 1)))``, which equals
``√((n / ESS − 1) / (n − 1))`` with the weights' effective sample size
``ESS = (Σ wᵢ)² / Σ wᵢ²``. Because ``log`` is concave, ``E[log r̂] ≤ log r`` (Jensen): a forward
estimate of ``log Z`` is a *stochastic lower bound*, a reverse one (``log Z = log Z₀ − log r̂``)
a *stochastic upper bound* (Grosse, Ghahramani & Adams 2015). The delta-method error bar is
trustworthy when the ESS is not tiny; below :data:`MIN_RELIABLE_ESS` a warning says so.

A NaN or ``+inf`` log-weight (a chain whose transitions diverged) is never folded silently
into the estimate: such chains are left out, counted in :attr:`LogZEstimate.n_nonfinite` and
reported with an :class:`EstimateWarning` (an :class:`EstimateError` with ``strict=True``,
and always when no chain is left). A ``−inf`` log-weight is a legitimate zero weight.

Example::

    import math, torch
    from ebm_core.evaluation import LogZEstimate

    log_w = torch.tensor([0.0, math.log(2.0), math.log(3.0)] * 10, dtype=torch.float64)
    est = LogZEstimate.from_log_weights(log_w, log_z_base=1.0, method="demo")
    assert abs(est.log_z - (1.0 + math.log(2.0))) < 1e-12
    assert est.bound == "lower" and 0 < est.ess <= 30
"""

from __future__ import annotations

import dataclasses
import math
import warnings
from typing import Any

import torch

__all__ = ["EstimateError", "EstimateWarning", "LogZEstimate", "MIN_RELIABLE_ESS"]

#: Below this effective sample size the delta-method standard error is reported as unreliable.
MIN_RELIABLE_ESS = 10.0

_DIRECTIONS = ("forward", "reverse", "exact")


class EstimateWarning(UserWarning):
    """An estimate that is probably wrong or whose error bar is probably too small."""


class EstimateError(ValueError):
    """An estimate that cannot be trusted (raised instead of :class:`EstimateWarning` when strict)."""


@dataclasses.dataclass(frozen=True)
class LogZEstimate:
    """An estimate of ``log Z`` with its standard error and the diagnostics behind it.

    Attributes:
        log_z: the estimate of ``log Z = log ∫ exp(−E(x)) dx``.
        stderr: its standard error (delta method; 0 for an exact value).
        direction: ``"forward"`` (importance weights estimate ``Z / Z₀``; a stochastic lower
            bound), ``"reverse"`` (they estimate ``Z₀ / Z``; a stochastic upper bound) or
            ``"exact"``.
        log_weights: float64 ``(n_chains,)``, every chain's log-weight as produced (non-finite
            ones included); empty for an exact value.
        log_z_base: ``log Z₀`` of the tractable base distribution.
        method: the estimator that produced it (e.g. ``"ais"``).
        betas: the inverse temperatures of the annealing path in the order they were run
            (``None`` when there was no path).
        acceptance: mean acceptance probability of the transitions at each entry of ``betas``
            (NaN where no transition ran), or ``None``.
    """

    log_z: float
    stderr: float
    direction: str
    log_weights: torch.Tensor
    log_z_base: float = 0.0
    method: str = ""
    betas: torch.Tensor | None = None
    acceptance: torch.Tensor | None = None

    # ----------------------------------------------------------------- builders
    @classmethod
    def from_log_weights(
        cls,
        log_weights: torch.Tensor,
        *,
        log_z_base: float,
        direction: str = "forward",
        method: str = "",
        betas: torch.Tensor | None = None,
        acceptance: torch.Tensor | None = None,
        strict: bool = False,
    ) -> "LogZEstimate":
        """The estimate from per-chain log-weights (see the module docstring for the math).

        ``direction="forward"``: ``log Z = log Z₀ + log mean w``; ``"reverse"``:
        ``log Z = log Z₀ − log mean w``. Non-finite weights are handled as described above.
        """
        if direction not in ("forward", "reverse"):
            raise ValueError(f"direction must be 'forward' or 'reverse', got {direction!r}")
        if not isinstance(log_weights, torch.Tensor) or log_weights.dim() != 1:
            raise TypeError("log_weights must be a 1-D torch.Tensor (one log-weight per chain)")
        log_w = log_weights.detach().to(device="cpu", dtype=torch.float64)
        bad = torch.isnan(log_w) | (log_w == math.inf)
        n_bad, n = int(bad.sum()), log_w.numel()
        what = f"{method or 'importance sampling'}"
        if n - n_bad < 2:
            raise EstimateError(
                f"{what}: only {n - n_bad} of {n} chains have a finite log-weight (the others are "
                "NaN/+inf: their transitions diverged); at least 2 are needed. Lower the sampler's "
                "step_size, raise n_temperatures, or use more chains"
            )
        if n_bad:
            _report(
                f"{what}: {n_bad} of {n} chains have NaN/+inf log-weights (their transitions "
                "diverged) and are left out, which biases log Z; lower the sampler's step_size or "
                "raise n_temperatures",
                strict,
            )
        log_mean, stderr, ess = _log_mean_exp_with_error(log_w[~bad])
        if ess < MIN_RELIABLE_ESS:
            _report(
                f"{what}: the importance weights' effective sample size is {ess:.3g} of {n - n_bad} "
                f"chains (< {MIN_RELIABLE_ESS:g}), so log Z and its standard error are unreliable; "
                "raise n_temperatures or use a base distribution closer to the target",
                strict,
            )
        sign = 1.0 if direction == "forward" else -1.0
        return cls(
            log_z=float(log_z_base) + sign * log_mean,
            stderr=stderr,
            direction=direction,
            log_weights=log_w,
            log_z_base=float(log_z_base),
            method=method,
            betas=betas,
            acceptance=acceptance,
        )

    @classmethod
    def exact(cls, log_z: float, method: str = "exact") -> "LogZEstimate":
        """A known value: zero standard error, no weights.

        Example::

            from ebm_core.evaluation import LogZEstimate
            assert LogZEstimate.exact(1.5).stderr == 0.0
        """
        return cls(
            log_z=float(log_z),
            stderr=0.0,
            direction="exact",
            log_weights=torch.empty(0, dtype=torch.float64),
            log_z_base=float(log_z),
            method=method,
        )

    # ------------------------------------------------------------- diagnostics
    @property
    def bound(self) -> str:
        """``"lower"`` (forward: ``E[log Ẑ] ≤ log Z``), ``"upper"`` (reverse) or ``"exact"``."""
        return {"forward": "lower", "reverse": "upper", "exact": "exact"}[self.direction]

    @property
    def n_chains(self) -> int:
        """Number of chains (weights), the non-finite ones included."""
        return int(self.log_weights.numel())

    @property
    def n_nonfinite(self) -> int:
        """Chains left out because their log-weight was NaN or ``+inf``."""
        log_w = self.log_weights
        return int((torch.isnan(log_w) | (log_w == math.inf)).sum())

    @property
    def ess(self) -> float:
        """Effective sample size ``(Σ w)² / Σ w²`` of the finite weights (``nan`` if exact)."""
        log_w = self._finite_weights()
        if log_w.numel() == 0:
            return math.nan
        return _log_mean_exp_with_error(log_w)[2]

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary (what ``ebm evaluate`` writes)."""
        acceptance = None
        if self.acceptance is not None:
            acceptance = [None if math.isnan(a) else a for a in self.acceptance.double().tolist()]
        return {
            "method": self.method,
            "log_z": self.log_z,
            "stderr": self.stderr,
            "bound": self.bound,
            "log_z_base": self.log_z_base,
            "n_chains": self.n_chains,
            "n_nonfinite": self.n_nonfinite,
            "ess": self.ess,
            "n_temperatures": None if self.betas is None else int(self.betas.numel()),
            "mean_acceptance": _nanmean(self.acceptance),
            "acceptance": acceptance,
        }

    def __str__(self) -> str:
        return f"{self.log_z:.4f} ± {self.stderr:.4f} ({self.method or self.direction}, {self.bound})"

    def _finite_weights(self) -> torch.Tensor:
        log_w = self.log_weights
        return log_w[~(torch.isnan(log_w) | (log_w == math.inf))]


def _log_mean_exp_with_error(log_w: torch.Tensor) -> tuple[float, float, float]:
    """``(log mean w, delta-method SE of it, ESS)`` for float64 log-weights, at least 2 of them."""
    n = log_w.numel()
    peak = float(log_w.max())
    if peak == -math.inf:  # every weight is exactly zero
        return -math.inf, math.inf, 0.0
    scaled = torch.exp(log_w - peak)
    mean = float(scaled.mean())
    normalised = scaled / mean
    stderr = math.sqrt(float(((normalised - 1.0) ** 2).sum()) / (n * (n - 1)))
    ess = float(scaled.sum()) ** 2 / float((scaled**2).sum())
    return peak + math.log(mean), stderr, ess


def _report(message: str, strict: bool) -> None:
    if strict:
        raise EstimateError(message + " (strict=True makes this an error)")
    warnings.warn(message, EstimateWarning, stacklevel=4)


def _nanmean(values: torch.Tensor | None) -> float | None:
    if values is None:
        return None
    finite = values[~torch.isnan(values)]
    return float(finite.double().mean()) if finite.numel() else None
