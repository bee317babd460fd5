"""Built-in samplers plugin (entry point ``ebm_core_samplers`` in group ``ebm``).

``langevin`` (unadjusted Langevin), ``mala`` (Metropolis-adjusted Langevin), ``hmc``
(Hamiltonian Monte Carlo), ``nuts`` (the No-U-Turn sampler), ``kinetic_langevin``
(underdamped Langevin, BAOAB) and ``parallel_tempering`` (replica exchange around any of
them); ebm-core finds this module through its entry point, exactly like
a third-party plugin, and the classes are imported only when the registry calls the hook.

Example::

    import torch, ebm_core
    e = ebm_core.energy("gaussian", dim=2)
    x = ebm_core.sampler("hmc", e, step_size=0.1).sample(torch.zeros(100, 2), n_steps=50)
    assert x.shape == (100, 2)
"""

import ebm_core


@ebm_core.hookimpl
def ebm_register_samplers(register):
    from .hmc import HMC
    from .kinetic_langevin import KineticLangevin
    from .langevin import Langevin
    from .mala import MALA
    from .nuts import NUTS
    from .parallel_tempering import ParallelTempering

    register("langevin", Langevin)
    register("mala", MALA)
    register("hmc", HMC)
    register("kinetic_langevin", KineticLangevin)
    register("parallel_tempering", ParallelTempering)
    register("nuts", NUTS)
