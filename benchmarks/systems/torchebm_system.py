"""TorchEBM (the ``torchebm`` package from PyPI), in its own fastest form of each target.

* W1: ``DoubleWellModel(barrier_height, b)`` with ``LangevinDynamics(step_size=h,
  noise_scale=1)`` — its update ``x − h∇E + √(2h)·noise_scale·ξ`` is ULA at temperature 1.
* W2/W3: ``HarmonicModel(k=1)`` = ½‖x‖², the standard Gaussian through elementwise ops
  (its ``GaussianModel`` multiplies by a dense (d, d) inverse covariance per chain, slower);
  W3 with ``HamiltonianMonteCarlo(step_size=ε, n_leapfrog_steps=L)`` and the identity mass.
* W4/training, W5/W6: the shared MLP (conv net) wrapped in a ``BaseModel`` subclass (TorchEBM's way to bring a
  network); training with its ``ContrastiveDivergence(persistent=True)`` replay buffer.

TorchEBM computes every gradient with autograd (its models define only ``forward``).
"""

from __future__ import annotations

from typing import Any

from .. import samplers_ii
from ..environment import set_torch_threads
from ..inputs import Inputs
from ..workloads import DOUBLE_WELL, TRAINING, Workload
from .base import Prepared, System, Unsupported
from .torch_training import training_loop


def _model(workload: Workload, inputs: Inputs) -> Any:
    from torchebm.core import BaseModel, DoubleWellModel, HarmonicModel

    from .torch_conv import build_conv
    from .torch_mlp import build_mlp

    if workload.target == "double_well":
        return DoubleWellModel(**DOUBLE_WELL)
    if workload.target == "gaussian":
        return HarmonicModel(k=1.0)

    class MLPModel(BaseModel):
        """The shared MLP or conv net as a TorchEBM model: (batch, *event) → (batch,) energies."""

        def __init__(self, net):
            super().__init__()
            self.net = net

        def forward(self, x):
            return self.net(x).squeeze(-1)

    return MLPModel(build_conv(inputs.weights) if workload.target == "conv" else build_mlp(inputs.weights))


def _sampler(workload: Workload, model: Any) -> Any:
    if workload.kind == "hmc":
        from torchebm.samplers import HamiltonianMonteCarlo

        return HamiltonianMonteCarlo(
            model, step_size=workload.step_size, n_leapfrog_steps=workload.n_leapfrog
        )
    from torchebm.samplers import LangevinDynamics

    return LangevinDynamics(model, step_size=workload.step_size, noise_scale=1.0)


def _prepare_chains(workload: Workload, inputs: Inputs) -> Prepared:
    import torch

    sampler = _sampler(workload, _model(workload, inputs))
    x0 = torch.from_numpy(inputs.x0)
    generator = torch.Generator().manual_seed(0)

    def run() -> Any:
        return sampler.sample(x=x0.clone(), n_steps=workload.steps, generator=generator)

    return Prepared(
        run=run,
        to_numpy=lambda x: x.numpy(),
        backend=lambda x: f"{type(sampler).__name__}(torch, autograd)",
    )


def _prepare_training(workload: Workload, inputs: Inputs) -> Prepared:
    import torch
    from torchebm.losses import ContrastiveDivergence

    model = _model(workload, inputs)
    sampler = _sampler(workload, model)
    loss = ContrastiveDivergence(
        model=model, sampler=sampler, k_steps=workload.steps, persistent=True,
        buffer_size=TRAINING["buffer_size"], new_sample_ratio=TRAINING["reinit_fraction"],
        init_steps=0, energy_reg_weight=TRAINING["alpha"],
    )
    generator = torch.Generator().manual_seed(0)
    return training_loop(workload, inputs, model.parameters(), lambda batch: loss(batch, generator=generator)[0],
                         TRAINING["learning_rate"], "ContrastiveDivergence(persistent) + LangevinDynamics")


def _prepare(workload: Workload, inputs: Inputs) -> Prepared:
    if workload.kind in samplers_ii.KINDS:
        raise Unsupported("TorchEBM has no NUTS or parallel tempering sampler")
    if workload.kind == "train":
        return _prepare_training(workload, inputs)
    return _prepare_chains(workload, inputs)


SYSTEM = System(
    name="torchebm",
    requires=("torchebm",),
    prepare=_prepare,
    setup=set_torch_threads,
    peer=True,
    description="TorchEBM from PyPI: built-in models, LangevinDynamics / HamiltonianMonteCarlo",
)
