"""Built-in energies plugin (entry point ``ebm_core_energies`` in group ``ebm``).

ebm-core finds this module through its entry point, exactly like a third-party plugin;
the energy classes are imported only when the registry calls the hook.

Example::

    import torch, ebm_core
    e = ebm_core.energy("rosenbrock", dim=2, b=10.0)
    assert ebm_core.describe("energy", "rosenbrock").source.distribution == "ebm-core"
    assert e(torch.ones(3, 2)).shape == (3,)
"""

import ebm_core


@ebm_core.hookimpl
def ebm_register_energies(register):
    from .ackley import Ackley
    from .conv import Conv
    from .double_well import DoubleWell
    from .fitted_gaussian_mixture import FittedGaussianMixture
    from .gaussian import Gaussian
    from .gaussian_mixture import GaussianMixture
    from .harmonic import Harmonic
    from .jem import JEM
    from .mlp import MLP
    from .neural import Neural
    from .rastrigin import Rastrigin
    from .residual import Residual
    from .rosenbrock import Rosenbrock

    register("gaussian", Gaussian)
    register("double_well", DoubleWell)
    register("rosenbrock", Rosenbrock)
    register("harmonic", Harmonic)
    register("ackley", Ackley)
    register("rastrigin", Rastrigin)
    register("gaussian_mixture", GaussianMixture)
    register("neural", Neural)
    register("mlp", MLP)
    register("conv", Conv)
    register("jem", JEM)
    register("fitted_gaussian_mixture", FittedGaussianMixture)
    register("residual", Residual)
