"""Trainer: exact resume, metrics log, EMA, errors."""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
import torch

import ebm_core
from ebm_core.training import CheckpointError, Trainer
from ebm_core.training.checkpoint import load_checkpoint

from .toy_models import LearnableQuadratic, NoisyContrast


def make_trainer(tmp: Path | None, **kw) -> Trainer:
    data = torch.randn(500, 2, generator=torch.Generator().manual_seed(1)) * 2 + 1
    options = dict(batch_size=16, lr=0.05, seed=3, progress=False, ema_decay=0.9, log_every=5)
    options.update(kw)
    torch.manual_seed(0)  # the loss's initial buffer
    return Trainer(NoisyContrast(LearnableQuadratic()), data=data, output_dir=tmp, **options)


def flat_state(trainer: Trainer) -> torch.Tensor:
    tensors = [p.detach().flatten() for p in trainer.loss.parameters()]
    tensors += [trainer.loss.buffer.flatten()]
    tensors += [p.flatten() for p in trainer.ema.averaged.parameters()]
    return torch.cat(tensors)


def test_resume_is_bitwise_exact(tmp_path: Path) -> None:
    straight = make_trainer(tmp_path / "straight")
    straight.fit(30)

    first = make_trainer(tmp_path / "split")
    first.fit(12)
    torch.manual_seed(12345)  # a resumed process starts from unrelated RNG state
    second = make_trainer(tmp_path / "split")
    torch.randn(100)
    second.resume(tmp_path / "split" / "checkpoint.pt")
    assert second.step == 12
    second.fit(30)

    assert torch.equal(flat_state(straight), flat_state(second))
    assert straight.optimizer.state_dict()["state"][0]["exp_avg"].equal(
        second.optimizer.state_dict()["state"][0]["exp_avg"]
    )
    records = [json.loads(line) for line in (tmp_path / "split" / "metrics.jsonl").read_text().splitlines()]
    assert [r["step"] for r in records] == [5, 10, 12, 15, 20, 25, 30], "resumed log must not repeat steps"
    assert {"loss", "energy_data", "energy_negative"} <= set(records[0])


def test_checkpoint_contents_load_without_pickled_code(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path)
    trainer.fit(5)
    state = load_checkpoint(tmp_path / "checkpoint.pt")  # weights_only=True inside
    assert state["step"] == 5 and state["world_size"] == 1
    assert set(state["ranks"][0]) == {"loss", "sampler", "rng"}
    assert "buffer" in state["ranks"][0]["loss"]


def test_corrupt_checkpoint_is_reported_and_left_alone(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path)
    trainer.fit(5)
    path = tmp_path / "checkpoint.pt"
    damaged = path.read_bytes()[:200]
    path.write_bytes(damaged)
    fresh = make_trainer(tmp_path)
    with pytest.raises(CheckpointError, match="corrupt or truncated"):
        fresh.resume(path)
    assert path.read_bytes() == damaged


def test_resume_needs_more_steps_and_same_world(tmp_path: Path) -> None:
    trainer = make_trainer(tmp_path)
    trainer.fit(10)
    with pytest.raises(ValueError, match="below the resumed step 10"):
        trainer.fit(5)
    state = trainer.state_dict()
    state["world_size"] = 2
    with pytest.raises(ValueError, match="written by 2 rank"):
        make_trainer(None).load_state_dict(state)


def test_bad_arguments_are_named() -> None:
    with pytest.raises(ValueError, match="batch_size must be an integer >= 2, got batch_size=1"):
        make_trainer(None, batch_size=1)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got lr=0.0"):
        make_trainer(None, lr=0.0)
    with pytest.raises(ValueError, match="lr must be a finite number > 0, got lr=nan"):
        make_trainer(None, lr=float("nan"))  # NaN fails every comparison: once accepted
    with pytest.raises(ValueError, match="grad_clip must be a finite number > 0"):
        make_trainer(None, grad_clip=float("nan"))
    with pytest.raises(TypeError, match="loss must be an ebm_core.Loss"):
        Trainer(object(), data=torch.randn(10, 2))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="data must be a tensor or a data set"):
        Trainer(NoisyContrast(LearnableQuadratic()), data=[1, 2, 3])


def test_non_finite_loss_stops_with_advice() -> None:
    class Exploding(NoisyContrast):
        def forward(self, data):
            return super().forward(data) * float("inf")

    trainer = Trainer(Exploding(LearnableQuadratic()), data=torch.randn(50, 2), batch_size=4, progress=False)
    with pytest.raises(FloatingPointError, match="at step 1 .*lower the"):
        trainer.fit(10)


def test_resume_is_exact_for_pcd_with_its_own_generator(tmp_path: Path) -> None:
    """The loss's private generator (chains, buffer draws, restarts) is checkpointed too."""

    def build(out: Path) -> Trainer:
        torch.manual_seed(0)
        energy = ebm_core.energy("mlp", hidden=[8, 8])
        loss = ebm_core.loss("pcd", energy, k=3, buffer_size=64, generator=torch.Generator().manual_seed(1))
        return Trainer(loss, data=ebm_core.dataset("eight_gaussians"), batch_size=16, seed=2,
                       output_dir=out, progress=False)

    straight = build(tmp_path / "a")
    straight.fit(8)
    first = build(tmp_path / "b")
    first.fit(3)
    second = build(tmp_path / "b")
    torch.randn(10, generator=second.loss.generator)  # a resumed process starts elsewhere
    second.resume(tmp_path / "b" / "checkpoint.pt")
    second.fit(8)
    assert set(straight.loss_generators) == {"generator"}
    for (name, a), b in zip(straight.loss.state_dict().items(), second.loss.state_dict().values()):
        assert torch.equal(a, b), name


def test_non_finite_gradient_stops_before_the_update() -> None:
    class NanGradient(NoisyContrast):
        def forward(self, data):
            return super().forward(data) + (self.energy.log_a - self.energy.log_a).sqrt()

    trainer = Trainer(NanGradient(LearnableQuadratic()), data=torch.randn(50, 2), batch_size=4, progress=False)
    before = [p.detach().clone() for p in trainer.loss.parameters()]
    with pytest.raises(FloatingPointError, match="gradient became non-finite at step 1; parameters were not updated"):
        trainer.fit(3)
    assert all(torch.equal(a, b) for a, b in zip(before, trainer.loss.parameters()))


def test_cosine_schedule_decays_to_zero_and_stays_there() -> None:
    trainer = make_trainer(None, lr_schedule="cosine", schedule_steps=4, ema_decay=None)
    rates = []
    for step in range(1, 8):
        trainer.fit(step)
        rates.append(trainer.optimizer.param_groups[0]["lr"])
    assert rates[0] == pytest.approx(0.05 * 0.5 * (1 + math.cos(math.pi / 4)))
    assert rates[3:] == [0.0, 0.0, 0.0, 0.0]


def test_evaluation_survives_divergent_chains() -> None:
    from ebm_core.training.evaluation import evaluate

    energy = ebm_core.energy("double_well")
    sampler = ebm_core.sampler("langevin", energy, step_size=0.5)  # explodes on x⁴ tails
    results = evaluate(energy, torch.randn(100, 2), sampler=sampler, n_samples=50, n_steps=30,
                       nll_bounds=None, seed=0)
    assert results["eval_n_divergent"] > 0
    if results["eval_n_divergent"] == 50:
        assert math.isnan(results["mmd"])
    else:
        assert math.isfinite(results["mmd"])
