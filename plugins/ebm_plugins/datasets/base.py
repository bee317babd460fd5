"""What every 2-D toy data set shares: seeding, the streaming form and drawing helpers.

A data set is a *generator* of points, not a fixed table: ``sample(n, generator)`` draws ``n``
fresh i.i.d. points of shape ``(n, 2)`` in torch's default floating dtype, taking all of its
randomness from ``generator`` (same seed → same points). :meth:`ToyDataset.as_iterable`
wraps the same draws as a :class:`torch.utils.data.IterableDataset` of batches.

Example::

    import torch, ebm_core
    data = ebm_core.dataset("two_moons")
    x = data.sample(512, generator=torch.Generator().manual_seed(0))
    assert x.shape == (512, 2) and x.dtype == torch.get_default_dtype()
"""

from __future__ import annotations

import abc
from typing import Sequence

import torch

from ebm_core.checks import non_negative_int, optional_generator

from .stream import SampleStream


class ToyDataset(abc.ABC):
    """Base class of the 2-D toy data sets; subclasses implement :meth:`_draw`."""

    def sample(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` i.i.d. points, shape ``(n, 2)``, drawn with ``generator`` (CPU)."""
        n = non_negative_int(n, "n", "the number of points to draw")
        generator = optional_generator(generator, "generator")
        points = self._draw(n, generator)
        return points.to(torch.get_default_dtype())

    def as_iterable(
        self, batch_size: int, *, seed: int | None = None, num_batches: int | None = None
    ) -> SampleStream:
        """This data set as an ``IterableDataset`` of ``(batch_size, 2)`` batches.

        See :class:`SampleStream` (seeding, workers, length).
        """
        return SampleStream(self, batch_size, seed=seed, num_batches=num_batches)

    @abc.abstractmethod
    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        """``n`` points as a float64 or float32 ``(n, 2)`` tensor."""

    def __repr__(self) -> str:
        fields = ", ".join(f"{k}={v!r}" for k, v in vars(self).items() if not k.startswith("_"))
        return f"{type(self).__name__}({fields})"


# ------------------------------------------------------------ shared helpers






def gaussian_noise(n: int, std: float, generator: torch.Generator | None) -> torch.Tensor:
    """``(n, 2)`` float64 draws from N(0, std² I)."""
    return std * torch.randn(n, 2, generator=generator, dtype=torch.float64)


def uniform(n: int, generator: torch.Generator | None, low: float = 0.0, high: float = 1.0) -> torch.Tensor:
    """``(n,)`` float64 draws from U[low, high)."""
    return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)


def polar(radius: torch.Tensor, angle: torch.Tensor) -> torch.Tensor:
    """Points ``(r cos θ, r sin θ)`` as an ``(n, 2)`` tensor."""
    return torch.stack([radius * angle.cos(), radius * angle.sin()], dim=1)


def as_rows(name: str, values: Sequence[Sequence[float]] | torch.Tensor, width: int) -> torch.Tensor:
    """A float64 ``(k, width)`` tensor from ``values`` (the error names ``name``)."""
    rows = torch.as_tensor(values, dtype=torch.float64)
    if rows.dim() != 2 or rows.shape[1] != width or rows.shape[0] < 1:
        raise ValueError(f"{name} must have shape (k, {width}) with k >= 1, got {tuple(rows.shape)}")
    if not torch.isfinite(rows).all():
        raise ValueError(f"{name} must be finite")
    return rows
