"""Uniform on the "black" squares of a checkerboard, with its exact density.

The square ``[−extent, extent]²`` is cut into ``n_cells × n_cells`` cells of side
``w = 2·extent / n_cells``; cell ``(i, j)`` (column ``i``, row ``j``, from the lower left)
is black when ``i + j`` is even. With ``m = ⌈n_cells² / 2⌉`` black cells,

.. math::

    p(x) = \\frac{1}{m w^2} \\;\\text{on black cells}, \\qquad p(x) = 0 \\;\\text{elsewhere},

so ``log_prob`` is ``−log(m w²)`` or ``−inf``.

Example::

    import torch, ebm_core
    board = ebm_core.dataset("checkerboard", n_cells=4, extent=2.0)
    x = board.sample(100, generator=torch.Generator().manual_seed(0))
    assert torch.isfinite(board.log_prob(x)).all()
"""

from __future__ import annotations

import math

import torch

from ebm_core.checks import positive_float, positive_int

from .base import ToyDataset


class Checkerboard(ToyDataset):
    """Uniform on the black cells of an ``n_cells × n_cells`` board over ``[−extent, extent]²``."""

    def __init__(self, n_cells: int = 4, extent: float = 3.0) -> None:
        self.n_cells = positive_int(n_cells, "n_cells")
        self.extent = positive_float(extent, "extent")
        cells = [(i, j) for i in range(self.n_cells) for j in range(self.n_cells) if (i + j) % 2 == 0]
        self._black = torch.tensor(cells, dtype=torch.float64)

    @property
    def cell_width(self) -> float:
        """Side ``w`` of one cell."""
        return 2 * self.extent / self.n_cells

    def _draw(self, n: int, generator: torch.Generator | None) -> torch.Tensor:
        cell = torch.randint(0, self._black.shape[0], (n,), generator=generator)
        offset = torch.rand(n, 2, generator=generator, dtype=torch.float64)
        return -self.extent + self.cell_width * (self._black[cell] + offset)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Exact ``log p(x)`` (``−inf`` off the black cells) for ``x`` of shape ``(n, 2)``."""
        if not isinstance(x, torch.Tensor) or not x.is_floating_point():
            raise TypeError(f"x must be a floating-point torch.Tensor, got {type(x).__name__}")
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"x must have shape (n, 2), got {tuple(x.shape)}")
        index = torch.floor((x + self.extent) / self.cell_width)
        on_board = ((index >= 0) & (index < self.n_cells)).all(dim=1)
        black = index.sum(dim=1).remainder(2) == 0
        log_density = -math.log(self._black.shape[0] * self.cell_width**2)
        inside = torch.full_like(x[:, 0], log_density)
        return torch.where(on_board & black, inside, torch.full_like(inside, -math.inf))
