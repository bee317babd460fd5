"""Data-augmentation transitions for replay-buffer chains (improved CD, Du et al., 2021).

Persistent chains mix slowly between modes. Du et al. (2021) let a chain drawn from the replay
buffer occasionally jump: with probability ``rate`` a chain is replaced by a random
augmentation of itself before the sampler runs, so the negatives explore flipped, shifted and
re-contrasted versions of what the model already generates. The transforms, for images
``(C, H, W)`` (or flat square events ``(s²,)``, shown as ``1 × s × s``):

* ``"hflip"`` — mirror left–right;
* ``"vflip"`` — mirror top–bottom;
* ``"shift"`` — crop-and-pad: pad every side by ``max_shift`` pixels (repeating the edge) and
  crop back to ``H × W`` at a uniformly random offset, i.e. a shift by ``(dy, dx)``,
  ``dy, dx ∈ {−max_shift, …, max_shift}``;
* ``"jitter"`` — colour jitter: ``x' = m + c (x − m) + b·(max − min)`` with the image's mean
  ``m``, contrast ``c ~ U[1 − jitter, 1 + jitter]`` and brightness ``b ~ U[−jitter, jitter]``,
  clamped to the image's own ``[min, max]``.

Each augmented chain gets one transform chosen uniformly from those configured. Every
transform keeps the shape and keeps each image's values within its own ``[min, max]`` (flips
and shifts only move or repeat values), so states stay in the data's range.

Example::

    import torch
    from ebm_plugins.losses.augmentation import ReplayAugmentation

    augment = ReplayAugmentation(("hflip", "shift"), rate=0.5)
    chains = torch.rand(100, 64)  # flat 8 × 8 images
    moved, augmented = augment(chains, generator=torch.Generator().manual_seed(0))
    assert moved.shape == chains.shape and torch.equal(moved[~augmented], chains[~augmented])
    assert 30 < int(augmented.sum()) < 70
"""

from __future__ import annotations

import math
from typing import Callable, Sequence

import torch
import torch.nn.functional as F

from ebm_core.checks import float_in_range, non_negative_int, one_of

from .noise import rand_like

TRANSFORMS = ("hflip", "vflip", "shift", "jitter")


class ReplayAugmentation:
    """Apply a random transform from ``transforms`` to each chain with probability ``rate``.

    Args:
        transforms: names from :data:`TRANSFORMS` (at least one).
        rate: probability that a chain is augmented (per chain, per batch).
        max_shift: largest shift of ``"shift"``, in pixels.
        jitter: half-width of the contrast and brightness ranges of ``"jitter"``.
    """

    def __init__(
        self, transforms: Sequence[str], rate: float = 0.1, max_shift: int = 1, jitter: float = 0.1
    ) -> None:
        if isinstance(transforms, str) or not isinstance(transforms, Sequence):
            raise TypeError(f"augment must be a list of transform names such as ['hflip', 'shift'], got {transforms!r}")
        if not transforms:
            raise ValueError(
                f"augment needs at least one transform of {', '.join(TRANSFORMS)} (omit it to turn augmentation off)"
            )
        self.transforms = tuple(one_of(name, "augment", TRANSFORMS) for name in transforms)
        self.rate = float_in_range(rate, "augment_rate", 0.0, 1.0)
        self.max_shift = non_negative_int(max_shift, "augment_max_shift", "pixels, e.g. 1 or 2")
        self.jitter = float_in_range(jitter, "augment_jitter", 0.0, 1.0, "e.g. 0.1")
        self._apply: dict[str, Callable[[torch.Tensor, torch.Generator | None], torch.Tensor]] = {
            "hflip": lambda x, g: x.flip(-1), "vflip": lambda x, g: x.flip(-2),
            "shift": self._shift, "jitter": self._jitter,
        }

    def __call__(
        self, chains: torch.Tensor, generator: torch.Generator | None = None
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(states, augmented)``: the chains with a random subset transformed, and that subset's mask."""
        images = _as_images(chains)
        augmented = rand_like(chains.new_empty(chains.shape[0]), generator) < self.rate
        which = (rand_like(chains.new_empty(chains.shape[0]), generator) * len(self.transforms)).long()
        which = which.clamp(max=len(self.transforms) - 1)
        out = images.clone()
        for index, name in enumerate(self.transforms):
            rows = augmented & (which == index)
            if bool(rows.any()):
                out[rows] = self._apply[name](images[rows], generator)
        return out.reshape(chains.shape), augmented

    def _shift(self, images: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        m = self.max_shift
        if m == 0:
            return images
        n, _, height, width = images.shape
        padded = F.pad(images, (m, m, m, m), mode="replicate")
        offsets = (rand_like(images.new_empty(n, 2), generator) * (2 * m + 1)).long().clamp(max=2 * m)
        rows = torch.arange(height, device=images.device) + offsets[:, :1]  # (n, H)
        cols = torch.arange(width, device=images.device) + offsets[:, 1:]  # (n, W)
        batch = torch.arange(n, device=images.device)[:, None, None]
        return padded.permute(0, 2, 3, 1)[batch, rows[:, :, None], cols[:, None, :]].permute(0, 3, 1, 2)

    def _jitter(self, images: torch.Tensor, generator: torch.Generator | None) -> torch.Tensor:
        flat = images.flatten(1)
        low, high = flat.min(1).values, flat.max(1).values
        mean = flat.mean(1)
        draws = 2 * rand_like(images.new_empty(images.shape[0], 2), generator) - 1
        contrast, brightness = 1 + self.jitter * draws[:, 0], self.jitter * draws[:, 1] * (high - low)
        moved = mean[:, None] + contrast[:, None] * (flat - mean[:, None]) + brightness[:, None]
        return torch.maximum(torch.minimum(moved, high[:, None]), low[:, None]).reshape(images.shape)

    def __repr__(self) -> str:
        return f"ReplayAugmentation({list(self.transforms)}, rate={self.rate})"


def _as_images(chains: torch.Tensor) -> torch.Tensor:
    """Chains ``(n, C, H, W)`` as they are, ``(n, H, W)`` as one channel, flat ``(n, s²)`` as ``(n, 1, s, s)``."""
    if chains.dim() == 4:
        return chains
    if chains.dim() == 3:
        return chains.unsqueeze(1)
    side = math.isqrt(chains.shape[1]) if chains.dim() == 2 else 0
    if chains.dim() != 2 or side < 2 or side * side != chains.shape[1]:
        raise ValueError(
            f"augment needs image chains: events (C, H, W), (H, W) or flat square (s²,); got events of shape "
            f"{tuple(chains.shape[1:])}; turn augmentation off (omit augment) for non-image data"
        )
    return chains.reshape(-1, 1, side, side)
