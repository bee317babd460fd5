"""The Gaussian-mixture energy E(x) = −log Σₖ wₖ N(x; μₖ, diag σₖ²)."""

from __future__ import annotations

import math
from typing import Any

import torch

from ebm_core.checks import finite_tensor, positive_tensor

from ._analytic import AnalyticEnergy, sum_last
from ._params import constant_dtype


class GaussianMixture(AnalyticEnergy):
    """Mixture of K diagonal Gaussians: E(x) = −log Σₖ wₖ N(x; μₖ, diag σₖ²) (normalised).

    Computed with ``logsumexp``, so it is stable far from every component. Unlike the other
    built-ins this energy *is* normalised (``log Z = 0``): ``log_prob(x) = −E(x)``.

    Gradient via the responsibilities ``γₖ(x) = softmaxₖ(log wₖ + log N(x; μₖ, σₖ²))``:
    ``∇E(x) = Σₖ γₖ(x) (x − μₖ) / σₖ²``.

    Args:
        means: ``(K, d)`` component means (for one component use ``means[None]``).
        stds: standard deviations, all positive: a scalar (shared), ``(K,)`` (isotropic per
            component) or ``(K, d)`` (diagonal per component).
        weights: ``(K,)`` positive mixing weights, normalised here (default uniform).

    The constants are buffers in float64 when any argument is a float64 tensor, else in the
    default dtype. Memory per call is ``O(batch · K · d)``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian_mixture", means=[[-2.0, 0.0], [2.0, 0.0]], stds=0.5)
        x = e.sample_exact(1000, generator=torch.Generator().manual_seed(0))
        assert x.shape == (1000, 2)
        assert torch.allclose(e.log_prob(x), -e(x))
    """

    def __init__(self, means: Any, stds: Any = 1.0, weights: Any = None) -> None:
        means_t = finite_tensor(means, "means")
        if means_t.dim() != 2:
            raise ValueError(
                f"means must have shape (K, d) (K components in d dimensions), got shape "
                f"{tuple(means_t.shape)}; for a single component use means[None]"
            )
        k, d = means_t.shape
        super().__init__(event_shape=(d,))
        stds_t = positive_tensor(_component_stds(finite_tensor(stds, "stds"), k, d), "stds")
        weights_t = finite_tensor(1.0 if weights is None else weights, "weights")
        if weights is None:
            weights_t = weights_t.expand(k)
        if tuple(weights_t.shape) != (k,):
            raise ValueError(
                f"weights must have shape ({k},), one per component, got shape {tuple(weights_t.shape)}"
            )
        weights_t = positive_tensor(weights_t, "weights")
        dtype = constant_dtype(means, stds, weights)
        log_weights = weights_t.log() - weights_t.sum().log()
        # log wₖ − Σⱼ log σₖⱼ − (d/2) log 2π: all of log wₖN(x; μₖ, σₖ²) but the quadratic form.
        log_coef = log_weights - stds_t.log().sum(-1) - 0.5 * d * math.log(2 * math.pi)
        self.register_buffer("means", means_t.to(dtype))
        self.register_buffer("log_weights", log_weights.to(dtype))
        self.register_buffer("stds", stds_t.to(dtype))
        self.register_buffer("_inv_var", stds_t.pow(-2).to(dtype))
        self.register_buffer("_log_coef", log_coef.to(dtype))

    @property
    def n_components(self) -> int:
        """Number of components ``K``."""
        return self.means.shape[0]

    @property
    def weights(self) -> torch.Tensor:
        """The normalised mixing weights ``(K,)``."""
        return self.log_weights.exp()

    def _log_joint(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """``(log wₖ N(x; μₖ, σₖ²)  (batch, K),  x − μₖ  (batch, K, d),  1/σₖ²  (K, d))``."""
        diff = x[:, None, :] - self.means.to(x)
        inv_var = self._inv_var.to(x)
        return self._log_coef.to(x) - 0.5 * sum_last(diff * diff * inv_var), diff, inv_var

    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        return -torch.logsumexp(self._log_joint(x)[0], dim=-1)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        return self._energy_and_grad(x)[1]  # the responsibilities need the energy anyway

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        log_joint, diff, inv_var = self._log_joint(x)
        log_norm = torch.logsumexp(log_joint, dim=-1, keepdim=True)
        responsibilities = torch.exp(log_joint - log_norm)
        gradient = torch.einsum("bk,bkd->bd", responsibilities, diff * inv_var)
        return -log_norm.squeeze(-1), gradient

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised log-density ``log p(x) = −E(x)``, shape ``(batch,)``."""
        return -self(x)

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent exact draws, shape ``(n, d)``, in the buffers' dtype and device."""
        component = torch.multinomial(self.weights, n, replacement=True, generator=generator)
        z = torch.randn((n, self.dim), generator=generator, dtype=self.means.dtype, device=self.means.device)
        return self.means[component] + self.stds[component] * z

    def extra_repr(self) -> str:
        return f"n_components={self.n_components}, dim={self.dim}"


def _component_stds(stds: torch.Tensor, k: int, d: int) -> torch.Tensor:
    """``stds`` given as a scalar, ``(K,)`` or ``(K, d)``, expanded to ``(K, d)``."""
    if stds.dim() == 0:
        return stds.expand(k, d).clone()
    if tuple(stds.shape) == (k,):
        return stds[:, None].expand(k, d).clone()
    if tuple(stds.shape) == (k, d):
        return stds
    raise ValueError(
        f"stds must be a scalar, shape ({k},) (one per component) or ({k}, {d}) (diagonal per "
        f"component), got shape {tuple(stds.shape)}"
    )
