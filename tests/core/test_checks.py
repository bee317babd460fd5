"""ebm_core.argument_checks: numbers accepted in every common form, errors naming the argument."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from ebm_core.argument_checks import non_negative, positive, positive_int


def test_accepted_forms() -> None:
    assert positive("h", 2) == 2.0 and positive("h", np.float32(0.5)) == 0.5
    assert positive("h", torch.tensor(0.25)) == 0.25
    assert non_negative("alpha", 0) == 0.0
    assert positive_int("k", np.int64(3)) == 3 and isinstance(positive_int("k", np.int64(3)), int)


@pytest.mark.parametrize(
    ("check", "value", "error", "match"),
    [
        (positive, 0.0, ValueError, "h must be a finite number > 0, got 0.0"),
        (positive, float("nan"), ValueError, "h must be a finite number > 0"),
        (positive, "1", TypeError, "h must be a number, got str"),
        (positive, True, TypeError, "h must be a number, got bool"),
        (non_negative, -1e-9, ValueError, "h must be a finite number >= 0"),
        (positive_int, 0, ValueError, "h must be an int >= 1, got 0"),
        (positive_int, 2.0, ValueError, "h must be an int >= 1, got 2.0"),
    ],
)
def test_errors_name_the_argument(check, value, error, match) -> None:
    with pytest.raises(error, match=match):
        check("h", value)
