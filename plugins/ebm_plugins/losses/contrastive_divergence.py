"""Contrastive divergence: push the energy of data down and that of model samples up.

The gradient of the negative log-likelihood of ``p_θ = exp(−E_θ)/Z_θ`` is

.. math::

    \\nabla_\\theta\\, \\mathbb E_\\text{data}[-\\log p_\\theta(x)]
      = \\mathbb E_\\text{data}[\\nabla_\\theta E_\\theta(x)] - \\mathbb E_{p_\\theta}[\\nabla_\\theta E_\\theta(x)],

so with negatives ``x⁻`` approximately drawn from ``p_θ`` by ``k`` steps of an MCMC sampler
(and treated as constants), the loss

.. math::

    L = \\overline{E(x)} - \\overline{E(x^-)} + \\alpha\\,\\big(\\overline{E(x)^2} + \\overline{E(x^-)^2}\\big)

has that gradient, plus a small penalty (weight ``α``, default 0.1) that keeps the energies near zero so
they cannot drift without bound (Du & Mordatch, 2019); ``α = 0`` is plain maximum-likelihood
CD (the penalty shifts the optimum, so use ``α = 0`` when an exact fit matters). Training
lowers the energy of data relative to the negatives.

Where the chains start:

* ``start="data"`` — CD-k (Hinton, 2002): each chain starts at a data point;
* ``start="noise"`` — short-run MCMC from fresh noise each batch;
* ``persistent=True`` — PCD (Tieleman, 2008) with a replay buffer: each batch takes
  the next ``batch`` chains of a pass over a random permutation of a buffer of
  ``buffer_size`` states (noise at first; every chain is advanced once per pass), restarts a
  fraction ``reinit_fraction`` of them from ``start`` (noise by default), runs ``k`` steps and
  writes each back to its slot. The buffer is part of the loss's ``state_dict``.

Noise is ``U[−noise_scale, noise_scale]`` per coordinate (``noise="uniform"``) or
``N(0, noise_scale²)`` (``noise="gaussian"``). Negatives whose chain diverged (non-finite) are
left out of the loss and, with a buffer, restarted. What was sampled is in :attr:`last`:
``negatives``, ``energy_data``, ``energy_negatives``, ``acceptance_rate``, ``n_divergent``
and, with a buffer, ``n_reinitialised``.

Improved CD (Du et al., 2021): ``kl_weight > 0`` adds ``kl_weight · E[E_θ̄(x_k(θ))]`` (see
:mod:`.improved_cd`): the sampler runs ``k − 1`` steps and the last one is an unadjusted
Langevin step ``x_k = x_{k−1} − h ∇ₓE_θ(x_{k−1}) + √(2hT) ξ`` kept differentiable in θ
(``h = kl_step_size``, by default the sampler's ``step_size``; ``T`` the sampler's
``temperature`` or 1), evaluated by a stop-gradient copy ``θ̄`` of the energy, so training
also moves the sampler's output towards low energy. ``augment=["hflip", "shift", …]`` (with
``persistent=True``; off by default) adds its data-augmentation transitions: each chain drawn
from the buffer is, with probability ``augment_rate``, replaced by a random transform of itself
before the sampler runs (:mod:`.augmentation`; ``n_augmented`` in :attr:`last`);
``augment_max_shift`` and ``augment_jitter`` set the ranges of ``"shift"`` and ``"jitter"``.

Example::

    import torch, ebm_core
    net = torch.nn.Sequential(torch.nn.Linear(2, 64), torch.nn.SiLU(), torch.nn.Linear(64, 1))
    energy = ebm_core.energy("neural", module=net, event_shape=2)
    loss = ebm_core.loss("cd", energy, sampler="langevin", k=20, persistent=True,
                         noise_scale=3.0, sampler_kwargs={"step_size": 0.01})
    optimiser = torch.optim.Adam(energy.parameters(), lr=1e-3)
    data = ebm_core.dataset("eight_gaussians")
    for _ in range(3):
        optimiser.zero_grad()
        loss(data.sample(128)).backward()
        optimiser.step()
    negatives = loss.last["negatives"]  # what the sampler produced for the last batch
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import torch

import ebm_core
from ebm_core import Energy, Loss, Sampler
from ebm_core.checks import (
    float_in_range,
    non_negative_float,
    one_of,
    optional_generator,
    positive_float,
    positive_int,
)
from ebm_core.sampling import DivergenceError

from .augmentation import ReplayAugmentation
from .checks import check_data, check_energy
from .improved_cd import differentiable_langevin_step, stop_gradient_energy
from .noise import rand_like, randn_like
from .replay_buffer import ReplayBuffer

_STARTS = ("data", "noise")
_NOISES = ("uniform", "gaussian")


class ContrastiveDivergence(Loss):
    """CD-k, short-run or persistent contrastive divergence with any registered sampler.

    Args:
        energy: the :class:`ebm_core.Energy` to train.
        sampler: a registered sampler name (built with ``sampler_kwargs``) or a
            :class:`ebm_core.Sampler` of this same energy.
        k: sampler steps per batch.
        start: where fresh chains start, ``"data"`` or ``"noise"``; default ``"data"``
            (CD-k), or ``"noise"`` with ``persistent=True``.
        persistent: keep the chains in a replay buffer between batches (PCD).
        buffer_size: states in the replay buffer (at least the batch size).
        reinit_fraction: probability that a chain drawn from the buffer restarts fresh.
        noise: ``"uniform"`` or ``"gaussian"`` starting noise, of scale ``noise_scale``.
        alpha: weight of the energy-magnitude penalty ``α (E(x)² + E(x⁻)²)``.
        sampler_kwargs: keyword arguments for the sampler built from a name.
        generator: source of all of this loss's randomness (chains, buffer, noise).
        kl_weight: weight of improved CD's KL term (0: plain CD).
        kl_step_size: step size ``h`` of the differentiable last Langevin step (default: the
            sampler's ``step_size``).
        augment: names of the augmentation transitions of buffer chains (``persistent=True``
            only; see :class:`.augmentation.ReplayAugmentation`); ``None`` (default): none.
        augment_rate: probability that a chain drawn from the buffer is augmented.
        augment_max_shift: largest shift of the ``"shift"`` transform, in pixels.
        augment_jitter: half-width of the contrast and brightness ranges of ``"jitter"``.
    """

    def __init__(
        self,
        energy: Energy,
        sampler: str | Sampler = "langevin",
        k: int = 20,
        start: str | None = None,
        persistent: bool = False,
        buffer_size: int = 10_000,
        reinit_fraction: float = 0.05,
        noise: str = "uniform",
        noise_scale: float = 1.0,
        alpha: float = 0.1,
        sampler_kwargs: Mapping[str, Any] | None = None,
        generator: torch.Generator | None = None,
        kl_weight: float = 0.0,
        kl_step_size: float | None = None,
        augment: Sequence[str] | None = None,
        augment_rate: float = 0.1,
        augment_max_shift: int = 1,
        augment_jitter: float = 0.1,
    ) -> None:
        super().__init__(check_energy(energy))
        self.sampler = _build_sampler(sampler, energy, sampler_kwargs)
        self.k = positive_int(k, "k", "the number of sampler steps per loss evaluation")
        self.persistent = bool(persistent)
        start = start if start is not None else ("noise" if self.persistent else "data")
        self.start = one_of(start, "start", _STARTS)
        self.noise = one_of(noise, "noise", _NOISES)
        self.noise_scale = positive_float(noise_scale, "noise_scale")
        self.alpha = non_negative_float(alpha, "alpha")
        self.reinit_fraction = float_in_range(reinit_fraction, "reinit_fraction", 0, 1)
        self.generator = optional_generator(generator, "generator")
        self.buffer = ReplayBuffer(buffer_size) if self.persistent else None
        self.kl_weight = non_negative_float(kl_weight, "kl_weight", "0 turns improved CD's KL term off")
        self.kl_step_size = _kl_step_size(self.sampler, kl_step_size) if self.kl_weight else None
        if augment is not None and not self.persistent:
            raise ValueError("augment transforms replay-buffer chains; use it with persistent=True (or loss 'pcd')")
        self.augmentation = (
            ReplayAugmentation(augment, augment_rate, augment_max_shift, augment_jitter) if augment is not None else None
        )

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        batch = data.shape[0]
        if self.persistent:
            rows, chains, restarted = self._chains_from_buffer(data)
        else:
            chains, rows, restarted = self._fresh(data, batch), None, None
        moved, negatives, finite, acceptance = self._run_chains(chains)
        if not bool(finite.any()):
            raise DivergenceError(
                f"all {batch} negative chains of {type(self.sampler).__name__} became non-finite "
                "within k steps; lower the sampler's step size or add a clamp"
            )
        if rows is not None:
            self._store(rows, negatives, finite, data)
        energy_data, energy_negatives = self._energies(data, negatives[finite])
        loss = energy_data.mean() - energy_negatives.mean()
        if self.alpha:
            loss = loss + self.alpha * (energy_data.pow(2).mean() + energy_negatives.pow(2).mean())
        if moved is not None:
            kl = stop_gradient_energy(self.energy, moved[finite]).mean()
            loss = loss + self.kl_weight * kl
            self.record(kl_term=kl)
        self.record(
            negatives=negatives,
            energy_data=energy_data.mean(),
            energy_negatives=energy_negatives.mean(),
            acceptance_rate=acceptance,
            n_divergent=int((~finite).sum()),
        )
        if restarted is not None:
            self.record(n_reinitialised=restarted)
        return loss

    def _energies(self, data: torch.Tensor, negatives: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """``(E(data), E(negatives))``, as one forward pass over both batches stacked.

        One pass over ``batch + n`` rows instead of two halves the per-op work of the loss's
        forward and backward (measured on the benchmark's PCD iteration, see
        docs/performance.md). An energy whose rows are not independent — a batch-norm layer in
        training mode normalises over the rows it is given — keeps two passes, so that data
        and negatives are never normalised together.
        """
        if _mixes_rows(self.energy):  # negatives descend from data: same dtype and device
            return self.energy(data), self.energy(negatives)
        energies = self.energy(torch.cat([data, negatives]))
        return energies[: data.shape[0]], energies[data.shape[0]:]

    # ------------------------------------------------------------- chains
    def _run_chains(self, chains: torch.Tensor) -> tuple[torch.Tensor | None, torch.Tensor, torch.Tensor, Any]:
        """``(x_k differentiable in θ or None, negatives, finite rows, acceptance rate)`` after ``k`` steps."""
        n_sampled = self.k - 1 if self.kl_weight else self.k
        states, finite, acceptance = chains, torch.ones(chains.shape[0], dtype=torch.bool, device=chains.device), 1.0
        if n_sampled:
            result = self.sampler.run(chains, n_steps=n_sampled, generator=self.generator)
            states, finite, acceptance = result.samples.detach(), ~result.divergent, result.mean_acceptance_rate
        if not self.kl_weight:
            return None, states, finite, acceptance
        moved = differentiable_langevin_step(
            self.energy, torch.where(_rows(finite, states), states, chains), step_size=self.kl_step_size,
            temperature=float(getattr(self.sampler, "temperature", 1.0)), generator=self.generator,
        )
        finite = finite & torch.isfinite(moved.detach()).flatten(1).all(1)
        return moved, moved.detach(), finite, acceptance

    def _fresh(self, data: torch.Tensor, n: int) -> torch.Tensor:
        """``n`` new chain starts from ``start``: copies of data rows, or noise."""
        if self.start == "noise":
            return self._noise(data, n)
        if n == data.shape[0]:
            return data.detach().clone()
        device = self.generator.device if self.generator is not None else data.device
        index = torch.randint(0, data.shape[0], (n,), generator=self.generator, device=device)
        return data.detach()[index.to(data.device)].clone()

    def _noise(self, data: torch.Tensor, n: int) -> torch.Tensor:
        """``n`` noise draws shaped, typed and placed like rows of ``data``."""
        like = data.new_empty((n,) + tuple(data.shape[1:]))
        if self.noise == "uniform":
            return self.noise_scale * (2 * rand_like(like, self.generator) - 1)
        return self.noise_scale * randn_like(like, self.generator)

    def _chains_from_buffer(self, data: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, int]:
        batch, buffer = data.shape[0], self.buffer
        if buffer.capacity < batch:
            raise ValueError(
                f"buffer_size ({buffer.capacity}) is smaller than the batch ({batch}): each batch "
                f"draws {batch} distinct chains from the buffer; use buffer_size >= {batch}"
            )
        if not buffer.is_filled:
            buffer.fill(self._noise(data, buffer.capacity))
        elif buffer.samples.shape[1:] != data.shape[1:]:
            raise ValueError(
                f"data has events of shape {tuple(data.shape[1:])} but the replay buffer holds "
                f"states of shape {tuple(buffer.samples.shape[1:])}"
            )
        if buffer.samples.dtype != data.dtype or buffer.samples.device != data.device:
            buffer.samples = buffer.samples.to(data)
        rows, chains = buffer.draw(batch, self.generator)
        if self.augmentation is not None:
            chains, augmented = self.augmentation(chains, self.generator)
            self.record(n_augmented=int(augmented.sum()))
        restart = rand_like(data.new_empty(batch), self.generator) < self.reinit_fraction
        n_restart = int(restart.sum())
        if n_restart:
            chains[restart] = self._fresh(data, n_restart)
        return rows, chains, n_restart

    def _store(self, rows: torch.Tensor, negatives: torch.Tensor, finite: torch.Tensor, data: torch.Tensor) -> None:
        states = negatives.clone()
        if not bool(finite.all()):
            states[~finite] = self._noise(data, int((~finite).sum()))
        self.buffer.write(rows, states)

    def extra_repr(self) -> str:
        mode = f"persistent, buffer_size={self.buffer.capacity}" if self.persistent else f"start={self.start!r}"
        return f"sampler={type(self.sampler).__name__}, k={self.k}, {mode}, alpha={self.alpha}"


class PersistentContrastiveDivergence(ContrastiveDivergence):
    """Persistent contrastive divergence: ``cd`` with ``persistent=True`` (a replay buffer).

    Same arguments as :class:`ContrastiveDivergence` except ``persistent``; fresh chains
    (the buffer's first content and the restarted fraction) start from noise by default.

    Example::

        import torch, ebm_core
        energy = ebm_core.energy("gaussian", dim=2)
        loss = ebm_core.loss("pcd", energy, sampler="mala", k=5, buffer_size=256)
        loss(torch.randn(64, 2))
        assert loss.state_dict()["buffer.samples"].shape == (256, 2)
    """

    def __init__(
        self,
        energy: Energy,
        sampler: str | Sampler = "langevin",
        k: int = 20,
        start: str | None = None,
        buffer_size: int = 10_000,
        reinit_fraction: float = 0.05,
        noise: str = "uniform",
        noise_scale: float = 1.0,
        alpha: float = 0.1,
        sampler_kwargs: Mapping[str, Any] | None = None,
        generator: torch.Generator | None = None,
        kl_weight: float = 0.0,
        kl_step_size: float | None = None,
        augment: Sequence[str] | None = None,
        augment_rate: float = 0.1,
        augment_max_shift: int = 1,
        augment_jitter: float = 0.1,
    ) -> None:
        super().__init__(
            energy,
            sampler=sampler,
            k=k,
            start=start,
            persistent=True,
            buffer_size=buffer_size,
            reinit_fraction=reinit_fraction,
            noise=noise,
            noise_scale=noise_scale,
            alpha=alpha,
            sampler_kwargs=sampler_kwargs,
            generator=generator,
            kl_weight=kl_weight,
            kl_step_size=kl_step_size,
            augment=augment,
            augment_rate=augment_rate,
            augment_max_shift=augment_max_shift,
            augment_jitter=augment_jitter,
        )


def _mixes_rows(energy: torch.nn.Module) -> bool:
    """Whether ``energy`` holds a batch-norm layer in training mode (its output for one row
    depends on the other rows of the batch)."""
    return any(isinstance(m, torch.nn.modules.batchnorm._BatchNorm) and m.training for m in energy.modules())


def _rows(mask: torch.Tensor, like: torch.Tensor) -> torch.Tensor:
    """A per-row mask ``(batch,)`` shaped to broadcast against ``like``."""
    return mask.reshape((-1,) + (1,) * (like.dim() - 1))


def _kl_step_size(sampler: Sampler, kl_step_size: float | None) -> float:
    if kl_step_size is not None:
        return positive_float(kl_step_size, "kl_step_size")
    step_size = getattr(sampler, "step_size", None)
    if not isinstance(step_size, (int, float)) or step_size <= 0:
        raise ValueError(
            f"kl_weight > 0 needs the step size of the differentiable last Langevin step and "
            f"{type(sampler).__name__} has no numeric step_size; pass kl_step_size=..."
        )
    return float(step_size)


def _build_sampler(sampler: str | Sampler, energy: Energy, sampler_kwargs: Mapping[str, Any] | None) -> Sampler:
    if isinstance(sampler, str):
        return ebm_core.sampler(sampler, energy, **dict(sampler_kwargs or {}))
    if not isinstance(sampler, Sampler):
        raise TypeError(
            f"sampler must be a registered sampler name or an ebm_core.Sampler, got {type(sampler).__name__}"
        )
    if sampler_kwargs:
        raise ValueError("sampler_kwargs apply only to a sampler given by name; configure the instance directly")
    if sampler.energy is not energy:
        raise ValueError(
            "sampler samples a different energy than this loss trains; build it for the same "
            "energy, e.g. ebm_core.sampler('langevin', energy, step_size=0.01)"
        )
    return sampler

