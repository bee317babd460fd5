"""The plugin module named by the entry point: one hook per kind of component it provides.

The classes are imported inside the hooks, so ``import ebm_core`` stays cheap and a user who
never selects ``rwm`` or ``banana`` never imports them.
"""

import ebm_core


@ebm_core.hookimpl
def ebm_register_samplers(register):
    from .random_walk import RandomWalkMetropolis

    register(
        "rwm",
        RandomWalkMetropolis,
        description="Random-walk Metropolis with an adapted diagonal Gaussian proposal (gradient-free)",
        gradient_free=True,
        reference="Roberts, Gelman & Gilks (1997)",
    )


@ebm_core.hookimpl
def ebm_register_energies(register):
    from .banana import Banana

    register("banana", Banana, reference="Haario, Saksman & Tamminen (1999)")
