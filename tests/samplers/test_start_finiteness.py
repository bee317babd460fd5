"""The starting-state check: one reduction for finite starts, the row-by-row check otherwise.

``starting_states`` sums ``x`` (a NaN or ±inf anywhere makes the sum non-finite) and runs the
element-wise check, which names the rows, only when the sum is not finite — also when finite
values merely overflow the sum, which must then pass. Deterministic.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core
from ebm_core.sampling import validation
from ebm_core.sampling.validation import starting_states


def _energy():
    return ebm_core.energy("gaussian", dim=2)


def _counting_row_checks(monkeypatch) -> list[int]:
    """Count the element-wise (row-by-row) checks ``starting_states`` runs."""
    calls: list[int] = []
    original = validation.nonfinite_rows
    monkeypatch.setattr(validation, "nonfinite_rows", lambda t: calls.append(1) or original(t))
    return calls


def test_finite_starts_take_one_reduction_and_no_element_wise_check(monkeypatch) -> None:
    energy = _energy()
    calls = _counting_row_checks(monkeypatch)
    x = torch.randn(16, 2, generator=torch.Generator().manual_seed(0))
    out = starting_states(energy, x, None, None)
    assert calls == [] and torch.equal(out, x) and out.data_ptr() != x.data_ptr()


def test_finite_starts_whose_sum_overflows_are_accepted(monkeypatch) -> None:
    energy = _energy()
    x = torch.full((4, 2), 3e38)  # every value finite in float32, the sum is inf
    assert not torch.isfinite(x.sum())
    calls = _counting_row_checks(monkeypatch)
    assert torch.equal(starting_states(energy, x, None, None), x)
    assert calls == [1]  # the element-wise check decided


@pytest.mark.parametrize(
    "rows, values, named",
    [
        ((2,), (float("inf"),), r"1 chain\(s\) \(rows 2\)"),
        ((0, 3), (float("inf"), float("-inf")), r"2 chain\(s\) \(rows 0, 3\)"),  # sum is NaN
        ((1,), (float("nan"),), r"1 chain\(s\) \(rows 1\)"),
    ],
)
def test_non_finite_starts_are_named_by_row(rows, values, named) -> None:
    x = torch.full((5, 2), 3e38)  # large finite values around the bad ones
    for row, value in zip(rows, values):
        x[row, 1] = value
    with pytest.raises(ValueError, match=f"x contains NaN or infinite values in {named}"):
        starting_states(_energy(), x, None, None)
