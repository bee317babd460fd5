"""Noise-contrastive estimation (Gutmann & Hyvärinen, 2010): learn E and log Z by classifying data vs noise.

With the model ``log p_θ(x) = −E_θ(x) − c`` (``c``, the log-normaliser, is a learned
parameter :attr:`NCE.log_z`), a noise density ``q`` known exactly (an energy with
``sample_exact`` and ``log_partition``: ``log q = −E_q − log Z_q``) and ``ν`` noise draws per
data point, the log-odds that a point is data is
``G(x) = log p_θ(x) − log q(x) − log ν`` and the loss is the logistic loss

.. math::

    L = \\overline{\\operatorname{softplus}(-G(x))}_{\\text{data}}
        + \\nu\\, \\overline{\\operatorname{softplus}(G(y))}_{\\text{noise}} .

Its minimiser is consistent: with enough data ``p_θ → p_data`` and ``c → log Z_θ``, with no
MCMC. The default noise is a full-covariance Gaussian fitted to the first batch seen (a small
ridge ``1e-3·tr(Σ)/D`` keeps it non-singular); image batches are flattened for it. Call
:meth:`NCE.fit_noise` with more data, or pass ``noise=``, to choose it. ``noise="base"`` uses
the trained energy's own ``base`` (an energy ``E = E_base + f_θ`` such as ``residual``, whose
base has exact samples and normaliser), looked up at every call, so a base fitted to the data
after the loss was built (before the first step) is the one used; then ``E_base`` cancels in
``G`` and the classifier learns ``f_θ`` and ``log Z`` alone. Recorded in :attr:`last`:
``log_z``, ``accuracy`` (of the data/noise classifier).

``log_z`` is only as good as the noise's coverage: where ``q`` has next to no mass the loss
does not constrain ``E``, so an energy unbounded below there (an MLP) can have a far larger
true ``log Z`` — estimate likelihoods with AIS (``ebm_core.estimator("ais", ...)``).

Example::

    import torch, ebm_core
    energy = ebm_core.energy("mlp", dim=2, hidden=[32])
    loss = ebm_core.loss("nce", energy, noise_ratio=2)
    optimiser = torch.optim.Adam(loss.parameters(), lr=1e-2)  # includes log_z
    data = ebm_core.dataset("two_moons")
    for _ in range(3):
        optimiser.zero_grad()
        loss(data.sample(128)).backward()
        optimiser.step()
"""

from __future__ import annotations

import math

import torch
from torch.nn import functional as F

import ebm_core
from ebm_core import Energy, Loss
from ebm_core.checks import one_of, optional_generator, positive_int, tractable_energy

from .checks import check_data, check_energy


class NCE(Loss):
    """Noise-contrastive estimation with a learned log-normaliser ``log_z``.

    Args:
        energy: the :class:`ebm_core.Energy` to train.
        noise: an energy with ``sample_exact(n, generator)`` and ``log_partition()`` (the
            noise density), ``"base"`` for the trained energy's ``base`` attribute (such an
            energy), or ``None`` for a Gaussian fitted to the first batch.
        noise_ratio: ``ν``, noise draws per data point.
        log_z: starting value of the learned log-normaliser (in the energy's dtype).
        generator: source of the noise draws.
    """

    def __init__(
        self,
        energy: Energy,
        noise: Energy | str | None = None,
        noise_ratio: int = 1,
        log_z: float = 0.0,
        generator: torch.Generator | None = None,
    ) -> None:
        super().__init__(check_energy(energy))
        self.noise_is_base = isinstance(noise, str)
        if self.noise_is_base:
            one_of(noise, "noise", ("base",), "or an energy with exact samples, or None")
            if not hasattr(energy, "base"):
                raise ValueError(
                    f"noise='base' needs an energy with a base (E = E_base + f, e.g. the 'residual' energy); "
                    f"{type(energy).__name__} has none: pass noise=<an energy> or None"
                )
            noise = None
        elif noise is not None:
            tractable_energy(noise, "noise", "e.g. ebm_core.energy('gaussian', ...)")
        self.noise = noise
        self.noise_ratio = positive_int(noise_ratio, "noise_ratio", "noise draws per data point")
        reference = energy.reference_tensor()
        dtype = reference.dtype if reference is not None and reference.is_floating_point() else None
        self.log_z = torch.nn.Parameter(torch.tensor(float(log_z), dtype=dtype))
        self.generator = optional_generator(generator, "generator")

    def fit_noise(self, data: torch.Tensor) -> Energy:
        """Set the noise to the Gaussian with the mean and (ridged) covariance of ``data``."""
        flat = data.detach().flatten(1).double()
        if flat.shape[0] < 2:
            raise ValueError("fitting the noise Gaussian needs a batch of at least 2 points")
        covariance = torch.cov(flat.T).reshape(flat.shape[1], flat.shape[1])
        ridge = 1e-3 * float(covariance.diagonal().mean()) + 1e-12
        covariance = covariance + ridge * torch.eye(flat.shape[1], dtype=flat.dtype)
        self.noise = ebm_core.energy("gaussian", mean=flat.mean(0), covariance=covariance).to(data.device)
        return self.noise

    def noise_log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """``log q(x) = −E_q(x) − log Z_q`` (image batches are flattened for a vector noise)."""
        noise = self.noise_energy()
        x = self._noise_view(x, noise)
        log_partition = torch.as_tensor(noise.log_partition(), dtype=x.dtype, device=x.device)
        return -noise(x.to(noise.reference_tensor().dtype)).to(x.dtype) - log_partition

    def noise_energy(self) -> Energy:
        """The noise density's energy: the trained energy's ``base`` with ``noise="base"``."""
        if not self.noise_is_base:
            if self.noise is None:
                raise ValueError("the noise is fitted to the first batch: call the loss (or fit_noise) first")
            return self.noise
        base = self.energy.base
        tractable_energy(base, "noise", "noise='base' needs the energy's base to be exact")
        return base

    def forward(self, data: torch.Tensor) -> torch.Tensor:
        data = check_data(self.energy, data)
        if self.noise is None and not self.noise_is_base:
            self.fit_noise(data)
        n_noise = self.noise_ratio * data.shape[0]
        noise = self.noise_energy().sample_exact(n_noise, generator=self.generator)
        noise = noise.to(device=data.device, dtype=data.dtype).reshape((n_noise,) + tuple(data.shape[1:]))
        log_ratio = math.log(self.noise_ratio)
        log_z = self.log_z.to(data.dtype)
        g_data = -self.energy(data) - log_z - self.noise_log_prob(data) - log_ratio
        g_noise = -self.energy(noise) - log_z - self.noise_log_prob(noise) - log_ratio
        loss = F.softplus(-g_data).mean() + self.noise_ratio * F.softplus(g_noise).mean()
        correct = (g_data > 0).sum() + (g_noise < 0).sum()
        self.record(log_z=self.log_z, accuracy=correct / (data.shape[0] + n_noise))
        return loss

    @staticmethod
    def _noise_view(x: torch.Tensor, noise: Energy) -> torch.Tensor:
        shape = noise.event_shape
        if shape is not None and tuple(x.shape[1:]) != tuple(shape):
            return x.reshape((x.shape[0],) + tuple(shape))
        return x

    def extra_repr(self) -> str:
        noise = "the energy's base" if self.noise_is_base else (
            "fitted Gaussian (first batch)" if self.noise is None else type(self.noise).__name__)
        return f"noise={noise}, noise_ratio={self.noise_ratio}"

