"""The contract between samplers and fused kernels (the fast path).

A kernel plugin (ebm-cuda is one) registers, through ``ebm_register_kernels``, objects that
can run a *whole chain* of a known sampler on a known energy, or the *Langevin update* for
any energy. ebm-core never imports a kernel package: the sampler loop asks the registry for a
kernel matching ``(sampler.kernel_key, energy.kernel_key, device type)`` and, when one
accepts the request, hands it the chain.

Keys and parameters
-------------------
A sampler or energy takes part only if *its own class* declares ``kernel_key`` (a subclass
that changes the math does not inherit the fast path) and ``kernel_params()`` returns a
mapping. The parameter names are part of this contract; :data:`SAMPLER_PARAMS` and
:data:`ENERGY_PARAMS` declare them (the one declaration kernels validate against; ebm-cuda's
native argument struct is checked field by field against it):

================  ==============================================================
energy key        ``energy_params``
================  ==============================================================
``gaussian``      ``mean`` (d,); ``precision`` (d, d) or ``precision_diag`` (d,)
                  — E(x) = ½ (x−μ)ᵀ P (x−μ)
``double_well``   ``barrier_height`` h, ``b`` — E(x) = h Σᵢ (xᵢ² − b²)²
``rosenbrock``    ``a``, ``b`` — E(x) = Σᵢ b (xᵢ₊₁ − xᵢ²)² + (a − xᵢ)²
``harmonic``      ``k``, ``center`` (d,) — E(x) = ½ k ‖x − c‖²
================  ==============================================================

Neural energies are not in :data:`ENERGY_PARAMS` (their parameters are lists of layers, not
fields of a native struct); the built-in ``mlp`` declares the key ``mlp`` with
``energy_params`` ``activation`` (a name, e.g. ``"silu"``), ``weights`` (the tuple W₁ … W_L,
w_out of (out, in) matrices, output layer last) and ``biases`` (b₁ … b_out) — E(x) =
w_outᵀ φ(W_L φ(… φ(W₁x + b₁) …) + b_L) + b_out. A kernel declines activations it lacks.
The built-in ``conv`` declares ``conv``: ``architecture`` (``"strided"`` or ``"residual"``) and,
for the strided net, ``event_shape`` (C, H, W), ``weights`` / ``biases`` / ``strides`` of each
3×3 convolution (padding 1, spectral normalisation applied), ``head_weight`` (1, C_L) and
``head_bias`` (1,) — E(x) = head_weight · Σ_{h,w} a_L + head_bias with
a_l = SiLU(conv_l(a_{l−1})), a_0 = x.

================  ==============================================================
sampler key       ``sampler_params``
================  ==============================================================
``langevin``      ``step_size`` h, ``noise_scale`` σ, ``clamp`` (float or None)
                  — x ← clamp(x − h ∇E(x) + σ √(2h) ξ)
``mala``          ``step_size`` h — Langevin proposal + Metropolis–Hastings test
``hmc``           ``step_size`` ε, ``n_leapfrog`` L, ``inv_mass`` (d,) diagonal M⁻¹,
                  ``step_size_jitter`` j ∈ [0, 1)
================  ==============================================================

Tensors in the parameter mappings are on the chain's device, in the chain's dtype.

Step semantics (the torch path and every kernel implement exactly these)
-------------------------------------------------------------------------
With g(x) = ∇E(x) and ξ ~ N(0, I) fresh each step:

* ``langevin``: x ← x − h g(x) + σ √(2h) ξ, then clamp each element to [−clamp, clamp] if set.
* ``mala``: y = x − h g(x) + √(2h) ξ; with log q(a | b) = −‖a − b + h g(b)‖² / (4h), accept y
  with probability min(1, exp(E(x) − E(y) + log q(x | y) − log q(y | x))). A non-finite E(y)
  is a rejection.
* ``hmc``: p ~ N(0, M) with M = diag(1 / inv_mass); L leapfrog steps
  p ← p − ε/2 g(x); x ← x + ε M⁻¹ p; p ← p − ε/2 g(x) (gradients reused between steps);
  H(x, p) = E(x) + ½ pᵀ M⁻¹ p; accept with probability min(1, exp(H₀ − H₁)); a non-finite
  H₁ is a rejection. With ``step_size_jitter`` j > 0 each chain's transition uses
  ε (1 + j u), u ~ U(−1, 1) drawn afresh per chain and transition (Neal 2011, §5.4.2.2).

Gradient evaluations per chain: 1 at x0, then 1 per ``langevin``/``mala`` step and L per
``hmc`` step (the gradient at the current state is carried, not recomputed). A ``langevin``
kernel may skip the gradient at the final state, which no step uses (ebm-cuda's neural-energy
kernels do): it then reports ``n_steps`` evaluations, and a chain whose only non-finite value
would have been that last gradient is not flagged.

CPU threads: the loop calls :func:`ebm_core.thread_sharing.share_cores` before a CPU kernel
runs; a kernel that steps in Python (ebm-cuda's conv kernel) should call
:func:`ebm_core.thread_sharing.rebalance` between steps so a long run follows the machine's
load (a no-op until 0.25 s have passed). A kernel must give the same chains at every thread
count.
"""

from __future__ import annotations

import abc
import dataclasses
from typing import Mapping, Union

import torch

ParamValue = Union[float, int, None, torch.Tensor]


@dataclasses.dataclass(frozen=True)
class KernelParam:
    """One entry of a ``sampler_params`` or ``energy_params`` mapping.

    ``kind`` is ``"real"`` (a number), ``"integer"``, ``"vector"`` (a tensor of shape (d,)) or
    ``"matrix"`` (d, d). ``check`` restricts the value: ``"positive"`` (> 0, every element for
    tensors), ``"non_negative"`` (≥ 0), ``"unit_interval"`` ([0, 1)) or ``""`` (any finite
    value). A missing or ``None`` entry takes ``default`` (for tensors ``"zeros"`` or
    ``"ones"``); with no default it is required, except that a ``nullable`` real may be
    ``None``, meaning "off", and of the entries sharing a ``one_of`` group exactly one is given.

    Example::

        from ebm_core.kernels import SAMPLER_PARAMS
        (step,) = [p for p in SAMPLER_PARAMS["mala"] if p.name == "step_size"]
        assert (step.kind, step.check, step.default) == ("real", "positive", None)
    """

    name: str
    kind: str
    check: str = ""
    default: float | int | str | None = None
    nullable: bool = False
    one_of: str = ""


#: The parameters each sampler key passes to chain kernels (see the table above).
SAMPLER_PARAMS: Mapping[str, tuple[KernelParam, ...]] = {
    "langevin": (
        KernelParam("step_size", "real", "positive"),
        KernelParam("noise_scale", "real", "non_negative", default=1.0),
        KernelParam("clamp", "real", "positive", nullable=True),
    ),
    "mala": (KernelParam("step_size", "real", "positive"),),
    "hmc": (
        KernelParam("step_size", "real", "positive"),
        KernelParam("n_leapfrog", "integer", "positive"),
        KernelParam("inv_mass", "vector", "positive", default="ones"),
        KernelParam("step_size_jitter", "real", "unit_interval", default=0.0),
    ),
}

#: The parameters each energy key passes to chain kernels (see the table above).
ENERGY_PARAMS: Mapping[str, tuple[KernelParam, ...]] = {
    "gaussian": (
        KernelParam("mean", "vector", default="zeros"),
        KernelParam("precision", "matrix", one_of="precision"),
        KernelParam("precision_diag", "vector", one_of="precision"),
    ),
    "double_well": (KernelParam("barrier_height", "real"), KernelParam("b", "real")),
    "rosenbrock": (KernelParam("a", "real"), KernelParam("b", "real")),
    "harmonic": (KernelParam("k", "real"), KernelParam("center", "vector", default="zeros")),
}

#: The sampler and energy keys that have a declared kernel contract.
KERNEL_SAMPLERS: tuple[str, ...] = tuple(SAMPLER_PARAMS)
KERNEL_ENERGIES: tuple[str, ...] = tuple(ENERGY_PARAMS)


@dataclasses.dataclass(frozen=True)
class ChainRequest:
    """Run ``n_steps`` steps of ``sampler`` on ``energy`` for every row of ``x0``.

    ``x0`` is contiguous, shape (chains, d), float32 or float64. The first ``burn_in`` steps
    are discarded; afterwards every ``thin``-th state is recorded when
    ``record_trajectory`` is true (``(n_steps − burn_in) // thin`` states per chain).
    ``seed`` keys the kernel's counter-based RNG: the same request gives the same output.
    """

    sampler: str
    sampler_params: Mapping[str, ParamValue]
    energy: str
    energy_params: Mapping[str, ParamValue]
    x0: torch.Tensor
    n_steps: int
    burn_in: int
    thin: int
    seed: int
    record_trajectory: bool

    @property
    def n_kept(self) -> int:
        """Number of recorded states per chain."""
        return (self.n_steps - self.burn_in) // self.thin


@dataclasses.dataclass
class ChainResult:
    """What a chain kernel returns.

    ``n_accepted`` (chains,) int64 counts accepted proposals after burn-in (for ``langevin``
    every step counts as accepted); ``n_grad_evals`` is the number of gradient evaluations
    per chain, the one at ``x0`` included (every chain does the same number).
    ``divergent`` (chains,) bool flags divergent chains as :mod:`ebm_core.sampling.divergence`
    defines them: x, ∇E(x) or the carried E(x) non-finite after the start or after any step
    (burn-in included; sticky, even if a clamp later brings x back), or E non-finite at the end
    when the kernel evaluates it. ``energy`` is E(samples), (chains,), or ``None`` from a kernel
    of a sampler that does not carry E (``langevin``) which skips that last forward pass: the
    sampling loop then evaluates E only when ``SampleResult.energy`` is read, as its torch path
    does for such samplers.
    ``trajectory`` is chain-major, shape (chains, n_kept, d), like ``SampleResult.trajectory``.
    """

    samples: torch.Tensor
    energy: torch.Tensor | None
    n_accepted: torch.Tensor
    n_grad_evals: int
    divergent: torch.Tensor
    trajectory: torch.Tensor | None = None


class ChainKernel(abc.ABC):
    """Runs whole chains of one (sampler, energy, device) combination."""

    @abc.abstractmethod
    def unsupported_reason(self, request: ChainRequest) -> str | None:
        """``None`` if this kernel can run ``request``, else a short reason it cannot."""

    @abc.abstractmethod
    def run(self, request: ChainRequest) -> ChainResult:
        """Run the chains. Only called after ``unsupported_reason`` returned ``None``."""


class LangevinUpdateKernel(abc.ABC):
    """Fused Langevin update for any energy (registered with ``energy="*"``).

    ``x ← clamp(x − h·g + σ·√(2h)·ξ)`` in place, with ξ ~ N(0, I) drawn in the kernel from
    the counter-based RNG keyed by ``seed`` and countered by (chain, ``step``, element).
    """

    @abc.abstractmethod
    def unsupported_reason(self, x: torch.Tensor, grad: torch.Tensor) -> str | None:
        """``None`` if the update can run on these tensors, else a reason."""

    @abc.abstractmethod
    def update_(
        self,
        x: torch.Tensor,
        grad: torch.Tensor,
        *,
        step_size: float,
        noise_scale: float,
        seed: int,
        step: int,
        clamp: float | None = None,
    ) -> None:
        """Apply one update to ``x`` in place."""
