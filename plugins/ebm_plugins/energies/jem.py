"""The ``jem`` energy: a classifier's logits read as an energy (Grathwohl et al., 2019)."""

from __future__ import annotations

from typing import Sequence

import torch
from torch import nn

from ebm_core import Energy
from ebm_core.checks import positive_int

from .conv_net import ConvNet


class JEM(Energy):
    """E(x) = −logsumexp_y f(x)[y] and E(x, y) = −f(x)[y] for any classifier ``f``.

    The classifier ``f`` maps ``(batch, *event_shape) → (batch, n_classes)`` logits; then
    ``p(y | x) = softmax f(x)`` and ``p(x, y) ∝ exp f(x)[y]``, so ``p(x) ∝ Σ_y exp f(x)[y]``.
    Without ``classifier`` a :class:`~ebm_plugins.energies.conv_net.ConvNet` with
    ``n_classes`` outputs is built for ``event_shape = (C, H, W)``.

    Args:
        classifier: an ``nn.Module`` returning logits, or ``None`` for the conv net.
        n_classes: number of classes (checked against the classifier's output).
        event_shape: shape of one input (required without ``classifier``).
        width, depth, spectral_norm: the conv net's options (without ``classifier``).

    Example::

        import torch, ebm_core
        net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
        e = ebm_core.energy("jem", classifier=net, n_classes=10, event_shape=(1, 8, 8))
        x = torch.rand(4, 1, 8, 8)
        logits = e.logits(x)
        assert torch.allclose(e(x), -logits.logsumexp(1))
        assert torch.allclose(e.class_energy(x, torch.zeros(4, dtype=torch.long)), -logits[:, 0])
    """

    def __init__(
        self,
        classifier: nn.Module | None = None,
        n_classes: int = 10,
        event_shape: Sequence[int] | None = None,
        width: int = 32,
        depth: int = 2,
        spectral_norm: bool = False,
    ) -> None:
        n_classes = positive_int(n_classes, "n_classes")
        if event_shape is not None:
            event_shape = tuple(positive_int(s, "event_shape") for s in event_shape)
        if classifier is None:
            if event_shape is None or len(event_shape) != 3:
                raise ValueError(
                    "without classifier= the jem energy builds a conv net and needs event_shape=(C, H, W); "
                    "pass classifier=your_module for other inputs"
                )
            classifier = ConvNet(event_shape[0], n_classes, width=width, depth=depth, spectral_norm=spectral_norm)
        elif not isinstance(classifier, nn.Module):
            raise TypeError(f"classifier must be an nn.Module returning (batch, n_classes) logits, got {type(classifier).__name__}")
        super().__init__(event_shape=event_shape)
        self.n_classes = n_classes
        self.classifier = classifier

    def logits(self, x: torch.Tensor) -> torch.Tensor:
        """``f(x)``, shape ``(batch, n_classes)``."""
        x = self.check_input(x)
        logits = self.classifier(x)
        if logits.dim() != 2 or logits.shape != (x.shape[0], self.n_classes):
            raise ValueError(
                f"the classifier returned shape {tuple(logits.shape)} for a batch of {x.shape[0]}; "
                f"it must return ({x.shape[0]}, {self.n_classes}) logits (n_classes={self.n_classes})"
            )
        return logits

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return -self.logits(x).logsumexp(1)

    def class_energy(self, x: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
        """E(x, y) = −f(x)[y] for integer labels ``y`` of shape ``(batch,)``."""
        logits = self.logits(x)
        if not isinstance(y, torch.Tensor) or y.shape != (x.shape[0],) or y.is_floating_point():
            raise ValueError(f"y must be a (batch,) integer tensor of labels, one per row of x ({x.shape[0]})")
        return -logits.gather(1, y.long().unsqueeze(1).to(logits.device)).squeeze(1)

    def predict(self, x: torch.Tensor) -> torch.Tensor:
        """The most probable class ``argmax_y f(x)[y]`` per row."""
        return self.logits(x).argmax(1)
