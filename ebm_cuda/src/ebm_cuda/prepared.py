"""Chain kernels that check and lay out a request once per ``sampler.run``.

ebm_core asks a kernel ``unsupported_reason(request)`` (seed 0) and then calls
``run(request')``, where ``request'`` is the same request with the seed drawn from the run's
generator. A :class:`PreparingKernel` does its checks and set-up in ``_prepare`` — raising
:class:`~ebm_cuda.KernelInputError` to decline — and ``run`` takes the prepared value back with
``_prepared(request)``, which reuses what ``unsupported_reason`` made when ``request`` is that
request with at most another seed, and prepares afresh otherwise. The value is used once.

Example::

    import torch
    from ebm_core.kernels import ChainRequest
    from ebm_cuda.prepared import same_but_seed
    a = ChainRequest(sampler="langevin", sampler_params={"step_size": 0.1}, energy="mlp",
                     energy_params={}, x0=torch.zeros(2, 2), n_steps=1, burn_in=0, thin=1,
                     seed=0, record_trajectory=False)
    assert same_but_seed(a, a) and not same_but_seed(a, ChainRequest(**{**vars(a), "n_steps": 2}))
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Any, Mapping

import torch
from ebm_core.kernels import ChainKernel, ChainRequest

from .errors import KernelInputError


class PreparingKernel(ChainKernel):
    """A :class:`~ebm_core.kernels.ChainKernel` whose ``_prepare`` runs once per sampler run."""

    def __init__(self) -> None:
        self._accepted: tuple[ChainRequest, Any] | None = None

    @abc.abstractmethod
    def _prepare(self, request: ChainRequest) -> Any:
        """Check ``request`` (raise :class:`~ebm_cuda.KernelInputError` to decline) and return
        what ``run`` needs."""

    def unsupported_reason(self, request: ChainRequest) -> str | None:
        try:
            self._accepted = (request, self._prepare(request))
        except KernelInputError as exc:
            self._accepted = None
            return str(exc)
        return None

    def _prepared(self, request: ChainRequest) -> Any:
        """``_prepare(request)``, reusing what ``unsupported_reason`` prepared when ``request``
        is that request with another seed (the same tensors and parameter mappings)."""
        accepted, self._accepted = self._accepted, None
        if accepted is None or not same_but_seed(accepted[0], request):
            return self._prepare(request)
        return accepted[1]


def same_but_seed(a: ChainRequest, b: ChainRequest) -> bool:
    """Whether ``b`` is ``a`` with (at most) another seed: every other field the same object
    (tensors, parameter mappings) or, for plain values, equal."""
    for field in dataclasses.fields(a):
        if field.name == "seed":
            continue
        x, y = getattr(a, field.name), getattr(b, field.name)
        if x is not y and (isinstance(x, (torch.Tensor, Mapping)) or type(x) is not type(y) or x != y):
            return False
    return True
