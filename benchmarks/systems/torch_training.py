"""The timed training loop shared by the torch-based systems (ebm, TorchEBM, ebmkit).

Each system supplies only how one batch becomes a scalar loss; the loop around it — cycling
through the shared batches, zero_grad, backward, Adam step, collecting the loss values — is
identical for all of them, so no system is timed with a different loop.
"""

from __future__ import annotations

from typing import Any, Callable

from ..inputs import Inputs
from ..workloads import Workload
from .base import Prepared


def training_loop(
    workload: Workload,
    inputs: Inputs,
    parameters: Any,
    loss_of: Callable[[Any], Any],
    learning_rate: float,
    backend: str,
    device: str = "cpu",
) -> Prepared:
    """``workload.iterations`` optimisation steps of ``loss_of(batch)`` per timed run.

    The batches are moved to ``device`` once, before any timing.

    torch is imported here, not at module level, so the JAX worker never loads it.
    """
    import torch

    optimiser = torch.optim.Adam(parameters, lr=learning_rate)
    batches = torch.from_numpy(inputs.data).to(device)
    counter = [0]

    def run() -> Any:
        values = []
        for _ in range(workload.iterations):
            batch = batches[counter[0] % batches.shape[0]]
            counter[0] += 1
            optimiser.zero_grad(set_to_none=True)
            value = loss_of(batch)
            value.backward()
            optimiser.step()
            values.append(value.detach())
        return torch.stack(values)

    return Prepared(run=run, to_numpy=lambda values: values.cpu().numpy(), backend=lambda values: backend)
