"""ebmkit (PyPI ``ebmkit``, imported as ``ebm``), in its own fastest form of each target.

ebmkit takes any callable ``(B, *shape) → (B,)`` as an energy and differentiates it with
autograd, so the fastest form of each analytic target is a plain function:
``2 Σ (xᵢ² − 1)²`` (W1) and ``½‖x‖²`` (W2/W3). Samplers: ``LangevinDynamics(step_size=h)``
(noise ``√(2h)``, i.e. ULA at temperature 1) and ``HMC(step_size=ε, leapfrog_steps=L)``.
W4/training (W5/W6) use the shared MLP (conv net) in ``EnergyModel``; training is its ``ContrastiveDivergence``
with a ``ReplayBuffer`` (persistent CD).
"""

from __future__ import annotations

from typing import Any

from .. import samplers_ii
from ..environment import set_torch_threads
from ..inputs import Inputs
from ..workloads import DOUBLE_WELL, TRAINING, Workload
from . import ebmkit_samplers_ii
from .base import Prepared, System
from .torch_training import training_loop


def _energy(workload: Workload, inputs: Inputs) -> Any:
    if workload.target == "double_well":
        height, b2 = DOUBLE_WELL["barrier_height"], DOUBLE_WELL["b"] ** 2

        def double_well(x):
            u = x * x - b2
            return height * (u * u).sum(-1)

        return double_well
    if workload.target == "gaussian":

        def standard_gaussian(x):
            return 0.5 * (x * x).sum(-1)

        return standard_gaussian
    from ebm import EnergyModel

    from .torch_conv import build_conv
    from .torch_mlp import build_mlp

    net = build_conv(inputs.weights) if workload.target == "conv" else build_mlp(inputs.weights)
    return EnergyModel(net)


def _sampler(workload: Workload) -> Any:
    if workload.kind == "hmc":
        from ebm import HMC

        return HMC(
            step_size=workload.step_size, leapfrog_steps=workload.n_leapfrog, steps=workload.steps
        )
    from ebm import LangevinDynamics

    return LangevinDynamics(step_size=workload.step_size, steps=workload.steps)


def _prepare_chains(workload: Workload, inputs: Inputs) -> Prepared:
    import torch

    energy = _energy(workload, inputs)
    sampler = _sampler(workload)
    x0 = torch.from_numpy(inputs.x0)  # sample() clones it

    def run() -> Any:
        return sampler.sample(energy, x0)

    return Prepared(
        run=run,
        to_numpy=lambda x: x.numpy(),
        backend=lambda x: f"{type(sampler).__name__}(torch, autograd)",
    )


def _prepare_training(workload: Workload, inputs: Inputs) -> Prepared:
    import torch
    from ebm import ContrastiveDivergence, ReplayBuffer

    torch.manual_seed(0)  # ebmkit draws from torch's global generator
    energy = _energy(workload, inputs)
    buffer = ReplayBuffer(
        TRAINING["buffer_size"], workload.event_shape, reinit_prob=TRAINING["reinit_fraction"]
    )
    loss = ContrastiveDivergence(_sampler(workload), buffer=buffer, energy_reg=TRAINING["alpha"])
    return training_loop(workload, inputs, energy.parameters(), lambda batch: loss(energy, batch).loss,
                         TRAINING["learning_rate"], "ContrastiveDivergence + ReplayBuffer + LangevinDynamics")


def _prepare(workload: Workload, inputs: Inputs) -> Prepared:
    if workload.kind in samplers_ii.KINDS:
        return ebmkit_samplers_ii.prepare(workload, inputs)
    if workload.kind == "train":
        return _prepare_training(workload, inputs)
    return _prepare_chains(workload, inputs)


SYSTEM = System(
    name="ebmkit",
    requires=("ebm",),
    prepare=_prepare,
    setup=set_torch_threads,
    peer=True,
    description="ebmkit from PyPI: plain-function energies, LangevinDynamics / HMC",
)
