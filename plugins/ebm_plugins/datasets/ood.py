"""Out-of-distribution sets for evaluation, built offline from a data set's test split.

``ebm_core.dataset("ood", kind=..., of="digits")`` gives an :class:`~.images.ImageData` with
the same shape, pixel levels and preprocessing as ``of``'s test split:

* ``noise`` — i.i.d. uniform pixels ``0 … levels − 1``;
* ``permuted`` — each test image with its pixels shuffled (a fresh permutation per image);
* ``photo_patches`` — random square crops of scikit-learn's two bundled sample photographs
  (``load_sample_images``), converted to grey, averaged down to the data's ``H × W`` and
  quantised to the data's levels;
* ``vflip`` / ``hflip`` — the test images flipped upside down / left to right (the hard ones).

Everything is drawn from ``seed``, so a set is the same on every run. Score convention for
AUROC: in-distribution data should score higher, e.g. ``score = −E(x)``.

Example::

    import ebm_core
    flipped = ebm_core.dataset("ood", kind="vflip", of="digits")
    test = ebm_core.dataset("digits", split="test")
    assert len(flipped) == len(test) and flipped.event_shape == test.event_shape
"""

from __future__ import annotations

import numpy as np
import torch
from torch.nn import functional as F

import ebm_core
from ebm_core.checks import integer_in_range, one_of

from .bundled import require
from .images import ImageData

KINDS = ("noise", "permuted", "photo_patches", "vflip", "hflip")


def out_of_distribution(
    kind: str,
    of: str = "digits",
    seed: int = 0,
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """An OOD set of ``kind`` shaped like the test split of the registered data set ``of``."""
    kind = one_of(kind, "kind", KINDS)
    reference = ebm_core.dataset(of, split="test")
    if not isinstance(reference, ImageData) or reference.levels is None or reference.pixels.dim() != 4:
        raise ValueError(f"of must name an image data set with discrete pixels (such as 'digits'), got {of!r}")
    generator = torch.Generator().manual_seed(integer_in_range(seed, "seed"))
    pixels = ood_pixels(kind, reference.pixels, reference.levels, generator)
    return ImageData(pixels, None, levels=reference.levels, dequantize=dequantize,
                     value_range=value_range, logit=logit, flatten=flatten)


def ood_pixels(kind: str, pixels: torch.Tensor, levels: int, generator: torch.Generator) -> torch.Tensor:
    """Raw OOD pixels of ``kind`` shaped like ``pixels`` ``(N, C, H, W)`` (integers ``0 … levels − 1``)."""
    kind = one_of(kind, "kind", KINDS)
    if kind == "noise":
        return torch.randint(0, levels, pixels.shape, generator=generator).to(pixels.dtype)
    if kind == "permuted":
        flat = pixels.flatten(1)
        order = torch.argsort(torch.rand(flat.shape, generator=generator), dim=1)
        return flat.gather(1, order).reshape(pixels.shape)
    if kind == "vflip":
        return pixels.flip(-2)
    if kind == "hflip":
        return pixels.flip(-1)
    return _photo_patches(pixels.shape, levels, generator).to(pixels.dtype)


def _photo_patches(shape: torch.Size, levels: int, generator: torch.Generator) -> torch.Tensor:
    """Grey square crops (side 2–16× the image's) of the sample photographs, averaged to ``H × W``."""
    photos = require("sklearn.datasets", "the 'photo_patches' OOD set").load_sample_images().images
    greys = [torch.from_numpy(np.array(p, dtype=np.float64)).mean(-1) / 255.0 for p in photos]
    n, channels, height, width = shape
    patches = torch.empty(n, 1, height, width, dtype=torch.float64)
    for i in range(n):
        photo = greys[int(torch.randint(0, len(greys), (1,), generator=generator))]
        scale = int(torch.randint(2, 17, (1,), generator=generator))
        size_h, size_w = min(height * scale, photo.shape[0]), min(width * scale, photo.shape[1])
        top = int(torch.randint(0, photo.shape[0] - size_h + 1, (1,), generator=generator))
        left = int(torch.randint(0, photo.shape[1] - size_w + 1, (1,), generator=generator))
        crop = photo[top : top + size_h, left : left + size_w][None, None]
        patches[i] = F.adaptive_avg_pool2d(crop, (height, width))[0]
    quantised = (patches * (levels - 1)).round().clamp(0, levels - 1)
    return quantised.expand(n, channels, height, width).clone()
