"""Temperature ladders for parallel tempering: the geometric default and its adaptation."""

from __future__ import annotations

import torch


def geometric_ladder(n_replicas: int, beta_min: float) -> torch.Tensor:
    """``β_k = β_min^{k/(R−1)}``, k = 0 … R−1: from 1 (the target) down to ``beta_min``.

    Example::

        expected = torch.tensor([1.0, 0.1, 0.01], dtype=torch.float64)
        assert torch.allclose(geometric_ladder(3, 0.01), expected)
    """
    k = torch.arange(n_replicas, dtype=torch.float64)
    return torch.tensor(beta_min, dtype=torch.float64) ** (k / (n_replicas - 1))


def equalised_ladder(betas: torch.Tensor, rejection: torch.Tensor) -> torch.Tensor:
    """A ladder with the same ends whose neighbours all have the same swap rejection rate.

    Syed et al. (2021): with ``r_k`` the rejection rate between ``β_k`` and ``β_{k+1}``, the
    communication barrier ``Λ(β_k) = Σ_{j<k} r_j`` is (to first order) additive in the
    ladder's gaps, so the ladder with equal rejections puts ``β`` where ``Λ`` takes the
    values ``k Λ_total / (R−1)``. ``Λ`` is interpolated linearly in ``log β`` between the
    current points; rates are floored at 10⁻³ so the new ladder is strictly decreasing.
    Pure tensor code (no host reads): ``betas`` (R,) decreasing from 1, ``rejection`` (R−1,).

    Example::

        betas = torch.tensor([1.0, 0.5, 0.25, 0.125], dtype=torch.float64)
        new = equalised_ladder(betas, torch.tensor([0.6, 0.1, 0.1], dtype=torch.float64))
        assert new[0] == 1 and new[-1] == 0.125 and new[1] > 0.5   # the costly first gap shrinks
    """
    rates = rejection.to(betas.dtype).clamp(min=1e-3)
    barrier = torch.cat([rates.new_zeros(1), torch.cumsum(rates, 0)])
    n = betas.shape[0]
    wanted = barrier[-1] * torch.arange(n, dtype=betas.dtype, device=betas.device) / (n - 1)
    k = (torch.searchsorted(barrier, wanted, right=True) - 1).clamp(0, n - 2)
    t = (wanted - barrier[k]) / (barrier[k + 1] - barrier[k])
    log_b = betas.log()
    new = torch.exp(log_b[k] + t.clamp(0, 1) * (log_b[k + 1] - log_b[k]))
    new[0], new[-1] = betas[0], betas[-1]
    return new
