"""Before step 0 of a fresh run the Trainer fits every energy part with ``fit_to_data``; never on resume."""

from __future__ import annotations

from pathlib import Path

import torch

import ebm_core
from ebm_core.training import Trainer


class _CountingFit(ebm_core.Energy):
    """E(x) = ½‖x − c‖² + w·x: ``c`` (a buffer) is set by ``fit_to_data`` to the samples' mean."""

    def __init__(self) -> None:
        super().__init__(event_shape=(2,))
        self.w = torch.nn.Parameter(torch.zeros(2))
        self.register_buffer("c", torch.zeros(2))
        self.fitted_on: list[torch.Tensor] = []

    def fit_to_data(self, samples: torch.Tensor) -> None:
        self.fitted_on.append(samples)
        self.c.copy_(samples.mean(0))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        x = self.check_input(x)
        return 0.5 * (x - self.c).pow(2).sum(-1) + x @ self.w


class _Wrapper(ebm_core.Energy):
    def __init__(self) -> None:
        super().__init__(event_shape=(2,))
        self.part = _CountingFit()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.part(x)


class _MeanEnergy(ebm_core.Loss):
    def forward(self, data: torch.Tensor) -> torch.Tensor:
        return self.energy(data).mean()


def test_a_streamed_data_set_gives_fit_samples_draws_seeded_by_the_run_and_a_tensor_all_rows() -> None:
    energy = _Wrapper()
    data = ebm_core.dataset("two_moons")
    trainer = Trainer(_MeanEnergy(energy), data=data, batch_size=8, seed=3, fit_samples=500, progress=False)
    trainer.fit(2)
    (samples,) = energy.part.fitted_on
    torch.testing.assert_close(samples, data.sample(500, generator=torch.Generator().manual_seed(3)))
    torch.testing.assert_close(energy.part.c, samples.mean(0))
    trainer.fit(4)  # a later fit() of the same run does not refit
    assert len(energy.part.fitted_on) == 1

    rows = torch.randn(40, 2)
    energy = _Wrapper()
    Trainer(_MeanEnergy(energy), data=rows, batch_size=8, progress=False).fit(1)
    assert torch.equal(energy.part.fitted_on[0], rows)


def test_resume_keeps_the_checkpointed_fit_and_does_not_refit(tmp_path: Path) -> None:
    def trainer(energy: ebm_core.Energy, data: torch.Tensor, out: Path) -> Trainer:
        return Trainer(_MeanEnergy(energy), data=data, batch_size=8, seed=1, output_dir=out,
                       checkpoint_every=2, ema_decay=0.9, progress=False)

    data = torch.randn(64, 2) + 5.0
    whole = _Wrapper()
    trainer(whole, data, tmp_path / "a").fit(6)
    first = _Wrapper()
    trainer(first, data, tmp_path / "b").fit(3)
    assert len(first.part.fitted_on) == 1
    second = _Wrapper()
    resumed = trainer(second, data, tmp_path / "b")
    resumed.resume(tmp_path / "b" / "checkpoint.pt")
    resumed.fit(6)
    assert second.part.fitted_on == []
    assert torch.equal(second.part.c, whole.part.c) and torch.equal(second.part.w, whole.part.w)
    assert torch.equal(resumed.ema.averaged.part.c, whole.part.c)  # the EMA copy holds the fit too


def test_the_default_residual_starts_at_its_fitted_base() -> None:
    energy = ebm_core.energy("residual", dim=2, base={"name": "fitted_gaussian_mixture", "components": 3},
                             net={"name": "mlp", "hidden": [8]})
    loss = ebm_core.loss("importance_ml", energy, n_proposals=32)
    data = ebm_core.dataset("eight_gaussians")
    trainer = Trainer(loss, data=data, batch_size=16, fit_samples=300, progress=False)
    assert trainer.fit_to_data() == ["base"]
    assert energy.base.is_fitted
    x = data.sample(5)
    torch.testing.assert_close(energy(x), energy.base(x))


def test_a_part_that_is_already_fitted_is_not_refitted() -> None:
    """A fitted_gaussian_mixture fitted beforehand and passed as a residual's base keeps its fit."""
    rows = torch.randn(400, 2, generator=torch.Generator().manual_seed(0)) * 3 + 5
    base = ebm_core.energy("fitted_gaussian_mixture", dim=2, components=2).fit_to_data(rows)
    before = {k: v.clone() for k, v in base.state_dict().items()}
    energy = ebm_core.energy("residual", dim=2, base=base, net={"name": "mlp", "hidden": [8]})
    trainer = Trainer(_MeanEnergy(energy), data=ebm_core.dataset("two_moons"), batch_size=8, fit_samples=500,
                      progress=False)
    assert trainer.fit_to_data() == []
    for key, value in base.state_dict().items():
        assert torch.equal(value, before[key]), key

    unfitted = _Wrapper()  # a part without is_fitted is fitted as before
    assert Trainer(_MeanEnergy(unfitted), data=rows, batch_size=8, progress=False).fit_to_data() == ["part"]
