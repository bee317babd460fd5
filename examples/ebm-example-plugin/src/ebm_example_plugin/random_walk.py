"""Random-walk Metropolis (RWM) with its step size and diagonal proposal variance tuned in burn-in."""

import torch

import ebm_core
from ebm_core.sampling import ChainState
from ebm_core.sampling.state import per_chain_view


class RandomWalkMetropolis(ebm_core.AdaptiveMassSampler):
    """Random-walk Metropolis: propose ``y = x + ε √v ⊙ ξ``, ξ ~ N(0, I); accept with
    probability ``min(1, exp(E(x) − E(y)))``.

    The proposal is symmetric (``q(y | x) = q(x | y)``), so the Metropolis ratio needs only
    the energies: the chain leaves ``p ∝ exp(−E)`` invariant exactly, for any ``ε > 0`` and
    any positive ``v`` (``inv_mass``). A non-finite ``E(y)`` is a rejection, so chains never
    diverge. No gradient is evaluated; one energy evaluation per step.

    The tuning comes from :class:`ebm_core.AdaptiveMassSampler`; during ``burn_in`` (then
    frozen, so the kept samples come from one fixed kernel):

    * ``ε`` is tuned by dual averaging towards ``target_accept`` — 0.234 is optimal for
      many i.i.d. coordinates (Roberts, Gelman & Gilks 1997); in one or two dimensions the
      optimum is nearer 0.35–0.45, but the efficiency curve is flat around it. Early in
      warm-up each chain tunes its own ε (``per_chain_step_size``);
    * ``v`` (``adapt_mass``) becomes the variance of the chains' positions, estimated in
      Stan's doubling windows (:func:`ebm_core.sampling.mass_matrix_windows`) and pooled over
      the chains: with ``v`` equal to the target's variances every coordinate moves on its
      own scale.

    ``state_dict()`` holds the tuned ``step_size``, ``inv_mass`` and the dual-averaging state.

    Args:
        energy: any :class:`ebm_core.Energy`.
        step_size: ``ε > 0``; the initial value when adapting.
        inv_mass: the proposal's diagonal variance ``v`` (scalar or one entry per event
            element); ``None`` means 1 everywhere.
        adapt_step_size, adapt_mass: what to tune during burn-in.
        target_accept: the acceptance rate adaptation aims at.

    Example::

        import torch, ebm_core
        energy = ebm_core.energy("gaussian", covariance=[0.25, 4.0])
        rwm = ebm_core.sampler("rwm", energy)
        x = rwm.sample(n_samples=2000, n_steps=600, burn_in=300,
                       generator=torch.Generator().manual_seed(0))
        assert torch.allclose(x.var(0), torch.tensor([0.25, 4.0]), rtol=0.15)
    """

    per_chain_step_size = True  # step() broadcasts a (chains,) step size

    def __init__(self, energy, step_size=1.0, inv_mass=None, adapt_step_size=True,
                 adapt_mass=True, target_accept=0.234):
        super().__init__(energy, step_size=step_size, target_accept=target_accept,
                         adapt_step_size=adapt_step_size, inv_mass=inv_mass, adapt_mass=adapt_mass)

    def init(self, x):
        energy = self.energy(x)
        no = torch.zeros_like(energy)
        return ChainState(x=x, grad=torch.zeros_like(x), energy=energy, accepted=no.bool(),
                          accept_prob=no, n_grad_evals=0, **self.tuned_fields(x))

    def step(self, state, generator=None):
        x = state.x
        noise = torch.randn(x.shape, generator=generator, dtype=x.dtype, device=x.device)
        y = x + per_chain_view(state.step_size, x) * state.inv_mass.sqrt() * noise
        energy_y = self.energy(y)
        log_r = torch.where(torch.isfinite(energy_y), state.energy - energy_y, -torch.inf)
        u = torch.rand(log_r.shape, generator=generator, dtype=x.dtype, device=x.device)
        accept = u.log() < log_r
        state.x = torch.where(accept.view(-1, *[1] * (x.dim() - 1)), y, x)
        state.energy = torch.where(accept, energy_y, state.energy)
        state.accepted, state.accept_prob = accept, log_r.clamp(max=0).exp()
        return state
