"""Non-reversible parallel tempering: replica exchange around any registered sampler."""

from __future__ import annotations

import dataclasses
from typing import Any, Mapping

import torch

import ebm_core
from ebm_core import Sampler
from ebm_core.checks import integer_in_range, probability
from ebm_core.errors import UnknownComponentError
from ebm_core.sampling import Adaptation, ChainState

from .tempered_energy import TemperedEnergy
from .tempering_ladder import equalised_ladder, geometric_ladder

#: Heading of a replica label on its way between the ends of the ladder (for round trips).
_UNSEEN, _FROM_COLD, _FROM_HOT = 0, 1, 2


@dataclasses.dataclass
class TemperingState(ChainState):
    """The β = 1 chains (``x``, ``energy``, ``grad``) plus every replica and the swap records.

    Attributes:
        replicas: the base sampler's state of each temperature, ``replicas[0]`` at β = 1.
        betas: the ladder ``(R,)`` (the tempered energies view its entries).
        label: ``(R, chains)``, which replica label sits at each temperature (labels start at
            their own temperature and travel by swaps).
        heading: ``(R, chains)`` per label, which end of the ladder it visited last.
        swap_prob: ``(R−1,)`` summed swap acceptance probabilities per neighbour pair.
        swap_attempts: ``(R−1,)`` swaps attempted per pair (times the number of chains).
        round_trips: ``(R,)`` completed cold → hot → cold trips per label, summed over chains.
        n_transitions: steps taken (its parity picks the even or odd pairs).
    """

    replicas: list[ChainState] = dataclasses.field(default_factory=list)
    betas: torch.Tensor | None = None
    label: torch.Tensor | None = None
    heading: torch.Tensor | None = None
    swap_prob: torch.Tensor | None = None
    swap_attempts: torch.Tensor | None = None
    round_trips: torch.Tensor | None = None
    uniform: torch.Tensor | None = None
    n_transitions: int = 0


class ParallelTempering(Sampler):
    """Replica exchange with a deterministic even/odd swap scheme (Syed et al. 2021).

    Each of R replicas runs the base sampler (built through the registry,
    ``ebm_core.sampler(base, β_k·E, **base_kwargs)``) on the tempered density
    ``p_k ∝ exp(−β_k E)``, ``1 = β_0 > β_1 > … > β_{R−1}``; after every base step the chains
    at neighbouring temperatures ``(k, k+1)`` try to exchange their states with probability

    .. math:: \\min\\{1, \\exp((β_k − β_{k+1})(E(x_k) − E(x_{k+1})))\\},

    alternately for all even ``k`` (steps 0, 2, …) and all odd ``k`` — the non-reversible
    scheme, whose replicas travel the ladder ballistically: round trips grow linearly, not
    as the square root of R as with random pair choices. The energies stay untouched (the
    tempered target is ``β·E``), and the kept chains are those at β = 1. Each transition costs
    R base steps.

    During ``burn_in`` every base sampler runs its own adaptation (each temperature tunes
    its step size), and — with ``adapt_ladder`` — the inner betas are re-spaced so that all
    neighbours have the same swap rate
    (:func:`~ebm_plugins.samplers.tempering_ladder.equalised_ladder`),
    at the ends of rounds of doubling length spanning the first three quarters of the burn-in.

    After a run (statistics of the post-burn-in steps; all of them without burn-in):

    * :attr:`betas` — the ladder (the adapted one after a burn-in);
    * :attr:`swap_acceptance` — mean swap acceptance probability per neighbour pair, ``(R−1,)``;
    * :attr:`round_trips` — completed cold → hot → cold trips of each replica label, summed
      over chains, ``(R,)``; a replica that never makes one means the ladder does not connect
      the modes (lower ``beta_min`` or add replicas).

    The base sampler's state may carry nothing about ``x`` beyond ``x``, ``energy`` and
    ``grad`` (true of every built-in sampler): swaps exchange exactly those, rescaled to the
    new temperature.

    Args:
        energy: any :class:`ebm_core.Energy`.
        base: name of a registered sampler run at every temperature (default ``"mala"``).
        base_kwargs: keyword arguments of every base sampler.
        n_replicas: R ≥ 2 (default 8, or ``len(betas)``).
        beta_min: the hottest β of the default geometric ladder ``β_k = β_min^{k/(R−1)}``.
        betas: an explicit ladder instead, strictly decreasing from 1 (its inner entries are
            re-spaced during burn-in unless ``adapt_ladder=False``).
        adapt_ladder: equalise the neighbour swap rates during burn-in (keeps both ends).

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian_mixture", means=[[-6.0], [6.0]], weights=[0.3, 0.7])
        pt = ebm_core.sampler("parallel_tempering", e, base="mala", n_replicas=6, beta_min=0.02)
        g = torch.Generator().manual_seed(0)
        x = pt.sample(torch.full((400, 1), -6.0), n_steps=600, burn_in=300, generator=g)
        assert abs(float((x > 0).double().mean()) - 0.7) < 0.1   # both modes, right weights
        assert pt.swap_acceptance.shape == (5,) and pt.round_trips.sum() > 0
    """

    def __init__(
        self,
        energy: Any,
        base: str = "mala",
        base_kwargs: Mapping[str, Any] | None = None,
        n_replicas: int | None = None,
        beta_min: float = 0.01,
        betas: Any = None,
        adapt_ladder: bool = True,
    ) -> None:
        super().__init__(energy)
        if not isinstance(base, str):
            raise TypeError(
                f"base must be the registered name of a sampler (e.g. 'mala'), got {base!r}"
            )
        if base_kwargs is not None and not isinstance(base_kwargs, Mapping):
            raise TypeError(
                f"base_kwargs must be a dict of the base sampler's arguments, got {base_kwargs!r}"
            )
        self.base = base
        self.base_kwargs = dict(base_kwargs or {})
        self.adapt_ladder = bool(adapt_ladder)
        self._betas = _ladder(n_replicas, beta_min, betas)
        self.tempered = [TemperedEnergy(energy, float(b)) for b in self._betas]
        try:
            self.samplers = [ebm_core.sampler(base, t, **self.base_kwargs) for t in self.tempered]
        except UnknownComponentError as exc:
            raise UnknownComponentError(f"base={base!r}: {exc}") from None
        self._record: TemperingState | None = None

    @property
    def n_replicas(self) -> int:
        return self._betas.shape[0]

    # ------------------------------------------------------------- reports
    @property
    def betas(self) -> torch.Tensor:
        """The ladder ``(R,)``, float64 on the CPU, from 1 down (adapted after a burn-in)."""
        return self._betas.clone()

    @property
    def swap_acceptance(self) -> torch.Tensor:
        """Mean swap acceptance probability of each neighbour pair in the last run's kept steps."""
        record = self._require_run("swap_acceptance")
        return (record.swap_prob / record.swap_attempts.clamp(min=1)).double().cpu()

    @property
    def round_trips(self) -> torch.Tensor:
        """Completed cold → hot → cold trips of each replica label (summed over chains)."""
        return self._require_run("round_trips").round_trips.cpu()

    def _require_run(self, what: str) -> TemperingState:
        if self._record is None:
            raise RuntimeError(f"{what} is measured by a run: call run() or sample() first")
        return self._record

    # ------------------------------------------------------------- the kernel
    def init(self, x: torch.Tensor) -> TemperingState:
        n, chains = self.n_replicas, x.shape[0]
        betas = self._betas.to(device=x.device)  # float64: the ladder is committed exactly
        for k, tempered in enumerate(self.tempered):
            tempered.beta = betas[k]  # a view: ladder adaptation updates it in place
        replicas = [s.init(x if k == 0 else x.clone()) for k, s in enumerate(self.samplers)]
        cold = replicas[0]
        labels = torch.arange(n, device=x.device)[:, None].expand(n, chains).clone()
        state = TemperingState(
            x=cold.x, grad=cold.grad, energy=cold.energy, accepted=cold.accepted,
            accept_prob=cold.accept_prob, n_grad_evals=sum(r.n_grad_evals for r in replicas),
            replicas=replicas, betas=betas, label=labels,
            heading=torch.zeros(n, chains, dtype=torch.int8, device=x.device),
            swap_prob=x.new_zeros(n - 1), swap_attempts=x.new_zeros(n - 1),
            round_trips=torch.zeros(n, dtype=torch.int64, device=x.device),
            uniform=x.new_empty(chains),
        )
        self._record = state
        return state

    def step(
        self, state: TemperingState, generator: torch.Generator | None = None
    ) -> TemperingState:
        replicas = state.replicas
        for k, sampler in enumerate(self.samplers):
            replicas[k] = sampler.step(replicas[k], generator)
        cold_moved = replicas[0].accepted
        swapped = self._swap(state, state.n_transitions % 2, generator)
        if swapped is not None:
            cold_moved = cold_moved | swapped
        self._count_round_trips(state)
        state.n_transitions += 1
        cold = replicas[0]
        state.x, state.grad, state.energy = cold.x, cold.grad, cold.energy
        state.accepted, state.accept_prob = cold_moved, cold.accept_prob
        state.n_grad_evals = sum(r.n_grad_evals for r in replicas)
        return state

    def _swap(
        self, state: TemperingState, parity: int, generator: torch.Generator | None
    ) -> torch.Tensor | None:
        """Exchange neighbours ``(k, k+1)`` for every ``k`` of this parity.

        Returns which β = 1 chains swapped (``None`` when pair 0 was not tried).
        """
        replicas, betas = state.replicas, state.betas
        cold_swapped = None
        for k in range(parity, self.n_replicas - 1, 2):
            a, b = replicas[k], replicas[k + 1]
            e_a, e_b = self._raw_energy(a, betas[k]), self._raw_energy(b, betas[k + 1])
            log_ratio = (betas[k] - betas[k + 1]) * (e_a - e_b)
            log_ratio = torch.where(torch.isnan(log_ratio), float("-inf"), log_ratio)
            accept = torch.log(state.uniform.uniform_(generator=generator)) < log_ratio
            state.swap_prob[k] += torch.exp(log_ratio.clamp(max=0.0)).sum()
            state.swap_attempts[k] += accept.shape[0]
            _exchange(a, b, betas[k], betas[k + 1], e_a, e_b, accept)
            rows = state.label[k : k + 2]
            rows.copy_(torch.where(accept, rows.flip(0), rows))
            if k == 0:
                cold_swapped = accept
        return cold_swapped

    def _raw_energy(self, replica: ChainState, beta: torch.Tensor) -> torch.Tensor:
        if replica.energy is None:
            return self.energy(replica.x)
        return replica.energy / beta

    @staticmethod
    def _count_round_trips(state: TemperingState) -> None:
        chains = torch.arange(state.label.shape[1], device=state.label.device)
        hot, cold = state.label[-1], state.label[0]
        state.heading[hot, chains] = _FROM_HOT
        finished = state.heading[cold, chains] == _FROM_HOT
        state.round_trips.index_add_(0, cold, finished.long())
        state.heading[cold, chains] = _FROM_COLD

    # ------------------------------------------------------------- adaptation
    def adaptation(self, n_burn_in: int) -> Adaptation:
        return _TemperingAdaptation(self, n_burn_in)

    def _commit_ladder(self, state: TemperingState) -> None:
        self._betas = state.betas.detach().to(device="cpu", dtype=torch.float64).clone()

    # ------------------------------------------------------------- checkpoints
    def state_dict(self) -> dict[str, Any]:
        return {"betas": self._betas.clone(), "base": [s.state_dict() for s in self.samplers]}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        betas = torch.as_tensor(state["betas"], dtype=torch.float64)
        if betas.shape != self._betas.shape or len(state["base"]) != self.n_replicas:
            raise ValueError(
                f"the checkpoint has {betas.numel()} replicas but this sampler has "
                f"{self.n_replicas}; build it with n_replicas={betas.numel()}"
            )
        self._betas = _ladder(None, 0.5, betas)
        parts = zip(self.samplers, self.tempered, self._betas, state["base"])
        for sampler, tempered, beta, sub in parts:
            tempered.beta = float(beta)
            sampler.load_state_dict(sub)

    def __repr__(self) -> str:
        return (
            f"ParallelTempering(base={self.base!r}, n_replicas={self.n_replicas}, "
            f"beta_min={float(self._betas[-1]):g}, adapt_ladder={self.adapt_ladder}, "
            f"energy={type(self.energy).__name__})"
        )


class _TemperingAdaptation(Adaptation):
    """Every base sampler's own adaptation, plus the ladder re-spacing, during burn-in.

    The ladder is re-spaced at the ends of rounds of w, 2w, 4w, 8w, 16w steps
    (``31 w ≈ ¾ burn-in``) from the rejection rates measured in that round; after the last
    one the base samplers keep tuning to the final ladder. The swap records restart when the
    burn-in ends, so the reports describe the kept steps.
    """

    def __init__(self, sampler: ParallelTempering, n_burn_in: int) -> None:
        self.sampler = sampler
        self.bases = [s.adaptation(n_burn_in) for s in sampler.samplers]
        self.round_ends: set[int] = set()
        width = (3 * n_burn_in // 4) // 31
        if sampler.adapt_ladder and width >= 1 and sampler.n_replicas > 2:
            end = 0
            for k in range(5):
                end += width << k
                self.round_ends.add(end - 1)

    def start(self, state: TemperingState) -> None:
        for base, replica in zip(self.bases, state.replicas):
            if base is not None:
                base.start(replica)

    def update(self, state: TemperingState, iteration: int) -> None:
        for base, replica in zip(self.bases, state.replicas):
            if base is not None:
                base.update(replica, iteration)
        if iteration in self.round_ends:
            rejection = 1.0 - state.swap_prob / state.swap_attempts.clamp(min=1)
            old = state.betas.clone()
            state.betas.copy_(equalised_ladder(old, rejection))
            ratio = state.betas / old
            for k, replica in enumerate(state.replicas):  # E and ∇E carry the old β
                if replica.energy is not None:
                    replica.energy.mul_(ratio[k])
                replica.grad.mul_(ratio[k])
            _restart_records(state)

    def finish(self, state: TemperingState) -> None:
        for base, replica in zip(self.bases, state.replicas):
            if base is not None:
                base.finish(replica)
        self.sampler._commit_ladder(state)
        _restart_records(state)


def _restart_records(state: TemperingState) -> None:
    state.swap_prob.zero_()
    state.swap_attempts.zero_()
    state.round_trips.zero_()


def _exchange(
    a: ChainState, b: ChainState, beta_a: torch.Tensor, beta_b: torch.Tensor,
    e_a: torch.Tensor, e_b: torch.Tensor, accept: torch.Tensor,
) -> None:
    """Swap ``x``, ``energy`` and ``grad`` of the accepted chains, rescaled to the new β."""
    mask = accept.view(-1, *([1] * (a.x.dim() - 1)))
    x_a = a.x.clone()
    a.x.copy_(torch.where(mask, b.x, a.x))
    b.x.copy_(torch.where(mask, x_a, b.x))
    g_a = a.grad.clone()
    a.grad.copy_(torch.where(mask, b.grad * (beta_a / beta_b), a.grad))
    b.grad.copy_(torch.where(mask, g_a * (beta_b / beta_a), b.grad))
    if a.energy is not None:
        a.energy.copy_(torch.where(accept, beta_a * e_b, a.energy))
    if b.energy is not None:
        b.energy.copy_(torch.where(accept, beta_b * e_a, b.energy))


def _ladder(n_replicas: Any, beta_min: Any, betas: Any) -> torch.Tensor:
    """The validated ladder: explicit ``betas``, else geometric with ``n_replicas`` (8)."""
    if betas is None:
        n = 8 if n_replicas is None else _replica_count(n_replicas)
        return geometric_ladder(n, probability(beta_min, "beta_min"))
    try:
        ladder = torch.as_tensor(betas, dtype=torch.float64).detach().cpu().reshape(-1).clone()
    except (TypeError, ValueError, RuntimeError) as exc:
        raise TypeError(f"betas must be a sequence of numbers, got {betas!r}") from exc
    if ladder.numel() < 2:
        raise ValueError(f"betas needs at least 2 entries (1 and a hotter β), got {betas!r}")
    if n_replicas is not None and _replica_count(n_replicas) != ladder.numel():
        raise ValueError(
            f"n_replicas={n_replicas} but betas has {ladder.numel()} entries; give one of them"
        )
    ok = bool(torch.isfinite(ladder).all()) and ladder[0] == 1 and bool((ladder[1:] > 0).all())
    if not ok or not bool((ladder[1:] < ladder[:-1]).all()):
        raise ValueError(
            f"betas must decrease strictly from 1 (the target) to a positive hottest β, e.g. "
            f"[1.0, 0.3, 0.1], got {ladder.tolist()}"
        )
    return ladder


def _replica_count(n_replicas: Any) -> int:
    return integer_in_range(
        n_replicas, "n_replicas", 2, hint="the target and at least one hotter copy"
    )
