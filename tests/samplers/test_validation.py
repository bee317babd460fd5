"""Bad input raises before any chain moves, with a message naming the argument and the fix."""

from __future__ import annotations

import pytest
import torch

import ebm_core

from ._support import gaussian_2d


@pytest.mark.parametrize("name", ["langevin", "mala", "hmc"])
@pytest.mark.parametrize("step_size", [0.0, -0.1, float("nan"), float("inf")])
def test_step_size_must_be_positive_and_finite(name, step_size) -> None:
    with pytest.raises(ValueError, match="step_size must be a finite number > 0"):
        ebm_core.sampler(name, gaussian_2d(), step_size=step_size)


@pytest.mark.parametrize("name", ["mala", "hmc"])
def test_assigning_a_bad_step_size_raises_too(name) -> None:
    s = ebm_core.sampler(name, gaussian_2d(), step_size=0.1)
    with pytest.raises(ValueError, match="step_size"):
        s.step_size = 0


@pytest.mark.parametrize("n_leapfrog, error", [(0, ValueError), (-3, ValueError), (2.5, TypeError)])
def test_n_leapfrog_must_be_a_positive_integer(n_leapfrog, error) -> None:
    with pytest.raises(error, match="n_leapfrog"):
        ebm_core.sampler("hmc", gaussian_2d(), n_leapfrog=n_leapfrog)


@pytest.mark.parametrize(
    "name, kwargs, match",
    [
        ("mala", {"target_accept": 1.0}, "target_accept"),
        ("hmc", {"target_accept": 0.0}, "target_accept"),
        ("hmc", {"inv_mass": [1.0, -1.0]}, "inv_mass"),
        ("hmc", {"step_size_jitter": 1.0}, "step_size_jitter"),
        ("langevin", {"temperature": 0.0}, "temperature"),
        ("langevin", {"clamp": -1.0}, "clamp"),
    ],
)
def test_other_sampler_arguments_are_checked(name, kwargs, match) -> None:
    with pytest.raises(ValueError, match=match):
        ebm_core.sampler(name, gaussian_2d(), **kwargs)


def test_typo_in_a_keyword_names_the_accepted_ones() -> None:
    with pytest.raises(ebm_core.InvalidArgumentError, match="did you mean 'n_leapfrog'"):
        ebm_core.sampler("hmc", gaussian_2d(), n_leapfrogs=5)


def test_energy_must_be_an_energy() -> None:
    with pytest.raises(TypeError, match="energy must be an ebm_core.Energy"):
        ebm_core.sampler("mala", lambda x: x.sum(-1))


@pytest.fixture
def mala():
    return ebm_core.sampler("mala", gaussian_2d(), step_size=0.1)


def test_x_of_the_wrong_event_shape(mala) -> None:
    with pytest.raises(ValueError, match=r"x has shape \(4, 3\) but Gaussian expects \(batch, 2\)"):
        mala.sample(torch.zeros(4, 3), n_steps=5)
    with pytest.raises(ValueError, match="add a batch dimension"):
        mala.sample(torch.zeros(2), n_steps=5)


def test_x_of_an_integer_dtype(mala) -> None:
    with pytest.raises(TypeError, match="floating-point"):
        mala.sample(torch.zeros(4, 2, dtype=torch.int64), n_steps=5)


def test_x_of_another_dtype_than_the_network() -> None:
    net = torch.nn.Linear(2, 1)
    s = ebm_core.sampler("langevin", ebm_core.energy("neural", module=net), step_size=0.1)
    expected = r"x has dtype torch.float64 but Neural's parameters are torch.float32"
    with pytest.raises(TypeError, match=expected):
        s.sample(torch.zeros(4, 2, dtype=torch.float64), n_steps=5)


def test_x_on_another_device_than_the_energy() -> None:
    net = torch.nn.Linear(2, 1).to("meta")
    s = ebm_core.sampler("langevin", ebm_core.energy("neural", module=net), step_size=0.1)
    with pytest.raises(ValueError, match="x is on cpu but Neural's parameters are on meta"):
        s.sample(torch.zeros(4, 2), n_steps=5)


def test_nan_or_inf_in_the_start_states(mala) -> None:
    x0 = torch.zeros(6, 2)
    x0[1, 0], x0[4, 1] = float("nan"), float("inf")
    with pytest.raises(ValueError, match=r"NaN or infinite values in 2 chain\(s\) \(rows 1, 4\)"):
        mala.sample(x0, n_steps=5)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"n_steps": 0}, ValueError, "n_steps must be an integer >= 1, got n_steps=0; the number of steps"),
        ({"n_steps": 2.5}, TypeError, "n_steps must be an integer"),
        ({"n_steps": 10, "burn_in": 10}, ValueError, "burn_in=10 leaves no step to sample"),
        ({"n_steps": 10, "burn_in": -1}, ValueError, "burn_in must be an integer >= 0"),
        ({"n_steps": 10, "thin": 0}, ValueError, "thin must be an integer >= 1"),
        ({"n_steps": 10, "burn_in": 6, "thin": 5}, ValueError, "thin=5 keeps no state.*use thin <= 4"),
    ],
)
def test_schedule(mala, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        mala.sample(torch.zeros(4, 2), **kwargs)


def test_start_states_or_n_samples_exactly_one(mala) -> None:
    with pytest.raises(ValueError, match="pass starting states x"):
        mala.sample(n_steps=5)
    with pytest.raises(ValueError, match="either starting states x or n_samples"):
        mala.sample(torch.zeros(4, 2), n_samples=4, n_steps=5)
    with pytest.raises(ValueError, match="at least one chain"):
        mala.sample(torch.zeros(0, 2), n_steps=5)


def test_n_samples_needs_an_event_shape() -> None:
    s = ebm_core.sampler("mala", ebm_core.energy("neural", module=torch.nn.Linear(2, 1)))
    with pytest.raises(ValueError, match="n_samples=3 needs to know the shape of one sample"):
        s.sample(n_samples=3, n_steps=5)


def test_generator_must_be_a_generator(mala) -> None:
    with pytest.raises(TypeError, match="generator must be a torch.Generator"):
        mala.sample(torch.zeros(4, 2), n_steps=5, generator=0)


def test_hmc_inv_mass_must_match_the_event() -> None:
    s = ebm_core.sampler("hmc", gaussian_2d(), inv_mass=[1.0, 2.0, 3.0])
    with pytest.raises(ValueError, match="inv_mass has 3 entries but one sample has 2 elements"):
        s.sample(torch.zeros(4, 2), n_steps=5)


def test_load_state_dict_rejects_foreign_state() -> None:
    mala = ebm_core.sampler("mala", gaussian_2d())
    hmc = ebm_core.sampler("hmc", gaussian_2d())
    with pytest.raises(ValueError, match=r"unexpected key\(s\) \['inv_mass'\]"):
        mala.load_state_dict(hmc.state_dict())
