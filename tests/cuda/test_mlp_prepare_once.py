"""The fused MLP kernel checks a request once per ``sampler.run``, not twice.

ebm_core asks ``unsupported_reason(request)`` and then calls ``run`` with the same request
and only a drawn seed; the kernel reuses what it prepared for the first call. These tests
count the preparations, check that the seed of the run (not the placeholder 0 of the
question) keys the noise, and that any other request is prepared afresh. Deterministic.
"""

from __future__ import annotations

import dataclasses

import torch

import ebm_core
from ebm_core.kernels import ChainRequest
from ebm_cuda.mlp_chain import FusedMLPLangevin


def _request(energy, x0: torch.Tensor, seed: int = 0) -> ChainRequest:
    return ChainRequest(
        sampler="langevin", sampler_params={"step_size": 0.01}, energy="mlp",
        energy_params=energy.kernel_params(), x0=x0, n_steps=3, burn_in=0, thin=1, seed=seed,
        record_trajectory=False,
    )


def _counting(monkeypatch) -> list[int]:
    calls: list[int] = []
    original = FusedMLPLangevin._prepare

    def counted(self, request):
        calls.append(1)
        return original(self, request)

    monkeypatch.setattr(FusedMLPLangevin, "_prepare", counted)
    return calls


def test_one_preparation_per_sampler_run(monkeypatch) -> None:
    calls = _counting(monkeypatch)
    energy = ebm_core.energy("mlp", dim=2, hidden=[16, 16])
    result = ebm_core.sampler("langevin", energy, step_size=0.01).run(
        torch.zeros(32, 2), n_steps=3, generator=torch.Generator().manual_seed(0))
    assert result.backend == "ebm-cuda:langevin/mlp/cpu"
    assert len(calls) == 1


def test_the_run_uses_its_own_seed_and_matches_a_fresh_preparation(monkeypatch) -> None:
    energy = ebm_core.energy("mlp", dim=2, hidden=[16, 16])
    question = _request(energy, torch.zeros(32, 2))
    run = dataclasses.replace(question, seed=12345)
    reused = FusedMLPLangevin()
    assert reused.unsupported_reason(question) is None
    calls = _counting(monkeypatch)
    out = reused.run(run)
    assert not calls  # reused what unsupported_reason prepared
    fresh = FusedMLPLangevin().run(run)
    assert len(calls) == 1
    assert torch.equal(out.samples, fresh.samples)
    assert not torch.equal(out.samples, FusedMLPLangevin().run(question).samples)  # seed 0 differs


def test_another_request_is_prepared_afresh(monkeypatch) -> None:
    energy = ebm_core.energy("mlp", dim=2, hidden=[16, 16])
    kernel = FusedMLPLangevin()
    assert kernel.unsupported_reason(_request(energy, torch.zeros(32, 2))) is None
    calls = _counting(monkeypatch)
    other = _request(energy, torch.ones(8, 2), seed=7)  # other chains: not the accepted request
    out = kernel.run(other)
    assert len(calls) == 1 and out.samples.shape == (8, 2)
    kernel.run(other)  # the accepted request is used at most once
    assert len(calls) == 2
