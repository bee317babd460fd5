"""Philox4x32-10 known answers and the quality of the normals built from it."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from scipy import stats

from ebm_cuda.random import philox4x32_10, sample_normals

# Random123's known-answer vectors for philox4x32 with 10 rounds: (counter, key, output).
KATS = [
    ((0, 0, 0, 0), (0, 0), (0x6627E8D5, 0xE169C58D, 0xBC57AC4C, 0x9B00DBD8)),
    ((0xFFFFFFFF,) * 4, (0xFFFFFFFF,) * 2, (0x408F276D, 0x41C83B0E, 0xA20BC7C6, 0x6D5451FD)),
    (
        (0x243F6A88, 0x85A308D3, 0x13198A2E, 0x03707344),
        (0xA4093822, 0x299F31D0),
        (0xD16CFE09, 0x94FDCCEB, 0x5001E420, 0x24126EA1),
    ),
]


@pytest.mark.parametrize("counter, key, expected", KATS)
def test_known_answers(counter, key, expected) -> None:
    assert philox4x32_10(counter, key) == expected


def test_rejects_malformed_words() -> None:
    with pytest.raises(ValueError, match="4 words"):
        philox4x32_10([0, 0, 0], [0, 0])
    with pytest.raises(ValueError, match=r"\[0, 2\*\*32\)"):
        philox4x32_10([0, 0, 0, 1 << 32], [0, 0])


# The normals are checked by 8 tests (2 KS, 6 correlations) at a family-wise false-fail rate of
# 1e-4, i.e. 1.25e-5 each (Bonferroni). Seeds are fixed, so a pass is reproducible; the rate is
# the chance that a correct generator would fail with some other seed.
LEVEL = 1e-4 / 8


@pytest.mark.parametrize("dtype", [torch.float32, torch.float64])
def test_normals_follow_standard_normal(dtype: torch.dtype) -> None:
    z = sample_normals(40_000, 5, seed=123, step=7, dtype=dtype).numpy().ravel()
    assert stats.kstest(z, "norm").pvalue > LEVEL
    assert np.isfinite(z).all()


def test_normals_are_uncorrelated_across_chains_steps_and_coordinates() -> None:
    a = sample_normals(50_000, 4, seed=5, step=0).numpy()
    b = sample_normals(50_000, 4, seed=5, step=1).numpy()
    c = sample_normals(50_000, 4, seed=6, step=0).numpy()
    pairs = [(a[:, 0], a[:, 1]), (a[:, 1], a[:, 2]), (a[:, 3], a[:, 0]),
             (a[:-1, 0], a[1:, 0]), (a.ravel(), b.ravel()), (a.ravel(), c.ravel())]
    # r·√n is ~ N(0, 1) for independent pairs (two-sided test at LEVEL).
    threshold = stats.norm.isf(LEVEL / 2)
    for x, y in pairs:
        r = np.corrcoef(x, y)[0, 1]
        assert abs(r) * np.sqrt(len(x)) < threshold, r


def test_normals_are_a_function_of_seed_chain_and_step() -> None:
    first = sample_normals(33, 7, seed=2**64 - 1, step=2**40)
    again = sample_normals(40, 7, seed=2**64 - 1, step=2**40)[:33]
    assert torch.equal(first, again)  # chain c's draws do not depend on how many chains run
    assert not torch.equal(first, sample_normals(33, 7, seed=2**64 - 2, step=2**40))
    assert not torch.equal(first, sample_normals(33, 7, seed=2**64 - 1, step=2**40 + 1))
