"""The kit catches planted bugs, and says what is wrong in words a plugin author understands.

Each planted component (``planted.py``) is a correct implementation with one line changed.
The statistical cases run at the kit's default false-fail rate 1e-3; the bugs fail by
dozens of standard errors, so these tests cannot pass by chance (fixed seeds make every run
identical anyway). A correct twin passes the very same check in each case, so what fails is
the bug, not the check.
"""

from __future__ import annotations

import re

import pytest

import ebm_core.testing as kit
from ebm_core.testing import ConformanceError

from . import planted

ULA_STEP = 0.05
GAUSSIANS = ("correlated_gaussian",)


def _failure(call, *args, **kwargs) -> ConformanceError:
    with pytest.raises(ConformanceError) as info:
        call(*args, **kwargs)
    return info.value


def test_the_correct_twins_pass() -> None:
    kit.check_sampler_contract(planted.RandomWalk, devices=["cpu"])
    kit.check_sampler_statistics(planted.RandomWalk, targets=GAUSSIANS, n_steps=600, burn_in=300)
    kit.check_sampler_statistics("langevin", {"step_size": ULA_STEP}, targets=GAUSSIANS, n_steps=300,
                                 burn_in=150, stationary=kit.ula_stationary(ULA_STEP))


def test_wrong_noise_scale_is_caught_and_explained() -> None:
    error = _failure(kit.check_sampler_statistics, planted.WrongNoiseLangevin, {"step_size": ULA_STEP},
                     targets=GAUSSIANS, n_steps=300, burn_in=150, stationary=kit.ula_stationary(ULA_STEP))
    text = str(error)
    assert [p.check for p in error.problems] == ["statistics"]
    assert "too concentrated" in text and "√(2h)·ξ" in text
    ratios = [float(r) for r in re.findall(r"ratio (\d\.\d\d)\)", text)]
    assert ratios and all(0.4 < r < 0.6 for r in ratios), text  # √h noise halves the variance


def test_a_sampler_that_ignores_the_generator_is_caught_and_explained() -> None:
    error = _failure(kit.check_sampler_contract, planted.GlobalRNGWalk, devices=["cpu"])
    assert [p.check for p in error.problems] == ["generator"]
    message = error.problems[0].message
    assert "gave different samples" in message
    assert "global RNG instead of the generator" in message
    assert "generator=generator" in message  # it says how to fix it


def test_an_inverted_metropolis_ratio_is_caught() -> None:
    error = _failure(kit.check_sampler_statistics, planted.UphillWalk, targets=GAUSSIANS, n_steps=200, burn_in=100)
    assert "the samples do not follow correlated_gaussian" in str(error)
    assert "too spread out" in str(error)


def test_a_sampler_that_changes_the_dtype_is_caught() -> None:
    error = _failure(kit.check_sampler_contract, planted.Float32Walk, devices=["cpu"])
    assert any("dtype torch.float32 instead of torch.float64" in p.message for p in error.problems)


def test_a_wrong_analytic_gradient_is_caught_and_explained() -> None:
    error = _failure(kit.check_energy, planted.FlippedGradientQuadratic(), devices=["cpu"])
    assert "is not the gradient of forward(x)" in str(error)
    assert "the sign is flipped" in str(error)


def test_an_energy_that_mixes_rows_of_the_batch_is_caught() -> None:
    error = _failure(kit.check_energy, planted.BatchNormalisedEnergy(), devices=["cpu"])
    assert "must not depend on the other rows" in str(error)


def test_a_loss_with_the_wrong_sign_is_caught_and_explained() -> None:
    error = _failure(kit.check_loss_minimiser, planted.NegatedScoreMatching)
    assert "maximised, not minimised" in str(error) and "wrong sign" in str(error)


def test_a_loss_off_by_a_factor_d_is_caught_and_explained() -> None:
    error = _failure(kit.check_loss_minimiser, planted.AveragedTraceScoreMatching)
    assert "not minimised at a* = 1/s² = 0.25" in str(error)
    assert "a factor 1/d = 1/4" in str(error)
