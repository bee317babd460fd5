"""Built-in energies plugin (entry point ``ebm_core_energies``)."""

import ebm_core


@ebm_core.hookimpl
def ebm_register_energies(register):
    from .harmonic import Harmonic

    register("harmonic", Harmonic)
