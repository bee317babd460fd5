"""Running per-element mean and variance over batches of chains (Welford/Chan updates)."""

from __future__ import annotations

import torch


class WelfordVariance:
    """Accumulates ``mean`` and the sum of squared deviations ``m2`` of the rows it is given.

    Each :meth:`add` merges a whole batch (one row per chain) with Chan et al.'s parallel
    update, which is exact and numerically stable:

    .. math::

        n = n_a + n_b, \\quad δ = \\bar x_b − \\bar x_a, \\quad
        \\bar x = \\bar x_a + δ n_b / n, \\quad M_2 = M_{2,a} + M_{2,b} + δ^2 n_a n_b / n.

    Counts are Python ints, statistics are tensors: :meth:`add` never synchronises.

    Example::

        import torch
        w = WelfordVariance()
        for _ in range(10):
            w.add(torch.randn(500, 3) * 2.0)
        assert torch.allclose(w.variance(), torch.full((3,), 4.0), rtol=0.1)
    """

    def __init__(self) -> None:
        self.count = 0
        self.mean: torch.Tensor | None = None
        self.m2: torch.Tensor | None = None

    def add(self, rows: torch.Tensor) -> None:
        """Merge ``rows`` (``(batch, *shape)``) into the running statistics."""
        n_b = rows.shape[0]
        mean_b = rows.mean(dim=0)
        m2_b = (rows - mean_b).pow_(2).sum(dim=0)
        if self.mean is None:
            self.count, self.mean, self.m2 = n_b, mean_b, m2_b
            return
        n = self.count + n_b
        delta = mean_b - self.mean
        self.mean.add_(delta, alpha=n_b / n)
        self.m2.add_(m2_b).add_(delta.pow_(2), alpha=self.count * n_b / n)
        self.count = n

    def variance(self) -> torch.Tensor:
        """Sample variance (denominator ``count − 1``)."""
        if self.mean is None or self.count < 2:
            raise RuntimeError("need at least two rows to estimate a variance")
        return self.m2 / (self.count - 1)

    def reset(self) -> None:
        """Forget everything (start a new window)."""
        self.count, self.mean, self.m2 = 0, None, None
