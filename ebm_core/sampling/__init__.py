"""The machinery around a sampler's Markov kernel: the loop, its result, adaptation, fast path.

* :mod:`~ebm_core.sampling.loop` — burn-in, thinning, trajectories, divergence, progress;
* :mod:`~ebm_core.sampling.result` — :class:`SampleResult`;
* :mod:`~ebm_core.sampling.convergence` — :class:`ConvergenceReport`, the per-chain checks
  every result carries, and :class:`ConvergenceWarning` / :class:`ConvergenceError`;
* :mod:`~ebm_core.sampling.state` — :class:`ChainState`, what a torch-path step carries;
* :mod:`~ebm_core.sampling.adaptation` — burn-in adaptation (windows, mass matrix), built on
  :mod:`~ebm_core.sampling.dual_averaging` and :mod:`~ebm_core.sampling.welford`;
* :mod:`~ebm_core.sampling.fast_path` — dispatch to fused kernels;
* :mod:`~ebm_core.sampling.validation`, :mod:`~ebm_core.sampling.divergence`,
  :mod:`~ebm_core.sampling.progress`.
"""

from .adaptation import Adaptation, WindowedAdaptation, mass_matrix_windows
from .convergence import ConvergenceError, ConvergenceReport, ConvergenceWarning
from .divergence import DivergenceError, DivergenceWarning
from .dual_averaging import DualAveraging
from .result import SampleResult
from .state import ChainState
from .welford import WelfordVariance

__all__ = [
    "Adaptation",
    "ChainState",
    "ConvergenceError",
    "ConvergenceReport",
    "ConvergenceWarning",
    "DivergenceError",
    "DivergenceWarning",
    "DualAveraging",
    "SampleResult",
    "WelfordVariance",
    "WindowedAdaptation",
    "mass_matrix_windows",
]
