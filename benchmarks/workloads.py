"""The benchmark workloads (W1–W4 and PCD training) and the presets that size them.

Every system runs the same workload: the same target, step size, number of chains, steps
and start states (:mod:`benchmarks.inputs`). The work of one run is counted the same way for
everyone — chain-steps (one chain advanced by one transition) for ULA, gradient evaluations
(chains × transitions × L) for HMC, and iterations for training — so throughputs are
comparable whatever each library does internally (e.g. TorchEBM's HMC also evaluates the
energy twice per transition; that is its cost, not extra credit).

===========  =====================================================  =====================
workload     target and sampler                                     size (full preset)
===========  =====================================================  =====================
W1           ULA, double well ``2 Σ (xᵢ² − 1)²`` in 2-D, h = 0.01    10,000 chains × 1,000
W2           ULA, standard Gaussian 100-D, h = 0.1                  1,000 chains × 1,000
W3           HMC, standard Gaussian 10-D, ε = 0.1, L = 10            1,000 chains × 100
W4           ULA, MLP 2-128-128-1 (SiLU) energy, h = 0.01           4,096 chains × 100
train        PCD on eight_gaussians, same MLP, batch 256, k = 20    50 iterations a run
W5           ULA, conv energy (IGEBM-small) on 1×28×28, h = 0.01    128 chains × 60
W6           PCD iteration of that conv energy, batch 64, k = 60     2 iterations a run
N1           NUTS, 100-D Gaussian, variances 10^-2…10^2 (κ = 10⁴)   64 chains × (200 + 200)
N2           NUTS, 2-D banana (Rosenbrock a = 1, b = 10)            64 chains × (200 + 200)
T1           parallel tempering (MALA), three-mode 1-D mixture      64 chains × 1,000 sweeps
===========  =====================================================  =====================

The conv energy of W5/W6 ("IGEBM-small") is three 3×3 convolutions with 32, 64 and 64
output channels, SiLU after each, stride 2 after the first (28 → 28 → 14 → 7), summed over
the image and mapped to one energy by a linear layer — ebm's ``conv`` energy with
``channels=(32, 64, 64)``; every peer runs the same network with the same weights. W6's
training data are fixed NumPy images (uniform in [0, 1]); its settings are :data:`TRAINING`.

N1, N2 and T1 (the "Samplers II" workloads, :mod:`benchmarks.samplers_ii`) run only when
named in ``--workloads``: they measure ESS per second and per gradient evaluation (NUTS,
warm-up + kept draws) and round trips per second (tempering) rather than raw throughput.
"""

from __future__ import annotations

import dataclasses
from typing import Mapping

#: The double well's parameters ``E(x) = h Σ (xᵢ² − b²)²`` (TorchEBM's DoubleWellModel default).
DOUBLE_WELL = {"barrier_height": 2.0, "b": 1.0}
#: Hidden widths of the MLP energy (W4 and training): 2 → 128 → 128 → 1, SiLU.
MLP_HIDDEN = (128, 128)
#: The conv energy of W5/W6: one image's shape and the output channels of its convolutions.
CONV_IMAGE = (1, 28, 28)
CONV_CHANNELS = (32, 64, 64)
#: PCD settings shared by every system's training loop.
TRAINING = {
    "learning_rate": 1e-3,  # Adam
    "alpha": 0.1,  # weight of the energy-magnitude penalty α (E(x)² + E(x⁻)²)
    "buffer_size": 10_000,
    "reinit_fraction": 0.05,  # chains restarted from N(0, I) per batch
}


@dataclasses.dataclass(frozen=True)
class Workload:
    """One benchmark workload.

    Attributes:
        key: short name used in tables and JSON (``"W1"``, ``"train"``).
        title: what it is, for the table.
        kind: ``"ula"``, ``"hmc"`` or ``"train"``.
        target: ``"double_well"``, ``"gaussian"`` (standard), ``"mlp"`` or ``"conv"``.
        dim: dimension of one sample.
        chains: number of chains (the batch size for training).
        steps: transitions per chain (``k`` for training).
        step_size: ULA's ``h`` or HMC's ``ε``.
        n_leapfrog: HMC's ``L`` (1 otherwise).
        iterations: training iterations in one timed run (0 otherwise).
        quality: ``"moments"`` (exact moment check, W2/W3), ``"finite"``, or ``"ess_moments"``
            / ``"mode_weights"`` (Samplers II, :mod:`benchmarks.samplers_ii`).
        start_scale: standard deviation of the shared N(0, s² I) start states.
        warmup: NUTS warm-up transitions before the ``steps`` kept ones (0 otherwise).
        max_tree_depth: NUTS's tree-depth cap (10, Stan's and everyone's default; the smoke
            preset lowers it to stay fast).
        in_default_run: whether a run without ``--workloads`` includes it.
    """

    key: str
    title: str
    kind: str
    target: str
    dim: int
    chains: int
    steps: int
    step_size: float
    n_leapfrog: int = 1
    iterations: int = 0
    quality: str = "finite"
    start_scale: float = 1.0
    warmup: int = 0
    max_tree_depth: int = 10
    in_default_run: bool = True
    image: tuple[int, ...] | None = None

    @property
    def event_shape(self) -> tuple[int, ...]:
        """Shape of one chain's state: ``image`` for image workloads, else ``(dim,)``."""
        return tuple(self.image) if self.image else (self.dim,)

    @property
    def unit(self) -> str:
        """What the throughput counts per second."""
        return {
            "ula": "chain-steps/s", "hmc": "grad evals/s", "train": "iterations/s",
            "nuts": "min ESS/s", "tempering": "round trips/s",
        }[self.kind]

    @property
    def work(self) -> int:
        """Units of work in one timed run (see :attr:`unit`)."""
        if self.kind == "train":
            return self.iterations
        if self.kind in ("nuts", "tempering"):
            return 0  # measured from the output (ESS, round trips): benchmarks.samplers_ii
        return self.chains * self.steps * self.n_leapfrog

    def to_json(self) -> dict:
        return {**dataclasses.asdict(self), "unit": self.unit, "work": self.work}


def _workloads(
    w1: tuple[int, int], w2: tuple[int, int], w3: tuple[int, int], w4: tuple[int, int], train: int,
    nuts: tuple[int, int, int] = (64, 200, 200), sweeps: int = 1_000, max_tree_depth: int = 10,
    w5: tuple[int, int] = (128, 60), w6: tuple[int, int, int] = (64, 60, 2),
) -> dict[str, Workload]:
    chains, warmup, kept = nuts
    return {
        "W1": Workload("W1", "ULA double-well 2-D", "ula", "double_well", 2, *w1, step_size=0.01),
        "W2": Workload(
            "W2", "ULA Gaussian 100-D", "ula", "gaussian", 100, *w2, step_size=0.1,
            quality="moments", start_scale=2.0,
        ),
        "W3": Workload(
            "W3", "HMC Gaussian 10-D, L=10", "hmc", "gaussian", 10, *w3, step_size=0.1,
            n_leapfrog=10, quality="moments", start_scale=2.0,
        ),
        "W4": Workload("W4", "ULA MLP 2-128-128-1", "ula", "mlp", 2, *w4, step_size=0.01),
        "train": Workload(
            "train", "PCD training, MLP, eight_gaussians", "train", "mlp", 2, 256, 20,
            step_size=0.01, iterations=train,
        ),
        "W5": Workload(
            "W5", "ULA conv 1×28×28 (32-64-64)", "ula", "conv", 784, *w5, step_size=0.01,
            image=CONV_IMAGE,
        ),
        "W6": Workload(
            "W6", "PCD iteration, conv 1×28×28", "train", "conv", 784, w6[0], w6[1],
            step_size=0.01, iterations=w6[2], image=CONV_IMAGE,
        ),
        "N1": Workload(
            "N1", "NUTS Gaussian 100-D, κ=10⁴", "nuts", "ill_gaussian", 100, chains, kept,
            step_size=0.1, quality="ess_moments", warmup=warmup, max_tree_depth=max_tree_depth,
            in_default_run=False,
        ),
        "N2": Workload(
            "N2", "NUTS banana 2-D", "nuts", "banana", 2, chains, kept, step_size=0.1,
            quality="ess_moments", warmup=warmup, max_tree_depth=max_tree_depth,
            in_default_run=False,
        ),
        "T1": Workload(
            "T1", "PT (MALA) 3-mode mixture 1-D", "tempering", "mixture3", 1, chains, sweeps,
            step_size=0.5, quality="mode_weights", in_default_run=False,
        ),
    }


@dataclasses.dataclass(frozen=True)
class Preset:
    """How big and how often: the workloads, the repeat policy and the scaling sweeps.

    A workload is timed ``min_repeats`` times after one warm-up run, and more (up to
    ``max_repeats``) while the timed runs add up to less than ``min_seconds``; the median is
    reported.
    """

    name: str
    workloads: Mapping[str, Workload]
    min_repeats: int
    max_repeats: int
    min_seconds: float
    scaling_chains: tuple[int, ...]
    scaling_dims: tuple[int, ...]
    scaling_steps: tuple[int, int]  # (min, max) steps of one scaling point
    scaling_budget: float  # chain-steps (chains sweep) / element-steps (dim sweep) per point
    scaling_mlp_chains: tuple[int, ...]  # chains of the W4 sweep (every system)


PRESETS: dict[str, Preset] = {
    "full": Preset(
        "full",
        _workloads((10_000, 1_000), (1_000, 1_000), (1_000, 100), (4_096, 100), 50),
        min_repeats=5, max_repeats=15, min_seconds=1.0,
        scaling_chains=(1, 10, 100, 1_000, 10_000, 100_000),
        scaling_dims=(2, 10, 100, 1_000),
        scaling_steps=(100, 1_000), scaling_budget=1e7,
        scaling_mlp_chains=(16, 64, 256, 1_024, 4_096, 16_384),
    ),
    "quick": Preset(
        "quick",
        _workloads((10_000, 200), (1_000, 200), (1_000, 30), (1_024, 20), 10,
                   nuts=(64, 100, 100), sweeps=300, w5=(128, 10), w6=(64, 10, 1)),
        min_repeats=3, max_repeats=5, min_seconds=0.3,
        scaling_chains=(1, 100, 10_000, 100_000),
        scaling_dims=(2, 100, 1_000),
        scaling_steps=(50, 200), scaling_budget=2e6,
        scaling_mlp_chains=(64, 1_024, 4_096),
    ),
    # For the smoke test only: every code path, seconds in total, numbers meaningless.
    "smoke": Preset(
        "smoke",
        _workloads((256, 20), (1_000, 40), (1_000, 20), (64, 3), 2, nuts=(8, 20, 20), sweeps=40,
                   max_tree_depth=4, w5=(4, 2), w6=(4, 2, 1)),
        min_repeats=1, max_repeats=1, min_seconds=0.0,
        scaling_chains=(1, 64),
        scaling_dims=(2, 16),
        scaling_steps=(5, 5), scaling_budget=1e3,
        scaling_mlp_chains=(4, 16),
    ),
}
