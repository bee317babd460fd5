"""Bad constructor arguments raise errors that name the argument and the fix."""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core

NAN = float("nan")


@pytest.mark.parametrize(
    "name, kwargs, argument",
    [
        ("gaussian", dict(mean=[0.0, NAN]), "mean"),
        ("gaussian", dict(covariance=NAN, dim=2), "covariance"),
        ("gaussian", dict(precision=[[1.0, NAN], [NAN, 1.0]]), "precision"),
        ("double_well", dict(barrier_height=NAN), "barrier_height"),
        ("double_well", dict(b=NAN), "b"),
        ("rosenbrock", dict(a=NAN), "a"),
        ("rosenbrock", dict(b=math.inf), "b"),
        ("harmonic", dict(k=NAN), "k"),
        ("harmonic", dict(center=[NAN, 0.0]), "center"),
        ("ackley", dict(a=NAN), "a"),
        ("ackley", dict(c=NAN), "c"),
        ("rastrigin", dict(a=torch.tensor(NAN)), "a"),
        ("gaussian_mixture", dict(means=[[NAN, 0.0]]), "means"),
        ("gaussian_mixture", dict(means=[[0.0, 0.0]], stds=NAN), "stds"),
        ("gaussian_mixture", dict(means=[[0.0, 0.0]], weights=[NAN]), "weights"),
    ],
)
def test_non_finite_parameters_raise_naming_them(name, kwargs, argument):
    with pytest.raises(ValueError, match=rf"\b{argument} must be (a )?finite"):
        ebm_core.energy(name, **kwargs)


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("double_well", dict(barrier_height=0.0), "barrier_height must be a finite number > 0"),
        ("double_well", dict(b=-1.0), "b must be a finite number > 0"),
        ("rosenbrock", dict(b=0.0), "b must be a finite number > 0"),
        ("harmonic", dict(k=-2.0), "k must be a finite number > 0"),
        ("ackley", dict(b=0.0), "b must be a finite number > 0"),
        ("ackley", dict(a=-1.0), "a must be a finite number > 0"),
        ("rastrigin", dict(a=-1.0), "a must be a finite number >= 0"),
        ("gaussian", dict(covariance=0.0, dim=2), "covariance must have every entry > 0"),
        ("gaussian", dict(precision=[1.0, -1.0]), "precision must have every entry > 0"),
        ("gaussian_mixture", dict(means=[[0.0], [1.0]], stds=[1.0, 0.0]), "stds must have every entry > 0"),
        ("gaussian_mixture", dict(means=[[0.0], [1.0]], weights=[1.0, 0.0]), "weights must have every entry > 0"),
    ],
)
def test_non_positive_scales_raise(name, kwargs, match):
    with pytest.raises(ValueError, match=match):
        ebm_core.energy(name, **kwargs)


@pytest.mark.parametrize("dim", [1, 0, -3])
def test_rosenbrock_needs_two_dimensions(dim):
    with pytest.raises(ValueError, match=r"dim must be an integer >= 2, got dim=-?\d; each Rosenbrock term couples"):
        ebm_core.energy("rosenbrock", dim=dim)


@pytest.mark.parametrize("name", ["double_well", "harmonic", "ackley", "rastrigin", "gaussian"])
def test_bad_dim_raises(name):
    with pytest.raises(ValueError, match="dim must be an integer >= 1, got dim=0"):
        ebm_core.energy(name, dim=0)
    with pytest.raises(TypeError, match="dim must be an integer"):
        ebm_core.energy(name, dim=2.5)


def test_gaussian_non_positive_definite_covariance():
    with pytest.raises(ValueError, match=r"covariance is not positive definite .*leading 2x2 minor"):
        ebm_core.energy("gaussian", covariance=[[1.0, 2.0], [2.0, 1.0]])
    with pytest.raises(ValueError, match="precision is not positive definite"):
        ebm_core.energy("gaussian", precision=-torch.eye(3))


def test_gaussian_asymmetric_matrix():
    with pytest.raises(ValueError, match=r"covariance must be symmetric.*\(covariance \+ covariance.T\) / 2"):
        ebm_core.energy("gaussian", covariance=[[1.0, 0.5], [0.0, 1.0]])


def test_gaussian_both_covariance_and_precision():
    with pytest.raises(ValueError, match="either covariance or precision, not both"):
        ebm_core.energy("gaussian", covariance=1.0, precision=1.0)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(mean=[0.0, 0.0, 0.0], covariance=[1.0, 1.0]), "mean gives 3, covariance gives 2"),
        (dict(mean=[0.0, 0.0], dim=3), "dim gives 3, mean gives 2"),
        (dict(precision=torch.eye(2), dim=4), "dim gives 4, precision gives 2"),
    ],
)
def test_gaussian_dimension_conflicts(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ebm_core.energy("gaussian", **kwargs)


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(covariance=torch.ones(2, 3)), r"covariance must be a scalar \(isotropic\), a \(d,\) vector"),
        (dict(precision=torch.ones(2, 2, 2)), "precision must be a scalar"),
        (dict(mean=torch.zeros(2, 2)), r"mean must be a scalar or a \(d,\) vector"),
        (dict(covariance="big"), "covariance must be a number, sequence or tensor"),
    ],
)
def test_gaussian_bad_shapes(kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        ebm_core.energy("gaussian", **kwargs)


def test_harmonic_center_length_must_match_dim():
    with pytest.raises(ValueError, match=r"center must be a scalar or have shape \(2,\).*pass dim=3"):
        ebm_core.energy("harmonic", center=[1.0, 2.0, 3.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(means=[0.0, 1.0]), r"means must have shape \(K, d\).*means\[None\]"),
        (dict(means=[[0.0, 1.0]] * 3, stds=[1.0, 2.0]), r"stds must be a scalar, shape \(3,\)"),
        (dict(means=[[0.0, 1.0]] * 3, weights=[1.0, 2.0]), r"weights must have shape \(3,\)"),
    ],
)
def test_gaussian_mixture_bad_shapes(kwargs, match):
    with pytest.raises(ValueError, match=match):
        ebm_core.energy("gaussian_mixture", **kwargs)


def test_bool_string_and_vector_scalars_rejected():
    """The wrong kind of object is a TypeError (a vector where a number belongs included)."""
    with pytest.raises(TypeError, match=r"barrier_height must be a finite number > 0, got barrier_height=True \(a bool\)"):
        ebm_core.energy("double_well", barrier_height=True)
    with pytest.raises(TypeError, match="k must be a finite number > 0, got k='1'"):
        ebm_core.energy("harmonic", k="1")
    with pytest.raises(TypeError, match=r"b must be a finite number > 0, got .* \(a torch.float32 tensor of shape \(2,\)\)"):
        ebm_core.energy("double_well", b=torch.ones(2))
