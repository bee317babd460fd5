"""The score-matching losses compute exactly their documented formulas (score = −∇ₓE)."""

from __future__ import annotations

import pytest
import torch

import ebm_core


class Coupled(ebm_core.Energy):
    """``E = ¼ Σ xᵢ⁴ + c x₀ x₁``: ``∇E = x³ + c (x₁, x₀, 0, …)``, ``tr ∇²E = 3 Σ xᵢ²``."""

    def __init__(self, c: float = 0.7, dim: int = 3) -> None:
        super().__init__(event_shape=(dim,))
        self.c = torch.nn.Parameter(torch.tensor(c, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return 0.25 * x.pow(4).sum(-1) + self.c * x[:, 0] * x[:, 1]

    def analytic_grad(self, x: torch.Tensor) -> torch.Tensor:
        g = x.pow(3).clone()
        g[:, 0] += self.c.detach() * x[:, 1]
        g[:, 1] += self.c.detach() * x[:, 0]
        return g


class Separable(ebm_core.Energy):
    """``E = Σ log cosh(w xᵢ)`` over a ``(2, 3)`` event: a diagonal Hessian."""

    def __init__(self) -> None:
        super().__init__(event_shape=(2, 3))
        self.w = torch.nn.Parameter(torch.tensor(1.3, dtype=torch.float64))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return torch.log(torch.cosh(self.w * x)).flatten(1).sum(1)


def _data(*shape: int) -> torch.Tensor:
    return torch.randn(*shape, generator=torch.Generator().manual_seed(0), dtype=torch.float64)


def test_exact_score_matching_is_half_squared_gradient_minus_laplacian() -> None:
    energy = Coupled()
    x = _data(50, 3)
    expected = (0.5 * energy.analytic_grad(x).pow(2).sum(1) - 3 * x.pow(2).sum(1)).mean()
    loss = ebm_core.loss("score_matching", energy)
    assert torch.allclose(loss(x), expected)
    assert torch.allclose(loss.last["hessian_trace"], 3 * x.pow(2).sum(1).mean())


def test_sliced_rademacher_with_variance_reduction_is_exact_for_a_diagonal_hessian() -> None:
    """vᵀHv = Σ vᵢ² Hᵢᵢ = tr H when H is diagonal and v is ±1: SSM-VR equals exact SM."""
    x = _data(40, 2, 3)
    energy = Separable()
    exact = ebm_core.loss("score_matching", energy)(x)
    sliced = ebm_core.loss(
        "sliced_score_matching", energy, variance_reduction=True, generator=torch.Generator().manual_seed(1)
    )(x)
    assert torch.allclose(sliced, exact)


@pytest.mark.parametrize("projection", ["rademacher", "gaussian"])
def test_sliced_score_matching_averages_to_exact_score_matching(projection: str) -> None:
    """Many projections of a fixed batch: the sliced estimate is within 4 SE of the exact value.

    SE from the spread of 64 independent sliced estimates (each with 16 projections).
    """
    energy = Coupled()
    x = _data(64, 3)
    exact = ebm_core.loss("score_matching", energy)(x).item()
    sliced = ebm_core.loss(
        "sliced_score_matching", energy, projection=projection, n_projections=16,
        generator=torch.Generator().manual_seed(2),
    )
    estimates = torch.tensor([sliced(x).item() for _ in range(64)])
    standard_error = estimates.std().item() / 8
    assert abs(estimates.mean().item() - exact) < 4 * standard_error
    assert standard_error < 0.1 * abs(exact)


def test_denoising_score_matching_formula_and_sign() -> None:
    """Reproduce ε with the same seed: L = mean ½‖σ ∇E(x + σε) − ε‖², with ∇E = a x̃ here."""
    a, sigma = 0.8, 0.5
    x = _data(100, 4)

    class Quadratic(ebm_core.Energy):
        def forward(self, y):
            return 0.5 * a * y.pow(2).sum(-1)

    loss = ebm_core.loss(
        "denoising_score_matching", Quadratic(), sigma=sigma, generator=torch.Generator().manual_seed(3)
    )
    value = loss(x)
    eps = torch.randn(x.shape, generator=torch.Generator().manual_seed(3), dtype=x.dtype)
    noisy = x + sigma * eps
    expected = (0.5 * (sigma * a * noisy - eps).pow(2).sum(1)).mean()
    assert torch.allclose(value, expected)
    assert torch.allclose(loss.last["noisy"], noisy)


def test_denoising_levels_cycle_through_the_batch() -> None:
    """With levels (0.1, 1.0), rows 0, 2, 4, … get σ = 0.1 and rows 1, 3, … get σ = 1."""

    class Flat(ebm_core.Energy):
        def forward(self, y):
            return 0.0 * y.sum(-1)

    loss = ebm_core.loss(
        "denoising_score_matching", Flat(), sigma=[0.1, 1.0], generator=torch.Generator().manual_seed(4)
    )
    x = torch.zeros(1000, 2, dtype=torch.float64)
    loss(x)
    noisy = loss.last["noisy"]
    assert abs(noisy[0::2].std().item() - 0.1) < 0.01
    assert abs(noisy[1::2].std().item() - 1.0) < 0.1


@pytest.mark.parametrize("name", ["score_matching", "sliced_score_matching", "denoising_score_matching"])
def test_losses_accept_multi_dimensional_events_and_train_the_parameters(name: str) -> None:
    energy = Separable()
    loss = ebm_core.loss(name, energy)
    value = loss(_data(16, 2, 3))
    value.backward()
    assert value.ndim == 0 and energy.w.grad is not None and torch.isfinite(energy.w.grad)
