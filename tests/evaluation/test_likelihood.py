"""Held-out NLL with propagated error bars.

For data from N(0, I_d) and the exact model, the NLL estimates the entropy
``(d/2)(1 + log 2π)``; its error is checked within 4 reported standard errors (false-fail rate
~6e-5 for a normal mean; the seed is fixed).
"""

from __future__ import annotations

import math

import pytest
import torch

import ebm_core
from ebm_core.evaluation import LogZEstimate, heldout_nll


def test_exact_model_nll_is_the_entropy_within_error():
    d = 3
    e = ebm_core.energy("gaussian", dim=d)
    data = torch.randn(5000, d, generator=torch.Generator().manual_seed(0))
    nll = heldout_nll(e, data, e.log_partition())
    entropy = 0.5 * d * (1 + math.log(2 * math.pi))
    assert abs(nll.nats - entropy) < 4 * nll.stderr
    assert nll.stderr_log_z == 0.0
    assert nll.bits_per_dim == pytest.approx(nll.nats / (d * math.log(2)))
    assert nll.bits_per_dim_stderr == pytest.approx(nll.stderr / (d * math.log(2)))


def test_log_z_error_is_propagated_in_quadrature():
    e = ebm_core.energy("gaussian", dim=2)
    data = torch.randn(100, 2, generator=torch.Generator().manual_seed(1))
    log_w = torch.linspace(-0.5, 0.5, 50, dtype=torch.float64)
    estimate = LogZEstimate.from_log_weights(log_w, log_z_base=e.log_partition())
    nll = heldout_nll(e, data, estimate)
    assert nll.stderr == pytest.approx(math.hypot(nll.stderr_data, estimate.stderr))
    assert nll.nats == pytest.approx(float(e(data).double().mean()) + estimate.log_z)


def test_bad_input():
    e = ebm_core.energy("gaussian", dim=2)
    with pytest.raises(ValueError, match="at least 2"):
        heldout_nll(e, torch.zeros(1, 2), 0.0)
    with pytest.raises(TypeError, match="data"):
        heldout_nll(e, [[0.0, 0.0]], 0.0)
    nan_energy = ebm_core.energy("neural", module=lambda x: x.sum(-1) * float("nan"), event_shape=2)
    with pytest.raises(ValueError, match="NaN or inf"):
        heldout_nll(nan_energy, torch.zeros(3, 2), 0.0)
