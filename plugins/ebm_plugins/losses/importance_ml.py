"""Maximum likelihood with log Z estimated by importance sampling from a tractable proposal.

For ``p_θ(x) = e^{−E_θ(x)} / Z_θ`` and a proposal ``q`` with exact samples and a known
normaliser (``log q = −E_q − log Z_q``), ``Z_θ = E_q[e^{−E_θ(y) − log q(y)}]``. With a batch
``x₁..x_B`` of data and ``y₁..y_M ~ q`` the loss is the negative log-likelihood with that
importance-sampling estimate of ``log Z_θ``:

.. math::

    L = \\frac1B \\sum_i E_θ(x_i) + \\log \\frac1M \\sum_j e^{\\,\\ell_j},
    \\qquad \\ell_j = −E_θ(y_j) − \\log q(y_j),

whose gradient is the maximum-likelihood gradient with self-normalised weights
``w̃_j = softmax(ℓ)_j``: ``∇L = mean_i ∇E_θ(x_i) − Σ_j w̃_j ∇E_θ(y_j)``. It needs no MCMC; it
is consistent (the self-normalisation bias is O(1/M)), and its value estimates the NLL (low
by the O(1/M) bias of the log of an average). It works when ``q`` covers ``p_θ`` — as for a
``residual`` energy over a base fitted to data, whose base is the default proposal, where the
log-weights are ``ℓ_j = −f_θ(y_j)``. Recorded in :attr:`last`: ``energy_data``,
``energy_negatives`` (the weighted mean energy of the proposals), ``log_z`` (the estimate) and
``ess`` — the effective sample size fraction ``(Σw)² / (M Σw²)`` ∈ (0, 1]; a value near
``1/M`` says the proposal no longer covers the model and the estimate is unreliable. The
first time ``ess`` falls below :data:`MIN_ESS_FRACTION` (0.1) the loss warns once
(:class:`ebm_core.evaluation.EstimateWarning`), naming the fix: a proposal closer to the
model, or more proposals (``n_proposals``).

Example::

    import torch, ebm_core
    energy = ebm_core.energy("residual", dim=2, base={"name": "fitted_gaussian_mixture", "components": 4},
                             net={"name": "mlp", "hidden": [16]})
    data = ebm_core.dataset("eight_gaussians")
    energy.base.fit_to_data(data.sample(2000, generator=torch.Generator().manual_seed(0)))
    loss = ebm_core.loss("importance_ml", energy, n_proposals=256)
    optimiser = torch.optim.Adam(energy.parameters(), lr=1e-3)
    for _ in range(3):
        optimiser.zero_grad()
        loss(data.sample(64)).backward()
        optimiser.step()
    assert 0 < float(loss.last["ess"]) <= 1
"""

from __future__ import annotations

import math
import warnings

import torch

from ebm_core import Energy, Loss
from ebm_core.evaluation import EstimateWarning
from ebm_core.checks import optional_generator, positive_int, tractable_energy

from .checks import check_data, check_energy

#: Below this normalised effective sample size of the importance weights the loss warns (once).
MIN_ESS_FRACTION = 0.1


class ImportanceML(Loss):
    """Importance-sampled maximum likelihood with a fixed proposal (default: the energy's base).

    Args:
        energy: the :class:`ebm_core.Energy` to train.
        proposal: an energy with ``sample_exact(n, generator)`` and ``log_partition()``; default
            ``energy.base`` (a ``residual`` energy's base), looked up at each call.
        n_proposals: ``M``, proposal draws per step (a few times the batch size).
        generator: source of the proposal draws.
    """

    def __init__(
        self,
        energy: Energy,
        proposal: Energy | None = None,
        n_proposals: int = 1024,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(check_energy(energy))
        if proposal is None and getattr(energy, "base", None) is None:
            raise ValueError(
                f"importance_ml needs a proposal: pass proposal= (an energy with exact samples), or train "
                f"a 'residual' energy, whose base is the default; {type(energy).__name__} has no base"
            )
        tractable_energy(proposal if proposal is not None else energy.base, "proposal",
                         "e.g. a fitted_gaussian_mixture (a residual energy's base)")
        self.fixed_proposal = proposal  # None: the energy's base, looked up at each call
        self.n_proposals = positive_int(n_proposals, "n_proposals", "proposal draws per step, e.g. 1024")
        self.generator = optional_generator(generator, "generator")
        self.warned_low_ess = False

    @property
    def proposal(self) -> Energy:
        """The proposal ``q``: the one given, else the energy's base."""
        return self.fixed_proposal if self.fixed_proposal is not None else self.energy.base

    def proposal_log_prob(self, y: torch.Tensor) -> torch.Tensor:
        """``log q(y) = −E_q(y) − log Z_q``."""
        log_partition = torch.as_tensor(self.proposal.log_partition(), dtype=y.dtype, device=y.device)
        return -self.proposal(y).to(y.dtype) - log_partition

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        with torch.no_grad():
            y = self.proposal.sample_exact(self.n_proposals, generator=self.generator)
            y = y.to(device=data.device, dtype=data.dtype).reshape((self.n_proposals,) + tuple(data.shape[1:]))
            log_q = self.proposal_log_prob(y)
        energy_data = self.energy(data)
        energy_proposals = self.energy(y)
        log_weights = -energy_proposals - log_q
        log_z = torch.logsumexp(log_weights, dim=0) - math.log(self.n_proposals)
        with torch.no_grad():
            weights = torch.softmax(log_weights, dim=0)
            ess = 1.0 / (self.n_proposals * (weights * weights).sum())
        self.record(
            energy_data=energy_data.mean(), energy_negatives=(weights * energy_proposals).sum(),
            log_z=log_z, ess=ess,
        )
        if not self.warned_low_ess and float(ess) < MIN_ESS_FRACTION:
            self.warned_low_ess = True
            warnings.warn(
                f"importance_ml: the importance weights' effective sample size is {float(ess):.3g} of "
                f"n_proposals={self.n_proposals} (below {MIN_ESS_FRACTION}): the proposal no longer covers "
                "the model and log Z and its gradient are unreliable; use a proposal closer to the model "
                "(e.g. a better-fitted base) or more proposals (raise n_proposals)",
                EstimateWarning, stacklevel=2,
            )
        return energy_data.mean() + log_z

    def extra_repr(self) -> str:
        return f"proposal={type(self.proposal).__name__}, n_proposals={self.n_proposals}"
