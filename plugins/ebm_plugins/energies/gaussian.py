"""The Gaussian energy E(x) = ½ (x − μ)ᵀ P (x − μ), with its exact normaliser and sampler."""

from __future__ import annotations

import math
from typing import Any, ClassVar, Mapping

import torch

from ebm_core.checks import finite_tensor, positive_int, positive_tensor

from ._analytic import AnalyticEnergy, sum_last
from ._params import as_vector, constant_dtype


class Gaussian(AnalyticEnergy):
    """Multivariate normal N(μ, Σ): E(x) = ½ (x − μ)ᵀ Σ⁻¹ (x − μ), with exact log Z and samples.

    The energy omits the normaliser ``log Z = (d/2) log 2π + ½ log det Σ``
    (:meth:`log_partition`); :meth:`log_prob` includes it and :meth:`sample_exact` draws
    exact samples, which makes this the reference target for testing samplers.

    ``covariance`` or ``precision`` (not both; neither means the identity) may be

    * a scalar — isotropic ``σ² I`` (resp. ``p I``),
    * a ``(d,)`` vector — diagonal; the fast path, elementwise ops only:
      ``E = ½ Σᵢ pᵢ (xᵢ − μᵢ)²``, ``∇E = p ⊙ (x − μ)``,
    * a ``(d, d)`` symmetric positive-definite matrix (checked by Cholesky):
      ``∇E = P (x − μ)``.

    ``mean`` (a ``(d,)`` vector, or a scalar repeated) defaults to 0. ``d`` is inferred
    from whichever of ``mean``, the covariance/precision and ``dim`` fixes it (they must
    agree); with none of them the Gaussian is 2-D, like the other built-in energies. The
    constants are buffers (``.to(device)`` moves them) in float64 when any argument is a
    float64 tensor, else in the default dtype; inputs of any floating dtype are accepted.

    Attributes (buffers; also the fused-kernel parameters, see :mod:`ebm_core.kernels`):
        mean: μ, shape ``(d,)``.
        precision_diag: diagonal of P, ``(d,)`` — set in the diagonal case, else ``None``.
        precision: P, ``(d, d)`` — set in the full case, else ``None``.

    Example::

        import torch, ebm_core
        e = ebm_core.energy("gaussian", mean=[1.0, -1.0], covariance=[[2.0, 0.5], [0.5, 1.0]])
        x = e.sample_exact(10_000, generator=torch.Generator().manual_seed(0))
        assert torch.allclose(x.mean(0), e.mean, atol=0.1)
        assert torch.allclose(e.grad(e.mean[None]), torch.zeros(1, 2))
        standard = ebm_core.energy("gaussian", dim=10)  # N(0, I₁₀)
    """

    kernel_key: ClassVar[str] = "gaussian"

    def __init__(
        self,
        mean: Any = None,
        covariance: Any = None,
        precision: Any = None,
        dim: int | None = None,
    ) -> None:
        if covariance is not None and precision is not None:
            raise ValueError(
                "pass either covariance or precision, not both (precision is the inverse covariance)"
            )
        name = "precision" if precision is not None else "covariance"
        given = precision if precision is not None else covariance
        spec = None if given is None else finite_tensor(given, name)
        mean_t = None if mean is None else finite_tensor(mean, "mean")
        d = _infer_dim(mean_t, spec, name, dim)
        super().__init__(event_shape=(d,))
        dtype = constant_dtype(mean, given)

        self.register_buffer("mean", as_vector(0.0 if mean_t is None else mean_t, "mean", d).to(dtype))
        if spec is None or spec.dim() < 2:
            values = positive_tensor(as_vector(1.0 if spec is None else spec, name, d), name)
            diag = values if name == "precision" else values.reciprocal()
            self.register_buffer("precision_diag", diag.to(dtype))
            self.register_buffer("precision", None)
            self.register_buffer("_scale", None)
        else:
            full_precision, scale = _factorise(spec, name, dtype)
            self.register_buffer("precision_diag", None)
            self.register_buffer("precision", full_precision.to(dtype))
            # Any matrix S with S Sᵀ = Σ (triangular, so log det Σ = 2 Σ log |Sᵢᵢ|).
            self.register_buffer("_scale", scale.to(dtype))

    # ------------------------------------------------------------------ math
    def _energy(self, x: torch.Tensor) -> torch.Tensor:
        diff = x - self.mean.to(x)
        if self.precision_diag is not None:
            return 0.5 * ((diff * diff) @ self.precision_diag.to(x))
        return 0.5 * sum_last((diff @ self.precision.to(x)) * diff)

    def _grad(self, x: torch.Tensor) -> torch.Tensor:
        diff = x - self.mean.to(x)
        if self.precision_diag is not None:
            return self.precision_diag.to(x) * diff
        return diff @ self.precision.to(x)

    def _energy_and_grad(self, x: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        diff = x - self.mean.to(x)
        if self.precision_diag is not None:
            gradient = self.precision_diag.to(x) * diff
        else:
            gradient = diff @ self.precision.to(x)
        return 0.5 * sum_last(gradient * diff), gradient

    # ------------------------------------------------------- exact references
    @property
    def is_diagonal(self) -> bool:
        """Whether the covariance is diagonal (the elementwise fast path)."""
        return self.precision_diag is not None

    def covariance_matrix(self) -> torch.Tensor:
        """Σ as a dense ``(d, d)`` matrix."""
        if self.precision_diag is not None:
            return torch.diag(self.precision_diag.reciprocal())
        return self._scale @ self._scale.T

    def precision_matrix(self) -> torch.Tensor:
        """P = Σ⁻¹ as a dense ``(d, d)`` matrix."""
        if self.precision_diag is not None:
            return torch.diag(self.precision_diag)
        return self.precision

    def log_partition(self) -> float:
        """``log Z = log ∫ exp(−E(x)) dx = (d/2) log 2π + ½ log det Σ`` (computed in float64)."""
        if self.precision_diag is not None:
            log_det = -self.precision_diag.double().log().sum()
        else:
            log_det = 2.0 * self._scale.double().diagonal().abs().log().sum()
        return 0.5 * self.dim * math.log(2.0 * math.pi) + 0.5 * float(log_det)

    def log_prob(self, x: torch.Tensor) -> torch.Tensor:
        """Normalised log-density ``log N(x; μ, Σ) = −E(x) − log Z``, shape ``(batch,)``."""
        return -self(x) - self.log_partition()

    def sample_exact(self, n: int, generator: torch.Generator | None = None) -> torch.Tensor:
        """``n`` independent exact draws, shape ``(n, d)``, in the buffers' dtype and device.

        ``x = μ + S z`` with ``z ~ N(0, I)`` and ``S Sᵀ = Σ``; ``generator`` must live on
        the buffers' device.
        """
        z = torch.randn(
            (n, self.dim), generator=generator, dtype=self.mean.dtype, device=self.mean.device
        )
        if self.precision_diag is not None:
            return self.mean + z * self.precision_diag.rsqrt()
        return self.mean + z @ self._scale.T

    def kernel_params(self) -> Mapping[str, torch.Tensor]:
        if self.precision_diag is not None:
            return {"mean": self.mean, "precision_diag": self.precision_diag}
        return {"mean": self.mean, "precision": self.precision}

    def extra_repr(self) -> str:
        return f"dim={self.dim}, {'diagonal' if self.is_diagonal else 'full'} covariance"


def _infer_dim(mean: torch.Tensor | None, spec: torch.Tensor | None, name: str, dim: Any) -> int:
    """The dimension fixed by ``mean``, the covariance/precision ``spec`` and ``dim`` (all must agree)."""
    sizes: dict[str, int] = {}
    if dim is not None:
        sizes["dim"] = positive_int(dim, "dim")
    if mean is not None:
        if mean.dim() > 1:
            raise ValueError(f"mean must be a scalar or a (d,) vector, got shape {tuple(mean.shape)}")
        if mean.dim() == 1:
            sizes["mean"] = mean.shape[0]
    if spec is not None:
        if spec.dim() > 2 or (spec.dim() == 2 and spec.shape[0] != spec.shape[1]):
            raise ValueError(
                f"{name} must be a scalar (isotropic), a (d,) vector (diagonal) or a square "
                f"(d, d) matrix, got shape {tuple(spec.shape)}"
            )
        if spec.dim() >= 1:
            sizes[name] = spec.shape[0]
    if len(set(sizes.values())) > 1:
        listing = ", ".join(f"{key} gives {value}" for key, value in sizes.items())
        raise ValueError(f"the Gaussian's dimension is ambiguous: {listing}; make them agree")
    return next(iter(sizes.values()), 2)


def _factorise(m: torch.Tensor, name: str, dtype: torch.dtype) -> tuple[torch.Tensor, torch.Tensor]:
    """``(P, S)`` in float64 from a float64 covariance or precision matrix ``m``, with
    ``S Sᵀ = Σ``; checks that ``m`` is symmetric (to ``dtype``'s rounding) and positive definite."""
    asymmetry = (m - m.T).abs().max()
    if asymmetry > 1e3 * torch.finfo(dtype).eps * m.abs().max():
        raise ValueError(
            f"{name} must be symmetric, but {name} - {name}.T has entries up to {float(asymmetry):.3g}; "
            f"symmetrise it with ({name} + {name}.T) / 2"
        )
    m = 0.5 * (m + m.T)
    factor, info = torch.linalg.cholesky_ex(m)
    if int(info) > 0:
        raise ValueError(
            f"{name} is not positive definite (Cholesky fails at its leading {int(info)}x{int(info)} "
            f"minor); pass a symmetric positive-definite matrix, e.g. A @ A.T + 1e-6 * I"
        )
    if name == "covariance":
        return torch.cholesky_inverse(factor), factor
    identity = torch.eye(m.shape[0], dtype=m.dtype, device=m.device)
    return m, torch.linalg.solve_triangular(factor.T, identity, upper=True)
