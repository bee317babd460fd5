"""The Kolmogorov–Smirnov distance between a sample and an exact CDF."""

from __future__ import annotations

import math
from typing import Any, Callable

import torch

CDF = Callable[[torch.Tensor], Any]


def ks_distance(samples: Any, cdf: CDF) -> float:
    """``sup_t |Fₙ(t) − F(t)|`` for 1-D ``samples`` and a continuous CDF ``F``.

    ``cdf`` maps a float64 tensor of sorted points to probabilities (a tensor, NumPy array
    or list): :func:`normal_cdf`, ``ebm_core.quadrature.Density1D.cdf`` and
    ``scipy.stats.norm(...).cdf`` all qualify. The supremum is attained at a sample point:
    ``D = max_k max(k/n − F(x₍ₖ₎), F(x₍ₖ₎) − (k−1)/n)``.

    Example::

        import torch
        from ebm_core.testing import ks_distance, normal_cdf
        x = torch.randn(10_000, generator=torch.Generator().manual_seed(0))
        assert ks_distance(x, normal_cdf()) < 0.02
        assert ks_distance(x + 0.1, normal_cdf()) > 0.03
    """
    x = torch.as_tensor(samples).detach().to(device="cpu", dtype=torch.float64).reshape(-1)
    if x.numel() == 0 or not bool(torch.isfinite(x).all()):
        raise ValueError("samples must be a non-empty 1-D set of finite values")
    x = torch.sort(x).values
    f = torch.as_tensor(cdf(x), dtype=torch.float64).reshape(-1)
    if f.shape != x.shape:
        raise ValueError(f"cdf returned {tuple(f.shape)} values for {x.numel()} points")
    n = x.numel()
    k = torch.arange(1, n + 1, dtype=torch.float64)
    return float(torch.maximum(k / n - f, f - (k - 1) / n).max())


def normal_cdf(mean: float = 0.0, std: float = 1.0) -> CDF:
    """The CDF of ``N(mean, std²)`` as a function of a tensor."""
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    scale = std * math.sqrt(2.0)

    def cdf(t: torch.Tensor) -> torch.Tensor:
        return 0.5 * (1.0 + torch.erf((t - mean) / scale))

    return cdf
