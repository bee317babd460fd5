"""Bad input to a loss raises at once, with an error that names the offending argument."""

from __future__ import annotations

import pytest
import torch

import ebm_core

from .gaussian_energies import ScaledQuadratic

LOSSES = {
    "cd": {},
    "pcd": {"buffer_size": 64},
    "score_matching": {},
    "sliced_score_matching": {},
    "denoising_score_matching": {},
}


def _loss(name: str, **kwargs) -> ebm_core.Loss:
    return ebm_core.loss(name, ScaledQuadratic(a=1.0, dim=2, dtype=torch.float32), **{**LOSSES[name], **kwargs})


@pytest.mark.parametrize("name", list(LOSSES))
def test_data_of_a_shape_the_energy_does_not_accept(name: str) -> None:
    loss = _loss(name)
    with pytest.raises(ValueError, match=r"data has shape \(8, 3\).*expects \(batch, 2\)"):
        loss(torch.zeros(8, 3))
    with pytest.raises(ValueError, match=r"data has shape \(2,\)"):
        loss(torch.zeros(2))


@pytest.mark.parametrize("name", list(LOSSES))
def test_data_that_is_not_a_float_tensor(name: str) -> None:
    loss = _loss(name)
    with pytest.raises(TypeError, match="data must be a torch.Tensor"):
        loss([[0.0, 1.0]])
    with pytest.raises(TypeError, match="data must be a floating-point tensor"):
        loss(torch.zeros(4, 2, dtype=torch.int64))


@pytest.mark.parametrize("name", list(LOSSES))
def test_an_empty_batch(name: str) -> None:
    with pytest.raises(ValueError, match="data has a batch of 0"):
        _loss(name)(torch.zeros(0, 2))


@pytest.mark.parametrize("name", list(LOSSES))
def test_a_batch_of_one_is_a_valid_batch(name: str) -> None:
    """No loss here estimates a variance from the batch, so one point is enough."""
    assert torch.isfinite(_loss(name)(torch.ones(1, 2)))


@pytest.mark.parametrize("sigma", [0.0, -0.1, float("nan"), [0.1, 0.0], []])
def test_noise_level_must_be_positive(sigma) -> None:
    with pytest.raises(ValueError, match="sigma"):
        _loss("denoising_score_matching", sigma=sigma)


@pytest.mark.parametrize("scale", [0.0, -1.0, float("inf")])
def test_cd_noise_scale_must_be_positive(scale: float) -> None:
    with pytest.raises(ValueError, match="noise_scale"):
        _loss("cd", noise_scale=scale)


def test_buffer_smaller_than_the_batch() -> None:
    loss = _loss("pcd", buffer_size=16)
    with pytest.raises(ValueError, match=r"buffer_size \(16\) is smaller than the batch \(32\)"):
        loss(torch.zeros(32, 2))
    with pytest.raises(ValueError, match="buffer_size"):
        _loss("pcd", buffer_size=0)


def test_unknown_sampler_name_is_the_registrys_error() -> None:
    with pytest.raises(ebm_core.UnknownComponentError, match=r"no sampler named 'langevn'.*'langevin'"):
        _loss("cd", sampler="langevn")


def test_typo_in_a_keyword_names_the_accepted_ones() -> None:
    with pytest.raises(ebm_core.InvalidArgumentError, match="did you mean 'buffer_size'"):
        _loss("cd", bufer_size=10)
    with pytest.raises(ebm_core.InvalidArgumentError, match="step_sise"):
        _loss("cd", sampler_kwargs={"step_sise": 0.1})


@pytest.mark.parametrize(
    "name, kwargs, message",
    [
        ("cd", {"k": 0}, "k must be"),
        ("cd", {"start": "buffer"}, "start must be one of"),
        ("cd", {"noise": "laplace"}, "noise must be one of"),
        ("cd", {"reinit_fraction": 1.5}, "reinit_fraction"),
        ("cd", {"alpha": -0.1}, "alpha"),
        ("cd", {"sampler": 3}, "sampler must be"),
        ("cd", {"generator": 0}, "generator must be"),
        ("sliced_score_matching", {"projection": "sphere"}, "projection must be one of"),
        ("sliced_score_matching", {"n_projections": 0}, "n_projections"),
    ],
)
def test_bad_options(name: str, kwargs: dict, message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        _loss(name, **kwargs)


@pytest.mark.parametrize("name", list(LOSSES))
def test_energy_must_be_an_energy(name: str) -> None:
    with pytest.raises(TypeError, match="energy must be an ebm_core.Energy"):
        ebm_core.loss(name, torch.nn.Linear(2, 1), **LOSSES[name])
