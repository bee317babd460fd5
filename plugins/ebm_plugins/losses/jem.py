"""Joint energy-based training of a classifier (JEM, Grathwohl et al., 2019).

A classifier's logits ``f(x)`` define ``p(y | x) = softmax f(x)`` and, read as an energy
``E(x) = −logsumexp_y f(x)[y]`` (the ``jem`` energy), a density ``p(x) ∝ exp(−E(x))``. JEM
maximises ``log p(x, y) = log p(y | x) + log p(x)``:

.. math::

    L = \\operatorname{CE}(f(x), y) + w\\, L_\\text{PCD}(x),

the cross-entropy on labelled data plus ``w`` (``generative_weight``) times the persistent
contrastive-divergence loss of the logsumexp energy (negatives from a replay buffer, restarted
from noise; all of ``cd``'s options apply). A batch without labels trains the generative part
only. Recorded in :attr:`last`: what ``cd`` records plus ``cross_entropy`` and ``accuracy``.

Example::

    import torch, ebm_core
    net = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 10))
    energy = ebm_core.energy("jem", classifier=net, n_classes=10, event_shape=(1, 8, 8))
    loss = ebm_core.loss("jem", energy, k=5, buffer_size=256, sampler_kwargs={"step_size": 0.01})
    x, y = ebm_core.dataset("digits").sample_labelled(64)
    loss(x, y).backward()
    assert 0 <= float(loss.last["accuracy"]) <= 1
"""

from __future__ import annotations

from typing import Any, Mapping

import torch
from torch.nn import functional as F

from ebm_core import Energy, Sampler
from ebm_core.checks import non_negative_float

from .contrastive_divergence import ContrastiveDivergence


class JEMLoss(ContrastiveDivergence):
    """Cross-entropy on labels plus ``generative_weight`` × PCD on ``E(x) = −logsumexp f(x)``.

    Args:
        energy: a ``jem`` energy (anything with ``logits(x)``).
        generative_weight: ``w``, the weight of the PCD term (0 trains a plain classifier).
        the rest: as for ``cd`` (here persistent by default, chains restarted from noise).
    """

    takes_labels = True  # ebm train / Trainer pass a labelled data set's labels to forward

    def __init__(
        self,
        energy: Energy,
        generative_weight: float = 1.0,
        sampler: str | Sampler = "langevin",
        k: int = 20,
        persistent: bool = True,
        buffer_size: int = 10_000,
        reinit_fraction: float = 0.05,
        noise: str = "uniform",
        noise_scale: float = 1.0,
        alpha: float = 0.1,
        sampler_kwargs: Mapping[str, Any] | None = None,
        generator: torch.Generator | None = None,
        kl_weight: float = 0.0,
        kl_step_size: float | None = None,
    ) -> None:
        if not callable(getattr(energy, "logits", None)):
            raise TypeError(
                f"the jem loss needs a classifier energy with logits(x), such as ebm_core.energy('jem', "
                f"classifier=net, n_classes=10); got {type(energy).__name__}"
            )
        super().__init__(
            energy, sampler=sampler, k=k, start="noise", persistent=persistent, buffer_size=buffer_size,
            reinit_fraction=reinit_fraction, noise=noise, noise_scale=noise_scale, alpha=alpha,
            sampler_kwargs=sampler_kwargs, generator=generator, kl_weight=kl_weight, kl_step_size=kl_step_size,
        )
        self.generative_weight = non_negative_float(generative_weight, "generative_weight")

    def forward(self, data: torch.Tensor, labels: torch.Tensor | None = None) -> torch.Tensor:
        loss = data.new_zeros(())
        if labels is not None:
            logits = self.energy.logits(data)
            if not isinstance(labels, torch.Tensor) or labels.shape != (data.shape[0],) or labels.is_floating_point():
                raise ValueError(f"labels must be a ({data.shape[0]},) integer tensor, one class per row of data")
            labels = labels.to(logits.device).long()
            loss = F.cross_entropy(logits, labels)
        if self.generative_weight:
            loss = loss + self.generative_weight * super().forward(data)
        if labels is not None:
            self.record(cross_entropy=F.cross_entropy(logits, labels), accuracy=(logits.argmax(1) == labels).double().mean())
        return loss
