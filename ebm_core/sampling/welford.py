"""Running per-element means and variances of chains (Welford/Chan updates), pooled or per chain."""

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
        mean_b = rows.mean(dim=0)
        self._merge(rows.shape[0], mean_b, (rows - mean_b).pow_(2).sum(dim=0))

    def merge(self, other: "WelfordVariance") -> None:
        """Merge the statistics of ``other`` (another accumulator) into these."""
        if other.mean is not None:
            self._merge(other.count, other.mean.clone(), other.m2.clone())

    def _merge(self, n_b: int, mean_b: torch.Tensor, m2_b: torch.Tensor) -> None:
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


class ChainWelford:
    """Running mean and squared deviations of each chain over steps (one row per chain).

    :meth:`add` takes one state per chain, ``(chains, *shape)``, and applies Welford's update
    to every chain at once: ``δ = x − x̄; x̄ += δ / n; M₂ += δ (x − x̄)``. :meth:`pooled` merges
    the chains you select into one :class:`WelfordVariance` (Chan's formula with equal counts:
    ``M₂ = Σ_c M₂,c + n Σ_c (x̄_c − x̄)²``), so a variance can leave out chains that were not
    yet where the others were. Never synchronises.

    Example::

        import torch
        w = ChainWelford()
        for _ in range(200):
            w.add(torch.randn(4, 2) + torch.tensor([[0.0], [0.0], [0.0], [50.0]]))
        keep = torch.tensor([0, 1, 2])           # leave out the chain sitting at +50
        assert torch.allclose(w.pooled(keep).variance(), torch.ones(2), rtol=0.2)
    """

    def __init__(self) -> None:
        self.count = 0
        self.mean: torch.Tensor | None = None
        self.m2: torch.Tensor | None = None

    def add(self, x: torch.Tensor) -> None:
        """Record one state per chain (``x`` is ``(chains, *shape)``; it is not kept)."""
        self.count += 1
        if self.mean is None:
            self.mean, self.m2 = x.clone(), torch.zeros_like(x)
            return
        delta = x - self.mean
        self.mean.add_(delta, alpha=1.0 / self.count)
        self.m2.addcmul_(delta, x - self.mean)

    def pooled(self, chains: torch.Tensor | None = None) -> WelfordVariance:
        """The statistics of the draws of ``chains`` (indices; all when ``None``) together."""
        means, m2 = self._select(chains)
        grand = means.mean(dim=0)
        out = WelfordVariance()
        out.count = means.shape[0] * self.count
        out.mean = grand
        out.m2 = m2.sum(dim=0) + self.count * (means - grand).pow_(2).sum(dim=0)
        return out

    def _select(self, chains: torch.Tensor | None) -> tuple[torch.Tensor, torch.Tensor]:
        if self.mean is None:
            raise RuntimeError("no states recorded")
        if chains is None:
            return self.mean, self.m2
        return self.mean.index_select(0, chains), self.m2.index_select(0, chains)

    def reset(self) -> None:
        """Forget everything (start a new window)."""
        self.count, self.mean, self.m2 = 0, None, None
