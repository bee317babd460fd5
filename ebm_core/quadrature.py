"""Exact numerical references for 1-D and 2-D densities ``p(x) = exp(−E(x)) / Z``.

Samplers are proven against targets whose distribution is known independently of any
sampler. In one and two dimensions a fine grid gives that reference for *any* energy:

* :func:`density_1d` tabulates ``p(t) ∝ exp(−f(t))`` for a function ``f`` of one variable;
  :func:`separable_marginal` does it for one coordinate of an energy that is a sum over
  coordinates (``double_well``, ``rastrigin``, ``harmonic``, a diagonal ``gaussian``), whose
  marginals are exactly its 1-D slices.
* :func:`grid_density` tabulates a 2-D energy; :func:`grid_log_partition` gives its
  ``log Z`` (for the negative log-likelihood of a trained 2-D energy,
  ``NLL = mean E(data) + log Z``) and :func:`grid_marginal` the marginal of one coordinate
  (e.g. the first coordinate of the 2-D Rosenbrock density).

Method: the trapezoid rule on a uniform grid, in float64. For a smooth density that has
decayed to ~0 at the bounds it converges faster than any power of the spacing ``h``
(Euler–Maclaurin: the boundary terms vanish), so ``log Z`` is accurate to near machine
precision on modest grids. The CDF uses a fourth-order cumulative rule and a monotone cubic
interpolant between nodes (error ``O(h⁴)``, far below what any KS test resolves).
When the density at the bounds exceeds ``EDGE_TOLERANCE`` times its peak (so the bounds
may cut off mass), a ``RuntimeWarning`` says so: widen them.

:class:`Density1D` is what a KS test needs: ``scipy.stats.kstest(samples, marginal.cdf)``.

Example::

    import math
    from ebm_core import quadrature

    # 1-D marginal of the double well E = h Σ (xᵢ² − b²)² with h = 2, b = 1.
    marginal = quadrature.density_1d(lambda t: 2.0 * (t**2 - 1.0) ** 2, bounds=(-3.0, 3.0))
    assert abs(marginal.quantile(0.5)) < 1e-9 and abs(marginal.cdf(0.0) - 0.5) < 1e-9

    # log Z of a 2-D energy on a grid, checked against the closed form 2·½ log 2π.
    def standard_normal(x):
        return 0.5 * (x**2).sum(-1)

    log_z = quadrature.grid_log_partition(standard_normal, bounds=(-9.0, 9.0), n=301)
    assert abs(log_z - math.log(2 * math.pi)) < 1e-10
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import warnings
from typing import Any, Callable, Sequence, Union

import torch

from .checks import integer_in_range

__all__ = [
    "EDGE_TOLERANCE",
    "Bounds",
    "Bounds2D",
    "Density1D",
    "GridDensity2D",
    "density_1d",
    "grid_density",
    "grid_log_partition",
    "grid_marginal",
    "separable_marginal",
]

#: ``(lo, hi)``, the interval of a 1-D grid.
Bounds = Sequence[float]
#: ``(lo, hi)`` for both axes, or ``((x_lo, x_hi), (y_lo, y_hi))``.
Bounds2D = Union[Sequence[float], Sequence[Sequence[float]]]

#: Warn when the density at the bounds exceeds this fraction of its peak (for a Gaussian:
#: bounds closer than ~5.3 σ). The mass cut off is of the same order as that fraction.
EDGE_TOLERANCE = 1e-6


@dataclasses.dataclass(frozen=True)
class Density1D:
    """A 1-D density tabulated on a uniform grid ``points`` (float64, CPU).

    Attributes:
        points: the grid ``t₀ < … < tₙ₋₁`` (``n``,).
        density: normalised values ``p(tⱼ)`` (``n``,); trapezoid-integrates to 1.
        cdf_values: ``F(tⱼ) = ∫_{t₀}^{tⱼ} p``, from 0 to exactly 1, by the fourth-order rule
            ``∫_{tⱼ}^{tⱼ₊₁} p ≈ h (−pⱼ₋₁ + 13pⱼ + 13pⱼ₊₁ − pⱼ₊₂) / 24`` (three-point rules in
            the end cells; negative increments, possible only where the grid cannot resolve
            ``p``, are clipped to 0 so the CDF is monotone).
        log_partition: ``log Z``, the log of the integral of the *unnormalised* function that
            was tabulated (see the function that built this object).

    Between nodes :meth:`cdf` is the cubic Hermite interpolant of ``F`` with slopes
    ``F′ = p`` (monotone by the Fritsch–Carlson limiter), so its error is ``O(h⁴)``.
    :meth:`cdf`, :meth:`pdf` and :meth:`quantile` accept a float, a NumPy array or a tensor
    and answer in kind (a tensor on the query's device): ``scipy.stats.kstest(x, d.cdf)``.
    """

    points: torch.Tensor
    density: torch.Tensor
    cdf_values: torch.Tensor
    log_partition: float

    @property
    def spacing(self) -> float:
        """Grid spacing ``h``."""
        return float(self.points[1] - self.points[0])

    def cdf(self, t: Any) -> Any:
        """``F(t) = P(X ≤ t)``; 0 below the grid, 1 above it."""
        return _answer_in_kind(t, self._cdf)

    def pdf(self, t: Any) -> Any:
        """``p(t)``: linear interpolation of :attr:`density`, 0 outside the grid."""
        return _answer_in_kind(t, self._pdf)

    def quantile(self, q: Any) -> Any:
        """The ``t`` with ``F(t) = q`` for ``q`` in [0, 1] (inverts :meth:`cdf` to ~1e-15)."""
        return _answer_in_kind(q, self._quantile)

    def mean(self) -> float:
        """``E[X] = ∫ t p(t) dt`` (trapezoid rule)."""
        return _trapezoid(self.points * self.density, self.spacing)

    def variance(self) -> float:
        """``Var[X] = ∫ (t − E[X])² p(t) dt`` (trapezoid rule)."""
        centred = self.points - self.mean()
        return _trapezoid(centred * centred * self.density, self.spacing)

    # ---------------------------------------------------------------- internals
    def _cell(self, t: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Cell index ``j`` (``tⱼ ≤ t ≤ tⱼ₊₁``) and local coordinate ``s ∈ [0, 1]`` of ``t``."""
        position = ((t - self.points[0]) / self.spacing).nan_to_num(0.0).clamp(0, len(self.points) - 1)
        j = position.floor().long().clamp(max=len(self.points) - 2)
        return j, position - j

    def _hermite(self, j: torch.Tensor, s: torch.Tensor) -> torch.Tensor:
        """The monotone cubic Hermite interpolant of ``F`` in cell ``j`` at ``s``."""
        f0, f1 = self.cdf_values[j], self.cdf_values[j + 1]
        m0, m1 = self.spacing * self.density[j], self.spacing * self.density[j + 1]
        delta = f1 - f0
        # Fritsch–Carlson: scale the slopes into the circle α² + β² ≤ 9 (α = m₀/Δ, β = m₁/Δ).
        radius = torch.sqrt(m0 * m0 + m1 * m1) / delta.clamp_min(torch.finfo(delta.dtype).tiny)
        scale = torch.where(delta > 0, (3.0 / radius).clamp(max=1.0), torch.zeros_like(delta))
        m0, m1 = m0 * scale, m1 * scale
        s2, s3 = s * s, s * s * s
        return f0 + (s3 - 2 * s2 + s) * m0 + (3 * s2 - 2 * s3) * delta + (s3 - s2) * m1

    def _cdf(self, t: torch.Tensor) -> torch.Tensor:
        values = self._hermite(*self._cell(t))
        values = torch.where(t < self.points[0], torch.zeros_like(values), values)
        values = torch.where(t > self.points[-1], torch.ones_like(values), values)
        return torch.where(t.isnan(), t, values)

    def _pdf(self, t: torch.Tensor) -> torch.Tensor:
        j, s = self._cell(t)
        values = self.density[j] * (1 - s) + self.density[j + 1] * s
        outside = (t < self.points[0]) | (t > self.points[-1])
        return torch.where(t.isnan(), t, torch.where(outside, torch.zeros_like(values), values))

    def _quantile(self, q: torch.Tensor) -> torch.Tensor:
        if bool(((q < 0) | (q > 1)).any()):
            raise ValueError(f"quantile levels q must lie in [0, 1], got {q}")
        j = (torch.searchsorted(self.cdf_values, q.contiguous(), right=True) - 1).clamp(0, len(self.points) - 2)
        lo, hi = torch.zeros_like(q), torch.ones_like(q)
        for _ in range(55):  # bisection on the monotone cubic: 2⁻⁵⁵ of a cell
            mid = 0.5 * (lo + hi)
            below = self._hermite(j, mid) < q
            lo, hi = torch.where(below, mid, lo), torch.where(below, hi, mid)
        return torch.where(q.isnan(), q, self.points[j] + 0.5 * (lo + hi) * self.spacing)


@dataclasses.dataclass(frozen=True)
class GridDensity2D:
    """A 2-D density tabulated on the uniform grid ``x × y`` (float64, CPU, ``"ij"`` indexing).

    Attributes:
        x, y: the grid axes, shapes (``nx``,) and (``ny``,).
        energy: ``E(xᵢ, yⱼ)``, shape (``nx``, ``ny``).
        log_partition: ``log Z = log ∬ exp(−E) dx dy`` over the bounds (2-D trapezoid rule).
    """

    x: torch.Tensor
    y: torch.Tensor
    energy: torch.Tensor
    log_partition: float

    @property
    def density(self) -> torch.Tensor:
        """Normalised ``p(xᵢ, yⱼ) = exp(−E − log Z)``, shape (``nx``, ``ny``)."""
        return torch.exp(-self.energy - self.log_partition)

    def marginal(self, axis: int = 0) -> Density1D:
        """The marginal of coordinate ``axis`` (0 for x, 1 for y), integrating out the other.

        Its ``log_partition`` is this grid's ``log Z`` (the integral of the unnormalised
        marginal ``∫ exp(−E) d(other)``).
        """
        if axis not in (0, 1):
            raise ValueError(f"axis must be 0 (x) or 1 (y), got {axis}")
        points, other = (self.x, self.y) if axis == 0 else (self.y, self.x)
        log_weights = _log_trapezoid_weights(len(other), float(other[1] - other[0]))
        shape = (1, -1) if axis == 0 else (-1, 1)
        log_unnormalised = torch.logsumexp(-self.energy + log_weights.reshape(shape), dim=1 - axis)
        return _tabulate(points, log_unnormalised, what=f"the marginal of coordinate {axis}")

    def mean(self) -> torch.Tensor:
        """``E[(X, Y)]``, shape (2,) (2-D trapezoid rule)."""
        mass = self._cell_mass()
        return torch.stack([(mass.sum(1) * self.x).sum(), (mass.sum(0) * self.y).sum()])

    def covariance(self) -> torch.Tensor:
        """The 2×2 covariance matrix of ``(X, Y)`` (2-D trapezoid rule)."""
        mass, mean = self._cell_mass(), self.mean()
        dx, dy = (self.x - mean[0])[:, None], (self.y - mean[1])[None, :]
        cxy = (mass * dx * dy).sum()
        return torch.stack([torch.stack([(mass * dx * dx).sum(), cxy]), torch.stack([cxy, (mass * dy * dy).sum()])])

    @property
    def weights(self) -> torch.Tensor:
        """2-D trapezoid-rule weights: ``∬ f dx dy ≈ (weights * f).sum()`` on this grid."""
        wx = _trapezoid_weights(len(self.x), float(self.x[1] - self.x[0]))
        wy = _trapezoid_weights(len(self.y), float(self.y[1] - self.y[0]))
        return wx[:, None] * wy[None, :]

    def _cell_mass(self) -> torch.Tensor:
        """``p(xᵢ, yⱼ)`` times the 2-D trapezoid weights: sums to 1."""
        return self.density * self.weights


def density_1d(
    energy: Callable[[torch.Tensor], torch.Tensor], bounds: Bounds, n: int = 4001
) -> Density1D:
    """Tabulate ``p(t) = exp(−f(t)) / Z`` on ``n`` uniform points over ``bounds``.

    ``energy`` maps a float64 tensor of points (``n``,) to the values ``f(t)`` (``n``,);
    ``+inf`` means zero density. ``log_partition`` is ``log ∫ exp(−f(t)) dt``.

    Example::

        from ebm_core.quadrature import density_1d
        well = density_1d(lambda t: (t**2 - 1.0) ** 2, bounds=(-3.0, 3.0))
        assert abs(well.cdf(0.0) - 0.5) < 1e-9      # symmetric
        assert well.pdf(1.0) > well.pdf(0.0)         # the wells sit at ±1
    """
    points = _axis(bounds, n, "bounds")
    with torch.no_grad():
        values = torch.as_tensor(energy(points)).to(torch.float64).cpu()
    if values.shape != points.shape:
        raise ValueError(
            f"energy must map the {n} points (shape ({n},)) to {n} values, got shape {tuple(values.shape)}"
        )
    return _tabulate(points, -values, what="the density")


def separable_marginal(
    energy: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds,
    *,
    coordinate: int = 0,
    dim: int | None = None,
    n: int = 4001,
) -> Density1D:
    """The marginal of ``coordinate`` for an energy that is a sum over coordinates.

    When ``E(x) = Σᵢ fᵢ(xᵢ)`` the density factorises, so the marginal of ``xᵢ`` is
    ``∝ exp(−fᵢ(t))`` — and the slice ``t ↦ E(t·eᵢ)`` through 0 differs from ``fᵢ(t)`` only
    by a constant. This evaluates that slice. Exact for ``double_well``, ``rastrigin``,
    ``harmonic`` and a diagonal ``gaussian``; for a coupled energy it is the *conditional*
    ``p(xᵢ | x₋ᵢ = 0)``, not the marginal (use :func:`grid_marginal` in 2-D).

    ``energy`` is an :class:`ebm_core.Energy` (``dim`` read from its ``event_shape``) or any
    callable on ``(batch, dim)`` with ``dim`` given. ``log_partition`` is that of the slice,
    ``log ∫ exp(−E(t·eᵢ)) dt``.

    Example::

        import ebm_core
        from ebm_core.quadrature import separable_marginal
        e = ebm_core.energy("double_well", dim=3, barrier_height=2.0)
        m = separable_marginal(e, bounds=(-3.0, 3.0), coordinate=1)
        assert abs(m.mean()) < 1e-12
    """
    dim = _event_dim(energy, dim)
    if not 0 <= coordinate < dim:
        raise ValueError(f"coordinate must lie in [0, {dim}), got {coordinate}")
    points = _axis(bounds, n, "bounds")
    batch = torch.zeros(n, dim, dtype=torch.float64)
    batch[:, coordinate] = points
    values = _evaluate(energy, batch, chunk_size=len(batch))
    return _tabulate(points, -values, what=f"the marginal of coordinate {coordinate}")


def grid_density(
    energy: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds2D,
    n: int | Sequence[int] = 1001,
    *,
    chunk_size: int = 65536,
) -> GridDensity2D:
    """Tabulate the 2-D density ``exp(−E(x, y)) / Z`` on a uniform ``nx × ny`` grid.

    ``energy`` is an :class:`ebm_core.Energy` with 2-D events or any callable mapping
    ``(batch, 2)`` to ``(batch,)``. It is evaluated without gradients, ``chunk_size`` points
    at a time (bounded memory for neural energies), on its parameters' device, in float64
    unless its parameters have another floating dtype. ``bounds`` is ``(lo, hi)`` for both
    axes or ``((x_lo, x_hi), (y_lo, y_hi))``; ``n`` is an int or ``(nx, ny)``.

    ``log Z = log Σᵢⱼ wᵢ wⱼ exp(−Eᵢⱼ) + log(hₓ h_y)`` (trapezoid weights ``w``, computed with
    ``logsumexp``, so large energies do not overflow).

    Example::

        import ebm_core
        from ebm_core.quadrature import grid_density
        grid = grid_density(ebm_core.energy("rosenbrock", b=5.0), bounds=((-4, 5.5), (-5, 26)), n=501)
        x_marginal = grid.marginal(0)   # a Density1D: grid_marginal(...) in one call
        assert abs(x_marginal.mean() - 1.0) < 0.05
    """
    (x_bounds, y_bounds), (nx, ny) = _bounds_2d(bounds), _sizes_2d(n)
    x, y = _axis(x_bounds, nx, "bounds[0]"), _axis(y_bounds, ny, "bounds[1]")
    _event_dim(energy, 2)
    points = torch.stack(torch.meshgrid(x, y, indexing="ij"), dim=-1).reshape(-1, 2)
    values = _evaluate(energy, points, chunk_size=chunk_size).reshape(nx, ny)
    if torch.isnan(values).any():
        raise ValueError("the energy is NaN at some grid points; check the energy and the bounds")
    log_weights = (
        _log_trapezoid_weights(nx, float(x[1] - x[0]))[:, None]
        + _log_trapezoid_weights(ny, float(y[1] - y[0]))[None, :]
    )
    log_z = float(torch.logsumexp((-values + log_weights).reshape(-1), dim=0))
    if not math.isfinite(log_z):
        raise ValueError(f"exp(−E) integrates to {'0' if log_z < 0 else 'infinity'} over the bounds")
    edge = torch.cat([values[0], values[-1], values[:, 0], values[:, -1]])
    _warn_if_truncated(float(values.min() - edge.min()), "the 2-D density", bounds)
    return GridDensity2D(x=x, y=y, energy=values, log_partition=log_z)


def grid_log_partition(
    energy: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds2D,
    n: int | Sequence[int] = 1001,
    *,
    chunk_size: int = 65536,
) -> float:
    """``log Z = log ∬ exp(−E(x, y)) dx dy`` of a 2-D energy on a grid (see :func:`grid_density`).

    Example (negative log-likelihood of data under a 2-D energy)::

        import torch, ebm_core
        from ebm_core.quadrature import grid_log_partition
        e = ebm_core.energy("gaussian", dim=2)
        data = torch.randn(1000, 2, dtype=torch.float64)
        nll = e(data).mean() + grid_log_partition(e, bounds=(-10.0, 10.0), n=401)
        assert abs(nll - (-e.log_prob(data).mean())) < 1e-10
    """
    return grid_density(energy, bounds, n, chunk_size=chunk_size).log_partition


def grid_marginal(
    energy: Callable[[torch.Tensor], torch.Tensor],
    bounds: Bounds2D,
    axis: int = 0,
    n: int | Sequence[int] = 1001,
    *,
    chunk_size: int = 65536,
) -> Density1D:
    """The marginal of coordinate ``axis`` of a 2-D energy, by grid integration.

    Same as ``grid_density(energy, bounds, n).marginal(axis)``; exact (to grid error) for
    any 2-D energy, coupled or not.

    Example (the x-marginal of the 2-D Rosenbrock density is exactly ``N(a, 1/2)``)::

        import ebm_core
        from ebm_core.quadrature import grid_marginal
        first = grid_marginal(ebm_core.energy("rosenbrock", b=5.0), bounds=((-4, 5.5), (-5, 26)))
        assert abs(first.cdf(1.0) - 0.5) < 1e-6 and abs(first.variance() - 0.5) < 1e-6
        # KS test of a sampler's (N, 2) output: scipy.stats.kstest(x[:, 0].numpy(), first.cdf)
    """
    return grid_density(energy, bounds, n, chunk_size=chunk_size).marginal(axis)


# ------------------------------------------------------------------- helpers
def _axis(bounds: Bounds, n: int, name: str) -> torch.Tensor:
    try:
        lo, hi = (float(b) for b in bounds)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{name} must be a pair (lo, hi) of numbers, got {bounds!r}") from exc
    if not (math.isfinite(lo) and math.isfinite(hi) and lo < hi):
        raise ValueError(f"{name} must be finite with lo < hi, got ({lo}, {hi})")
    n = integer_in_range(n, "n", 5, hint="the number of grid points per axis")
    return torch.linspace(lo, hi, n, dtype=torch.float64)


def _bounds_2d(bounds: Bounds2D) -> tuple[Bounds, Bounds]:
    if len(bounds) == 2 and all(isinstance(b, numbers.Real) for b in bounds):
        return bounds, bounds  # type: ignore[return-value]
    if len(bounds) == 2:
        return bounds[0], bounds[1]  # type: ignore[return-value]
    raise ValueError(f"bounds must be (lo, hi) or ((x_lo, x_hi), (y_lo, y_hi)), got {bounds!r}")


def _sizes_2d(n: int | Sequence[int]) -> tuple[int, int]:
    if isinstance(n, numbers.Integral):
        return n, n  # type: ignore[return-value]
    try:
        nx, ny = n
    except (TypeError, ValueError) as exc:
        raise ValueError(f"n must be an int or a pair (nx, ny), got {n!r}") from exc
    return nx, ny


def _event_dim(energy: Any, dim: int | None) -> int:
    """The energy's event size (from its ``event_shape`` if it has one), checked against ``dim``."""
    shape = getattr(energy, "event_shape", None)
    if shape is not None:
        if len(shape) != 1 or (dim is not None and shape[0] != dim):
            want = f"({dim},)" if dim is not None else "(d,)"
            raise ValueError(f"the energy has event shape {tuple(shape)}, but {want} is needed here")
        return shape[0]
    if dim is None:
        raise ValueError("pass dim=: the energy does not declare an event_shape")
    return dim


def _evaluate(energy: Callable[[torch.Tensor], torch.Tensor], points: torch.Tensor, *, chunk_size: int) -> torch.Tensor:
    """``energy(points)`` in chunks, without gradients, returned as float64 on the CPU."""
    dtype, device = torch.float64, torch.device("cpu")
    if isinstance(energy, torch.nn.Module):
        reference = next((p for p in energy.parameters() if p.is_floating_point()), None)
        if reference is not None:
            dtype = reference.dtype
        tensors = [*energy.parameters(), *energy.buffers()]
        if tensors:
            device = tensors[0].device
    chunks = []
    with torch.no_grad():
        for chunk in points.split(chunk_size):
            values = energy(chunk.to(device=device, dtype=dtype))
            chunks.append(values.reshape(-1).to(device="cpu", dtype=torch.float64))
    values = torch.cat(chunks)
    if values.shape != (len(points),):
        raise ValueError(
            f"the energy must map (batch, d) points to (batch,) energies, got {values.numel()} values "
            f"for {len(points)} points"
        )
    return values


def _tabulate(points: torch.Tensor, log_unnormalised: torch.Tensor, *, what: str) -> Density1D:
    """Normalise ``exp(log_unnormalised)`` tabulated at uniform ``points``."""
    if torch.isnan(log_unnormalised).any():
        raise ValueError(f"{what} is NaN at some grid points; check the energy and the bounds")
    h = float(points[1] - points[0])
    log_z = float(torch.logsumexp(log_unnormalised + _log_trapezoid_weights(len(points), h), dim=0))
    if not math.isfinite(log_z):
        raise ValueError(f"{what} integrates to {'0' if log_z < 0 else 'infinity'} over the bounds")
    p = torch.exp(log_unnormalised - log_z)
    # Cell integrals in units of h (the normalisation by cdf[-1] below absorbs h).
    increments = torch.cat(
        [
            (5 * p[:1] + 8 * p[1:2] - p[2:3]) / 12,
            (-p[:-3] + 13 * p[1:-2] + 13 * p[2:-1] - p[3:]) / 24,
            (-p[-3:-2] + 8 * p[-2:-1] + 5 * p[-1:]) / 12,
        ]
    ).clamp_min(0.0)
    cdf = torch.cat([p.new_zeros(1), increments.cumsum(0)])
    edge = torch.maximum(log_unnormalised[0], log_unnormalised[-1])
    bounds = (float(points[0]), float(points[-1]))
    _warn_if_truncated(float(edge - log_unnormalised.max()), what, bounds)
    return Density1D(points=points, density=p, cdf_values=cdf / cdf[-1], log_partition=log_z)


def _trapezoid_weights(n: int, h: float) -> torch.Tensor:
    weights = torch.full((n,), h, dtype=torch.float64)
    weights[0] = weights[-1] = 0.5 * h
    return weights


def _log_trapezoid_weights(n: int, h: float) -> torch.Tensor:
    return _trapezoid_weights(n, h).log()


def _trapezoid(values: torch.Tensor, h: float) -> float:
    return float((values * _trapezoid_weights(len(values), h)).sum())


def _answer_in_kind(t: Any, function: Callable[[torch.Tensor], torch.Tensor]) -> Any:
    """Apply ``function`` to ``t`` as float64; answer with a tensor, NumPy array or float like ``t``."""
    if isinstance(t, torch.Tensor):
        return function(t.detach().to(device="cpu", dtype=torch.float64)).to(t.device)
    values = function(torch.as_tensor(t, dtype=torch.float64))
    return float(values) if values.dim() == 0 else values.numpy()


def _warn_if_truncated(log_edge_ratio: float, what: str, bounds: Any) -> None:
    """Warn when ``log(max density on the bounds / peak density) > log EDGE_TOLERANCE``."""
    if log_edge_ratio > math.log(EDGE_TOLERANCE):
        warnings.warn(
            f"{what} at the bounds {bounds} is {math.exp(log_edge_ratio):.2g} of its peak, so "
            "mass outside them may be missing; widen the bounds",
            RuntimeWarning,
            stacklevel=3,
        )
