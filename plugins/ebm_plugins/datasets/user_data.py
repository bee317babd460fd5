"""The user's own data as ebm data sets: a tensor or file, an image folder, any torch Dataset.

* ``array`` — ``data=`` a tensor, NumPy array, or the path of a ``.npy`` / ``.pt`` file
  holding one (a ``.pt`` file may also hold a ``(data, labels)`` pair); ``labels=`` optional;
* ``image_folder`` — ``root/<class>/<image>`` (labels from the sub-folder names, sorted) or
  images directly in ``root`` (unlabelled); read with Pillow, greyscale or RGB, one size;
* ``torch_dataset`` — any ``torch.utils.data.Dataset`` whose items are an image or an
  ``(image, label)`` pair; images may be PIL images, arrays or tensors (torchvision's MNIST
  and CIFAR work unchanged, with or without ``ToTensor``).

All give an :class:`~.images.ImageData`. Pixels are raw integers ``0 … levels − 1``
(``levels=256`` by default; ``ToTensor``-style floats ``k/(levels − 1)`` are recognised and
converted), or continuous values with ``levels=None``.

Example::

    import torch, ebm_core
    images = torch.randint(0, 256, (20, 1, 4, 4))
    data = ebm_core.dataset("array", data=images, labels=torch.arange(20) % 4)
    assert data.sample(5).shape == (5, 1, 4, 4) and data.n_classes == 4
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import numpy as np
import torch

from ebm_core.checks import positive_int

from .images import ImageData

_IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
_COLOUR_MODES = {"grey": "L", "rgb": "RGB"}


def array(
    data: Any,
    labels: Any = None,
    levels: int | None = 256,
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """A tensor, NumPy array, or ``.npy`` / ``.pt`` file of images ``(N, [C,] H, W)`` or rows ``(N, D)``."""
    if isinstance(data, (str, os.PathLike)):
        data, stored_labels = _load_file(Path(data))
        labels = stored_labels if labels is None else labels
    pixels = _as_tensor(data, "data")
    return ImageData(_integer_pixels(pixels, levels), None if labels is None else _as_tensor(labels, "labels"),
                     levels=levels, dequantize=dequantize, value_range=value_range, logit=logit, flatten=flatten)


def image_folder(
    root: str | os.PathLike,
    colour: str = "grey",
    levels: int = 256,
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """Images under ``root`` (sub-folders = classes), read with Pillow, all of one size."""
    from PIL import Image

    if colour not in _COLOUR_MODES:
        raise ValueError(f"colour must be one of {', '.join(_COLOUR_MODES)}, got {colour!r}")
    root = Path(root)
    if not root.is_dir():
        raise ValueError(f"root must be an existing folder of images, got {str(root)!r}")
    classes = sorted(p.name for p in root.iterdir() if p.is_dir())
    files: list[tuple[Path, int | None]] = []
    if classes:
        for label, name in enumerate(classes):
            files += [(f, label) for f in sorted((root / name).iterdir()) if f.suffix.lower() in _IMAGE_SUFFIXES]
    else:
        files = [(f, None) for f in sorted(root.iterdir()) if f.suffix.lower() in _IMAGE_SUFFIXES]
    if not files:
        raise ValueError(f"found no images ({', '.join(sorted(_IMAGE_SUFFIXES))}) under {str(root)!r}")
    images = []
    for path, _ in files:
        with Image.open(path) as image:
            images.append(_pil_pixels(image.convert(_COLOUR_MODES[colour])))
    shapes = {tuple(i.shape) for i in images}
    if len(shapes) > 1:
        raise ValueError(f"the images under {str(root)!r} have different sizes {sorted(shapes)}; resize them to one size")
    labels = torch.tensor([label for _, label in files]) if classes else None
    return ImageData(torch.stack(images), labels, levels=levels, dequantize=dequantize,
                     value_range=value_range, logit=logit, flatten=flatten)


def torch_dataset(
    dataset: Any,
    limit: int | None = None,
    levels: int | None = 256,
    dequantize: bool = True,
    value_range: str | None = "unit",
    logit: bool = False,
    flatten: bool = False,
) -> ImageData:
    """Any map-style ``torch.utils.data.Dataset`` of images or ``(image, label)`` pairs (the first ``limit``)."""
    if not isinstance(dataset, torch.utils.data.Dataset) or not hasattr(dataset, "__len__"):
        raise TypeError(
            f"dataset must be a map-style torch.utils.data.Dataset (with __len__), got {type(dataset).__name__}"
        )
    n = len(dataset) if limit is None else min(len(dataset), positive_int(limit, "limit"))
    if n == 0:
        raise ValueError("dataset is empty")
    images, labels = [], []
    for i in range(n):
        item = dataset[i]
        image, label = (item[0], item[1]) if isinstance(item, (tuple, list)) else (item, None)
        images.append(_image_tensor(image))
        labels.append(label)
    pixels = torch.stack(images)
    has_labels = all(label is not None for label in labels)
    label_tensor = torch.as_tensor([int(label) for label in labels]) if has_labels else None
    return ImageData(_integer_pixels(pixels, levels), label_tensor, levels=levels, dequantize=dequantize,
                     value_range=value_range, logit=logit, flatten=flatten)


# ---------------------------------------------------------------- conversion
def _load_file(path: Path) -> tuple[Any, Any]:
    if not path.is_file():
        raise ValueError(f"data file {str(path)!r} does not exist")
    if path.suffix == ".npy":
        return np.load(path, allow_pickle=False), None
    if path.suffix == ".pt":
        content = torch.load(path, map_location="cpu", weights_only=True)
        if isinstance(content, (tuple, list)) and len(content) == 2:
            return content[0], content[1]
        return content, None
    raise ValueError(f"data file must end in .npy or .pt, got {str(path)!r}")


def _as_tensor(value: Any, name: str) -> torch.Tensor:
    if isinstance(value, torch.Tensor):
        return value
    if isinstance(value, np.ndarray):
        return torch.from_numpy(value)
    raise TypeError(f"{name} must be a torch.Tensor, a NumPy array or a .npy/.pt path, got {type(value).__name__}")


def _pil_pixels(image: Any) -> torch.Tensor:
    """A PIL image as a float64 ``(C, H, W)`` tensor of its integer pixel values."""
    values = torch.from_numpy(np.asarray(image, dtype=np.float64).copy())
    return values.unsqueeze(0) if values.dim() == 2 else values.permute(2, 0, 1)


def _image_tensor(image: Any) -> torch.Tensor:
    if hasattr(image, "convert") and hasattr(image, "size"):  # a PIL image
        return _pil_pixels(image)
    tensor = _as_tensor(image, "each image").to(torch.float64)
    return tensor.unsqueeze(0) if tensor.dim() == 2 else tensor


def _integer_pixels(pixels: torch.Tensor, levels: int | None) -> torch.Tensor:
    """Raw pixels; ``ToTensor``-style floats in [0, 1] equal to ``k/(levels − 1)`` are mapped to ``k``."""
    pixels = pixels.to(torch.float64)
    if levels is None or not pixels.numel():
        return pixels
    if bool((pixels == pixels.round()).all()):
        return pixels
    scaled = pixels * (levels - 1)
    if float(pixels.min()) >= 0 and float(pixels.max()) <= 1 and bool(((scaled - scaled.round()).abs() < 1e-4).all()):
        return scaled.round()
    raise ValueError(
        f"with levels={levels} the pixels must be integers 0 … {levels - 1} (or floats k/{levels - 1} in [0, 1]), "
        f"got values in [{float(pixels.min())}, {float(pixels.max())}]; pass levels=None for continuous data"
    )
