"""The fused Langevin update x ← clamp(x − h·g + σ√(2h)·ξ) for any energy."""

from __future__ import annotations

import pytest
import torch

from ebm_cuda import FusedLangevinUpdate
from ebm_cuda.random import sample_normals


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_noise_is_the_kernels_counter_based_normals(dtype) -> None:
    """With x = g = 0 and 2h = 1 the update leaves exactly ξ: the normals of (chain, step),
    element j drawn like coordinate j of a fused chain — also for multi-dimensional events."""
    x = torch.zeros(17, 2, 5, dtype=dtype)
    FusedLangevinUpdate("cpu").update_(x, torch.zeros_like(x), step_size=0.5, noise_scale=1.0, seed=42, step=9)
    want = sample_normals(17, 10, seed=42, step=9, dtype=dtype).reshape(17, 2, 5)
    assert torch.equal(x, want)


def test_update_formula() -> None:
    g = torch.Generator().manual_seed(0)
    x = torch.randn(64, 33, generator=g, dtype=torch.float64)
    grad = torch.randn(64, 33, generator=g, dtype=torch.float64)
    h, sigma = 0.01, 0.7
    out = x.clone()
    FusedLangevinUpdate("cpu").update_(out, grad, step_size=h, noise_scale=sigma, seed=3, step=2**33 + 5)
    xi = sample_normals(64, 33, seed=3, step=2**33 + 5, dtype=torch.float64)
    torch.testing.assert_close(out, x - h * grad + sigma * (2 * h) ** 0.5 * xi, rtol=0, atol=1e-14)


def test_clamp_and_step_counter() -> None:
    update = FusedLangevinUpdate("cpu")
    x = torch.zeros(100, 50)
    update.update_(x, torch.zeros_like(x), step_size=2.0, noise_scale=1.0, seed=1, step=0, clamp=0.5)
    assert x.abs().max() == 0.5
    a, b = torch.zeros(8, 8), torch.zeros(8, 8)
    update.update_(a, torch.zeros_like(a), step_size=0.1, noise_scale=1.0, seed=1, step=0)
    update.update_(b, torch.zeros_like(b), step_size=0.1, noise_scale=1.0, seed=1, step=1)
    assert not torch.equal(a, b)


def test_thread_count_does_not_matter() -> None:
    x = torch.linspace(-1, 1, 999 * 37).reshape(999, 37)
    grad = torch.cos(x)
    outs = []
    before = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            y = x.clone()
            FusedLangevinUpdate("cpu").update_(y, grad, step_size=0.05, noise_scale=1.0, seed=7, step=3)
            outs.append(y)
    finally:
        torch.set_num_threads(before)
    assert torch.equal(outs[0], outs[1])


def test_empty_tensors_are_a_no_op() -> None:
    update = FusedLangevinUpdate("cpu")
    for shape in [(0, 3), (4, 0)]:
        x = torch.zeros(shape)
        update.update_(x, torch.zeros(shape), step_size=0.1, noise_scale=1.0, seed=0, step=0)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
@pytest.mark.parametrize("elements", [1, 2, 3, 7, 70, 130])
def test_lanes_over_chains_and_over_elements_agree_with_the_formula(dtype, elements) -> None:
    """Few elements per chain run SIMD lanes over chains, many over elements; both must draw
    exactly the counter-based normals of (element block, chain, step)."""
    g = torch.Generator().manual_seed(elements)
    chains = 37
    x = torch.randn(chains, elements, generator=g, dtype=dtype)
    grad = torch.randn(chains, elements, generator=g, dtype=dtype)
    out = x.clone()
    FusedLangevinUpdate("cpu").update_(out, grad, step_size=0.02, noise_scale=0.5, seed=11, step=4)
    xi = sample_normals(chains, elements, seed=11, step=4, dtype=dtype)
    expected = x - 0.02 * grad + 0.5 * (2 * 0.02) ** 0.5 * xi
    tolerance = 1e-6 if dtype == torch.float32 else 1e-14
    torch.testing.assert_close(out, expected, rtol=0, atol=tolerance)
