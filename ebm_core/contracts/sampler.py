"""The :class:`Sampler` contract: a Markov kernel on the energy's density.

A sampler is a small kernel in the BlackJAX style — ``init(x) -> state`` and
``step(state, generator) -> state`` — and the base class owns everything around it: the
loop (burn-in, thinning, trajectory), adaptation during burn-in, divergence detection, the
progress bar and the fast path to fused kernels (:mod:`ebm_core.sampling`).
"""

from __future__ import annotations

import abc
import functools
import inspect
from typing import Any, Callable, ClassVar, Mapping, TypeVar

import torch

from ..arguments import check_arguments
from ..kernels import ParamValue
from ..sampling.adaptation import Adaptation
from ..sampling.convergence import strict_from_environment
from ..sampling.loop import run_chains
from ..sampling.result import SampleResult
from ..sampling.state import ChainState
from .energy import Energy


_Method = TypeVar("_Method", bound=Callable[..., Any])


def _keyword_hints(method: _Method) -> _Method:
    """Turn an unknown keyword (``n_step=10``) into an error naming the closest accepted one
    and all of them (:func:`ebm_core.arguments.check_arguments`) instead of Python's bare
    ``TypeError``; known keywords pass straight through."""
    known = set(inspect.signature(method).parameters)

    @functools.wraps(method)
    def checked(self: Any, *args: Any, **kwargs: Any) -> Any:
        if not known.issuperset(kwargs):
            check_arguments(
                method, (self, *args), kwargs, what=f"{type(self).__name__}.{method.__name__}()"
            )
        return method(self, *args, **kwargs)

    return checked  # type: ignore[return-value]


class Sampler(abc.ABC):
    """Base class of MCMC samplers targeting ``p(x) ∝ exp(−E(x))``.

    Subclasses implement :meth:`init` and :meth:`step`; both act on all chains at once (the
    leading dimension of ``x`` indexes chains). Optionally they provide :meth:`adaptation`
    (tuning during burn-in), :meth:`kernel_params` with a ``kernel_key`` (the fast path),
    :meth:`attach_step_kernel` (per-step fused updates) and :meth:`state_dict` (checkpoints).

    Users call :meth:`sample` (a tensor) or :meth:`run` (a :class:`SampleResult`).

    Example — a random-walk Metropolis sampler in a dozen lines::

        import torch, ebm_core
        from ebm_core.sampling import ChainState

        class RandomWalk(ebm_core.Sampler):
            "Metropolis with N(0, s² I) proposals."
            def __init__(self, energy, scale=0.5):
                super().__init__(energy)
                self.scale = scale
            def init(self, x):
                e = self.energy(x)
                ones = torch.ones_like(e)
                return ChainState(x=x, grad=torch.zeros_like(x), energy=e,
                                  accepted=ones.bool(), accept_prob=ones, n_grad_evals=0)
            def step(self, state, generator=None):
                y = state.x + self.scale * torch.randn(state.x.shape, generator=generator)
                e_y = self.energy(y)
                log_r = state.energy - e_y
                u = torch.rand(log_r.shape, generator=generator)
                ok = torch.log(u) < log_r
                state.x = torch.where(ok[:, None], y, state.x)
                state.energy = torch.where(ok, e_y, state.energy)
                state.accepted, state.accept_prob = ok, log_r.clamp(max=0).exp()
                return state

        s = RandomWalk(ebm_core.energy("gaussian", dim=2))
        g = torch.Generator().manual_seed(0)
        x = s.sample(torch.randn(100, 2, generator=g), n_steps=600, burn_in=200, generator=g)
        assert x.shape == (100, 2)   # and no ConvergenceWarning: the chains mixed
    """

    #: Name under which fused kernels know this sampler's math; honoured only on the class
    #: that declares it (see :mod:`ebm_core.kernels`).
    kernel_key: ClassVar[str | None] = None

    def __init__(self, energy: Energy) -> None:
        if not isinstance(energy, Energy):
            raise TypeError(
                f"energy must be an ebm_core.Energy, got {type(energy).__name__}; build one with "
                "ebm_core.energy(name, ...) or wrap a callable with "
                "ebm_core.energy('neural', module=f)"
            )
        self.energy = energy

    # ------------------------------------------------------------ the kernel
    @abc.abstractmethod
    def init(self, x: torch.Tensor) -> ChainState:
        """The chain state at positions ``x`` (shape ``(chains, *event_shape)``).

        ``x`` is the loop's private copy: the state may hold it and update it in place.
        """

    @abc.abstractmethod
    def step(self, state: ChainState, generator: torch.Generator | None = None) -> ChainState:
        """One transition of every chain; draws randomness only from ``generator``.

        Sets ``state.accepted`` and ``state.accept_prob`` for the transition and may update
        the state in place (returning it).
        """

    # ---------------------------------------------------------- extensions
    def adaptation(self, n_burn_in: int) -> Adaptation | None:
        """The tuning to run during a burn-in of ``n_burn_in`` steps, or ``None`` (default)."""
        return None

    def attach_step_kernel(
        self, state: ChainState, generator: torch.Generator | None
    ) -> str | None:
        """Let the torch path use a fused per-step kernel; return its name if one was attached.

        Called once per torch-path run, after :meth:`init`, unless kernels are disabled
        (``accelerate=False`` or ``EBM_DISABLE_KERNELS=1``). The default attaches nothing.
        """
        return None

    def kernel_params(self) -> Mapping[str, ParamValue] | None:
        """Parameters a fused kernel needs (see :mod:`ebm_core.kernels`), or ``None``."""
        return None

    def state_dict(self) -> dict[str, Any]:
        """Tuned state to checkpoint (step size, mass matrix, adaptation state); ``{}`` here."""
        return {}

    def load_state_dict(self, state: Mapping[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned."""
        expected = set(self.state_dict())
        missing, unexpected = sorted(expected - set(state)), sorted(set(state) - expected)
        if missing or unexpected:
            raise ValueError(
                f"{type(self).__name__}.load_state_dict: missing key(s) {missing}, unexpected "
                f"key(s) {unexpected}; it takes what {type(self).__name__}.state_dict() returns "
                f"(keys {sorted(expected)})"
            )

    # ------------------------------------------------------------- the loop
    @_keyword_hints
    def run(
        self,
        x: torch.Tensor | None = None,
        n_steps: int = 100,
        *,
        n_samples: int | None = None,
        burn_in: int = 0,
        thin: int = 1,
        generator: torch.Generator | None = None,
        progress: bool = False,
        return_trajectory: bool = False,
        accelerate: bool = True,
    ) -> SampleResult:
        """Run ``n_steps`` transitions of every chain and report how it went.

        Args:
            x: starting states ``(chains, *event_shape)`` (not modified), or ``None`` with
                ``n_samples``.
            n_steps: transitions per chain, burn-in included.
            n_samples: start this many chains from N(0, I) (needs the energy's event shape).
            burn_in: leading steps discarded (and used for adaptation, then frozen).
            thin: keep every ``thin``-th state after burn-in in the trajectory.
            generator: source of all randomness; the same seed gives the same samples.
            progress: show a tqdm progress bar.
            return_trajectory: record the kept states,
                ``(chains, (n_steps − burn_in) // thin, *event_shape)``.
            accelerate: allow fused kernels (also disabled by ``EBM_DISABLE_KERNELS=1``).

        Never raises or warns for divergent or unconverged chains: they are flagged in
        ``result.divergent`` and ``result.convergence``; ``result.check()`` warns about them.
        An unknown keyword raises :class:`~ebm_core.InvalidArgumentError` (a ``TypeError``)
        naming the closest accepted one.
        """
        return run_chains(
            self,
            x,
            n_steps,
            n_samples=n_samples,
            burn_in=burn_in,
            thin=thin,
            generator=generator,
            progress=progress,
            return_trajectory=return_trajectory,
            accelerate=accelerate,
        )

    @_keyword_hints
    def sample(
        self,
        x: torch.Tensor | None = None,
        n_steps: int = 100,
        *,
        n_samples: int | None = None,
        burn_in: int = 0,
        thin: int = 1,
        generator: torch.Generator | None = None,
        progress: bool = False,
        return_trajectory: bool = False,
        accelerate: bool = True,
        strict: bool = False,
    ) -> torch.Tensor:
        """The final states, shaped like ``x`` — or the trajectory when ``return_trajectory``.

        Same arguments as :meth:`run`, then checks the result
        (:meth:`~ebm_core.sampling.SampleResult.check`): raises
        :class:`~ebm_core.sampling.DivergenceError` when every chain diverged, warns
        (:class:`~ebm_core.sampling.DivergenceWarning`) when some did — their rows are not
        samples — and warns (:class:`~ebm_core.sampling.ConvergenceWarning`) when chains
        are stuck or R-hat is far from 1 (:mod:`ebm_core.sampling.convergence`). With
        ``strict=True``, or ``EBM_STRICT_CONVERGENCE=1`` in the environment, each warning is
        an error instead (:class:`~ebm_core.sampling.ConvergenceError`).
        """
        result = self.run(
            x,
            n_steps,
            n_samples=n_samples,
            burn_in=burn_in,
            thin=thin,
            generator=generator,
            progress=progress,
            return_trajectory=return_trajectory,
            accelerate=accelerate,
        )
        result.check(strict=strict or strict_from_environment(), stacklevel=4)
        return result.trajectory if return_trajectory else result.samples
