"""Image grids as PNG: real images beside model samples, or the states of a replay buffer.

Images are ``(n, C, H, W)`` (1 or 3 channels) or flat ``(n, D)`` with a square ``D = s²``
(shown as ``s × s`` greyscale). All panels share one grey scale, fixed by the first panel's
range (the data's, usually), so samples outside that range show as saturated.

Example::

    import torch
    from ebm_core.image_grid import plot_image_grids
    real, fake = torch.rand(16, 1, 8, 8), torch.rand(16, 64)
    plot_image_grids({"data": real, "model samples": fake}, "grid.png")
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Mapping

import torch

from .plotting import _pyplot, _save


def as_images(batch: torch.Tensor) -> torch.Tensor:
    """``batch`` as ``(n, C, H, W)``: images stay, square flat rows become ``(n, 1, s, s)``."""
    batch = batch.detach().double().cpu()
    if batch.dim() == 4 and batch.shape[1] in (1, 3):
        return batch
    if batch.dim() == 3:
        return batch.unsqueeze(1)
    side = math.isqrt(batch[0].numel()) if batch.dim() == 2 else 0
    if batch.dim() != 2 or side * side != batch.shape[1]:
        raise ValueError(
            f"cannot show a batch of shape {tuple(batch.shape)} as images: give (n, C, H, W) with C = 1 or 3, "
            "or flat (n, D) rows with a square D"
        )
    return batch.reshape(-1, 1, side, side)


def tile(images: torch.Tensor, columns: int) -> torch.Tensor:
    """``(n, C, H, W)`` images tiled row by row into one ``(rows·(H+1)−1, columns·(W+1)−1, C)`` array."""
    n, channels, height, width = images.shape
    rows = max(1, math.ceil(n / columns))
    canvas = torch.full((rows * (height + 1) - 1, columns * (width + 1) - 1, channels), float("nan"), dtype=images.dtype)
    for i in range(n):
        r, c = divmod(i, columns)
        canvas[r * (height + 1) : r * (height + 1) + height, c * (width + 1) : c * (width + 1) + width] = images[i].permute(1, 2, 0)
    return canvas


def plot_image_grids(panels: Mapping[str, torch.Tensor], path: str | Path, *, n: int = 64, title: str = "") -> Path:
    """One panel per entry (title → batch), the first ``n`` images of each tiled in a square grid."""
    if not panels:
        raise ValueError("panels must name at least one batch of images")
    plt = _pyplot()
    grids = {name: as_images(batch[:n]) for name, batch in panels.items()}
    first = next(iter(grids.values()))
    finite = first[torch.isfinite(first)]
    low, high = (float(finite.min()), float(finite.max())) if finite.numel() else (0.0, 1.0)
    if high <= low:
        high = low + 1.0
    fig, axes = plt.subplots(1, len(grids), figsize=(4 * len(grids), 4.3), squeeze=False)
    for ax, (name, images) in zip(axes[0], grids.items()):
        canvas = tile(images.clamp(low, high), columns=max(1, math.ceil(math.sqrt(len(images)))))
        canvas = (canvas - low) / (high - low)
        ax.imshow(canvas.squeeze(-1).numpy() if canvas.shape[-1] == 1 else canvas.numpy(), cmap="gray",
                  vmin=0, vmax=1, interpolation="nearest")
        ax.set_title(f"{name} ({len(images)})")
        ax.axis("off")
    if title:
        fig.suptitle(title)
    return _save(fig, path)
