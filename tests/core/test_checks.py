"""ebm_core.checks: each check accepts good values in every common form, and rejects bad ones
with TypeError (wrong kind of object) or ValueError (bad value) and a message that names the
argument, shows what was given and ends with the caller's hint."""

from __future__ import annotations

import math
import re

import numpy as np
import pytest
import torch

import ebm_core
from ebm_core import checks

NAN, INF = float("nan"), float("inf")


# ------------------------------------------------------------------------------ numbers
@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (checks.finite_float, -3, -3.0),
        (checks.finite_float, np.float32(0.5), 0.5),
        (checks.finite_float, torch.tensor(0.25, dtype=torch.float64), 0.25),
        (checks.finite_float, torch.tensor([2]), 2.0),  # one element, integer dtype
        (checks.positive_float, 2, 2.0),
        (checks.positive_float, 1e-300, 1e-300),
        (checks.non_negative_float, 0, 0.0),
        (checks.non_negative_float, np.int64(4), 4.0),
        (checks.probability, 0.8, 0.8),
        (checks.probability, torch.tensor(0.5), 0.5),
        (checks.unit_interval, 0, 0.0),
        (checks.unit_interval, 0.999, 0.999),
        (lambda v, n: checks.float_in_range(v, n, 0, 1), 1, 1.0),
        (lambda v, n: checks.float_in_range(v, n, -2.5, 0), -2.5, -2.5),
    ],
)
def test_real_numbers_accepted(check, value, expected) -> None:
    result = check(value, "h")
    assert result == expected and type(result) is float


@pytest.mark.parametrize(
    ("check", "value", "requirement"),
    [
        (checks.finite_float, NAN, "a finite number"),
        (checks.finite_float, -INF, "a finite number"),
        (checks.positive_float, 0.0, "a finite number > 0"),
        (checks.positive_float, -1, "a finite number > 0"),
        (checks.positive_float, INF, "a finite number > 0"),
        (checks.positive_float, torch.tensor(NAN), "a finite number > 0"),
        (checks.non_negative_float, -1e-9, "a finite number >= 0"),
        (checks.non_negative_float, NAN, "a finite number >= 0"),
        (checks.probability, 0.0, "a number strictly between 0 and 1"),
        (checks.probability, 1.0, "a number strictly between 0 and 1"),
        (checks.unit_interval, 1.0, r"a number in \[0, 1\)"),
        (checks.unit_interval, -0.1, r"a number in \[0, 1\)"),
        (lambda v, n, h: checks.float_in_range(v, n, 0, 1, h), 1.5, r"a number in \[0, 1\]"),
        (lambda v, n, h: checks.float_in_range(v, n, 0, 1, h), NAN, r"a number in \[0, 1\]"),
    ],
)
def test_real_numbers_with_bad_values(check, value, requirement) -> None:
    with pytest.raises(ValueError, match=rf"^h must be {requirement}, got h=.+; try 0\.5$"):
        check(value, "h", "try 0.5")


@pytest.mark.parametrize(
    "check",
    [checks.finite_float, checks.positive_float, checks.non_negative_float, checks.probability,
     checks.unit_interval, lambda v, n: checks.float_in_range(v, n, 0, 1)],
)
@pytest.mark.parametrize("value", ["1", True, [0.5], torch.ones(2), torch.tensor(True), 1j])
def test_real_numbers_of_the_wrong_type(check, value) -> None:
    with pytest.raises(TypeError, match=r"^step must be .*, got step=.* \(an? .*\)$"):
        check(value, "step")
    with pytest.raises(TypeError, match=r"^step must be .*, got step=None$"):
        check(None, "step")


def test_message_shows_the_given_value_and_the_hint() -> None:
    with pytest.raises(ValueError) as info:
        checks.positive_float(-0.1, "step_size", "try 0.01 and tune")
    expected = "step_size must be a finite number > 0, got step_size=-0.1; try 0.01 and tune"
    assert str(info.value) == expected
    with pytest.raises(TypeError) as info:
        checks.positive_float("big", "scale")
    assert str(info.value) == "scale must be a finite number > 0, got scale='big' (a str)"


@pytest.mark.parametrize(
    ("check", "value", "expected"),
    [
        (checks.positive_int, 3, 3),
        (checks.positive_int, np.int64(3), 3),
        (checks.positive_int, torch.tensor(7), 7),
        (checks.non_negative_int, 0, 0),
        (lambda v, n: checks.integer_in_range(v, n), -(2**70), -(2**70)),
        (lambda v, n: checks.integer_in_range(v, n, 2, 4), 4, 4),
        (lambda v, n: checks.integer_in_range(v, n, maximum=0), -1, -1),
    ],
)
def test_integers_accepted(check, value, expected) -> None:
    result = check(value, "k")
    assert result == expected and type(result) is int


@pytest.mark.parametrize(
    ("check", "value", "requirement"),
    [
        (checks.positive_int, 0, "an integer >= 1"),
        (checks.positive_int, -5, "an integer >= 1"),
        (checks.non_negative_int, -1, "an integer >= 0"),
        (lambda v, n, h: checks.integer_in_range(v, n, 2, 4, h), 5, r"an integer in \[2, 4\]"),
        (lambda v, n, h: checks.integer_in_range(v, n, 2, hint=h), 1, "an integer >= 2"),
        (lambda v, n, h: checks.integer_in_range(v, n, maximum=3, hint=h), 4, "an integer <= 3"),
    ],
)
def test_integers_out_of_range(check, value, requirement) -> None:
    with pytest.raises(ValueError, match=rf"^k must be {requirement}, got k={value}; use 2$"):
        check(value, "k", "use 2")


@pytest.mark.parametrize("value", [2.0, 2.5, "3", True, torch.tensor(2.0), torch.tensor([1, 2])])
def test_integers_of_the_wrong_type(value) -> None:
    message = r"^n_leapfrog must be an integer >= 1, got n_leapfrog=.* \(a .*\)"
    with pytest.raises(TypeError, match=message):
        checks.positive_int(value, "n_leapfrog")
    with pytest.raises(TypeError, match="seed must be an integer, got"):
        checks.integer_in_range(value, "seed")


def test_one_of() -> None:
    assert checks.one_of("data", "start", ("noise", "data")) == "data"
    message = r"^start must be one of 'noise', 'data', got start='buf'; hint$"
    with pytest.raises(ValueError, match=message):
        checks.one_of("buf", "start", ("noise", "data"), "hint")
    with pytest.raises(ValueError, match="start must be one of"):
        checks.one_of(["noise"], "start", {"noise", "data"})  # unhashable


def test_optional_generator() -> None:
    g = torch.Generator()
    assert checks.optional_generator(None, "generator") is None
    assert checks.optional_generator(g, "generator") is g
    assert checks.optional_generator(g, "generator", device="cpu") is g
    wrong_type = (r"generator must be a torch.Generator or None, got generator=0 \(an int\); "
                  r"create one with torch.Generator\(device='cpu'\)")
    with pytest.raises(TypeError, match=wrong_type):
        checks.optional_generator(0, "generator")
    elsewhere = (r"generator is on cpu but must be on meta; create one with "
                 r"torch.Generator\(device='meta'\).manual_seed\(seed\); see the docs")
    with pytest.raises(ValueError, match=elsewhere):
        checks.optional_generator(g, "generator", device=torch.device("meta"), hint="see the docs")



class _Quadratic(ebm_core.Energy):
    """½‖x‖² without exact samples or a normaliser (its subclass below has both)."""

    def __init__(self) -> None:
        super().__init__(event_shape=(2,))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return 0.5 * self.check_input(x).pow(2).sum(-1)


class _StandardNormal(_Quadratic):
    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.randn(n, 2, generator=generator)

    def log_partition(self) -> torch.Tensor:
        return torch.tensor(math.log(2 * math.pi))


def test_tractable_energy() -> None:
    normal = _StandardNormal()
    assert checks.tractable_energy(normal, "proposal") is normal
    with pytest.raises(TypeError, match=r"^noise must be an ebm_core.Energy with exact samples and a known "
                                        r"normaliser .*, got _Quadratic without sample_exact, log_partition; try a"):
        checks.tractable_energy(_Quadratic(), "noise", "try a Gaussian")
    with pytest.raises(TypeError, match=r"base must be an ebm_core.Energy .*, got int$"):
        checks.tractable_energy(3, "base")


# ------------------------------------------------------------------------------ tensors
def test_finite_and_positive_tensors_are_float64_copies() -> None:
    given = torch.tensor([1.0, 2.0], dtype=torch.float32, requires_grad=True)
    for check in (checks.finite_tensor, checks.positive_tensor):
        result = check(given, "scale")
        assert result.dtype == torch.float64 and not result.requires_grad
        assert result.data_ptr() != given.data_ptr()
        torch.testing.assert_close(result, torch.tensor([1.0, 2.0], dtype=torch.float64))
    float64 = torch.ones(3, dtype=torch.float64)
    assert checks.finite_tensor(float64, "x").data_ptr() != float64.data_ptr()  # never an alias
    assert checks.finite_tensor([[1, 2], [3, 4]], "m").shape == (2, 2)
    assert checks.positive_tensor(0.5, "s").item() == 0.5


@pytest.mark.parametrize("check", [checks.finite_tensor, checks.positive_tensor])
def test_non_finite_tensors(check) -> None:
    message = r"^mean must be finite, but 2 of its 3 entries are NaN or infinite .*; fix$"
    with pytest.raises(ValueError, match=message):
        check([0.0, NAN, -INF], "mean", "fix")


@pytest.mark.parametrize("value", ["big", [[1.0], [1.0, 2.0]], torch.tensor([True]), object()])
def test_tensors_of_the_wrong_type(value) -> None:
    with pytest.raises(TypeError, match="^covariance must be a"):
        checks.finite_tensor(value, "covariance")


@pytest.mark.parametrize(("value", "match"), [
    ([1.0, 0.0], r"^stds must have every entry > 0, got stds=\[1.0, 0.0\]"),
    (torch.tensor(-2.0), r"^stds must have every entry > 0, got stds=tensor\(-2.\)"),
    ([], "^stds must have at least one entry"),
])
def test_non_positive_tensors(value, match) -> None:
    with pytest.raises(ValueError, match=match):
        checks.positive_tensor(value, "stds")


def test_big_tensors_are_summarised_in_messages() -> None:
    with pytest.raises(ValueError, match=r"x=<torch.float32 tensor of shape \(100,\)>"):
        checks.positive_tensor(-torch.ones(100), "x")


def test_tensor_type_dtype_device_layout_and_shape() -> None:
    x = torch.zeros(4, 3)
    assert checks.tensor(x, "x") is x
    assert checks.dtype_in(x, "x", (torch.float32, torch.float64)) is x
    assert checks.on_device(x, "x", "cpu") is x
    assert checks.on_device(x, "x", torch.device("cpu")) is x
    assert checks.contiguous(x, "x") is x and checks.min_dims(x, "x", 2) is x
    assert checks.has_shape(x, "x", (4, 3)) is x and checks.matches(x.clone(), "g", x, "x") is not x
    cases = [
        (lambda: checks.tensor([1.0], "x0", "pass torch.tensor(x0)"), TypeError,
         "x0 must be a torch.Tensor, got x0=[1.0] (a list); pass torch.tensor(x0)"),
        (lambda: checks.dtype_in(x.half(), "x0", (torch.float32, torch.float64), "use x0.float()"),
         TypeError,
         "x0 must be float32 or float64, got torch.float16; use x0.float()"),
        (lambda: checks.on_device(x.to("meta"), "x0", "cpu", "this kernel runs on cpu"), ValueError,
         "x0 is on meta but must be on cpu; this kernel runs on cpu"),
        (lambda: checks.contiguous(x.T, "x0"), ValueError,
         "x0 must be contiguous (got strides (1, 3) for shape (3, 4)); pass x0.contiguous()"),
        (lambda: checks.min_dims(torch.zeros(3), "x0", 2), ValueError,
         "x0 must have at least 2 dimension(s), got shape (3,)"),
        (lambda: checks.has_shape(x, "mean", (3,), "one entry per dimension"), ValueError,
         "mean must have shape (3,), got (4, 3); one entry per dimension"),
        (lambda: checks.matches(torch.zeros(4, 2), "grad", x, "x"), ValueError,
         "grad has shape (4, 2) but x has shape (4, 3)"),
        (lambda: checks.matches(x.to("meta"), "grad", x, "x"), ValueError,
         "grad is on meta but x is on cpu"),
        (lambda: checks.matches(x.double(), "grad", x, "x"), TypeError,
         "grad is torch.float64 but x is torch.float32"),
        (lambda: checks.all_finite(torch.tensor([1.0, INF]), "grad"), ValueError,
         "grad must be finite, but 1 of its 2 entries are NaN or infinite"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=re.escape(message)):
            call()


def test_devices_without_an_index_match_any_index() -> None:
    meta = torch.zeros(2, device="meta")
    assert checks.on_device(meta, "x", "meta") is meta
    assert checks.on_device(meta, "x", torch.device("meta")) is meta


def test_every_public_check_is_documented() -> None:
    for name in checks.__all__:
        function = getattr(checks, name)
        assert function.__doc__ and function.__module__ == "ebm_core.checks", name
