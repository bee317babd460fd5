"""A fixed table of images (optionally labelled) as an ebm data set, with its preprocessing.

The raw pixels are kept (integers ``0 … levels − 1``, shape ``(N, C, H, W)``, or continuous
values when ``levels=None``); every draw applies the :class:`Preprocessing` chain afresh, so
dequantisation noise is new each time. ``sample(n, generator)`` draws ``n`` rows uniformly
with replacement, ``sample_labelled`` also returns their labels, and :meth:`tensors` gives the
whole split at once (for evaluation).

Example::

    import torch
    from ebm_plugins.datasets.images import ImageData

    pixels = torch.randint(0, 4, (10, 1, 3, 3)).double()
    data = ImageData(pixels, labels=torch.arange(10) % 2, levels=4)
    x, y = data.sample_labelled(6, generator=torch.Generator().manual_seed(0))
    assert x.shape == (6, 1, 3, 3) and 0 <= float(x.min()) and float(x.max()) < 1
    assert data.event_shape == (1, 3, 3) and data.n_classes == 2
"""

from __future__ import annotations

from typing import Any

import torch

from ebm_core.checks import non_negative_int, optional_generator

from .stream import SampleStream
from .transforms import Preprocessing


class ImageData:
    """Images ``(N, C, H, W)`` (or flat rows ``(N, D)``), optional integer labels ``(N,)``.

    Args:
        pixels: raw pixel values, a floating or integer tensor of at least 2 dimensions.
        labels: optional class labels ``(N,)`` (integers ``0 … n_classes − 1``).
        levels: number of discrete pixel values (pixels must be integers in ``[0, levels)``),
            or ``None`` for continuous data (no dequantisation or scaling).
        dequantize, value_range, logit: the :meth:`Preprocessing.build` options.
        flatten: give events as ``(C·H·W,)`` vectors instead of images.
    """

    def __init__(
        self,
        pixels: torch.Tensor,
        labels: torch.Tensor | None = None,
        *,
        levels: int | None = None,
        dequantize: bool = True,
        value_range: str | None = "unit",
        logit: bool = False,
        flatten: bool = False,
    ) -> None:
        pixels = _as_pixels(pixels, levels)
        self.pixels = pixels.flatten(1) if flatten else pixels
        self.labels = None if labels is None else _as_labels(labels, pixels.shape[0])
        self.levels = levels
        self.preprocessing = Preprocessing.build(
            levels, dequantize=dequantize, value_range=value_range, logit=logit
        )

    # ------------------------------------------------------------- shape
    def __len__(self) -> int:
        return self.pixels.shape[0]

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of one preprocessed example."""
        return tuple(self.pixels.shape[1:])

    @property
    def dim(self) -> int:
        """Number of elements of one example (the ``D`` of bits/dim)."""
        return self.pixels[0].numel()

    @property
    def n_classes(self) -> int | None:
        """``max(label) + 1``, or ``None`` without labels."""
        return None if self.labels is None else int(self.labels.max()) + 1

    # ------------------------------------------------------------- draws
    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` preprocessed examples drawn uniformly with replacement."""
        return self.sample_labelled(n, generator)[0]

    def sample_labelled(
        self, n: int, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor | None]:
        """``(x, labels)`` for ``n`` rows drawn uniformly with replacement (labels ``None`` if unlabelled)."""
        n = non_negative_int(n, "n", "the number of examples to draw")
        generator = optional_generator(generator, "generator")
        rows = torch.randint(0, len(self), (n,), generator=generator)
        x = self.preprocessing(self.pixels[rows], generator).to(torch.get_default_dtype())
        return x, None if self.labels is None else self.labels[rows]

    def tensors(self, generator: torch.Generator | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Every example once, preprocessed, with the labels (``None`` if unlabelled)."""
        generator = optional_generator(generator, "generator")
        x = self.preprocessing(self.pixels, generator).to(torch.get_default_dtype())
        return x, self.labels

    def as_iterable(
        self, batch_size: int, *, seed: int | None = None, num_batches: int | None = None
    ) -> SampleStream:
        """This data set as an ``IterableDataset`` of preprocessed batches (see :class:`SampleStream`)."""
        return SampleStream(self, batch_size, seed=seed, num_batches=num_batches)

    def config(self) -> dict[str, Any]:
        """What a checkpoint records: the preprocessing chain and the pixel levels."""
        return {"levels": self.levels, "event_shape": list(self.event_shape), "preprocessing": self.preprocessing.config()}

    def __repr__(self) -> str:
        labelled = "labelled" if self.labels is not None else "unlabelled"
        return f"{type(self).__name__}(n={len(self)}, event_shape={self.event_shape}, levels={self.levels}, {labelled})"


def _as_pixels(pixels: Any, levels: int | None) -> torch.Tensor:
    if not isinstance(pixels, torch.Tensor):
        raise TypeError(f"pixels must be a torch.Tensor, got {type(pixels).__name__}")
    if pixels.dim() < 2 or pixels.shape[0] < 1:
        raise ValueError(
            f"pixels must have shape (N, C, H, W) or (N, D) with N >= 1, got {tuple(pixels.shape)}"
        )
    if pixels.dim() == 3:  # (N, H, W) greyscale
        pixels = pixels.unsqueeze(1)
    pixels = pixels.to(torch.float64)
    if not bool(torch.isfinite(pixels).all()):
        raise ValueError("pixels must be finite")
    if levels is not None:
        outside = (pixels < 0) | (pixels > levels - 1) | (pixels != pixels.round())
        if bool(outside.any()):
            raise ValueError(
                f"with levels={levels} the pixels must be integers in [0, {levels - 1}], got values in "
                f"[{float(pixels.min())}, {float(pixels.max())}]; pass levels=None for continuous data"
            )
    return pixels


def _as_labels(labels: Any, n: int) -> torch.Tensor:
    labels = torch.as_tensor(labels)
    if labels.shape != (n,) or labels.is_floating_point() and bool((labels != labels.round()).any()):
        raise ValueError(f"labels must be {n} integers, one per image, got shape {tuple(labels.shape)}")
    labels = labels.long()
    if bool((labels < 0).any()):
        raise ValueError("labels must be non-negative class indices 0 … n_classes − 1")
    return labels
