"""Evaluation metrics for trained energies: MMD between sample sets, and exact 2-D likelihoods.

**MMD.** The maximum mean discrepancy between distributions ``P`` and ``Q`` under a kernel
``k`` is ``MMD² = E k(x, x') + E k(y, y') − 2 E k(x, y)`` with ``x, x' ~ P`` and ``y, y' ~ Q``
independent. :func:`mmd2` is the unbiased U-statistic (Gretton et al., 2012),

.. math::

    \\widehat{\\mathrm{MMD}}{}^2 = \\frac{1}{m(m-1)} \\sum_{i \\ne j} k(x_i, x_j)
        + \\frac{1}{n(n-1)} \\sum_{i \\ne j} k(y_i, y_j) - \\frac{2}{mn} \\sum_{i, j} k(x_i, y_j),

which can be slightly negative when ``P = Q`` (hence at least two samples per set). The
kernel is the Gaussian RBF ``k(a, b) = exp(−‖a − b‖² / (2h²))``; by default the bandwidth
``h`` is the median pairwise distance of the pooled samples (the median heuristic).
:func:`mmd` is ``√max(MMD², 0)``, on the scale of the kernel's values.

**2-D likelihoods.** For an energy on ``R²``, ``log Z = log ∬ exp(−E)`` is computed on a grid
by :mod:`ebm_core.quadrature`, which makes the held-out negative log-likelihood
``NLL = mean E(x) + log Z`` and the KL divergence to a known density exact up to grid error.

Example::

    import torch
    from ebm_core.evaluation import metrics

    g = torch.Generator().manual_seed(0)
    x = torch.randn(500, 2, generator=g)
    y = torch.randn(500, 2, generator=g) + 1.0
    assert metrics.mmd(x, y) > metrics.mmd(x, torch.randn(500, 2, generator=g))
"""

from __future__ import annotations

from typing import Callable, Sequence

import torch

from .. import quadrature

__all__ = ["median_bandwidth", "mmd", "mmd2", "negative_log_likelihood", "kl_divergence"]

#: The median heuristic looks at this many pooled points at most (an even-strided subset).
MEDIAN_MAX_POINTS = 4096


def median_bandwidth(x: torch.Tensor, y: torch.Tensor | None = None) -> float:
    """The median of the pairwise distances ``‖a − b‖`` (``a ≠ b``) among ``x`` and ``y`` pooled.

    Beyond :data:`MEDIAN_MAX_POINTS` pooled points an even-strided subset is used
    (deterministic, and the median of that many distances is already very stable).
    """
    pooled = _flat("x", x, min_rows=1)
    if y is not None:
        pooled = torch.cat([pooled, _flat("y", y, min_rows=1).to(pooled)])
    if pooled.shape[0] < 2:
        raise ValueError("the median heuristic needs at least 2 points (x and y pooled)")
    if pooled.shape[0] > MEDIAN_MAX_POINTS:
        stride = -(-pooled.shape[0] // MEDIAN_MAX_POINTS)
        pooled = pooled[::stride]
    distances = torch.cdist(pooled, pooled)
    upper = torch.triu_indices(len(pooled), len(pooled), offset=1, device=pooled.device)
    median = float(torch.quantile(distances[upper[0], upper[1]], 0.5))  # mean of the middle two if even
    if median <= 0:
        raise ValueError("the median pairwise distance is 0 (most points coincide); pass bandwidth=")
    return median


def mmd2(x: torch.Tensor, y: torch.Tensor, bandwidth: float | None = None) -> torch.Tensor:
    """Unbiased estimate of MMD² between the samples ``x`` (m, …) and ``y`` (n, …).

    Events are flattened; ``x`` and ``y`` need the same event size and at least two samples
    each. ``bandwidth`` is the RBF ``h``; ``None`` applies the median heuristic
    (:func:`median_bandwidth` of the pooled samples). Returns a 0-dim float64 tensor.
    """
    a, b = _flat("x", x, min_rows=2), _flat("y", y, min_rows=2)
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"x and y must have the same event size, got {tuple(x.shape[1:])} and {tuple(y.shape[1:])}"
        )
    b = b.to(a)
    if bandwidth is None:
        bandwidth = median_bandwidth(a, b)
    elif not (isinstance(bandwidth, (int, float)) and bandwidth > 0):
        raise ValueError(f"bandwidth must be a number > 0 or None (median heuristic), got {bandwidth!r}")
    m, n = a.shape[0], b.shape[0]
    scale = -0.5 / float(bandwidth) ** 2
    k_xx = torch.exp(scale * torch.cdist(a, a).pow(2))
    k_yy = torch.exp(scale * torch.cdist(b, b).pow(2))
    k_xy = torch.exp(scale * torch.cdist(a, b).pow(2))
    within_x = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    within_y = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return within_x + within_y - 2 * k_xy.mean()


def mmd(x: torch.Tensor, y: torch.Tensor, bandwidth: float | None = None) -> float:
    """``√max(MMD², 0)`` from :func:`mmd2` (RBF kernel, median heuristic by default)."""
    return float(mmd2(x, y, bandwidth).clamp(min=0).sqrt())


def negative_log_likelihood(
    energy: Callable[[torch.Tensor], torch.Tensor],
    data: torch.Tensor,
    bounds: quadrature.Bounds2D,
    n: int | Sequence[int] = 501,
) -> float:
    """Exact held-out NLL of 2-D ``data`` under ``p = exp(−E)/Z``: ``mean E(data) + log Z``.

    ``log Z`` comes from :func:`ebm_core.quadrature.grid_log_partition` over ``bounds`` with
    ``n`` points per axis; the bounds must hold essentially all of the model's mass (a
    ``RuntimeWarning`` says when they do not).

    Example::

        import torch, ebm_core
        from ebm_core.evaluation.metrics import negative_log_likelihood
        data = torch.randn(1000, 2, dtype=torch.float64)
        nll = negative_log_likelihood(ebm_core.energy("gaussian", dim=2), data, bounds=(-10, 10))
    """
    data = _flat("data", data, min_rows=1)
    if data.shape[1] != 2:
        raise ValueError(f"data must have shape (n, 2) for a 2-D likelihood, got {tuple(data.shape)}")
    grid = quadrature.grid_density(energy, bounds, n)
    with torch.no_grad():
        reference = _reference(energy)
        values = energy(data.to(**reference) if reference else data)
    return float(values.to(torch.float64).mean()) + grid.log_partition


def kl_divergence(
    log_prob: Callable[[torch.Tensor], torch.Tensor],
    energy: Callable[[torch.Tensor], torch.Tensor],
    bounds: quadrature.Bounds2D,
    n: int | Sequence[int] = 501,
    *,
    reverse: bool = False,
) -> float:
    """KL divergence between a known 2-D density and the model ``q = exp(−E)/Z``, on a grid.

    ``log_prob`` is the known ``log p`` (for example ``dataset.log_prob``; ``−inf`` where
    ``p = 0``). Returns ``KL(p ‖ q) = ∬ p (log p − log q)`` — the expected extra NLL of the
    model on data from ``p`` — or, with ``reverse=True``, ``KL(q ‖ p)`` (infinite when the
    model puts mass where ``p`` has none). Both integrals use the trapezoid rule on the grid
    of :func:`ebm_core.quadrature.grid_density`.

    Example::

        import ebm_core
        from ebm_core.evaluation.metrics import kl_divergence
        data = ebm_core.dataset("eight_gaussians")
        kl = kl_divergence(data.log_prob, ebm_core.energy("gaussian", dim=2), bounds=(-6, 6))
        assert kl > 0
    """
    grid = quadrature.grid_density(energy, bounds, n)
    points = torch.stack(torch.meshgrid(grid.x, grid.y, indexing="ij"), dim=-1).reshape(-1, 2)
    with torch.no_grad():
        log_p = torch.as_tensor(log_prob(points)).to(torch.float64).reshape(grid.energy.shape)
    if torch.isnan(log_p).any() or (log_p == float("inf")).any():
        raise ValueError("log_prob returned NaN or +inf on the grid; check it and the bounds")
    log_q = -grid.energy - grid.log_partition
    weights = grid.weights
    if reverse:
        q = log_q.exp()
        integrand = torch.where(q > 0, q * (log_q - log_p), torch.zeros_like(q))
    else:
        p = log_p.exp()
        integrand = torch.where(p > 0, p * (log_p - log_q), torch.zeros_like(p))
    return float((weights * integrand).sum())


# ------------------------------------------------------------------- helpers
def _flat(name: str, x: object, *, min_rows: int) -> torch.Tensor:
    """``x`` as a floating ``(rows, features)`` tensor with at least ``min_rows`` rows."""
    if not isinstance(x, torch.Tensor) or not x.is_floating_point():
        raise TypeError(f"{name} must be a floating-point torch.Tensor, got {type(x).__name__}")
    if x.dim() < 1:
        raise ValueError(f"{name} must have a batch dimension, got a scalar")
    if x.shape[0] < min_rows:
        raise ValueError(
            f"{name} has {x.shape[0]} sample(s) but at least {min_rows} are needed "
            "(the unbiased estimate compares distinct pairs)"
            if min_rows > 1
            else f"{name} has no samples"
        )
    return x.detach().reshape(x.shape[0], -1)


def _reference(energy: object) -> dict:
    """``device``/``dtype`` of an ``nn.Module`` energy's first floating parameter ({} if none)."""
    if isinstance(energy, torch.nn.Module):
        for tensor in energy.parameters():
            if tensor.is_floating_point():
                return {"device": tensor.device, "dtype": tensor.dtype}
    return {}
