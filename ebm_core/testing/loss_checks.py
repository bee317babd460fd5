"""A loss must be minimised at the right energy: the closed-form check on a Gaussian family.

Family: ``E(x) = ½ a ‖x‖²`` in ``d`` dimensions with a learnable ``a``
(:class:`~ebm_core.testing.targets.ScaledQuadratic`); data ``N(0, s² I)``. Maximum
likelihood, exact and sliced score matching and contrastive divergence without regulariser
are all minimised at ``a* = 1/s²`` (the model equals the data distribution there).
Denoising score matching at noise level σ fits the noised data, so pass
``expected=1 / (s² + σ²)``.

What :func:`check_loss_minimiser` measures. For ``B`` independent data batches it takes
``dL/da`` at ``a*`` and at ``a*(1 ± δ)``, with the loss's own randomness (noise,
projections, chains) frozen per batch by reseeding torch's global RNG, so the three
evaluations of one batch differ only in ``a``. Then:

* **stationarity** — the mean of ``dL/da`` at ``a*`` over the batches, standardised by its
  own standard error, must be within the Student-t critical value (``B − 1`` degrees of
  freedom) at level ``false_fail_rate / 2``: a correct loss fails this with exactly that
  probability;
* **curvature** — the central difference ``H = (g(a*(1+δ)) − g(a*(1−δ))) / (2δa*)`` must
  be positive by more than the same critical value times its standard error: ``a*`` must be
  a *minimum*. A correct loss has ``H`` dozens of standard errors above 0 at the default
  sizes, so its chance of failing here is negligible; a loss with a flipped sign has
  ``H < 0``.

Overall a correct loss fails with probability at most ``false_fail_rate``. A failure
reports Newton's estimate of where the loss *is* minimised, ``â = a* − g(a*) / H``, and
names the usual culprits: a flipped sign (``H < 0``), a factor ``d`` (``â/a* ≈ d`` or
``1/d``: a trace summed where it should be averaged, or the reverse), a factor 2.

Example::

    import ebm_core.testing as kit
    kit.check_loss_minimiser("score_matching")
    kit.check_loss_minimiser("denoising_score_matching", {"sigma": 0.5}, expected=1 / (2.0**2 + 0.5**2))
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import torch

from .components import loss_builder
from .findings import Findings
from .targets import ScaledQuadratic
from .thresholds import t_threshold


def check_loss_minimiser(
    loss: Any,
    loss_kwargs: Mapping[str, Any] | None = None,
    *,
    dim: int = 4,
    data_std: float = 2.0,
    expected: float | None = None,
    batch_size: int = 2048,
    n_batches: int = 32,
    relative_step: float = 0.2,
    false_fail_rate: float = 1e-3,
    seed: int = 0,
) -> Findings:
    """Check that ``loss`` (a registered name or a factory ``f(energy, **kw)``) is minimised
    at ``a = expected`` (default ``1 / data_std²``) on ``E = ½ a ‖x‖²`` (see the module docstring).
    """
    if not 0 < relative_step < 1:
        raise ValueError(f"relative_step must lie in (0, 1), got {relative_step}")
    if n_batches < 16:
        raise ValueError(f"n_batches must be at least 16 (the test's standard errors come from them), got {n_batches}")
    label, build = loss_builder(loss, loss_kwargs)
    findings = Findings(label)
    s2 = float(data_std) ** 2
    a_star = 1.0 / s2 if expected is None else float(expected)
    if a_star <= 0:
        raise ValueError(f"expected must be a positive value of a, got {expected}")
    grid = (a_star * (1 - relative_step), a_star, a_star * (1 + relative_step))
    data_gen = torch.Generator().manual_seed(seed)
    batches = [data_std * torch.randn(batch_size, dim, generator=data_gen, dtype=torch.float64) for _ in range(n_batches)]
    with torch.random.fork_rng(devices=[]):
        with findings.guard("loss", f"building the loss on E = ½ a ‖x‖² (d = {dim})") as g:
            energies = [ScaledQuadratic(a, dim) for a in grid]
            models = [(energy, build(energy)) for energy in energies]
        if g.failed:
            findings.raise_if_any()
        gradients = torch.empty(3, n_batches, dtype=torch.float64)
        for j, (energy, made) in enumerate(models):
            for b, data in enumerate(batches):
                torch.manual_seed(seed * 7919 + b)
                value = _gradient(findings, energy, made, data, grid[j])
                if value is None:
                    findings.raise_if_any()
                gradients[j, b] = value
    _judge(findings, gradients, grid, a_star, dim, s2, expected is None, false_fail_rate)
    findings.raise_if_any()
    return findings


def _gradient(findings: Findings, energy: ScaledQuadratic, loss: Any, data: torch.Tensor, a: float) -> float | None:
    energy.a.grad = None
    with findings.guard("loss", f"loss(data).backward() at a = {a:.4g}") as g:
        value = loss(data)
        if not isinstance(value, torch.Tensor) or value.dim() != 0:
            shape = tuple(value.shape) if isinstance(value, torch.Tensor) else type(value).__name__
            findings.add("loss", f"forward(data) returned {shape}; a loss returns a scalar (0-dim) tensor — "
                         "average over the batch with .mean()")
            return None
        value.backward()
    if g.failed:
        return None
    if energy.a.grad is None:
        findings.add("loss", "the loss does not depend on the energy's parameters (its gradient is None): it "
                     "must be computed from self.energy, through autograd")
        return None
    out = float(energy.a.grad)
    if not math.isfinite(out) or not math.isfinite(float(value.detach())):
        findings.add("loss", f"the loss or its gradient is not finite at a = {a:.4g} ({float(value.detach())!r}, {out!r})")
        return None
    return out


def _judge(
    findings: Findings, g: torch.Tensor, grid: tuple[float, float, float], a_star: float, dim: int, s2: float,
    default_expected: bool, rate: float,
) -> None:
    n = g.shape[1]
    critical = t_threshold(rate / 2, n - 1)
    g0, se0 = float(g[1].mean()), float(g[1].std()) / math.sqrt(n)
    slopes = (g[2] - g[0]) / (grid[2] - grid[0])
    h, se_h = float(slopes.mean()), float(slopes.std()) / math.sqrt(n)
    where = ("a* = 1/s² = " if default_expected else "a* = ") + f"{a_star:.4g}"
    setting = f"E = ½ a ‖x‖² in d = {dim}, data N(0, s² I) with s² = {s2:.4g}"
    if h <= critical * se_h:
        if h < -critical * se_h:
            findings.add("minimiser", f"the loss is maximised, not minimised, at {where} ({setting}): dL/da goes "
                         f"from {float(g[0].mean()):.4g} at a = {grid[0]:.4g} to {float(g[2].mean()):.4g} at "
                         f"a = {grid[2]:.4g} (curvature {h:.4g} ± {se_h:.2g}). The loss has the wrong sign: training "
                         "minimises it and the energy of data must go down (with the score −∇ₓE, score matching "
                         "is E[½‖∇ₓE‖² − tr ∇ₓ²E]).")
        else:
            findings.add("minimiser", f"the loss hardly changes with a around {where} ({setting}): curvature "
                         f"{h:.4g} ± {se_h:.2g} is not significantly positive, so a* is not a clear minimum; does "
                         "the loss depend on the energy the way the method prescribes?")
        return
    if abs(g0) <= critical * se0:
        return
    a_hat = a_star - g0 / h
    se_a = se0 / h
    ratio = a_hat / a_star
    message = (f"the loss is not minimised at {where} ({setting}): dL/da there is {g0:.4g} ± {se0:.2g} "
               f"({abs(g0) / se0:.1f} standard errors from 0, threshold {critical:.2f} at false-fail rate "
               f"{rate / 2:.2g}); it is minimised near a ≈ {a_hat:.4g} ± {se_a:.2g}, {ratio:.3g} × the expected value.")
    for factor, meaning in ((dim, f"a factor d = {dim}"), (1.0 / dim, f"a factor 1/d = 1/{dim}"),
                            (2.0, "a factor 2"), (0.5, "a factor ½")):
        if abs(ratio / factor - 1) < 0.1:
            message += (f" That is {meaning}: one term of the loss is scaled wrongly relative to the other "
                        "(e.g. a trace or squared norm summed over dimensions where it should be averaged, "
                        "or the reverse; a lost ½).")
            break
    else:
        if ratio < 0:
            message += " The minimiser has the wrong sign: check the sign of each term (score = −∇ₓE)."
    message += (" If the loss is meant to have another minimiser on this family (a regulariser, or denoising "
                "at level σ, which fits N(0, (s² + σ²) I)), pass expected= accordingly.")
    findings.add("minimiser", message)
