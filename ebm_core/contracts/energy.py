"""The :class:`Energy` contract: ``E(x)`` with ``p(x) ∝ exp(−E(x))``.

Conventions used everywhere in ebm:

* ``forward(x)`` maps a batch ``x`` of shape ``(batch, *event_shape)`` to energies ``(batch,)``;
* ``grad(x) = ∇ₓE(x)`` and ``score(x) = ∇ₓ log p(x) = −∇ₓE(x)``;
* dtype and device follow the input (and the module's parameters, which must agree).
"""

from __future__ import annotations

import abc

from typing import Any, ClassVar, Mapping, Sequence

import torch
from torch import nn

from ..kernels import ParamValue


class Energy(nn.Module, metaclass=abc.ABCMeta):
    """Base class of energy functions.

    Subclasses implement :meth:`forward`. :meth:`grad` uses autograd with respect to ``x``
    only (parameters never accumulate ``.grad`` while sampling); energies with a closed-form
    gradient override :meth:`grad` and get a matching :meth:`energy_and_grad` for free.

    ``event_shape`` (optional) is the shape of one sample; when known, inputs are checked
    against it and ``Sampler.sample(n_samples=...)`` can draw starting points.

    Example::

        import torch
        from ebm_core import Energy

        class Quadratic(Energy):
            "E(x) = ½ a ‖x‖²."
            def __init__(self, a: float = 1.0, dim: int = 2):
                super().__init__(event_shape=(dim,))
                self.a = torch.nn.Parameter(torch.tensor(a))
            def forward(self, x):
                x = self.check_input(x)
                return 0.5 * self.a * x.pow(2).sum(-1)

        e = Quadratic(a=2.0)
        x = torch.ones(4, 2)
        assert torch.allclose(e.grad(x), 2.0 * x)
        assert torch.allclose(e.score(x), -2.0 * x)
    """

    #: Name under which fused kernels know this energy's math. Honoured only on the class
    #: that declares it, so a subclass changing ``forward`` never runs a stale kernel.
    kernel_key: ClassVar[str | None] = None

    def __init__(self, event_shape: Sequence[int] | None = None) -> None:
        super().__init__()
        if event_shape is not None:
            event_shape = tuple(int(s) for s in event_shape)
            if any(s < 1 for s in event_shape):
                raise ValueError(f"event_shape must contain positive sizes, got {event_shape}")
        self.event_shape: tuple[int, ...] | None = event_shape

    @abc.abstractmethod
    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Energies of the batch ``x``: shape ``(batch,)``."""

    # ---------------------------------------------------------------- gradients
    def grad(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        """∇ₓE(x), same shape as ``x``.

        With ``create_graph=True`` the result stays differentiable with respect to the
        energy's parameters (score-matching losses need this).
        """
        return self._autograd_energy_and_grad(x, create_graph)[1]

    def score(self, x: torch.Tensor, *, create_graph: bool = False) -> torch.Tensor:
        """The score ∇ₓ log p(x) = −∇ₓE(x)."""
        return -self.grad(x, create_graph=create_graph)

    def energy_and_grad(
        self, x: torch.Tensor, *, create_graph: bool = False
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``(E(x), ∇ₓE(x))`` in one pass (one forward + one backward for autograd energies)."""
        if type(self).grad is not Energy.grad:  # analytic gradient available
            return self(x), self.grad(x, create_graph=create_graph)
        return self._autograd_energy_and_grad(x, create_graph)

    def _autograd_energy_and_grad(
        self, x: torch.Tensor, create_graph: bool
    ) -> tuple[torch.Tensor, torch.Tensor]:
        with torch.enable_grad():
            leaf = x if (create_graph and x.requires_grad) else x.detach().requires_grad_(True)
            energy = self(leaf)
            if energy.dim() != 1:
                raise ValueError(
                    f"{type(self).__name__}.forward must return energies of shape (batch,), "
                    f"got {tuple(energy.shape)}"
                )
            (gradient,) = torch.autograd.grad(energy.sum(), leaf, create_graph=create_graph)
        if not create_graph:
            energy = energy.detach()
        return energy, gradient

    # --------------------------------------------------------------- validation
    def check_input(self, x: Any, name: str = "x") -> torch.Tensor:
        """Return ``x`` after checking it is a floating batch of this energy's events.

        Raises ``TypeError`` for a non-tensor or integer tensor and ``ValueError`` for a
        shape that does not match ``(batch, *event_shape)`` or a device that differs from the
        energy's parameters. (Dtype follows the input: energies cast their constants to it.)
        """
        if not isinstance(x, torch.Tensor):
            raise TypeError(f"{name} must be a torch.Tensor, got {type(x).__name__}")
        if not x.is_floating_point():
            raise TypeError(
                f"{name} must be a floating-point tensor, got dtype {x.dtype}; "
                f"convert it with {name}.float() or {name}.double()"
            )
        if self.event_shape is not None:
            expected = (len(self.event_shape) + 1, self.event_shape)
            if x.dim() != expected[0] or tuple(x.shape[1:]) != self.event_shape:
                raise ValueError(
                    f"{name} has shape {tuple(x.shape)} but {type(self).__name__} expects "
                    f"(batch, {', '.join(map(str, self.event_shape))}); "
                    "add a batch dimension with x.unsqueeze(0) for a single point"
                )
        reference = self.reference_tensor()
        if reference is not None:
            if reference.device != x.device:
                raise ValueError(
                    f"{name} is on {x.device} but {type(self).__name__}'s parameters are on "
                    f"{reference.device}; move one with .to(device)"
                )
        return x

    def reference_tensor(self) -> torch.Tensor | None:
        """A parameter or buffer fixing this energy's device (``None`` if it has none)."""
        for tensor in self.parameters():
            return tensor
        for tensor in self.buffers():
            return tensor
        return None

    # -------------------------------------------------------------- fast path
    def kernel_params(self) -> Mapping[str, ParamValue] | None:
        """Parameters a fused kernel needs (see :mod:`ebm_core.kernels`), or ``None``."""
        return None

    @property
    def dim(self) -> int | None:
        """Number of elements of one event, or ``None`` when the event shape is unknown."""
        if self.event_shape is None:
            return None
        size = 1
        for s in self.event_shape:
            size *= s
        return size
