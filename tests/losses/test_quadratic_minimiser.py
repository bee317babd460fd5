"""Every score-matching loss is minimised at the right energy — sign, scale and minimiser.

Family: ``E = ½ a ‖x‖²`` (learnable ``a``) in ``d = 4``; data ``N(0, s² I)`` with ``s = 2``.
Exact and sliced score matching have population loss ``½ a² d s² − a d``, minimised at
``a* = 1/s² = 0.25``. Denoising score matching at level σ fits the *noised* data
``N(0, (s² + σ²) I)``, so its minimiser is ``1/(s² + σ²)`` (``0.2494`` for σ = 0.1, i.e.
``1/s²`` to within ``σ²/s⁴``); with levels ``σᵢ`` weighted by ``σᵢ²`` it is
``Σσᵢ² / Σσᵢ²(s² + σᵢ²)``. A sign error moves the minimiser to ``a ≤ 0`` and a factor-``d``
error to ``a* d`` or ``a*/d``; both fail here by hundreds of standard errors.

Tolerance, derived from the sampling error
------------------------------------------
The random parts of a loss (projections, noise) are *frozen* by re-seeding its generator
before every evaluation, so the batch loss ``L̂(a)`` is a deterministic function; every
loss here is quadratic in ``a`` (``∇ₓE`` is linear in ``a``), with curvature ``H``. Its
minimiser ``â`` satisfies, exactly, ``â − a₀ = −ĝ(a₀) / H`` where ``a₀`` is the population
minimiser and ``ĝ = dL̂/da``. ``ĝ(a₀)`` is a mean of ``n`` i.i.d. per-sample terms with mean 0,
so its standard error is estimated by batch means: split the data into ``B = 64`` equal
chunks, take ``ĝ`` on each, ``SE(ĝ) = sd(chunk gradients) / √B``; then ``SE(â) = SE(ĝ)/H``,
with ``H`` from a central difference of ``ĝ`` (exact for a quadratic). The minimiser found
by L-BFGS must lie within ``4·SE(â)`` of ``a₀`` (two-sided false-fail rate ≈ 6e-5 per case).
For exact score matching the SE is also known in closed form — per-sample gradient at
``a*`` is ``‖x‖²/s² − d = χ²_d − d`` (variance ``2d``), ``H = d s²``, so
``SE(â) = √(2d) / (√n d s²)`` — and the batch-means estimate is checked against it.

Gradient sign: at ``a = 0.15`` and ``a = 0.35`` the full-batch gradient must be negative
and positive respectively, each by more than 4 of its own standard errors.
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core

from .gaussian_energies import ScaledQuadratic

D, S = 4, 2.0
A_STAR = 1 / S**2
CHUNKS = 64


def _dsm_minimiser(sigmas: tuple[float, ...]) -> float:
    weights = [s**2 for s in sigmas]
    return sum(weights) / sum(w * (S**2 + s**2) for w, s in zip(weights, sigmas))


CASES = {
    "exact": ("score_matching", {}, 2**14, A_STAR),
    "sliced-rademacher": ("sliced_score_matching", {"projection": "rademacher"}, 2**15, A_STAR),
    "sliced-gaussian": ("sliced_score_matching", {"projection": "gaussian", "n_projections": 2}, 2**15, A_STAR),
    "sliced-vr": (
        "sliced_score_matching",
        {"projection": "gaussian", "variance_reduction": True},
        2**15,
        A_STAR,
    ),
    "denoising-one-level": ("denoising_score_matching", {"sigma": 0.1}, 2**18, _dsm_minimiser((0.1,))),
    "denoising-levels": (
        "denoising_score_matching",
        {"sigma": [0.1, 0.5, 1.0]},
        2**16,
        _dsm_minimiser((0.1, 0.5, 1.0)),
    ),
}


class FrozenLoss:
    """``L̂(a)`` and ``dL̂/da`` of a loss whose randomness is re-seeded at every evaluation."""

    def __init__(self, name: str, kwargs: dict, seed: int) -> None:
        self.energy = ScaledQuadratic(a=1.0, dim=D)
        self.generator = torch.Generator().manual_seed(seed) if name != "score_matching" else None
        extra = {"generator": self.generator} if self.generator is not None else {}
        self.loss = ebm_core.loss(name, self.energy, **kwargs, **extra)
        self.seed = seed

    def value(self, data: torch.Tensor, seed_offset: int = 0) -> torch.Tensor:
        if self.generator is not None:
            self.generator.manual_seed(self.seed + seed_offset)
        return self.loss(data)

    def gradient(self, a: float, data: torch.Tensor, seed_offset: int = 0) -> float:
        with torch.no_grad():
            self.energy.a.fill_(a)
        self.energy.a.grad = None
        self.value(data, seed_offset).backward()
        return float(self.energy.a.grad)

    def gradient_standard_error(self, a: float, data: torch.Tensor) -> float:
        """Batch-means SE of the full-batch gradient at ``a`` (independent randomness per chunk)."""
        chunk_gradients = torch.tensor(
            [self.gradient(a, chunk, seed_offset=1 + i) for i, chunk in enumerate(data.chunk(CHUNKS))],
            dtype=torch.float64,
        )
        return float(chunk_gradients.std()) / math.sqrt(CHUNKS)

    def minimise(self, data: torch.Tensor) -> float:
        with torch.no_grad():
            self.energy.a.fill_(1.0)
        optimiser = torch.optim.LBFGS([self.energy.a], max_iter=100, line_search_fn="strong_wolfe")

        def closure() -> torch.Tensor:
            optimiser.zero_grad()
            value = self.value(data)
            value.backward()
            return value

        optimiser.step(closure)
        return self.energy.a.item()


def _data(n: int) -> torch.Tensor:
    return S * torch.randn(n, D, generator=torch.Generator().manual_seed(2024), dtype=torch.float64)


@pytest.mark.parametrize("case", list(CASES))
def test_gradient_sign_on_either_side_of_the_minimiser(case: str) -> None:
    name, kwargs, n, expected = CASES[case]
    frozen = FrozenLoss(name, kwargs, seed=7)
    data = _data(n)
    for a, sign in ((expected - 0.1, -1.0), (expected + 0.1, 1.0)):
        gradient = frozen.gradient(a, data)
        standard_error = frozen.gradient_standard_error(a, data)
        assert sign * gradient > 4 * standard_error, (
            f"{case}: dL/da at a={a:.3f} is {gradient:.4g} (SE {standard_error:.2g}); expected sign {sign:+.0f}"
        )


@pytest.mark.parametrize("case", list(CASES))
def test_minimiser_after_optimisation_is_within_sampling_error(case: str) -> None:
    name, kwargs, n, expected = CASES[case]
    frozen = FrozenLoss(name, kwargs, seed=11)
    data = _data(n)
    delta = 0.05
    curvature = (frozen.gradient(expected + delta, data) - frozen.gradient(expected - delta, data)) / (2 * delta)
    assert curvature > 0, f"{case}: the loss is not convex in a (curvature {curvature:.3g})"
    se = frozen.gradient_standard_error(expected, data) / curvature
    if name == "score_matching":
        closed_form = math.sqrt(2 * D) / (math.sqrt(n) * D * S**2)
        assert 0.7 < se / closed_form < 1.3, f"batch-means SE {se:.3g} vs closed form {closed_form:.3g}"
    assert se < 0.006, f"{case}: SE(â) = {se:.3g} is too large for the check to mean anything"
    learned = frozen.minimise(data)
    assert abs(learned - expected) < 4 * se, (
        f"{case}: learned a = {learned:.5f}, expected {expected:.5f} ± {4 * se:.2g} (4 SE)"
    )


def test_one_level_dsm_minimiser_is_one_over_s_squared_up_to_the_noise_bias() -> None:
    sigma = 0.1
    assert 0 < A_STAR - _dsm_minimiser((sigma,)) < sigma**2 / S**4


def test_dsm_bias_is_the_noise_variance() -> None:
    """A large noise level makes the σ² bias visible: the minimiser is 1/(s² + σ²), not 1/s²."""
    frozen = FrozenLoss("denoising_score_matching", {"sigma": 1.0}, seed=3)
    data = _data(2**15)
    learned = frozen.minimise(data)
    assert abs(learned - 1 / (S**2 + 1.0)) < 0.01
    assert learned < A_STAR - 0.04
