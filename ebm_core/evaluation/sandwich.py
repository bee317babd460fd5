"""Bidirectional Monte Carlo: ``log Z`` bracketed by a forward and a reverse AIS estimate.

Forward AIS gives ``E[log Ẑ_lower] ≤ log Z`` and reverse AIS from exact samples of the model
``E[log Ẑ_upper] ≥ log Z`` (Grosse, Ghahramani & Adams 2015). Together they *sandwich* the true
value: the ``gap = log Ẑ_upper − log Ẑ_lower`` (≥ 0 in expectation) bounds how far either
estimate can be from the truth, and it shrinks to 0 as the number of temperatures grows.
Whether the truth is inside the bracket is checked within the estimates' standard errors,
because each bound holds in expectation only.

Example::

    import torch, ebm_core
    from ebm_core.evaluation import bidirectional

    target = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[2.0, 0.5], [0.5, 1.0]])
    g = torch.Generator().manual_seed(0)
    both = bidirectional(target, target.sample_exact(300, generator=g), generator=g,
                         n_temperatures=50, sampler_kwargs={"step_size": 0.3, "n_leapfrog": 5})
    assert both.contains(target.log_partition())
    assert abs(both.gap) < 0.1
"""

from __future__ import annotations

import dataclasses
import math
from typing import Any

import torch

from .log_z import LogZEstimate


@dataclasses.dataclass(frozen=True)
class Sandwich:
    """A stochastic lower and upper bound on ``log Z`` and the gap between them."""

    lower: LogZEstimate
    upper: LogZEstimate

    def __post_init__(self) -> None:
        if self.lower.bound != "lower" or self.upper.bound != "upper":
            raise ValueError(
                "a sandwich takes a forward (lower-bound) estimate, e.g. from 'ais', as lower and a "
                f"reverse (upper-bound) one, e.g. from 'reverse_ais', as upper; got {self.lower.bound} "
                f"and {self.upper.bound}"
            )

    @property
    def gap(self) -> float:
        """``log Ẑ_upper − log Ẑ_lower`` (≥ 0 in expectation)."""
        return self.upper.log_z - self.lower.log_z

    @property
    def gap_stderr(self) -> float:
        """Standard error of :attr:`gap` (the two runs are independent)."""
        return math.hypot(self.lower.stderr, self.upper.stderr)

    @property
    def log_z(self) -> float:
        """The midpoint of the bracket, a point estimate within ``gap / 2`` of both bounds."""
        return 0.5 * (self.lower.log_z + self.upper.log_z)

    def contains(self, value: float, n_stderr: float = 3.0) -> bool:
        """Whether ``lower − n·SE ≤ value ≤ upper + n·SE``."""
        return (
            self.lower.log_z - n_stderr * self.lower.stderr
            <= value
            <= self.upper.log_z + n_stderr * self.upper.stderr
        )

    def as_dict(self) -> dict[str, Any]:
        """JSON-friendly summary."""
        return {
            "log_z": self.log_z,
            "gap": self.gap,
            "gap_stderr": self.gap_stderr,
            "lower": self.lower.as_dict(),
            "upper": self.upper.as_dict(),
        }

    def __str__(self) -> str:
        return (
            f"{self.lower.log_z:.4f} ± {self.lower.stderr:.4f} ≤ log Z ≤ "
            f"{self.upper.log_z:.4f} ± {self.upper.stderr:.4f} (gap {self.gap:.4f})"
        )


def sandwich(lower: LogZEstimate, upper: LogZEstimate) -> Sandwich:
    """Combine a forward (lower-bound) and a reverse (upper-bound) estimate of the same ``log Z``."""
    return Sandwich(lower=lower, upper=upper)


def bidirectional(
    energy: Any,
    samples: torch.Tensor,
    *,
    generator: torch.Generator | None = None,
    progress: bool = False,
    forward: str = "ais",
    reverse: str = "reverse_ais",
    **kwargs: Any,
) -> Sandwich:
    """Run ``forward`` AIS and ``reverse`` AIS on the same path and return the :class:`Sandwich`.

    ``samples`` are exact samples of the model (they start the reverse chains; both runs fit
    their Gaussian base to them unless ``base=`` is given). ``kwargs`` go to both estimators
    (``n_temperatures``, ``schedule``, ``sampler``, ``sampler_kwargs``, ``base``, ...);
    the forward run uses as many chains as there are samples unless ``n_chains`` is given.
    """
    from ..api import estimator

    n_chains = kwargs.pop("n_chains", None)
    lower = estimator(forward, energy, samples=samples, n_chains=n_chains or samples.shape[0], **kwargs)
    upper = estimator(reverse, energy, samples=samples, n_chains=n_chains, **kwargs)
    return sandwich(
        lower.estimate(generator=generator, progress=progress),
        upper.estimate(generator=generator, progress=progress),
    )
