"""``cd``/``pcd`` evaluate E on data and negatives in one forward pass: same loss, same gradient.

The loss ``mean E(x) − mean E(x⁻) + α (mean E(x)² + mean E(x⁻)²)`` is computed from one
energy call on ``cat([data, negatives])``. These tests compare it, at matched seeds, with
the two-pass formula evaluated on the negatives the loss recorded — value, every parameter's
gradient and the recorded ``last`` values — and check that an energy whose rows are not
independent (batch norm in training mode) still gets two passes. Deterministic (fixed seeds);
the tolerances cover float32 GEMM rounding, which may differ with the number of rows.
"""

from __future__ import annotations

import pytest
import torch

import ebm_core


def _two_pass(energy: ebm_core.Energy, data: torch.Tensor, negatives: torch.Tensor, alpha: float) -> torch.Tensor:
    """The loss as computed before the joint pass: E on data and on negatives separately."""
    energy_data, energy_negatives = energy(data), energy(negatives)
    loss = energy_data.mean() - energy_negatives.mean()
    return loss + alpha * (energy_data.pow(2).mean() + energy_negatives.pow(2).mean())


def _grads(energy: ebm_core.Energy) -> list[torch.Tensor]:
    grads = [p.grad.clone() for p in energy.parameters()]
    energy.zero_grad(set_to_none=True)
    return grads


def _eight_gaussians(n: int, seed: int) -> torch.Tensor:
    torch.manual_seed(seed)
    return ebm_core.dataset("eight_gaussians").sample(n).float()


@pytest.mark.parametrize("persistent", [True, False])
def test_joint_pass_gives_the_two_pass_loss_gradient_and_records(persistent: bool) -> None:
    torch.manual_seed(0)
    energy = ebm_core.energy("mlp", dim=2, hidden=[32, 32])
    alpha = 0.1
    loss = ebm_core.loss(
        "cd", energy, sampler="langevin", k=5, persistent=persistent, buffer_size=128, noise="gaussian",
        alpha=alpha, sampler_kwargs={"step_size": 0.01}, generator=torch.Generator().manual_seed(1),
    )
    for seed in range(3):  # several batches: the buffer's chains move between them
        data = _eight_gaussians(64, seed)
        value = loss(data)
        value.backward()
        joint = _grads(energy)
        negatives = loss.last["negatives"]
        reference = _two_pass(energy, data, negatives, alpha)
        reference.backward()
        assert torch.allclose(value, reference, rtol=1e-5, atol=1e-6)
        for g, r in zip(joint, _grads(energy)):
            assert torch.allclose(g, r, rtol=1e-4, atol=1e-6)
        with torch.no_grad():
            assert torch.allclose(loss.last["energy_data"], energy(data).mean(), rtol=1e-5, atol=1e-6)
            assert torch.allclose(loss.last["energy_negatives"], energy(negatives).mean(), rtol=1e-5, atol=1e-6)


def test_one_forward_call_sees_data_then_negatives() -> None:
    energy = ebm_core.energy("mlp", dim=2, hidden=[16])
    inputs: list[torch.Tensor] = []
    energy.register_forward_hook(lambda module, args, out: inputs.append(args[0].detach().clone()))
    loss = ebm_core.loss("pcd", energy, sampler="langevin", k=3, buffer_size=64,
                         sampler_kwargs={"step_size": 0.01}, generator=torch.Generator().manual_seed(0))
    data = _eight_gaussians(32, 0)
    loss(data)
    assert torch.equal(inputs[-1], torch.cat([data, loss.last["negatives"]]))
    assert not any(torch.equal(x, data) for x in inputs)  # data never evaluated alone


class _BatchNormEnergy(ebm_core.Energy):
    """A net with a batch-norm layer: in training mode one row's energy depends on the others."""

    def __init__(self) -> None:
        super().__init__(event_shape=(2,))
        self.net = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.BatchNorm1d(16), torch.nn.SiLU(),
                                       torch.nn.Linear(16, 1))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.net(self.check_input(x)).squeeze(-1)


def test_batch_norm_in_training_mode_keeps_two_passes() -> None:
    torch.manual_seed(0)
    energy = _BatchNormEnergy()
    loss = ebm_core.loss("cd", energy, sampler="langevin", k=3, alpha=0.1,
                         sampler_kwargs={"step_size": 0.01}, generator=torch.Generator().manual_seed(0))
    data = _eight_gaussians(32, 0)
    value = loss(data)
    negatives = loss.last["negatives"]
    # Data and negatives are normalised each over their own rows, as with two separate calls.
    assert torch.allclose(value, _two_pass(energy, data, negatives, 0.1), rtol=1e-5, atol=1e-6)
    energy.eval()  # in eval mode the rows are independent again: one joint pass
    inputs: list[torch.Tensor] = []
    energy.register_forward_hook(lambda module, args, out: inputs.append(args[0]))
    loss(data)
    assert inputs[-1].shape[0] == data.shape[0] + loss.last["negatives"].shape[0]
