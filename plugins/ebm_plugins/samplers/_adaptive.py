"""What MALA and HMC share: a step size tuned by dual averaging during burn-in."""

from __future__ import annotations

import copy
from typing import Any, ClassVar, Mapping

import torch

from ebm_core import Sampler
from ebm_core.checks import positive_float, probability
from ebm_core.sampling import ChainState, DualAveraging, WindowedAdaptation


class AdaptiveStepSizeSampler(Sampler):
    """A sampler with a ``step_size`` that dual averaging can tune to ``target_accept``.

    Adaptation runs only during a run's ``burn_in`` (nothing is tuned with ``burn_in=0``)
    and is frozen afterwards. The dual-averaging state persists between runs, so a later
    burn-in continues it; assigning ``step_size`` (or :meth:`reset_adaptation`) starts
    afresh from that value. :meth:`state_dict` checkpoints all of it.

    A subclass whose :meth:`step` accepts a ``(chains,)`` ``state.step_size`` (one step size
    per chain; :func:`ebm_core.sampling.state.per_chain_view` shapes it for broadcasting) sets
    ``per_chain_step_size = True``: its warm-up then lets each chain tune its own step size
    early on (see :class:`~ebm_core.sampling.WindowedAdaptation`).
    """

    per_chain_step_size: ClassVar[bool] = False

    def __init__(
        self, energy: Any, *, step_size: float, adapt_step_size: bool, target_accept: float
    ) -> None:
        super().__init__(energy)
        self.adapt_step_size = bool(adapt_step_size)
        self.target_accept = probability(target_accept, "target_accept")
        self.step_size = step_size

    @property
    def step_size(self) -> float:
        """The step size used after burn-in (the adapted one once a burn-in has run)."""
        return self._step_size

    @step_size.setter
    def step_size(self, value: float) -> None:
        self._step_size = positive_float(
            value, "step_size", "it scales each move; start small (e.g. 0.01) when unsure"
        )
        self.reset_adaptation()

    def reset_adaptation(self) -> None:
        """Forget the dual-averaging state: the next burn-in starts from ``step_size``."""
        self._dual_averaging = DualAveraging(self.target_accept)

    def _adapts_mass(self) -> bool:
        return False

    def adaptation(self, n_burn_in: int) -> WindowedAdaptation | None:
        """Tuning for one burn-in. It works on copies — the chain state's tensors and a copy of
        the dual-averaging state — and :meth:`_commit` stores them only when the burn-in
        completes, so a run that fails midway leaves the sampler as it was."""
        if not (self.adapt_step_size or self._adapts_mass()):
            return None
        dual_averaging = copy.deepcopy(self._dual_averaging) if self.adapt_step_size else None

        def commit(state: ChainState) -> None:
            self._commit(state)
            if dual_averaging is not None:
                self._dual_averaging = dual_averaging

        return WindowedAdaptation(
            n_adapt=n_burn_in,
            dual_averaging=dual_averaging,
            adapt_mass=self._adapts_mass(),
            commit=commit,
            per_chain_step_size=self.per_chain_step_size,
        )

    def _commit(self, state: ChainState) -> None:
        """Keep the frozen step size (one host read, at the end of burn-in)."""
        self._step_size = float(state.step_size)

    def _step_size_tensor(self, x: torch.Tensor) -> torch.Tensor:
        return torch.tensor(self._step_size, dtype=x.dtype, device=x.device)

    def state_dict(self) -> dict[str, Any]:
        return {"step_size": self._step_size, "dual_averaging": self._dual_averaging.state_dict()}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        super().load_state_dict(state)
        self.step_size = state["step_size"]
        self._dual_averaging.load_state_dict(state["dual_averaging"])
        self.target_accept = self._dual_averaging.target
