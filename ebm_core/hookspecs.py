"""The plugin hooks of ebm (pluggy project name ``"ebm"``, entry-point group ``"ebm"``).

A plugin is any importable object (usually a module) with functions decorated by
:data:`ebm_core.hookimpl` whose names are the hooks below. It reaches ebm either through an
entry point in group ``ebm`` of an installed distribution::

    # pyproject.toml of the plugin distribution
    [project.entry-points.ebm]
    my_samplers = "my_package.ebm_plugin"

or, in a notebook or a test, through ``ebm_core.register_plugin(obj)``.

Every hook receives one argument, ``register``, a callable
``register(name, factory, *, description="", **meta)``:

* ``name`` — lower-case letters, digits, ``_``, ``-``, ``.``; no ``:`` (that separates the
  qualifier in ``"dist:name"``).
* ``factory`` — a class or function building the component; its signature is what users'
  keyword arguments are checked against (unknown keywords raise naming the accepted ones).
* ``description`` — one line for ``ebm plugins``; defaults to the first line of the
  factory's docstring.
* ``meta`` — free-form extra fields kept on the record (kernels use it, see below).

A hook that raises, or a module that fails to import, disables only that plugin: ebm warns
with its name, distribution and the error (``EBM_STRICT_PLUGINS=1`` makes that an error).
"""

from __future__ import annotations

from typing import Callable

import pluggy

PROJECT_NAME = "ebm"
ENTRY_POINT_GROUP = "ebm"

hookspec = pluggy.HookspecMarker(PROJECT_NAME)
#: Decorator marking a plugin's hook implementations.
hookimpl = pluggy.HookimplMarker(PROJECT_NAME)

Register = Callable[..., None]


@hookspec
def ebm_register_energies(register: Register) -> None:
    """Register energy functions ``E(x)``; the density is ``p(x) ∝ exp(-E(x))``.

    The factory builds an :class:`ebm_core.Energy` (an ``nn.Module`` whose ``forward`` maps a
    batch ``(batch, *event_shape)`` to energies ``(batch,)``).

    Example::

        import torch
        import ebm_core

        class Quartic(ebm_core.Energy):
            "E(x) = sum(x**4) / 4."
            def __init__(self, dim: int = 2):
                super().__init__(event_shape=(dim,))
            def forward(self, x):
                return (x**4).sum(-1) / 4

        class QuarticPlugin:
            @ebm_core.hookimpl
            def ebm_register_energies(self, register):
                register("quartic", Quartic)

        ebm_core.register_plugin(QuarticPlugin(), name="quartic-demo")
        energy = ebm_core.energy("quartic", dim=3)
        assert energy(torch.ones(5, 3)).shape == (5,)
        ebm_core.unregister_plugin("quartic-demo")
    """


@hookspec
def ebm_register_samplers(register: Register) -> None:
    """Register MCMC samplers.

    The factory is called as ``factory(energy, **kwargs)`` and builds an
    :class:`ebm_core.Sampler` (a Markov kernel with ``init``/``step``; the base class runs the
    chains).

    Example::

        import torch
        import ebm_core

        class Plugin:
            @ebm_core.hookimpl
            def ebm_register_samplers(self, register):
                register("my_langevin", ebm_core.describe("sampler", "langevin").factory)

        ebm_core.register_plugin(Plugin(), name="alias-demo")
        s = ebm_core.sampler("my_langevin", ebm_core.energy("gaussian", dim=2), step_size=0.1)
        assert s.sample(torch.zeros(4, 2), n_steps=3).shape == (4, 2)
        ebm_core.unregister_plugin("alias-demo")
    """


@hookspec
def ebm_register_losses(register: Register) -> None:
    """Register training losses.

    The factory is called as ``factory(energy, **kwargs)`` and builds an :class:`ebm_core.Loss`
    whose ``forward(data)`` returns a scalar that training minimises (the energy of data goes
    down when training succeeds).

    Example::

        import torch
        import ebm_core

        class MeanEnergy(ebm_core.Loss):
            "Pushes the energy of data down (not a useful loss alone)."
            def forward(self, data):
                return self.energy(data).mean()

        class Plugin:
            @ebm_core.hookimpl
            def ebm_register_losses(self, register):
                register("mean_energy", MeanEnergy)

        ebm_core.register_plugin(Plugin(), name="loss-demo")
        loss = ebm_core.loss("mean_energy", ebm_core.energy("gaussian", dim=2))
        assert loss(torch.zeros(3, 2)).ndim == 0
        ebm_core.unregister_plugin("loss-demo")
    """


@hookspec
def ebm_register_datasets(register: Register) -> None:
    """Register data sets (generators of training samples).

    The factory is called with keyword arguments only and returns an object with
    ``sample(n, generator=None) -> Tensor``.

    Example::

        import torch
        import ebm_core

        class Ring:
            "Points on the unit circle."
            def sample(self, n, generator=None):
                t = 2 * torch.pi * torch.rand(n, generator=generator)
                return torch.stack([t.cos(), t.sin()], dim=1)

        class Plugin:
            @ebm_core.hookimpl
            def ebm_register_datasets(self, register):
                register("unit_ring", Ring)

        ebm_core.register_plugin(Plugin(), name="data-demo")
        assert ebm_core.dataset("unit_ring").sample(10).shape == (10, 2)
        ebm_core.unregister_plugin("data-demo")
    """


@hookspec
def ebm_register_estimators(register: Register) -> None:
    """Register estimators of the log-partition function ``log Z = log ∫ exp(−E(x)) dx``.

    The factory is called as ``factory(energy, **kwargs)`` and builds an object with
    ``estimate(*, generator=None, progress=False)`` returning an
    :class:`ebm_core.evaluation.LogZEstimate` — subclass
    :class:`ebm_core.evaluation.LogZEstimator`. The built-ins are ``ais`` and ``reverse_ais``.

    Example::

        import ebm_core
        from ebm_core.evaluation import LogZEstimate, LogZEstimator

        class FromEnergy(LogZEstimator):
            "The energy's own exact log_partition()."
            def estimate(self, *, generator=None, progress=False):
                return LogZEstimate.exact(self.energy.log_partition(), method="from_energy")

        class Plugin:
            @ebm_core.hookimpl
            def ebm_register_estimators(self, register):
                register("from_energy", FromEnergy)

        ebm_core.register_plugin(Plugin(), name="estimator-demo")
        estimate = ebm_core.estimator("from_energy", ebm_core.energy("gaussian", dim=3)).estimate()
        assert estimate.stderr == 0.0
        ebm_core.unregister_plugin("estimator-demo")
    """


@hookspec
def ebm_register_kernels(register: Register) -> None:
    """Register fused sampling kernels (the fast path, see :mod:`ebm_core.kernels`).

    Required ``meta``: ``sampler`` (a sampler ``kernel_key``, e.g. ``"mala"``), ``energy``
    (an energy ``kernel_key``, e.g. ``"double_well"``, or ``"*"`` for update kernels that
    work with any energy) and ``device`` (``"cpu"`` or ``"cuda"``). The factory takes no
    arguments and returns an object implementing :class:`ebm_core.kernels.ChainKernel`.

    Example::

        import ebm_core
        from ebm_core.kernels import ChainKernel

        class Plugin:
            @ebm_core.hookimpl
            def ebm_register_kernels(self, register):
                register("never/cpu", NeverKernel, sampler="none", energy="none", device="cpu")

        class NeverKernel(ChainKernel):
            "Declines every request."
            def unsupported_reason(self, request):
                return "this example kernel runs nothing"
            def run(self, request):
                raise AssertionError("unreachable")

        ebm_core.register_plugin(Plugin(), name="kernel-demo")
        assert "never/cpu" in ebm_core.available("kernel")
        ebm_core.unregister_plugin("kernel-demo")
    """


#: The hook name for each kind of component.
HOOK_FOR_KIND: dict[str, str] = {
    "energy": "ebm_register_energies",
    "sampler": "ebm_register_samplers",
    "loss": "ebm_register_losses",
    "dataset": "ebm_register_datasets",
    "estimator": "ebm_register_estimators",
    "kernel": "ebm_register_kernels",
}

#: The ``meta`` keys a kernel registration must carry.
KERNEL_META: tuple[str, ...] = ("sampler", "energy", "device")
