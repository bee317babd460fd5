"""Evaluating energy-based models: log Z with error bars, likelihoods, sample quality, OOD.

* :mod:`~ebm_core.evaluation.metrics` — MMD between sample sets; exact 2-D NLL and KL by
  grid quadrature;
* :mod:`~ebm_core.evaluation.log_z` — :class:`LogZEstimate`, ``log Z`` from importance
  weights with a delta-method standard error (what every log-Z estimator returns);
* :mod:`~ebm_core.evaluation.estimator` — :class:`LogZEstimator`, the contract of the
  ``estimator`` plugins (``ebm_core.estimator("ais", energy, ...)``);
* :mod:`~ebm_core.evaluation.sandwich` — forward and reverse AIS bracketing ``log Z``.
"""

from . import metrics
from .estimator import LogZEstimator
from .log_z import EstimateError, EstimateWarning, LogZEstimate
from .sandwich import Sandwich, bidirectional, sandwich

__all__ = [
    "EstimateError",
    "EstimateWarning",
    "LogZEstimate",
    "LogZEstimator",
    "Sandwich",
    "bidirectional",
    "metrics",
    "sandwich",
]
