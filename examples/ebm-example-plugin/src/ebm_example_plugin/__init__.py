"""An example third-party plugin for ebm: the ``rwm`` sampler and the ``banana`` energy.

Installed with ``pip install ebm-example-plugin``, it is found by ebm-core through the entry
point ``example`` in group ``ebm`` (see ``pyproject.toml``) — nothing imports it explicitly::

    import torch, ebm_core
    energy = ebm_core.energy("banana")
    x = ebm_core.sampler("rwm", energy).sample(n_samples=1000, n_steps=1000, burn_in=500)
"""

from .banana import Banana
from .random_walk import RandomWalkMetropolis

__version__ = "0.1.0"

__all__ = ["Banana", "RandomWalkMetropolis", "__version__"]
