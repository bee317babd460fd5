"""Evaluating energy-based models: log Z with error bars, likelihoods, sample quality, OOD.

* :mod:`~ebm_core.evaluation.metrics` — MMD between sample sets; exact 2-D NLL and KL by
  grid quadrature;
* :mod:`~ebm_core.evaluation.log_z` — :class:`LogZEstimate`, ``log Z`` from importance
  weights with a delta-method standard error (what every log-Z estimator returns);
* :mod:`~ebm_core.evaluation.estimator` — :class:`LogZEstimator`, the contract of the
  ``estimator`` plugins (``ebm_core.estimator("ais", energy, ...)``);
* :mod:`~ebm_core.evaluation.sandwich` — forward and reverse AIS bracketing ``log Z``;
* :mod:`~ebm_core.evaluation.likelihood` — held-out NLL (nats, bits/dim) with error bars;
* :mod:`~ebm_core.evaluation.stein` — kernel Stein discrepancy (IMQ kernel) with a bootstrap test;
* :mod:`~ebm_core.evaluation.ood` — OOD detection: AUROC, AUPR, FPR at 95 % TPR;
* :mod:`~ebm_core.evaluation.mode_coverage` — a 2-D model's mass on each known mode of a mixture
  (mode weights and coverage).
"""

from . import metrics
from .estimator import LogZEstimator
from .likelihood import HeldOutNLL, heldout_nll
from .log_z import EstimateError, EstimateWarning, LogZEstimate
from .mode_coverage import Modes, ModeWeights, mode_weights
from .ood import OODMetrics, ood_metrics
from .sandwich import Sandwich, bidirectional, sandwich
from .stein import SteinDiscrepancy, kernel_stein_discrepancy

__all__ = [
    "EstimateError",
    "EstimateWarning",
    "HeldOutNLL",
    "LogZEstimate",
    "LogZEstimator",
    "ModeWeights",
    "Modes",
    "OODMetrics",
    "Sandwich",
    "SteinDiscrepancy",
    "bidirectional",
    "heldout_nll",
    "kernel_stein_discrepancy",
    "metrics",
    "mode_weights",
    "ood_metrics",
    "sandwich",
]
