"""Nesterov dual averaging of the log step size (Hoffman & Gelman 2014, Algorithm 5)."""

from __future__ import annotations

import math
from typing import Any

import torch


class DualAveraging:
    """Tunes a step size ε so the mean acceptance probability approaches ``target``.

    At iteration t = 1, 2, … with observed acceptance probability αₜ:

    .. math::

        \\bar H_t = (1 − \\tfrac{1}{t + t_0}) \\bar H_{t−1} + \\tfrac{1}{t + t_0} (δ − α_t)

        \\log ε_t = μ − \\tfrac{\\sqrt t}{γ} \\bar H_t, \\qquad
        \\log \\bar ε_t = t^{−κ} \\log ε_t + (1 − t^{−κ}) \\log \\bar ε_{t−1}

    with ``μ = log(10 ε₀)`` (bias towards larger steps), γ = 0.05, t₀ = 10, κ = 0.75. The
    iterates ``ε_t`` are used while adapting; the averaged ``ε̄`` is the frozen result.

    The state lives in 0-dim tensors on the chains' device, so :meth:`update` never
    synchronises with it; only :meth:`restart` from a float and :meth:`state_dict` do. Restarted
    from a ``(chains,)`` tensor of step sizes, it runs one independent sequence per chain (fed a
    ``(chains,)`` acceptance), as warm-up does early on.

    Example::

        import torch
        da = DualAveraging(target=0.8)
        step = da.restart(torch.tensor(0.1))
        for _ in range(200):
            accept = torch.exp(-step)            # a toy model: acceptance falls with ε
            step = da.update(accept)
        assert abs(float(torch.exp(-da.final_step_size())) - 0.8) < 0.01
    """

    def __init__(
        self, target: float, *, gamma: float = 0.05, t0: float = 10.0, kappa: float = 0.75
    ) -> None:
        if not 0.0 < target < 1.0:
            raise ValueError(f"target acceptance must be in (0, 1), got {target}")
        self.target = float(target)
        self.gamma = float(gamma)
        self.t0 = float(t0)
        self.kappa = float(kappa)
        self.iteration = 0
        self.mu: torch.Tensor | None = None
        self.h_bar: torch.Tensor | None = None
        self.log_step: torch.Tensor | None = None
        self.log_step_bar: torch.Tensor | None = None

    @property
    def started(self) -> bool:
        """Whether :meth:`restart` has run (otherwise there is no state to continue)."""
        return self.mu is not None

    def restart(self, step_size: torch.Tensor) -> torch.Tensor:
        """Start a new sequence from ``step_size`` (0-dim tensor); returns ``ε₀``."""
        log_step = torch.log(step_size.detach().clone())
        self.mu = log_step + math.log(10.0)
        self.h_bar = torch.zeros_like(log_step)
        self.log_step = log_step
        self.log_step_bar = torch.zeros_like(log_step)
        self.iteration = 0
        return step_size

    def to(self, reference: torch.Tensor) -> "DualAveraging":
        """Move the state to ``reference``'s device and dtype (continuing on another device)."""
        for name in ("mu", "h_bar", "log_step", "log_step_bar"):
            value = getattr(self, name)
            if value is not None:
                setattr(self, name, value.to(device=reference.device, dtype=reference.dtype))
        return self

    def update(self, accept_prob: torch.Tensor) -> torch.Tensor:
        """Record the mean acceptance probability ``αₜ`` (0-dim); returns the next ``ε_t``."""
        if not self.started:
            raise RuntimeError("call restart(step_size) before update()")
        self.iteration += 1
        t = self.iteration
        eta = 1.0 / (t + self.t0)
        self.h_bar.mul_(1.0 - eta).add_((self.target - accept_prob) * eta)
        torch.sub(self.mu, self.h_bar, alpha=math.sqrt(t) / self.gamma, out=self.log_step)
        weight = t ** (-self.kappa)
        self.log_step_bar.mul_(1.0 - weight).add_(self.log_step, alpha=weight)
        return torch.exp(self.log_step)

    def copy_chains(self, to: torch.Tensor, source: torch.Tensor) -> None:
        """For a per-chain sequence (state of shape ``(chains,)``): chains ``to`` take over the
        state of chains ``source`` (index tensors), as when warm-up restarts a chain."""
        for name in ("mu", "h_bar", "log_step", "log_step_bar"):
            value = getattr(self, name)
            value.index_copy_(0, to, value.index_select(0, source))

    def final_step_size(self) -> torch.Tensor:
        """The averaged step size ``ε̄`` to freeze (``ε₀`` if no update happened yet)."""
        if not self.started:
            raise RuntimeError("call restart(step_size) before final_step_size()")
        if self.iteration == 0:
            return torch.exp(self.log_step)
        return torch.exp(self.log_step_bar)

    def state_dict(self) -> dict[str, Any]:
        """Plain floats (checkpoint-friendly); ``None`` entries before the first restart."""

        def value(t: torch.Tensor | None) -> float | None:
            return None if t is None else float(t)

        return {
            "target": self.target,
            "iteration": self.iteration,
            "mu": value(self.mu),
            "h_bar": value(self.h_bar),
            "log_step": value(self.log_step),
            "log_step_bar": value(self.log_step_bar),
        }

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Restore what :meth:`state_dict` returned (tensors are created in float64 on CPU
        and moved to the chains' device when the next burn-in starts)."""
        self.target = float(state["target"])
        self.iteration = int(state["iteration"])
        for name in ("mu", "h_bar", "log_step", "log_step_bar"):
            v = state[name]
            setattr(self, name, None if v is None else torch.tensor(float(v), dtype=torch.float64))
