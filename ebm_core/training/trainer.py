"""The training loop: a loss, an optimiser and batches; progress, metrics, checkpoints, resume.

One step is: draw this rank's share of the global batch, ``loss(batch)`` (``loss(batch,
labels)`` when the loss declares ``takes_labels`` and the data set is labelled), backward, optional
gradient-norm clipping, optimiser step, optional EMA update. Every ``log_every`` steps the
scalars the loss recorded (``loss.last``: E(data), E(neg), acceptance, ...) are averaged over
ranks and appended to ``metrics.jsonl``; every ``eval_every`` steps fresh samples are drawn
from the model and compared with held-out data (MMD; exact NLL for 2-D energies).

**Fitted parts.** Before the first step of a fresh run (never on resume), every submodule of
the energy with a ``fit_to_data(samples)`` method (e.g. the ``fitted_gaussian_mixture`` base
of a ``residual`` energy) is fitted on training data: all of a fixed data set (a tensor, or a
data set with ``tensors()``), else ``fit_samples`` draws of the data set from a generator
seeded by ``seed``. The fit lives in the energy's buffers, so checkpoints carry it.

**Exact resume.** A checkpoint holds the parameters, optimiser, loss state (e.g. the replay
buffer), the sampler's adaptation state, the EMA, every RNG state and the step counter.
Evaluation draws from its own generator seeded by the step, so it consumes no training
randomness: training N steps at once equals training k, resuming and training N − k,
bitwise on CPU.

**Distributed.** Under ``torchrun`` the loss is wrapped in ``DistributedDataParallel``
(``broadcast_buffers=False``: each rank keeps its own replay buffer), every rank draws
negatives from its own seed, gradients are averaged by DDP, metrics are averaged across
ranks, and only rank 0 writes files; checkpoints gather each rank's loss/sampler/RNG state.
"""

from __future__ import annotations

import dataclasses
import math
import time
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping

import torch
from torch import nn

from .. import thread_sharing
from ..checks import positive_float, positive_int
from ..contracts import Loss, Sampler
from ..sampling.progress import Progress
from . import evaluation
from .batches import BatchSource
from .checkpoint import load_checkpoint, save_checkpoint
from .distributed import ProcessGroup, current_group
from .ema import ParameterEMA
from .interrupt import GracefulInterrupt
from .metrics_log import MetricsLog
from .rng_state import capture_rng, restore_rng

CHECKPOINT_NAME = "checkpoint.pt"
#: Seed offset between ranks (a prime, so rank streams never coincide with seed + small k).
RANK_SEED_STRIDE = 1_000_003


@dataclasses.dataclass
class TrainResult:
    """How a :meth:`Trainer.fit` call ended."""

    step: int
    interrupted: bool
    last_metrics: dict[str, float]
    last_eval: dict[str, float]
    checkpoint: Path | None
    seconds: float


class Trainer:
    """Trains ``loss.energy`` by minimising ``loss`` on batches of ``data``.

    Args:
        loss: any :class:`ebm_core.Loss` (its energy's parameters are optimised).
        data: a tensor ``(n, *event)`` or a data set object with ``sample(n, generator)``;
            a loss with ``takes_labels = True`` (e.g. ``jem``) gets the labels of a data set
            with ``sample_labelled(n, generator)`` (else only the data, with a warning).
        batch_size: the global batch size (split across ranks under ``torchrun``).
        optimizer: a factory ``params -> torch.optim.Optimizer``; default Adam(lr).
        lr: learning rate of the default optimiser.
        lr_schedule: ``"constant"`` or ``"cosine"`` (cosine decay to 0 over ``schedule_steps``).
        seed: seeds the batch generator (same on all ranks) and the global RNG (rank-offset).
        output_dir: where ``checkpoint.pt`` and ``metrics.jsonl`` go (``None``: no files).
        heldout: held-out data for evaluation (``None``: no evaluation).
        eval_sampler: draws model samples for evaluation; default ``loss.sampler`` if the
            loss has one.
        eval_every / eval_samples / eval_steps: evaluation cadence and size.
        nll_bounds: grid bounds for the exact NLL of 2-D energies (``None``: skip NLL).
        eval_log_z: keyword arguments of the ``ais`` estimator (e.g. ``{"n_chains": 128,
            "n_temperatures": 200}``) to log a held-out NLL with error bars, ``nll_ais`` and
            ``nll_ais_stderr``, at every evaluation, in any dimension (``None``: off).
        log_every / checkpoint_every: cadence of metrics records and checkpoints.
        ema_decay: keep an EMA of the parameters (``None``: off).
        grad_clip: clip the gradient norm to this value (``None``: off).
        fit_samples: draws of a streamed data set given to ``fit_to_data`` before step 0.
        progress: show a progress bar with loss, E(data), E(neg), acceptance.

    Example::

        import torch, ebm_core
        from ebm_core.training import Trainer
        energy = ebm_core.energy("gaussian", covariance=torch.ones(2) * 3.0)
        # learn nothing here; see `ebm train` for a real run
        class Quadratic(ebm_core.Loss):
            def forward(self, data):
                return self.energy(data).mean()
        result = Trainer(Quadratic(energy), data=torch.randn(64, 2), batch_size=8, progress=False).fit(2)
        assert result.step == 2
    """

    def __init__(
        self,
        loss: Loss,
        *,
        data: Any,
        batch_size: int = 256,
        optimizer: Callable[[Any], torch.optim.Optimizer] | None = None,
        lr: float = 1e-3,
        lr_schedule: str = "constant",
        schedule_steps: int | None = None,
        seed: int = 0,
        output_dir: str | Path | None = None,
        heldout: torch.Tensor | None = None,
        eval_sampler: Sampler | None = None,
        eval_every: int = 500,
        eval_samples: int = 1000,
        eval_steps: int = 200,
        nll_bounds: Any = None,
        eval_log_z: Mapping[str, Any] | None = None,
        log_every: int = 10,
        checkpoint_every: int = 500,
        ema_decay: float | None = None,
        grad_clip: float | None = None,
        fit_samples: int = 50_000,
        progress: bool = True,
    ) -> None:
        if not isinstance(loss, Loss):
            raise TypeError(f"loss must be an ebm_core.Loss, got {type(loss).__name__}; build one with ebm_core.loss(name, energy)")
        for name, value in (("log_every", log_every), ("eval_every", eval_every), ("checkpoint_every", checkpoint_every)):
            positive_int(value, name)
        if grad_clip is not None:
            positive_float(grad_clip, "grad_clip", "the largest gradient norm; None turns clipping off")
        positive_float(lr, "lr", "the learning rate, e.g. 1e-3")
        self.loss = loss
        self.device = _device_of(loss)
        self.group: ProcessGroup = current_group(self.device)
        self.seed = seed
        self.batches = BatchSource(data, batch_size, seed=seed, group=self.group)
        self.with_labels = bool(getattr(loss, "takes_labels", False))
        if self.with_labels and not self.batches.labelled:
            warnings.warn(
                f"the {type(loss).__name__} loss learns from labels, but the data ({type(data).__name__}) has no "
                "sample_labelled(n, generator), so it trains on unlabelled batches only; give a labelled data set",
                stacklevel=2,
            )
        torch.manual_seed(seed + RANK_SEED_STRIDE * self.group.rank)  # rank-distinct negatives
        self.loss_generators = loss_generators(loss)
        for generator in self.loss_generators.values():  # rank-distinct, like the global RNG
            generator.manual_seed(generator.initial_seed() + RANK_SEED_STRIDE * self.group.rank)
        self.model: nn.Module = self._wrap(loss)
        params = [p for p in loss.parameters() if p.requires_grad]
        if not params:
            raise ValueError("the loss's energy has no trainable parameters")
        self.optimizer = optimizer(params) if optimizer else torch.optim.Adam(params, lr=lr)
        self.scheduler = _make_scheduler(self.optimizer, lr_schedule, schedule_steps)
        self.ema = ParameterEMA(loss.energy, ema_decay) if ema_decay is not None else None
        self.grad_clip = grad_clip
        self.output_dir = Path(output_dir) if output_dir is not None else None
        self.heldout = heldout
        self.eval_sampler = eval_sampler if eval_sampler is not None else getattr(loss, "sampler", None)
        self.eval_every, self.eval_samples, self.eval_steps = eval_every, eval_samples, eval_steps
        self.nll_bounds = nll_bounds
        self.eval_log_z = None if eval_log_z is None else dict(eval_log_z)
        self.log_every, self.checkpoint_every = log_every, checkpoint_every
        self.progress = progress and self.group.is_main
        self.fit_samples = positive_int(fit_samples, "fit_samples")
        self.step = 0
        self.needs_data_fit = True  # until fitted here, or resumed (the checkpoint holds the fit)
        self.history: list[dict[str, float]] = []

    def _wrap(self, loss: Loss) -> nn.Module:
        if not self.group.active:
            return loss
        from torch.nn.parallel import DistributedDataParallel

        device_ids = [torch.cuda.current_device()] if next(loss.parameters()).is_cuda else None
        return DistributedDataParallel(loss, device_ids=device_ids, broadcast_buffers=False)

    # ------------------------------------------------------------------ state
    @property
    def sampler(self) -> Sampler | None:
        sampler = getattr(self.loss, "sampler", None)
        return sampler if isinstance(sampler, Sampler) else None

    def _rank_state(self) -> dict[str, Any]:
        sampler = self.sampler
        return {
            "loss": self.loss.state_dict(),
            "sampler": sampler.state_dict() if sampler is not None and hasattr(sampler, "state_dict") else None,
            "rng": capture_rng(self._generators()),
        }

    def _generators(self) -> dict[str, torch.Generator]:
        return {"batches": self.batches.generator, **{f"loss.{k}": g for k, g in self.loss_generators.items()}}

    def state_dict(self) -> dict[str, Any]:
        """Everything needed to continue exactly (every rank's state gathered on each)."""
        return {
            "step": self.step,
            "optimizer": self.optimizer.state_dict(),
            "scheduler": self.scheduler.state_dict() if self.scheduler else None,
            "ema": self.ema.state_dict() if self.ema else None,
            "ranks": self.group.gather(self._rank_state()),
            "world_size": self.group.world_size,
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        if state["world_size"] != self.group.world_size:
            raise ValueError(
                f"checkpoint was written by {state['world_size']} rank(s) but this job has "
                f"{self.group.world_size}; resume with the same number of processes"
            )
        mine = state["ranks"][self.group.rank]
        self.loss.load_state_dict(mine["loss"])
        if mine["sampler"] is not None and self.sampler is not None:
            self.sampler.load_state_dict(mine["sampler"])
        self.optimizer.load_state_dict(state["optimizer"])
        if (state["scheduler"] is None) != (self.scheduler is None):
            raise ValueError(
                "the checkpoint and this trainer disagree on the learning-rate schedule "
                "(lr_schedule); resume with the schedule the run was started with"
            )
        if self.scheduler is not None:
            self.scheduler.load_state_dict(state["scheduler"])
        if (state["ema"] is None) != (self.ema is None):
            raise ValueError(
                "the checkpoint and this trainer disagree on keeping an EMA of the parameters "
                "(ema_decay); resume with the setting the run was started with"
            )
        if self.ema is not None:
            self.ema.load_state_dict(state["ema"])
        restore_rng(mine["rng"], self._generators())
        self.step = int(state["step"])
        self.needs_data_fit = False

    def save(self, path: str | Path | None = None) -> Path | None:
        """Write a checkpoint (rank 0 only; every rank must call it, it gathers)."""
        state = self.state_dict()
        if not self.group.is_main:
            return None
        target = Path(path) if path is not None else self._require_output_dir() / CHECKPOINT_NAME
        return save_checkpoint(target, state)

    def resume(self, path: str | Path) -> None:
        """Load a checkpoint written by :meth:`save` and continue from its step."""
        self.load_state_dict(load_checkpoint(path))

    def _require_output_dir(self) -> Path:
        if self.output_dir is None:
            raise ValueError("pass output_dir= (or a path) to write checkpoints")
        return self.output_dir

    # ------------------------------------------------------------------- loop
    def fit(self, n_steps: int) -> TrainResult:
        """Train until the step counter reaches ``n_steps`` (counting resumed steps)."""
        if n_steps < self.step:
            raise ValueError(f"n_steps={n_steps} is below the resumed step {self.step}; ask for more steps")
        log = None
        if self.output_dir is not None and self.group.is_main:
            log = MetricsLog(self.output_dir / "metrics.jsonl", resume_from_step=self.step or None)
        start, last_metrics, last_eval, checkpoint = time.perf_counter(), {}, {}, None
        if self.needs_data_fit:
            self.fit_to_data()
        bar = Progress(n_steps, enabled=self.progress, description="train")
        bar.advance(self.step)
        interrupted = False
        with GracefulInterrupt() as stop, thread_sharing.restoring_threads():
            while self.step < n_steps and not interrupted:
                interrupted = self._train_step(stop.requested)
                self.step += 1
                bar.advance()
                if self.step % self.log_every == 0 or self.step == n_steps:
                    last_metrics = self._reduced_metrics()
                    bar.note(_format(last_metrics))
                    self.history.append({"step": self.step, **last_metrics})
                    if log:
                        log.write(step=self.step, **last_metrics)
                if self.output_dir is not None and (
                    interrupted or self.step % self.checkpoint_every == 0 or self.step == n_steps
                ):
                    checkpoint = self.save()
                if self.heldout is not None and not interrupted and (
                    self.step % self.eval_every == 0 or self.step == n_steps
                ):
                    last_eval = self.evaluate()
                    if log:
                        log.write(step=self.step, **last_eval)
        bar.close()
        return TrainResult(self.step, interrupted, last_metrics, last_eval, checkpoint, time.perf_counter() - start)

    def fit_to_data(self) -> list[str]:
        """Fit every energy submodule that has ``fit_to_data(samples)``; returns their names.

        A part whose ``is_fitted`` is ``True`` (e.g. a mixture fitted beforehand and passed as a
        ``residual``'s ``base=``) is left as it is, not refitted; it is not among the names.
        Called by :meth:`fit` before the first step of a fresh run. The samples are on the CPU:
        all of a fixed data set, else ``fit_samples`` draws seeded by the trainer's ``seed``
        (its own generator, so training batches are unchanged).
        """
        self.needs_data_fit = False
        energy = self.loss.energy
        fitted = [
            (name, m) for name, m in energy.named_modules()
            if callable(getattr(m, "fit_to_data", None)) and getattr(m, "is_fitted", False) is not True
        ]
        if not fitted:
            return []
        samples = _fitting_samples(self.batches.data, self.fit_samples, self.seed)
        for _, module in fitted:
            module.fit_to_data(samples)
        if self.ema is not None:  # the average starts from the fitted energy
            self.ema.averaged.load_state_dict(energy.state_dict())
        return [name or type(energy).__name__ for name, _ in fitted]

    def _train_step(self, stop_requested: bool) -> bool:
        """One optimisation step; returns whether every rank agrees to stop after it.

        Ranks agree (one small all-reduce) on stopping and on a non-finite loss *before*
        the backward pass, so one rank's Ctrl-C or NaN never leaves the others waiting in
        DDP's gradient all-reduce.
        """
        if self.with_labels:
            batch, labels = self.batches.next_labelled()
            inputs = (batch.to(self.device),) if labels is None else (batch.to(self.device), labels.to(self.device))
        else:
            inputs = (self.batches.next().to(self.device),)
        self.optimizer.zero_grad(set_to_none=True)
        value = self.model(*inputs)
        flags = self.group.max(
            torch.tensor([float(stop_requested), float(not torch.isfinite(value))], device=self.device)
        )
        if flags[1] > 0:
            raise FloatingPointError(
                f"loss became {value.item()} at step {self.step + 1} (on at least one rank); lower the "
                "learning rate, add regularisation (alpha) or gradient clipping (grad_clip)"
            )
        value.backward()
        params = [p for p in self.loss.parameters() if p.grad is not None]
        norm = torch.nn.utils.clip_grad_norm_(params, self.grad_clip if self.grad_clip is not None else math.inf)
        if not torch.isfinite(norm):
            raise FloatingPointError(
                f"the gradient became non-finite at step {self.step + 1}; parameters were not updated. "
                "Lower the learning rate or add gradient clipping (grad_clip)"
            )
        self.optimizer.step()
        if self.scheduler is not None:
            self.scheduler.step()
        if self.ema is not None:
            self.ema.update(self.loss.energy)
        self.loss.record(loss=value)
        return bool(flags[0] > 0)

    def _reduced_metrics(self) -> dict[str, float]:
        scalars = {  # scalars only: a loss may also record tensors such as its negatives
            k: v.detach().float().reshape(()) if isinstance(v, torch.Tensor) else torch.tensor(float(v))
            for k, v in self.loss.last.items()
            if (isinstance(v, torch.Tensor) and v.numel() == 1)
            or (isinstance(v, (int, float)) and not isinstance(v, bool))
        }
        return {k: float(self.group.mean(v.to(self.device))) for k, v in scalars.items()}

    def evaluate(self) -> dict[str, float]:
        """MMD of fresh model samples to held-out data (and NLL for 2-D energies), rank-averaged."""
        energy = self.ema.averaged if self.ema is not None else self.loss.energy
        results = evaluation.evaluate(
            energy,
            self.heldout,
            sampler=self.eval_sampler,
            n_samples=self.eval_samples,
            n_steps=self.eval_steps,
            nll_bounds=self.nll_bounds,
            seed=self.seed * 7919 + self.step,
            log_z=self.eval_log_z,
            modes=getattr(self.batches.data, "modes", None),  # a mixture data set's known modes
        )
        return {k: float(self.group.mean(torch.tensor(v, device=self.device))) for k, v in results.items()}


def _make_scheduler(optimizer: torch.optim.Optimizer, schedule: str, steps: int | None) -> Any:
    """``None`` (constant) or a cosine decay lr·½(1 + cos(π·min(t, T)/T)) that stays at 0 after T."""
    if schedule == "constant":
        return None
    if schedule != "cosine":
        raise ValueError(f"lr_schedule must be 'constant' or 'cosine', got {schedule!r}")
    if steps is None or steps < 1:
        raise ValueError("lr_schedule='cosine' needs schedule_steps ≥ 1 (usually the number of training steps)")
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda t: 0.5 * (1.0 + math.cos(math.pi * min(t, steps) / steps))
    )


def _fitting_samples(data: Any, n: int, seed: int) -> torch.Tensor:
    """All of a fixed data set (a tensor, or ``tensors()[0]``), else ``n`` draws seeded by ``seed``."""
    generator = torch.Generator().manual_seed(seed)
    if isinstance(data, torch.Tensor):
        return data.detach().cpu()
    if callable(getattr(data, "tensors", None)):
        return data.tensors(generator=generator)[0]
    return data.sample(n, generator=generator)


def _device_of(loss: Loss) -> torch.device:
    for tensor in loss.parameters():
        return tensor.device
    return torch.device("cpu")


def loss_generators(loss: nn.Module) -> dict[str, torch.Generator]:
    """Every ``torch.Generator`` a loss (or a submodule, or its sampler) keeps, by attribute path.

    Exact resume restores them; under DDP they are re-seeded per rank.
    """
    found: dict[str, torch.Generator] = {}
    for path, module in loss.named_modules():
        owners = [(path, module)]
        sampler = module.__dict__.get("sampler")
        if sampler is not None and not isinstance(sampler, nn.Module):
            owners.append((f"{path}.sampler".lstrip("."), sampler))
        for prefix, owner in owners:
            for name, value in vars(owner).items():
                if isinstance(value, torch.Generator):
                    found[f"{prefix}.{name}".lstrip(".")] = value
    return found


def _format(metrics: dict[str, float]) -> str:
    short = {"loss": "loss", "energy_data": "E(data)", "energy_negatives": "E(neg)", "acceptance_rate": "acc"}
    parts = [f"{label}={metrics[key]:.3g}" for key, label in short.items() if key in metrics and math.isfinite(metrics[key])]
    return " ".join(parts)
