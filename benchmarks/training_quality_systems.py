"""How each system of the training-quality benchmark is trained on one data set and seed.

* ``ebm`` — exactly ``ebm train --dataset NAME --seed S`` with the command's defaults, run in
  process (:func:`ebm_core.cli.main.main`) into a temporary folder, and the trained energy read
  back the way ``ebm evaluate`` reads it (EMA weights when the run kept them). Whatever the
  defaults are, this row trains with them. Its wall time is the whole command (training, the
  command's periodic evaluations and its plots); ``train_s`` is the training loop's own.
* ``gmm50`` — scikit-learn's ``GaussianMixture(50, covariance_type="full")`` (defaults
  otherwise, ``random_state=S``) fitted to 50,000 points of the data set; its exact density is
  evaluated like every other model's.
* ``ebm_same_config``, ``torchebm``, ``ebmkit`` — one configuration for all three, through
  each library's documented API: the MLP 2-128-128-1 (SiLU) with the same initial weights,
  persistent contrastive divergence with a replay buffer of 10,000 chains, k = 20 ULA steps of
  h = 0.01 per batch, the buffer initialised from N(0, I) and no chain ever restarted (TorchEBM
  has no restart from noise — see :data:`DEVIATIONS` — so no restarts is the only setting all
  three share; with restarts at probability 0.05 ebm's rings NLL was 0.06 nats worse, seed 0), the energy penalty
  α (E(x)² + E(x⁻)²) with α = 0.1, batch 128, Adam(1e-3) constant, the same batches in the same
  order and one training loop (:func:`benchmarks.systems.torch_training.training_loop`). Where
  a library departs from that configuration is listed in :data:`DEVIATIONS`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import io
import math
import re
import tempfile
import time
from types import SimpleNamespace
from typing import Any, Callable

import numpy as np
import torch

import ebm_core

#: The systems, in the report's order.
SYSTEMS = ("ebm", "gmm50", "ebm_same_config", "torchebm", "ebmkit")
SAME_CONFIG = ("ebm_same_config", "torchebm", "ebmkit")
DESCRIPTIONS = {
    "ebm": "ebm train defaults (bare `ebm train --dataset NAME --seed S`)",
    "gmm50": "scikit-learn GaussianMixture, 50 full-covariance components, 50,000 points",
    "ebm_same_config": "ebm, the shared PCD configuration",
    "torchebm": "TorchEBM, the shared PCD configuration",
    "ebmkit": "ebmkit, the shared PCD configuration",
}
#: The shared configuration of the same-configuration rows.
SAME = {"hidden": (128, 128), "k": 20, "step_size": 0.01, "buffer_size": 10_000, "reinit": 0.0,
        "alpha": 0.1, "batch_size": 128, "lr": 1e-3}
#: Where each peer's implementation departs from the shared configuration (read in its source).
DEVIATIONS = {
    "torchebm": [
        "no restart from noise exists (`new_sample_ratio` adds N(0, 0.01²) jitter to that fraction "
        "of the chain starts); it is 0 here, as the shared configuration has no restarts",
        "negatives are written back FIFO at a moving pointer, not to the slots they were drawn "
        "from: a drawn state stays in the buffer and its update overwrites another chain",
        "chain starts are drawn stratified (one slot per block of buffer_size/batch slots)",
        "the buffer is initialised as N(0, 0.01² I) unless `initialize_buffer(init_noise_scale=)` "
        "is called; here it is called with 1.0 so the buffer starts at N(0, I) like the others",
        "a non-finite loss is replaced by the constant 0.1 (no gradient) instead of failing",
    ],
    "ebmkit": [
        "chain starts are drawn from the buffer with replacement (`torch.randint`): a slot drawn "
        "twice in one batch runs two chains from one state and keeps only the last written",
        "all randomness comes from torch's global generator (no generator argument)",
        "no handling of diverged chains (a non-finite negative stays in the buffer)",
    ],
    "ebm_same_config": [
        "reference: chains drawn in passes over a random permutation of the slots (each chain "
        "advanced once per pass), each written back to its own slot, diverged chains dropped and "
        "restarted",
    ],
}


@dataclasses.dataclass(frozen=True)
class Settings:
    """What a run of the benchmark trains with.

    Attributes:
        steps: training steps of the same-configuration rows.
        ebm_steps: ``--steps`` given to ``ebm train`` (``None``: the command's default).
        ebm_set: ``--set KEY=VALUE`` overrides given to ``ebm train`` (the smoke test's only).
        gmm_components / gmm_points: the GMM baseline's size.
        heldout: held-out points per data set and seed.
        grid_points: points per axis of the evaluation grid.
        threads: torch threads per training process.
    """

    steps: int = 3000
    ebm_steps: int | None = None
    ebm_set: tuple[str, ...] = ()
    gmm_components: int = 50
    gmm_points: int = 50_000
    heldout: int = 2000
    grid_points: int = 501
    threads: int = 1


@dataclasses.dataclass
class Trained:
    """A trained model: its energy ``(batch, 2) → (batch,)``, the wall time and facts to record."""

    energy: Callable[[torch.Tensor], torch.Tensor]
    wall_s: float
    info: dict[str, Any]


@functools.cache
def warm_up() -> None:
    """Pay this process's one-time imports before anything is timed: what the first ``Adam``
    loads (``torch._dynamo``, several seconds) and ``ebm train``'s plotting (matplotlib)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot  # noqa: F401

    torch.optim.Adam([torch.nn.Parameter(torch.zeros(1))])


def train(system: str, dataset: str, seed: int, settings: Settings) -> Trained:
    """Train ``system`` on ``dataset`` with ``seed`` (after :func:`warm_up`)."""
    warm_up()
    if system == "ebm":
        return _ebm_default(dataset, seed, settings)
    if system == "gmm50":
        return _gmm(dataset, seed, settings)
    if system in SAME_CONFIG:
        return _same_config(system, dataset, seed, settings)
    raise ValueError(f"unknown system {system!r}; choose from {', '.join(SYSTEMS)}")


def missing_reason(system: str) -> str | None:
    """Why ``system`` cannot run here (its library is not installed), or ``None``."""
    import importlib.util

    module = {"torchebm": "torchebm", "ebmkit": "ebm", "gmm50": "sklearn"}.get(system)
    if module is not None and importlib.util.find_spec(module) is None:
        return f"not installed: module {module!r} not found (pip install -e '.[bench]')"
    return None


# ------------------------------------------------------------------ ebm train defaults
def ebm_train_arguments(dataset: str, seed: int, settings: Settings) -> list[str]:
    """``ebm``'s arguments for the ``ebm`` row: ``train --dataset NAME --seed S`` (plus the
    smoke test's size overrides)."""
    command = ["train", "--dataset", dataset, "--seed", str(seed)]
    if settings.ebm_steps is not None:
        command += ["--steps", str(settings.ebm_steps)]
    for assignment in settings.ebm_set:
        command += ["--set", assignment]
    return command


def _ebm_default(dataset: str, seed: int, settings: Settings) -> Trained:
    from ebm_core.cli.evaluate_command import _trained_energy
    from ebm_core.cli.main import main
    from ebm_core.cli.trained_run import load_run

    command = ebm_train_arguments(dataset, seed, settings)
    with tempfile.TemporaryDirectory() as out:
        argv = [*command, "--out", out, "--no-progress"]
        printed = io.StringIO()
        start = time.perf_counter()
        with contextlib.redirect_stdout(printed):
            status = main(argv)
        wall = time.perf_counter() - start
        if status == 130:  # ebm train stopped on SIGINT/SIGTERM: stop the benchmark too
            raise KeyboardInterrupt(f"ebm {' '.join(command)} was interrupted")
        if status != 0:
            raise RuntimeError(f"ebm {' '.join(argv)} exited with status {status}:\n{printed.getvalue()[-2000:]}")
        run = load_run(out)
        energy = _trained_energy(run, "cpu")
    finished = re.search(r"finished step (\d+) in ([0-9.]+) s", printed.getvalue())
    info = {"command": "ebm " + " ".join(command),
            "weights": run.which_weights, "step": run.step, "config": run.config,
            "train_s": float(finished.group(2)) if finished else None}
    return Trained(energy, wall, info)


# ------------------------------------------------------------------ GMM-50
def _gmm(dataset: str, seed: int, settings: Settings) -> Trained:
    from sklearn.mixture import GaussianMixture

    from .digits_quality import MixtureOfGaussians

    points = ebm_core.dataset(dataset).sample(settings.gmm_points, generator=_train_generator(seed))
    start = time.perf_counter()
    gmm = GaussianMixture(settings.gmm_components, covariance_type="full", random_state=seed)
    gmm.fit(points.double().numpy())
    wall = time.perf_counter() - start
    energy = MixtureOfGaussians(gmm.weights_, gmm.means_, gmm.covariances_)
    return Trained(energy, wall, {"converged": bool(gmm.converged_), "n_iter": int(gmm.n_iter_)})


# ------------------------------------------------------------------ the same configuration
def _train_generator(seed: int) -> torch.Generator:
    """Training data of the non-CLI rows: a stream apart from every seed's held-out stream."""
    return torch.Generator().manual_seed(10_000 + seed)


def initial_weights(seed: int) -> list[tuple[np.ndarray, np.ndarray]]:
    """The MLP's initial layers ``2 → 128 → 128 → 1`` for ``seed``, as ``torch.nn.Linear``
    initialises them (U(±1/√fan_in)), in float32."""
    rng = np.random.default_rng(seed)
    widths = [2, *SAME["hidden"], 1]
    layers = []
    for fan_in, fan_out in zip(widths[:-1], widths[1:]):
        bound = 1.0 / math.sqrt(fan_in)
        layers.append((rng.uniform(-bound, bound, (fan_out, fan_in)).astype(np.float32),
                       rng.uniform(-bound, bound, (fan_out,)).astype(np.float32)))
    return layers


def _same_config(system: str, dataset: str, seed: int, settings: Settings) -> Trained:
    from .systems.torch_training import training_loop

    batches = ebm_core.dataset(dataset).sample(settings.steps * SAME["batch_size"], generator=_train_generator(seed))
    inputs = SimpleNamespace(weights=initial_weights(seed),
                             data=batches.float().reshape(settings.steps, SAME["batch_size"], 2).numpy())
    torch.manual_seed(seed)
    generator = torch.Generator().manual_seed(seed)
    energy, loss_of, what = _SAME_CONFIG_BUILDERS[system](inputs, generator)
    loop = training_loop(SimpleNamespace(iterations=settings.steps), inputs, energy.parameters(), loss_of,
                         SAME["lr"], what)
    start = time.perf_counter()
    losses = loop.run()
    wall = time.perf_counter() - start
    energy.eval()
    return Trained(energy, wall, {"backend": what, "final_loss": float(losses[-1]),
                                  "non_finite_losses": int((~torch.isfinite(losses)).sum())})


def _ebm_same(inputs: Any, generator: torch.Generator) -> tuple[Any, Any, str]:
    from .systems.torch_mlp import load_weights

    energy = ebm_core.energy("mlp", dim=2, hidden=list(SAME["hidden"]))
    load_weights(energy, inputs.weights)
    loss = ebm_core.loss(
        "cd", energy, sampler="langevin", k=SAME["k"], persistent=True, buffer_size=SAME["buffer_size"],
        reinit_fraction=SAME["reinit"], noise="gaussian", noise_scale=1.0, alpha=SAME["alpha"],
        sampler_kwargs={"step_size": SAME["step_size"]}, generator=generator,
    )
    return energy, loss, "ebm_core.loss('cd', persistent=True) + langevin"


def _torchebm(inputs: Any, generator: torch.Generator) -> tuple[Any, Any, str]:
    from torchebm.losses import ContrastiveDivergence
    from torchebm.samplers import LangevinDynamics

    from .systems.torchebm_system import _model

    model = _model(SimpleNamespace(target="mlp"), inputs)
    sampler = LangevinDynamics(model, step_size=SAME["step_size"], noise_scale=1.0)
    loss = ContrastiveDivergence(
        model=model, sampler=sampler, k_steps=SAME["k"], persistent=True, buffer_size=SAME["buffer_size"],
        new_sample_ratio=SAME["reinit"], init_steps=0, energy_reg_weight=SAME["alpha"],
    )
    loss.initialize_buffer((2,), init_noise_scale=1.0, generator=generator)  # N(0, I), as the others
    return model, (lambda batch: loss(batch, generator=generator)[0]), \
        "torchebm ContrastiveDivergence(persistent=True) + LangevinDynamics"


def _ebmkit(inputs: Any, generator: torch.Generator) -> tuple[Any, Any, str]:
    from ebm import ContrastiveDivergence, LangevinDynamics, ReplayBuffer

    from .systems.ebmkit_system import _energy

    energy = _energy(SimpleNamespace(target="mlp"), inputs)
    buffer = ReplayBuffer(SAME["buffer_size"], (2,), reinit_prob=SAME["reinit"])  # N(0, I) starts
    loss = ContrastiveDivergence(LangevinDynamics(step_size=SAME["step_size"], steps=SAME["k"]), buffer=buffer,
                                 energy_reg=SAME["alpha"])
    return energy, (lambda batch: loss(energy, batch).loss), \
        "ebmkit ContrastiveDivergence + ReplayBuffer + LangevinDynamics"


_SAME_CONFIG_BUILDERS = {"ebm_same_config": _ebm_same, "torchebm": _torchebm, "ebmkit": _ebmkit}
