"""What every data set promises: ``(n, 2)`` float tensors, seeded by a generator, checked arguments."""

from __future__ import annotations

import pytest
import torch

import ebm_core

from .test_registration import NAMES


def _gen(seed: int) -> torch.Generator:
    return torch.Generator().manual_seed(seed)


@pytest.mark.parametrize("name", NAMES)
def test_sample_shape_dtype_and_finiteness(name: str) -> None:
    x = ebm_core.dataset(name).sample(257, generator=_gen(0))
    assert x.shape == (257, 2) and x.dtype == torch.get_default_dtype()
    assert torch.isfinite(x).all()
    assert x.std(dim=0).min() > 0.3  # a spread-out 2-D cloud, not a point


@pytest.mark.parametrize("name", NAMES)
def test_same_seed_same_points_other_seed_other_points(name: str) -> None:
    data = ebm_core.dataset(name)
    assert torch.equal(data.sample(100, _gen(1)), data.sample(100, _gen(1)))
    assert not torch.equal(data.sample(100, _gen(1)), data.sample(100, _gen(2)))


@pytest.mark.parametrize("name", NAMES)
def test_follows_the_default_dtype_and_the_global_seed(name: str) -> None:
    data = ebm_core.dataset(name)
    previous = torch.get_default_dtype()
    torch.set_default_dtype(torch.float64)
    try:
        assert data.sample(3).dtype == torch.float64
    finally:
        torch.set_default_dtype(previous)
    torch.manual_seed(5)
    first = data.sample(10)
    torch.manual_seed(5)
    assert torch.equal(first, data.sample(10))


@pytest.mark.parametrize("name", NAMES)
def test_zero_points(name: str) -> None:
    assert ebm_core.dataset(name).sample(0, _gen(0)).shape == (0, 2)


@pytest.mark.parametrize(("n", "error"), [(-1, ValueError), (2.5, TypeError), ("10", TypeError), (True, TypeError)])
def test_bad_n(n, error) -> None:
    with pytest.raises(error, match="n must be an integer >= 0"):
        ebm_core.dataset("two_moons").sample(n)


def test_bad_generator() -> None:
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        ebm_core.dataset("two_moons").sample(3, generator=0)


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("eight_gaussians", {"std": 0.0}, "std must be"),
        ("eight_gaussians", {"radius": -1.0}, "radius must be"),
        ("gaussian_mixture", {"means": [[0.0, 0.0, 0.0]]}, r"means must have shape \(k, 2\)"),
        ("gaussian_mixture", {"means": [[0.0, 0.0]], "stds": [0.1, 0.2]}, "stds must be"),
        ("gaussian_mixture", {"means": [[0.0, 0.0]], "stds": -0.1}, "stds must be finite and > 0"),
        ("gaussian_mixture", {"means": [[0.0, 0.0], [1.0, 1.0]], "weights": [1.0]}, "weights must have 2"),
        ("gaussian_mixture", {"means": [[0.0, 0.0]], "weights": [-1.0]}, "weights must be"),
        ("two_moons", {"noise": -0.1}, "noise must be"),
        ("swiss_roll", {"scale": 0}, "scale must be"),
        ("rings", {"n_rings": 0}, "n_rings must be"),
        ("checkerboard", {"n_cells": 0}, "n_cells must be"),
        ("pinwheel", {"rate": float("nan")}, "rate must be"),
        ("two_spirals", {"turns": 0.0}, "turns must be"),
    ],
)
def test_bad_parameters_name_the_argument(name: str, kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        ebm_core.dataset(name, **kwargs)


def test_parameters_of_the_wrong_type_are_a_type_error() -> None:
    with pytest.raises(TypeError, match=r"n_cells must be an integer >= 1, got n_cells=1.5 \(a float\)"):
        ebm_core.dataset("checkerboard", n_cells=1.5)
    with pytest.raises(TypeError, match="scale must be a finite number > 0, got scale='2'"):
        ebm_core.dataset("two_moons", scale="2")
