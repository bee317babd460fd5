"""ebm, through its public API only: the fused path and the torch path.

Both columns run the same user code — ``ebm_core.energy(...)``, ``ebm_core.sampler(...)``,
``.run(x0, n_steps=K, accelerate=...)`` and ``ebm_core.loss("cd", ..., persistent=True)`` —
and differ only in whether fused kernels may be used:

* **ebm-fused** — ``accelerate=True``: the sampler loop dispatches whole chains to an
  ebm-cuda chain kernel — of the analytic energies (W1–W3), of the SiLU ``mlp`` energy in
  float32 on the CPU (W4 and the ``train`` workload's PCD sampler: ``langevin/mlp/cpu``, all
  K steps in one native call) and of the conv energy's strided net on the CPU (W5, W6:
  ``langevin/conv/cpu``) — and, on a GPU, runs the torch loop with ebm-cuda's fused per-step
  Langevin update;
  ``result.backend`` names what ran, and the report shows it. Missing when ebm-cuda is not
  installed or registers no kernel.
* **ebm-torch** — ``accelerate=False`` and ``EBM_DISABLE_KERNELS=1`` (the loss's sampler
  honours the environment): plain torch ops, analytic gradients for the built-in energies.
"""

from __future__ import annotations

import os
from typing import Any

from .. import samplers_ii
from ..environment import DISABLE_KERNELS_ENV, set_torch_threads
from ..inputs import Inputs
from ..workloads import CONV_CHANNELS, DOUBLE_WELL, MLP_HIDDEN, TRAINING, Workload
from . import ebm_samplers_ii
from .base import Prepared, System, Unavailable, Unsupported
from .torch_training import training_loop


def _setup_fused() -> dict:
    set_torch_threads()
    os.environ.pop(DISABLE_KERNELS_ENV, None)
    import ebm_core
    import ebm_cuda

    kernels = ebm_core.available("kernel")
    if not kernels:
        raise Unavailable("ebm-cuda registers no kernel (ebm_core.available('kernel') is empty)")
    return {"ebm_cuda_build": ebm_cuda.build_info(), "kernels": kernels}


def _setup_torch() -> None:
    set_torch_threads()
    os.environ[DISABLE_KERNELS_ENV] = "1"
    return None


def _energy(workload: Workload, inputs: Inputs) -> Any:
    import ebm_core

    from .torch_mlp import load_weights

    if workload.target == "double_well":
        return ebm_core.energy("double_well", dim=workload.dim, **DOUBLE_WELL)
    if workload.target == "gaussian":
        return ebm_core.energy("gaussian", dim=workload.dim)
    if workload.target == "conv":
        from torch import nn

        energy = ebm_core.energy("conv", event_shape=workload.event_shape, channels=CONV_CHANNELS)
        load_weights(energy, inputs.weights, layer_types=(nn.Conv2d, nn.Linear))
        return energy
    energy = ebm_core.energy("mlp", dim=workload.dim, hidden=list(MLP_HIDDEN))
    load_weights(energy, inputs.weights)
    return energy


def _sampler(workload: Workload, energy: Any) -> Any:
    import ebm_core

    if workload.kind == "hmc":
        return ebm_core.sampler(
            "hmc", energy, step_size=workload.step_size, n_leapfrog=workload.n_leapfrog,
            adapt_step_size=False, adapt_mass=False,
        )
    return ebm_core.sampler("langevin", energy, step_size=workload.step_size)


def _prepare_chains(workload: Workload, inputs: Inputs, accelerate: bool, device: str = "cpu") -> Prepared:
    import torch

    energy = _energy(workload, inputs).to(device)
    sampler = _sampler(workload, energy)
    x0 = torch.from_numpy(inputs.x0).to(device)  # run() copies it; x0 is never modified
    generator = torch.Generator(device).manual_seed(0)

    def run() -> Any:
        return sampler.run(x0, n_steps=workload.steps, generator=generator, accelerate=accelerate)

    return Prepared(
        run=run,
        to_numpy=lambda result: result.samples.cpu().numpy(),
        backend=lambda result: result.backend,
        info=lambda result: {
            "n_grad_evals_per_chain": result.n_grad_evals,
            "acceptance_rate": result.mean_acceptance_rate,
            "fallback_reason": result.fallback_reason,
        },
    )


def _prepare_training(workload: Workload, inputs: Inputs, accelerate: bool, device: str = "cpu") -> Prepared:
    import ebm_core
    import torch

    energy = _energy(workload, inputs).to(device)
    generator = torch.Generator(device).manual_seed(0)
    loss = ebm_core.loss(
        "cd", energy, sampler="langevin", k=workload.steps, persistent=True,
        buffer_size=TRAINING["buffer_size"], reinit_fraction=TRAINING["reinit_fraction"],
        noise="gaussian", noise_scale=1.0, alpha=TRAINING["alpha"],
        sampler_kwargs={"step_size": workload.step_size}, generator=generator,
    )
    # What the loss's sampler runs on (the kernel dispatch happens inside loss.forward).
    probe = loss.sampler.run(torch.from_numpy(inputs.data[0]).clone().to(device), n_steps=1, accelerate=accelerate)
    return training_loop(workload, inputs, energy.parameters(), loss, TRAINING["learning_rate"],
                         f"cd loss, sampler backend {probe.backend}", device=device)


def _prepare(accelerate: bool):
    def prepare(workload: Workload, inputs: Inputs) -> Prepared:
        if workload.kind in samplers_ii.KINDS:
            if accelerate:
                raise Unsupported("nuts and parallel_tempering have no fused kernel: "
                                  "accelerate=True runs the torch loop of the ebm-torch column")
            return ebm_samplers_ii.prepare(workload, inputs)
        if workload.kind == "train":
            return _prepare_training(workload, inputs, accelerate)
        return _prepare_chains(workload, inputs, accelerate)

    return prepare


FUSED = System(
    name="ebm-fused",
    requires=("ebm_core", "ebm_cuda"),
    prepare=_prepare(accelerate=True),
    setup=_setup_fused,
    peer=False,
    description="ebm with ebm-cuda kernels (accelerate=True): fused chains or fused updates",
)

TORCH = System(
    name="ebm-torch",
    requires=("ebm_core",),
    prepare=_prepare(accelerate=False),
    setup=_setup_torch,
    peer=False,
    description="ebm's torch path (accelerate=False, EBM_DISABLE_KERNELS=1)",
)

