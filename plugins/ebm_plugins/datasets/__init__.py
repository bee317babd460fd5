"""Built-in 2-D toy data sets (entry point ``ebm_core_datasets``).

Each is selected by name with ``ebm_core.dataset(name, **kw)`` and has
``sample(n, generator=None) -> (n, 2)`` and ``as_iterable(batch_size, seed=...)`` (an
``IterableDataset`` of batches); the mixtures and the checkerboard also have an exact
``log_prob(x)`` for evaluation. Real image data (``digits``, ``mnist_5k``, the user's own
``array`` / ``image_folder`` / ``torch_dataset`` and the ``ood`` sets) are
:class:`~ebm_plugins.datasets.images.ImageData` tables; see the guide "Real data and image EBMs".

Example::

    import torch, ebm_core
    data = ebm_core.dataset("eight_gaussians")
    x = data.sample(256, generator=torch.Generator().manual_seed(0))
    assert x.shape == (256, 2) and data.log_prob(x).shape == (256,)
"""

import ebm_core

from .base import ToyDataset
from .stream import SampleStream


@ebm_core.hookimpl
def ebm_register_datasets(register):
    from .checkerboard import Checkerboard
    from .eight_gaussians import EightGaussians
    from .gaussian_mixture import GaussianMixture
    from .pinwheel import Pinwheel
    from .rings import Rings
    from .swiss_roll import SwissRoll
    from .two_moons import TwoMoons
    from .two_spirals import TwoSpirals

    register("eight_gaussians", EightGaussians)
    register("gaussian_mixture", GaussianMixture)
    register("two_moons", TwoMoons)
    register("swiss_roll", SwissRoll)
    register("rings", Rings)
    register("checkerboard", Checkerboard)
    register("pinwheel", Pinwheel)
    register("two_spirals", TwoSpirals)

    from .bundled import digits, mnist_5k
    from .ood import out_of_distribution
    from .user_data import array, image_folder, torch_dataset

    register("digits", digits)
    register("mnist_5k", mnist_5k)
    register("array", array)
    register("image_folder", image_folder)
    register("torch_dataset", torch_dataset)
    register("ood", out_of_distribution)


__all__ = ["SampleStream", "ToyDataset", "ebm_register_datasets"]
