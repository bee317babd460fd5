"""Conformance checks of an energy: shapes, dtypes, devices, and the gradient against autograd.

:func:`check_energy` verifies, for every dtype (float32, float64) and device:

* ``forward(x)`` maps a batch ``(batch, *event_shape)`` to finite energies ``(batch,)`` in
  the input's dtype and on its device, without modifying ``x``, also for a batch of one;
* each row is independent of the others (``E(x)[i] == E(x[i:i+1])``): no reduction over
  the batch dimension;
* ``grad(x)`` equals the autograd gradient of ``forward`` (this is what catches a wrong
  analytic gradient: a sign, a factor 2, a missing term), ``score(x) = −grad(x)``, and
  ``energy_and_grad(x)`` agrees with both;
* computing gradients never accumulates ``.grad`` on the energy's parameters, and with
  ``create_graph=True`` the gradient stays differentiable in them (score-matching losses
  train through it);
* a batch whose trailing shape is not ``event_shape`` is refused with ``ValueError`` or
  ``TypeError`` (``self.check_input(x)`` does this).

The checks are deterministic. Tolerances: relative 1e-6 in float64 and 1e-3 in float32,
plus an absolute term scaled by the gradient's magnitude.

Example::

    import torch
    import ebm_core.testing as kit
    kit.check_energy("double_well")
    kit.check_energy("gaussian", {"mean": [1.0, 2.0]}, points=torch.randn(4, 2))
"""

from __future__ import annotations

import copy
from typing import Any, Mapping, Sequence

import torch

from ..contracts import Energy
from .components import energy_instance
from .findings import Findings
from .sampler_contract import DEFAULT_DTYPES, available_devices

_TOLERANCE = {torch.float64: 1e-6, torch.float32: 1e-3}


def check_energy(
    energy: Any,
    energy_kwargs: Mapping[str, Any] | None = None,
    *,
    points: torch.Tensor | None = None,
    dtypes: Sequence[torch.dtype] = DEFAULT_DTYPES,
    devices: Sequence[Any] | None = None,
) -> Findings:
    """Check ``energy`` (an instance, a registered name or a factory) against the Energy contract.

    ``points`` is a batch ``(batch, *event_shape)`` inside the energy's domain; by default
    5 draws from ``N(0, I)`` of its ``event_shape`` (which must then be declared). Raises
    :class:`~ebm_core.testing.ConformanceError` listing every problem.
    """
    label, base = energy_instance(energy, energy_kwargs)
    findings = Findings(label)
    if points is None:
        if base.event_shape is None:
            raise ValueError(
                f"{label} declares no event_shape, so the kit cannot make inputs: pass points=, a batch "
                "(batch, *event_shape) inside the energy's domain"
            )
        points = torch.randn((5, *base.event_shape), generator=torch.Generator().manual_seed(0), dtype=torch.float64)
    if points.dim() < 2 or points.shape[0] < 2:
        raise ValueError(f"points must be a batch of at least 2 rows, (batch, *event_shape); got {tuple(points.shape)}")
    for device in (available_devices() if devices is None else [torch.device(d) for d in devices]):
        for dtype in dtypes:
            with findings.guard("energy", f"moving a copy of the energy to {device} and {dtype}") as g:
                e = copy.deepcopy(base).to(device=device, dtype=dtype)
            if g.failed:
                continue
            x = points.detach().to(device=device, dtype=dtype)
            where = f"for x of shape {tuple(x.shape)}, {dtype}, on {device}"
            _check_forward(findings, e, x, where)
            _check_gradient(findings, e, x, where)
    _check_parameters(findings, copy.deepcopy(base).double(), points.double())
    _check_event_shape(findings, base, points)
    findings.raise_if_any()
    return findings


def _check_forward(findings: Findings, e: Energy, x: torch.Tensor, where: str) -> None:
    before = x.clone()
    with findings.guard("forward", f"forward(x) {where}") as g:
        out = e(x)
    if g.failed:
        return
    if not isinstance(out, torch.Tensor):
        findings.add("forward", f"forward(x) {where} returned {type(out).__name__}, expected a tensor of shape (batch,)")
        return
    problems = []
    if tuple(out.shape) != (x.shape[0],):
        problems.append(f"shape {tuple(out.shape)} instead of ({x.shape[0]},) — one energy per row; reduce over the "
                        "event dimensions only, e.g. .sum(-1) or .flatten(1).sum(1)")
    if out.dtype != x.dtype:
        problems.append(f"dtype {out.dtype} instead of {x.dtype} — cast constants to the input with .to(x)")
    if out.device.type != x.device.type:
        problems.append(f"device {out.device} instead of {x.device}")
    if problems:
        findings.add("forward", f"forward(x) {where} returned " + "; ".join(problems))
        return
    if not bool(torch.isfinite(out).all()):
        findings.add("forward", f"forward(x) {where} returned non-finite energies {out.tolist()} at finite points "
                     "(pass points= inside the domain if the energy is not defined everywhere)")
    if not torch.equal(x, before):
        findings.add("forward", f"forward(x) {where} modified x in place; energies must not write into their input")
    single = e(x[:1])
    if tuple(single.shape) != (1,):
        findings.add("forward", f"forward(x[:1]) {where} returned shape {tuple(single.shape)} for a batch of one, "
                     "expected (1,) (do not squeeze the batch dimension)")
        return
    for i in (0, x.shape[0] - 1):
        alone = e(x[i:i + 1])[0]
        if not _close(alone, out[i], x.dtype):
            findings.add("forward", f"E(x)[{i}] = {float(out[i]):.6g} with the whole batch but {float(alone):.6g} for "
                         f"row {i} alone {where}: each row's energy must not depend on the other rows (no "
                         "reduction or normalisation over the batch dimension)")
            break


def _check_gradient(findings: Findings, e: Energy, x: torch.Tensor, where: str) -> None:
    with findings.guard("gradient", f"grad(x) {where}") as g:
        grad = e.grad(x)
    if g.failed:
        return
    if not isinstance(grad, torch.Tensor) or grad.shape != x.shape or grad.dtype != x.dtype:
        got = f"shape {tuple(grad.shape)}, {grad.dtype}" if isinstance(grad, torch.Tensor) else type(grad).__name__
        findings.add("gradient", f"grad(x) {where} returned {got}; expected the shape and dtype of x")
        return
    leaf = x.detach().clone().requires_grad_(True)
    with torch.enable_grad():
        (reference,) = torch.autograd.grad(e(leaf).sum(), leaf)
    if not _close(grad, reference, x.dtype):
        findings.add("gradient", f"grad(x) {where} is not the gradient of forward(x): " + _describe_gap(grad, reference))
        return
    score = e.score(x)
    if not _close(score, -reference, x.dtype):
        findings.add("gradient", f"score(x) {where} is not −grad(x): the score is ∇ₓ log p = −∇ₓE")
    energy, grad2 = e.energy_and_grad(x)
    if not (_close(energy, e(x), x.dtype) and _close(grad2, reference, x.dtype)):
        findings.add("gradient", f"energy_and_grad(x) {where} does not return (forward(x), grad(x)); if you "
                     "override it, keep it consistent with both")


def _describe_gap(grad: torch.Tensor, reference: torch.Tensor) -> str:
    flat_g = grad.double().reshape(grad.shape[0], -1)
    flat_r = reference.double().reshape(grad.shape[0], -1)
    gap = (flat_g - flat_r).abs()
    row, col = divmod(int(gap.argmax()), flat_g.shape[1])
    text = (f"largest difference {float(gap.max()):.4g} at row {row}, coordinate {col} "
            f"(grad {float(flat_g[row, col]):.6g}, autograd {float(flat_r[row, col]):.6g})")
    for factor, meaning in ((-1.0, "the sign is flipped: grad() must return ∇ₓE (uphill), the score is −∇ₓE"),
                            (2.0, "grad() is twice the true gradient"),
                            (0.5, "grad() is half the true gradient (a lost factor 2, e.g. from x²)")):
        if torch.allclose(flat_g, factor * flat_r, rtol=1e-3, atol=1e-6 * float(flat_r.abs().max() + 1)):
            return f"{text}; {meaning}"
    wrong = sorted({int(c) for c in (gap > 1e-3 * (flat_r.abs() + 1)).nonzero()[:, 1]})
    return f"{text}; the analytic gradient is wrong in coordinate(s) {wrong} — check those partial derivatives"


def _check_parameters(findings: Findings, e: Energy, points: torch.Tensor) -> None:
    params = [(n, p) for n, p in e.named_parameters() if p.requires_grad]
    if not params:
        return
    for p in e.parameters():
        p.grad = None
    with findings.guard("parameters", "grad(x) / energy_and_grad(x)") as g:
        e.grad(points)
        e.energy_and_grad(points)
    if g.failed:
        return
    touched = [n for n, p in params if p.grad is not None]
    if touched:
        findings.add("parameters", f"computing grad(x) accumulated .grad on parameter(s) {touched}: a sampler "
                     "would silently change training; take ∇ₓE with torch.autograd.grad(..., inputs=x), not "
                     ".backward()")
    x = points.detach().clone().requires_grad_(True)
    with findings.guard("parameters", "grad(x, create_graph=True)") as g:
        with torch.enable_grad():
            value = e.grad(x, create_graph=True)
    if g.failed:
        return
    if not value.requires_grad:
        findings.add("parameters", "grad(x, create_graph=True) is not differentiable with respect to the energy's "
                     "parameters, so score-matching losses cannot train it; build the gradient from tensor "
                     "operations under torch.enable_grad() (or rely on the autograd default)")
        return
    with torch.enable_grad():
        gradients = torch.autograd.grad(value.pow(2).sum(), [p for _, p in params], allow_unused=True)
    if all(gr is None for gr in gradients):
        findings.add("parameters", "grad(x, create_graph=True) does not depend on any parameter; score-matching "
                     "losses would get no training signal")


def _check_event_shape(findings: Findings, e: Energy, points: torch.Tensor) -> None:
    if e.event_shape is None:
        return
    wrong = (*e.event_shape[:-1], e.event_shape[-1] + 1)
    x = torch.zeros((3, *wrong), dtype=points.dtype, device=points.device)
    try:
        e(x)
    except (ValueError, TypeError):
        return
    except Exception as exc:  # noqa: BLE001 - reported
        findings.add("event shape", f"forward(x) for x of shape {tuple(x.shape)} (event_shape is {e.event_shape}) "
                     f"raised {type(exc).__name__}: {exc}; call self.check_input(x) first so users get a "
                     "ValueError that names the expected shape")
        return
    findings.add("event shape", f"forward(x) accepted x of shape {tuple(x.shape)} although event_shape is "
                 f"{e.event_shape}; call self.check_input(x) at the start of forward()")


def _close(a: torch.Tensor, b: torch.Tensor, dtype: torch.dtype) -> bool:
    rtol = _TOLERANCE.get(dtype, 1e-3)
    a, b = a.detach().double(), b.detach().double()
    scale = float(b.abs().max()) if b.numel() else 0.0
    return a.shape == b.shape and torch.allclose(a, b, rtol=rtol, atol=rtol * (scale + 1e-6))
