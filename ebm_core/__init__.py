"""ebm-core: energy-based models in PyTorch, with every component a plugin selected by name.

Importing ``ebm_core`` loads no plugin; the registry is built on the first lookup.

Example::

    import torch, ebm_core
    energy = ebm_core.energy("gaussian", dim=2)
    samples = ebm_core.sampler("mala", energy, step_size=0.5).sample(torch.zeros(100, 2), n_steps=50)
"""

from ._version import __version__
from .api import (
    available,
    dataset,
    describe,
    energy,
    estimator,
    loss,
    register_plugin,
    reload_plugins,
    sampler,
    unregister_plugin,
)
from .contracts import AdaptiveMassSampler, AdaptiveSampler, Energy, Loss, Sampler
from .errors import (
    AmbiguousComponentError,
    EbmError,
    InvalidArgumentError,
    PluginLoadError,
    PluginWarning,
    UnknownComponentError,
)
from .hookspecs import hookimpl
from .records import ComponentRecord, PluginFailure, PluginSource
from . import checks, diagnostics
from .sampling import (
    ConvergenceError,
    ConvergenceReport,
    ConvergenceWarning,
    DivergenceError,
    DivergenceWarning,
    SampleResult,
)

__all__ = [
    "__version__",
    "AdaptiveMassSampler",
    "AdaptiveSampler",
    "AmbiguousComponentError",
    "ComponentRecord",
    "EbmError",
    "Energy",
    "InvalidArgumentError",
    "Loss",
    "PluginFailure",
    "PluginLoadError",
    "PluginSource",
    "PluginWarning",
    "Sampler",
    "SampleResult",
    "ConvergenceError",
    "ConvergenceReport",
    "ConvergenceWarning",
    "DivergenceError",
    "DivergenceWarning",
    "checks",
    "diagnostics",
    "UnknownComponentError",
    "available",
    "dataset",
    "describe",
    "energy",
    "estimator",
    "hookimpl",
    "loss",
    "register_plugin",
    "reload_plugins",
    "sampler",
    "unregister_plugin",
]
