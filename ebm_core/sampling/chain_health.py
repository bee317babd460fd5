"""Which chains are still far from the others during warm-up, and whom they restart from.

Chains started over-dispersed can land where the target's curvature is enormous (a log-scale
parameter at its low end, say, with energies ~10⁸); a step size that suits the bulk is then
rejected there every time, and the chain never moves. These cross-chain rules find such chains
robustly — medians and median absolute deviations, so a few extreme chains cannot hide
themselves by inflating the scale — for warm-up to restart them and to leave them out of the
mass-matrix estimate.

Energy outlier (per chain): ``E_c > m + max(K σ̂, F)`` or ``E_c`` non-finite, with ``m`` the
median over chains, ``σ̂ = 1.4826 · median|E − m|`` (the normal-consistent MAD), ``K = 8`` and
``F = 10`` nats. On a d-dimensional Gaussian target ``E − E_min ~ Gamma(d/2)``: the floor ``F``
covers small d, whose energy tail is long relative to its MAD (d = 1: P(E > m + 10) < 10⁻⁴ per
chain), and ``K σ̂`` large d (d = 10: P ≈ 3·10⁻⁶). A chain that far above is at a density
``e^{-10}`` or less of the typical chain's.

Example::

    import torch
    energy = torch.cat([torch.randn(100), torch.tensor([1e8, float("nan")])])
    far = energy_outliers(energy)
    assert far[-2:].all() and not far[:100].any()
    to, source = restart_sources(far)
    assert to.tolist() == [100, 101] and not far[source].any()
"""

from __future__ import annotations

import torch

#: The outlier rule's multiple of the robust scale, and its floor in nats (module docstring).
FAR_MADS, FAR_NATS = 8.0, 10.0
#: Normal-consistency factor of the median absolute deviation.
MAD_TO_SD = 1.4826


def energy_outliers(energy: torch.Tensor) -> torch.Tensor:
    """Boolean ``(chains,)``: the energy is non-finite or far above the others' (see above)."""
    finite = torch.isfinite(energy)
    e = energy.double().where(finite, float("nan"))
    median = e.nanmedian()
    scale = MAD_TO_SD * (e - median).abs().nanmedian()
    margin = torch.clamp(FAR_MADS * scale, min=FAR_NATS)
    far = e > median + margin  # False where nan
    return far | ~finite


def restart_sources(
    hopeless: torch.Tensor, healthy: torch.Tensor | None = None
) -> tuple[torch.Tensor, torch.Tensor]:
    """Index tensors ``(to, source)``: each hopeless chain and the healthy chain it copies.

    ``hopeless`` and ``healthy`` are boolean ``(chains,)`` masks (``healthy`` defaults to
    ``~hopeless``). The sources are spread evenly over the healthy chains in index order
    (distinct while there are at least as many healthy chains as hopeless ones). Chains start
    independently and are exchangeable, so this spread is as good as a random choice, and it
    draws no random numbers (the run's random stream is the same whether or not chains are
    restarted).
    """
    to = hopeless.nonzero().squeeze(1)
    healthy = (~hopeless if healthy is None else healthy & ~hopeless).nonzero().squeeze(1)
    n_to, n_healthy = to.numel(), healthy.numel()
    if n_healthy == 0:
        raise ValueError("no healthy chain to restart from")
    positions = ((torch.arange(n_to, device=to.device) * 2 + 1) * n_healthy) // (2 * max(n_to, 1))
    return to, healthy.index_select(0, positions)
