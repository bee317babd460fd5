"""Components with planted bugs, each a one-line departure from a correct implementation.

The kit must fail every one of them with a message that names the mistake.
"""

from __future__ import annotations

import math

import torch

import ebm_core
from ebm_core.sampling import ChainState


class RandomWalk(ebm_core.Sampler):
    """A correct random-walk Metropolis sampler (the reference the bugs depart from)."""

    def __init__(self, energy, scale: float = 1.0):
        super().__init__(energy)
        self.scale = scale

    def init(self, x):
        e = self.energy(x)
        return ChainState(x=x, grad=torch.zeros_like(x), energy=e, accepted=torch.zeros_like(e, dtype=torch.bool),
                          accept_prob=torch.zeros_like(e), n_grad_evals=0)

    def propose(self, x, generator):
        return x + self.scale * torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)

    def log_ratio(self, e_x, e_y):
        return e_x - e_y

    def step(self, state, generator=None):
        y = self.propose(state.x, generator)
        e_y = self.energy(y)
        log_r = torch.where(torch.isfinite(e_y), self.log_ratio(state.energy, e_y), float("-inf"))
        u = torch.rand(log_r.shape, generator=generator, dtype=log_r.dtype, device=log_r.device)
        ok = torch.log(u) < log_r
        state.x = torch.where(ok.view(-1, *[1] * (y.dim() - 1)), y, state.x)
        state.energy = torch.where(ok, e_y, state.energy)
        state.accepted, state.accept_prob = ok, log_r.clamp(max=0).exp()
        return state


class GlobalRNGWalk(RandomWalk):
    """BUG: draws the proposal from torch's global RNG, ignoring ``generator``."""

    def propose(self, x, generator):
        return x + self.scale * torch.randn(x.shape, dtype=x.dtype, device=x.device)


class UphillWalk(RandomWalk):
    """BUG: the Metropolis ratio is inverted (exp(E(y) − E(x))), favouring high energy."""

    def log_ratio(self, e_x, e_y):
        return e_y - e_x


class Float32Walk(RandomWalk):
    """BUG: casts the chains to float32, whatever the input's dtype."""

    def init(self, x):
        return super().init(x.float())


class WrongNoiseLangevin(ebm_core.Sampler):
    """BUG: unadjusted Langevin with noise √h·ξ instead of √(2h)·ξ (samples too narrow by 2×)."""

    def __init__(self, energy, step_size: float = 0.05):
        super().__init__(energy)
        self.step_size = step_size

    def init(self, x):
        ones = torch.ones(x.shape[0], dtype=x.dtype, device=x.device)
        return ChainState(x=x, grad=self.energy.grad(x), energy=None, accepted=ones.bool(), accept_prob=ones)

    def step(self, state, generator=None):
        h = self.step_size
        noise = torch.randn(state.x.shape, generator=generator, dtype=state.x.dtype, device=state.x.device)
        state.x = state.x - h * state.grad + math.sqrt(h) * noise  # should be math.sqrt(2 * h)
        state.grad = self.energy.grad(state.x)
        state.n_grad_evals += 1
        return state


class FlippedGradientQuadratic(ebm_core.Energy):
    """BUG: E = ½‖x‖² with an analytic gradient of the wrong sign."""

    def __init__(self, dim: int = 2):
        super().__init__(event_shape=(dim,))

    def forward(self, x):
        return 0.5 * self.check_input(x).pow(2).sum(-1)

    def grad(self, x, *, create_graph=False):
        return -x


class BatchNormalisedEnergy(ebm_core.Energy):
    """BUG: subtracts the batch mean, so each row's energy depends on the other rows."""

    def __init__(self, dim: int = 2):
        super().__init__(event_shape=(dim,))

    def forward(self, x):
        x = self.check_input(x)
        return 0.5 * (x - x.mean(0)).pow(2).sum(-1)


class NegatedScoreMatching(ebm_core.Loss):
    """BUG: exact score matching with the overall sign flipped (maximised at the answer)."""

    def forward(self, data):
        return -_score_matching_terms(self.energy, data, trace_weight=1.0)


class AveragedTraceScoreMatching(ebm_core.Loss):
    """BUG: the Hessian trace averaged over dimensions instead of summed (a factor d)."""

    def forward(self, data):
        return _score_matching_terms(self.energy, data, trace_weight=1.0 / data.shape[1])


def _score_matching_terms(energy, data, trace_weight):
    x = data.detach().requires_grad_(True)
    with torch.enable_grad():
        g = energy.grad(x, create_graph=True)
        trace = sum(torch.autograd.grad(g[:, i].sum(), x, create_graph=True)[0][:, i] for i in range(x.shape[1]))
        return (0.5 * g.pow(2).sum(1) - trace_weight * trace).mean()
