"""Invertible preprocessing of pixel data, with the log-determinant of every step.

A model of preprocessed data ``y = f(x)`` gives a density of the data ``x`` by the change of
variables

.. math::

    \\log p_x(x) = \\log p_y(f(x)) + \\log\\,\\lvert\\det \\partial f / \\partial x\\rvert ,

so a negative log-likelihood measured on ``y`` is reported in the original pixel space by
:meth:`Preprocessing.nll_in_data_space` (``NLL_x = NLL_y − log|det J|``) and as bits per
dimension by :meth:`Preprocessing.bits_per_dim` (``NLL_x / (D ln 2)``). With uniform
dequantisation, ``x = pixel + u``, ``u ~ U[0, 1)^D``, that NLL is an upper bound on the
discrete NLL of the pixels (Theis et al., 2016).

The steps, in the order they are applied:

* :class:`Dequantize` — ``x + u`` (log-det 0; the inverse is ``floor``);
* :class:`Scale` — ``[0, levels) → [low, high)``, ``y = low + (high − low) x / levels``
  (log-det ``D log((high − low) / levels)``);
* :class:`Logit` — ``y = logit(α + (1 − 2α) x)`` on ``[0, 1]``
  (log-det ``Σ log(1 − 2α) − log p − log(1 − p)``, ``p = α + (1 − 2α) x``).

Example::

    import math, torch
    from ebm_plugins.datasets.transforms import Preprocessing

    prep = Preprocessing.build(levels=17, value_range="unit")  # x = (pixel + u) / 17
    pixels = torch.randint(0, 17, (4, 64)).double()
    y = prep(pixels, generator=torch.Generator().manual_seed(0))
    assert torch.equal(prep.inverse(y), pixels)
    assert torch.equal(prep.to_pixels(torch.tensor([[-0.5, 0.5, 1.5]]), 17), torch.tensor([[0.0, 8.0, 16.0]]))
    nll_y = torch.zeros(4, dtype=torch.float64)  # a model's NLL of y (0 here, for the arithmetic)
    nll_x = prep.nll_in_data_space(nll_y, y)    # = 0 − 64 · log(1/17)
    assert torch.allclose(nll_x, torch.full((4,), 64 * math.log(17), dtype=torch.float64))
"""

from __future__ import annotations

import abc
import math
from typing import Any, Sequence

import torch

from ebm_core.checks import float_in_range, one_of, optional_generator, positive_int

_RANGES = {"unit": (0.0, 1.0), "symmetric": (-1.0, 1.0)}


class Transform(abc.ABC):
    """One invertible elementwise step ``y = f(x)`` on a batch ``(batch, *event)``."""

    @abc.abstractmethod
    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """``f(x)``."""

    @abc.abstractmethod
    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """``f⁻¹(y)``."""

    @abc.abstractmethod
    def log_det(self, x: torch.Tensor) -> torch.Tensor:
        """``log|det ∂f/∂x|`` per example, shape ``(batch,)``, at the input ``x``."""

    @abc.abstractmethod
    def config(self) -> dict[str, Any]:
        """The arguments that rebuild this step (recorded in checkpoints)."""


class Dequantize(Transform):
    """``x + u`` with ``u ~ U[0, 1)`` per element; the inverse is ``floor``, the log-det 0."""

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        device = generator.device if generator is not None else x.device
        u = torch.rand(x.shape, generator=generator, device=device, dtype=x.dtype).to(x.device)
        return x + u

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return torch.floor(y)

    def log_det(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_zeros(x.shape[0])

    def config(self) -> dict[str, Any]:
        return {"kind": "dequantize"}


class Scale(Transform):
    """``y = low + (high − low) x / levels``: maps ``[0, levels)`` to ``[low, high)``."""

    def __init__(self, levels: float, low: float = 0.0, high: float = 1.0) -> None:
        self.levels = float(levels)
        self.low, self.high = float(low), float(high)
        if not self.high > self.low:
            raise ValueError(f"Scale needs high > low, got low={low}, high={high}")
        self.factor = (self.high - self.low) / self.levels

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return self.low + self.factor * x

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return (y - self.low) / self.factor

    def log_det(self, x: torch.Tensor) -> torch.Tensor:
        return x.new_full((x.shape[0],), x[0].numel() * math.log(self.factor))

    def config(self) -> dict[str, Any]:
        return {"kind": "scale", "levels": self.levels, "low": self.low, "high": self.high}


class Logit(Transform):
    """``y = logit(α + (1 − 2α) x)`` for ``x`` in ``[0, 1]`` (α keeps it finite at 0 and 1)."""

    def __init__(self, alpha: float = 1e-6) -> None:
        self.alpha = float_in_range(alpha, "logit_alpha", 0.0, 0.5, "a small positive number such as 1e-6")
        if self.alpha == 0.0 or self.alpha == 0.5:
            raise ValueError(f"logit_alpha must lie strictly between 0 and 0.5, got {alpha}")

    def _p(self, x: torch.Tensor) -> torch.Tensor:
        return self.alpha + (1 - 2 * self.alpha) * x

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        return torch.logit(self._p(x))

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        return (torch.sigmoid(y) - self.alpha) / (1 - 2 * self.alpha)

    def log_det(self, x: torch.Tensor) -> torch.Tensor:
        p = self._p(x)
        per_element = math.log(1 - 2 * self.alpha) - torch.log(p) - torch.log1p(-p)
        return per_element.flatten(1).sum(1)

    def config(self) -> dict[str, Any]:
        return {"kind": "logit", "alpha": self.alpha}


_KINDS = {"dequantize": Dequantize, "scale": Scale, "logit": Logit}


class Preprocessing:
    """A chain of :class:`Transform` steps applied in order, with the summed log-det.

    Build it with :meth:`build` (the usual chain) or from a list of steps;
    :meth:`config` / :meth:`from_config` round-trip it through a checkpoint.
    """

    def __init__(self, steps: Sequence[Transform] = ()) -> None:
        for step in steps:
            if not isinstance(step, Transform):
                raise TypeError(f"steps must be Transform objects, got {type(step).__name__}")
        self.steps = list(steps)

    @classmethod
    def build(
        cls,
        levels: int | None,
        *,
        dequantize: bool = True,
        value_range: str | None = "unit",
        logit: bool = False,
        logit_alpha: float = 1e-6,
    ) -> "Preprocessing":
        """Dequantise (if ``levels`` is set), scale ``[0, levels)`` to ``value_range``, then logit.

        ``value_range`` is ``"unit"`` ([0, 1)), ``"symmetric"`` ([−1, 1)) or ``None`` (keep
        pixel units). ``logit`` needs ``value_range="unit"``. ``levels=None`` means the data
        are continuous already: no dequantisation or scaling.
        """
        steps: list[Transform] = []
        if levels is not None:
            levels = positive_int(levels, "levels", "the number of distinct pixel values, e.g. 256")
            if dequantize:
                steps.append(Dequantize())
            if value_range is not None:
                low, high = _RANGES[one_of(value_range, "value_range", (*_RANGES, None))]
                steps.append(Scale(levels, low, high))
        if logit:
            if levels is None or value_range != "unit":
                raise ValueError("logit=True needs discrete data (levels=...) scaled with value_range='unit'")
            steps.append(Logit(logit_alpha))
        return cls(steps)

    @classmethod
    def from_config(cls, config: Sequence[dict[str, Any]]) -> "Preprocessing":
        """The chain recorded by :meth:`config`."""
        steps = []
        for entry in config:
            entry = dict(entry)
            kind = one_of(entry.pop("kind", None), "kind", tuple(_KINDS))
            steps.append(_KINDS[kind](**entry))
        return cls(steps)

    def config(self) -> list[dict[str, Any]]:
        """A JSON-friendly description of the chain."""
        return [step.config() for step in self.steps]

    def __call__(self, x: torch.Tensor, generator: torch.Generator | None = None) -> torch.Tensor:
        """Apply every step (dequantisation noise comes from ``generator``)."""
        generator = optional_generator(generator, "generator")
        for step in self.steps:
            x = step(x, generator)
        return x

    def inverse(self, y: torch.Tensor) -> torch.Tensor:
        """Undo every step (dequantisation is undone by ``floor``)."""
        for step in reversed(self.steps):
            y = step.inverse(y)
        return y

    def to_pixels(self, y: torch.Tensor, levels: int | None) -> torch.Tensor:
        """Model-space values (e.g. a model's samples) back in pixel units, ready to show or save.

        :meth:`inverse`, then clamped to ``[0, levels − 1]`` (a sample may lie outside the
        data's range); continuous data (``levels=None``) are only inverted.
        """
        pixels = self.inverse(y)
        return pixels if levels is None else pixels.clamp(0, positive_int(levels, "levels") - 1)

    def log_det(self, y: torch.Tensor) -> torch.Tensor:
        """``log|det ∂y/∂x|`` of the continuous steps, per example, given the output ``y``.

        Dequantisation (``x = pixel + u``) is the reference space, so it contributes 0 and
        its ``floor`` is not applied: the steps after it are inverted one by one.
        """
        total = y.new_zeros(y.shape[0])
        for step in reversed(self.steps):
            if isinstance(step, Dequantize):
                break
            y = step.inverse(y)
            total = total + step.log_det(y)
        return total

    def nll_in_data_space(self, nll: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """``NLL_x = NLL_y − log|det ∂y/∂x|`` per example (nats, in dequantised pixel units)."""
        return nll - self.log_det(y)

    @staticmethod
    def bits_per_dim(nll_x: torch.Tensor, dim: int) -> torch.Tensor:
        """``NLL_x / (D ln 2)``: nats per example to bits per dimension."""
        return nll_x / (positive_int(dim, "dim") * math.log(2.0))

    def __repr__(self) -> str:
        return f"Preprocessing({self.config()})"
