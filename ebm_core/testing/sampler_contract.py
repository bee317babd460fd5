"""API-contract checks of a sampler: what every :class:`ebm_core.Sampler` must do, whatever its math.

:func:`check_sampler_contract` runs all of them and raises one
:class:`~ebm_core.testing.ConformanceError` listing every problem; each part is also
available alone:

* :func:`check_state_contract` — ``init(x)`` returns a :class:`~ebm_core.sampling.ChainState`
  whose fields have the right shapes, and ``step`` sets ``accepted`` (bool) and
  ``accept_prob`` (in [0, 1]) per chain;
* :func:`check_shapes_dtypes_devices` — ``run``/``sample`` keep the chains' shape (vector
  and ``(3, 2)`` events), dtype (float32, float64) and device, fill every field of
  :class:`~ebm_core.SampleResult` consistently, and never modify the caller's ``x``;
* :func:`check_generator_reproducibility` — all randomness comes from ``generator``: the
  same seed gives identical samples even after the global RNG is reseeded, other seeds give
  other samples, the global RNG is left alone, and ``generator=None`` follows
  ``torch.manual_seed``;
* :func:`check_schedule_semantics` — ``thin`` keeps every ``thin``-th state,
  ``burn_in`` discards the leading steps, the trajectory's last state is ``samples``,
  acceptance counts only the kept steps, and impossible schedules are refused;
* :func:`check_divergence_reporting` — on :class:`~ebm_core.testing.targets.SteepQuartic`
  (where explicit gradient steps explode) ``run`` does not raise, ``divergent`` flags every
  chain that ends non-finite (and, being sticky, may flag chains that were non-finite earlier;
  see :mod:`ebm_core.sampling.divergence`), and ``sample`` warns or raises.

These checks are deterministic (no false failures): they compare runs with fixed seeds.

Example::

    import ebm_core.testing as kit
    kit.check_sampler_contract("mala", {"step_size": 0.2})
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Callable, Iterator, Mapping, Sequence

import torch

from ..contracts import Energy, Sampler
from ..sampling import ChainState, ConvergenceWarning, DivergenceError, DivergenceWarning, SampleResult
from .components import sampler_builder
from .findings import Findings
from .targets import CorrelatedGaussian, DiagonalGaussian, SteepQuartic

Build = Callable[[Energy], Sampler]

#: The dtypes every sampler must support.
DEFAULT_DTYPES: tuple[torch.dtype, ...] = (torch.float32, torch.float64)

_RANDOM_CALLS = (
    "pass it to every random call: torch.randn(shape, generator=generator), "
    "torch.rand(..., generator=generator), tensor.normal_(generator=generator)"
)


def available_devices() -> list[torch.device]:
    """CPU, plus the current CUDA device when torch sees one."""
    devices = [torch.device("cpu")]
    if torch.cuda.is_available():
        devices.append(torch.device("cuda", torch.cuda.current_device()))
    return devices


def check_sampler_contract(
    sampler: Any,
    sampler_kwargs: Mapping[str, Any] | None = None,
    *,
    devices: Sequence[Any] | None = None,
    dtypes: Sequence[torch.dtype] = DEFAULT_DTYPES,
) -> Findings:
    """Run every API-contract check on ``sampler`` (a registered name or a factory).

    Raises :class:`~ebm_core.testing.ConformanceError` listing all problems; returns the
    :class:`~ebm_core.testing.Findings` (with ``notes`` on parts that could not be checked)
    when there is none. ``devices`` defaults to :func:`available_devices`.
    """
    label, build = sampler_builder(sampler, sampler_kwargs)
    findings = Findings(label)
    for device in _devices(devices):
        check_state_contract(build, findings, device)
        check_shapes_dtypes_devices(build, findings, device, dtypes)
        check_generator_reproducibility(build, findings, device)
        check_schedule_semantics(build, findings, device)
        check_divergence_reporting(build, findings, device)
    findings.raise_if_any()
    return findings


# ------------------------------------------------------------------ the kernel's state
def check_state_contract(build: Build, findings: Findings, device: Any = "cpu") -> None:
    """``init``/``step`` return a :class:`ChainState` with per-chain ``accepted``/``accept_prob``."""
    device = torch.device(device)
    target = DiagonalGaussian(torch.ones(2)).to(device)
    x = _starts((5, 2), device, torch.float32)
    sampler = build(target)
    with findings.guard("init/step", f"init(x) for x of shape (5, 2) on {device}") as g:
        state = sampler.init(x.clone())
    if g.failed:
        return
    where = f"init(x) on {device}"
    if not _is_state(findings, state, where):
        return
    _expect_tensor(findings, "init/step", f"{where}: state.x", state.x, x.shape, x.dtype, device)
    _expect_tensor(findings, "init/step", f"{where}: state.grad", state.grad, x.shape, None, device,
                   "gradient-free samplers may store torch.zeros_like(x)")
    with findings.guard("init/step", f"step(state, generator) on {device}") as g:
        state = sampler.step(state, _generator(device, 0))
    if g.failed:
        return
    where = f"step(state, generator) on {device}"
    if not _is_state(findings, state, where):
        return
    _expect_tensor(findings, "init/step", f"{where}: state.x", state.x, x.shape, x.dtype, device)
    _expect_tensor(findings, "init/step", f"{where}: state.accepted", state.accepted, (5,), torch.bool, device,
                   "one bool per chain: whether this transition moved it")
    prob = state.accept_prob
    if _expect_tensor(findings, "init/step", f"{where}: state.accept_prob", prob, (5,), None, device,
                      "one Metropolis–Hastings acceptance probability per chain (1 for unadjusted samplers)"):
        if not prob.is_floating_point() or not bool(((prob >= 0) & (prob <= 1)).all()):
            findings.add("init/step", f"{where}: state.accept_prob must be probabilities in [0, 1] "
                         f"(use 0 for a non-finite ratio), got {prob.tolist()}")
    if state.energy is not None:
        _expect_tensor(findings, "init/step", f"{where}: state.energy", state.energy, (5,), x.dtype, device,
                       "E(x) per chain, or None if the sampler never needs it")


def _is_state(findings: Findings, state: Any, where: str) -> bool:
    if isinstance(state, ChainState):
        return True
    findings.add("init/step", f"{where} returned a {type(state).__name__}, not an ebm_core.sampling.ChainState "
                 "(or a dataclass subclass of it); the base loop reads .x, .energy, .accepted and "
                 ".accept_prob from it")
    return False


# ------------------------------------------------------------- shapes, dtypes, devices
def check_shapes_dtypes_devices(
    build: Build, findings: Findings, device: Any = "cpu", dtypes: Sequence[torch.dtype] = DEFAULT_DTYPES
) -> None:
    """``run``/``sample`` keep shape, dtype and device, fill :class:`SampleResult`, leave ``x`` alone."""
    device = torch.device(device)
    for event in ((2,), (3, 2)):
        n = torch.Size(event).numel()
        target = DiagonalGaussian(torch.linspace(0.5, 2.0, n, dtype=torch.float64).reshape(event)).to(device)
        for dtype in dtypes:
            x = _starts((6, *event), device, dtype)
            before = x.clone()
            what = f"run(x, n_steps=4, return_trajectory=True) for x of shape {tuple(x.shape)}, {dtype}, on {device}"
            with findings.guard("shapes", what) as g:
                result = build(target).run(x, n_steps=4, generator=_generator(device, 0), return_trajectory=True)
            if g.failed:
                continue
            if not torch.equal(x, before):
                findings.add("shapes", f"{what} modified the caller's x in place; the loop hands init() a private "
                             "copy — never write into the tensor the user passed")
            _check_result(findings, what, result, x, target, n_kept=4)
            with findings.guard("shapes", what.replace("run(", "sample(")) as g, _short_runs():
                out = build(target).sample(x, n_steps=4, generator=_generator(device, 0))
            if not g.failed:
                _expect_tensor(findings, "shapes", f"sample() for x of shape {tuple(x.shape)}, {dtype}",
                               out, x.shape, dtype, device, "sample() returns the final states, shaped like x")
        what = f"sample(n_samples=7, n_steps=2) for an energy with event_shape {event}"
        with findings.guard("shapes", what, "n_samples draws N(0, I) starts of the energy's event shape") as g, \
                _short_runs():
            out = build(target).sample(n_samples=7, n_steps=2, generator=_generator(device, 0))
        if not g.failed:
            _expect_tensor(findings, "shapes", what, out, (7, *event), None, device)


def _check_result(findings: Findings, what: str, r: Any, x: torch.Tensor, target: Energy, n_kept: int) -> None:
    if not isinstance(r, SampleResult):
        findings.add("shapes", f"{what} returned a {type(r).__name__}, not an ebm_core.SampleResult "
                     "(do not override run(); the base class builds the result)")
        return
    chains, event, dtype, device = x.shape[0], tuple(x.shape[1:]), x.dtype, x.device
    ok = _expect_tensor(findings, "shapes", f"{what}: result.samples", r.samples, x.shape, dtype, device,
                        "samples are the final states, shaped like x")
    _expect_tensor(findings, "shapes", f"{what}: result.trajectory", r.trajectory, (chains, n_kept, *event),
                   dtype, device, "(chains, kept states, *event_shape), chain-major")
    ok &= _expect_tensor(findings, "shapes", f"{what}: result.energy", r.energy, (chains,), dtype, device)
    if _expect_tensor(findings, "shapes", f"{what}: result.acceptance_rate", r.acceptance_rate, (chains,), None, device):
        rate = r.acceptance_rate.double()
        if not bool(((rate >= 0) & (rate <= 1)).all()):
            findings.add("shapes", f"{what}: result.acceptance_rate must lie in [0, 1], got {rate.tolist()}")
    _expect_tensor(findings, "shapes", f"{what}: result.divergent", r.divergent, (chains,), torch.bool, device)
    if ok and bool(torch.isfinite(r.samples).all()):
        expected = target(r.samples).double()
        if not torch.allclose(r.energy.double(), expected, rtol=1e-3, atol=1e-4):
            gap = float((r.energy.double() - expected).abs().max())
            findings.add("shapes", f"{what}: result.energy differs from E(result.samples) by up to {gap:.3g}; "
                         "keep state.energy in step with state.x (update both for accepted chains only)")
    if isinstance(r.n_grad_evals, bool) or not isinstance(r.n_grad_evals, int) or r.n_grad_evals < 0:
        findings.add("shapes", f"{what}: result.n_grad_evals must be a non-negative int (gradient evaluations "
                     f"per chain; 0 for gradient-free samplers), got {r.n_grad_evals!r}")


# ---------------------------------------------------------------- reproducibility
def check_generator_reproducibility(build: Build, findings: Findings, device: Any = "cpu") -> None:
    """Every random number comes from ``generator`` (or from the global RNG when it is ``None``)."""
    device = torch.device(device)
    target = CorrelatedGaussian([0.0, 0.0], [[1.0, 0.3], [0.3, 1.0]]).to(device)
    x = _starts((16, 2), device, torch.float32)
    where = f"on {device}"
    rng_devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=rng_devices):  # the caller's global RNG is restored afterwards
        runs = {}
        for key, seed, global_seed in (("a", 0, 1), ("b", 0, 2), ("c", 1, 1)):
            with findings.guard("generator", f"run(x, n_steps=5, generator=<seed {seed}>) {where}") as g:
                runs[key] = _run_tracking_rng(build(target), x, seed, global_seed, device)
            if g.failed:
                return
        (a, a_used, a_global), (b, _, _), (c, _, _) = runs["a"], runs["b"], runs["c"]
        same_seed_equal = torch.equal(a.samples, b.samples)
        if not same_seed_equal:
            facts = [f"two runs with generator=torch.Generator().manual_seed(0) gave different samples "
                     f"(largest difference {_max_diff(a.samples, b.samples):.3g}) after torch.manual_seed() "
                     "was called with another value in between"]
            if not a_used:
                facts.append("the generator's state did not change at all during the run")
            if a_global:
                facts.append("the run changed torch's global RNG state")
            findings.add("generator", "; ".join(facts) + ". The sampler draws random numbers from torch's global "
                         f"RNG instead of the generator passed to step(): {_RANDOM_CALLS} ({where})")
        elif a_global:
            findings.add("generator", "a run with a generator changed torch's global RNG state: some random draw "
                         f"ignores the generator (or the sampler calls torch.manual_seed); {_RANDOM_CALLS} ({where})")
        elif not a_used:
            findings.add("generator", "the generator's state did not change during run(): the sampler drew no "
                         f"random numbers from it, so it is not a Markov chain Monte Carlo kernel ({where})")
        if same_seed_equal and torch.equal(a.samples, c.samples):
            findings.add("generator", "generator seeds 0 and 1 gave identical samples: the randomness does not "
                         f"depend on the generator (a fixed internal seed, or a private torch.Generator?) ({where})")
        with findings.guard("generator", f"run(x, n_steps=5, generator=None) {where}") as g:
            torch.manual_seed(3)
            first = build(target).run(x, n_steps=5).samples
            torch.manual_seed(3)
            second = build(target).run(x, n_steps=5).samples
        if not g.failed and not torch.equal(first, second):
            findings.add("generator", "with generator=None the sampler must use torch's global RNG, so that "
                         "torch.manual_seed(3) makes it reproducible, but two runs after torch.manual_seed(3) "
                         f"differed (largest difference {_max_diff(first, second):.3g}): it draws randomness "
                         f"from elsewhere (numpy, random, a private generator) ({where})")


def _run_tracking_rng(sampler: Sampler, x: torch.Tensor, seed: int, global_seed: int, device: torch.device):
    torch.manual_seed(global_seed)
    generator = _generator(device, seed)
    before = generator.get_state().clone()
    global_before = _global_rng_state(device)
    result = sampler.run(x, n_steps=5, generator=generator)
    used = not torch.equal(generator.get_state(), before)
    touched = any(not torch.equal(s, t) for s, t in zip(_global_rng_state(device), global_before))
    return result, used, touched


def _global_rng_state(device: torch.device) -> list[torch.Tensor]:
    states = [torch.get_rng_state()]
    if device.type == "cuda":
        states.append(torch.cuda.get_rng_state(device))
    return states


# ------------------------------------------------------------------ schedule
def check_schedule_semantics(build: Build, findings: Findings, device: Any = "cpu") -> None:
    """``burn_in``/``thin``/``return_trajectory`` keep exactly the documented states."""
    device = torch.device(device)
    target = CorrelatedGaussian([0.5, -0.5], [[1.0, 0.3], [0.3, 1.0]]).to(device)
    x = _starts((8, 2), device, torch.float32)

    def run(**kw: Any) -> SampleResult:
        return build(target).run(x, generator=_generator(device, 7), return_trajectory=True, **kw)

    with findings.guard("schedule", f"run(x, n_steps=12, return_trajectory=True) on {device}") as g:
        full = run(n_steps=12)
    if g.failed or not _has_trajectory(findings, full, (8, 12, 2), "n_steps=12"):
        return
    _same(findings, full.trajectory[:, -1], full.samples,
          "the last state of the trajectory must be result.samples (the state after the last step)")
    with findings.guard("schedule", f"run(x, n_steps=12, return_trajectory=True) again on {device}") as g:
        again = run(n_steps=12)
    if g.failed:
        return
    if not torch.equal(again.trajectory, full.trajectory):
        findings.note("thin/burn-in equalities not checked: two runs with the same seed differ "
                      "(see the [generator] problem)")
        return

    with findings.guard("schedule", f"run(x, n_steps=12, thin=3) on {device}") as g:
        thinned = run(n_steps=12, thin=3)
    if not g.failed and _has_trajectory(findings, thinned, (8, 4, 2), "n_steps=12, thin=3"):
        _same(findings, thinned.trajectory, full.trajectory[:, 2::3],
              "with thin=3 the trajectory must hold the states after steps 3, 6, 9, 12 of the same chain "
              "(same seed); thinning must not change which random numbers are drawn")

    adapts = build(target).adaptation(4) is not None
    with findings.guard("schedule", f"run(x, n_steps=12, burn_in=4, thin=2) on {device}") as g:
        burned = run(n_steps=12, burn_in=4, thin=2)
    if g.failed or not _has_trajectory(findings, burned, (8, 4, 2), "n_steps=12, burn_in=4, thin=2"):
        return
    if adapts:
        findings.note("burn-in equality not checked: the sampler adapts during burn-in, so its kept states "
                      "legitimately differ from a run without burn-in")
        _same(findings, burned.trajectory[:, -1], burned.samples,
              "the last state of the trajectory must be result.samples")
    else:
        _same(findings, burned.trajectory, full.trajectory[:, 5::2],
              "with burn_in=4, thin=2 the trajectory must hold the states after steps 6, 8, 10, 12 of the "
              "same chain (burn-in steps are run and discarded, not skipped)")
        _same(findings, burned.samples, full.samples, "burn_in must not change the final states")
    fields = (burned.n_steps, burned.burn_in, burned.thin)
    if fields != (12, 4, 2):
        findings.add("schedule", f"result (n_steps, burn_in, thin) = {fields}, expected (12, 4, 2)")
    counts = burned.acceptance_rate.double() * 8
    if not torch.allclose(counts, counts.round(), atol=1e-4):
        findings.add("schedule", "acceptance_rate must be the fraction of the 8 post-burn-in steps that were "
                     f"accepted (a multiple of 1/8), got {burned.acceptance_rate.tolist()}")
    for bad in ({"n_steps": 5, "burn_in": 5}, {"n_steps": 5, "thin": 0}, {"n_steps": 0}):
        try:
            build(target).run(x, generator=_generator(device, 0), **bad)
        except (ValueError, TypeError):
            continue
        except Exception as exc:  # noqa: BLE001 - reported as a problem
            findings.add("schedule", f"run({_kwargs(bad)}) raised {type(exc).__name__}: {exc}; an impossible "
                         "schedule must raise ValueError naming the argument")
        else:
            findings.add("schedule", f"run({_kwargs(bad)}) did not raise; an impossible schedule must raise "
                         "ValueError naming the argument")


def _has_trajectory(findings: Findings, r: SampleResult, shape: tuple[int, ...], args: str) -> bool:
    t = r.trajectory
    if isinstance(t, torch.Tensor) and tuple(t.shape) == shape:
        return True
    got = "None" if t is None else f"shape {tuple(t.shape)}" if isinstance(t, torch.Tensor) else type(t).__name__
    findings.add("schedule", f"run({args}, return_trajectory=True) gave trajectory {got}, expected shape "
                 f"{shape} = (chains, (n_steps - burn_in) // thin, *event_shape)")
    return False


# ------------------------------------------------------------------ divergence
def check_divergence_reporting(build: Build, findings: Findings, device: Any = "cpu") -> None:
    """Non-finite chains are flagged in ``divergent``; ``run`` never raises; ``sample`` warns/raises."""
    device = torch.device(device)
    target = SteepQuartic(dim=2).to(device)
    x = torch.tensor([[0.0, 0.0]] * 4 + [[3.0, -3.0]] * 4, device=device)
    what = f"run(x, n_steps=25) on a steep quartic E = 100 Σ x⁴ from |x| = 3, on {device}"
    with findings.guard("divergence", what, "run() must not raise when chains diverge: it flags them in "
                        "result.divergent (do not raise from step())") as g:
        r = build(target).run(x, n_steps=25, generator=_generator(device, 0))
    if g.failed:
        return
    if not _expect_tensor(findings, "divergence", f"{what}: result.divergent", r.divergent, (8,), torch.bool, device):
        return
    bad = ~(torch.isfinite(r.samples).reshape(8, -1).all(1) & torch.isfinite(r.energy))
    if bool((bad.cpu() & ~r.divergent.cpu()).any()):
        findings.add("divergence", f"{what}: result.divergent flags chains {_rows(r.divergent)} but the chains "
                     f"with a NaN/inf state or energy are {_rows(bad)}; divergent[i] must be true whenever "
                     "chain i is non-finite (see ebm_core.sampling.divergence)")
    n_bad = int(r.divergent.sum())
    if n_bad == 0:
        findings.note("no chain diverged on the steep quartic (a Metropolis test rejects exploding proposals), "
                      "so sample()'s divergence warning was not exercised")
        return
    expected = DivergenceError if n_bad == 8 else DivergenceWarning
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            build(target).sample(x, n_steps=25, generator=_generator(device, 0))
            raised = None
        except Exception as exc:  # noqa: BLE001 - inspected below
            raised = exc
    warned = any(issubclass(w.category, DivergenceWarning) for w in caught)
    if expected is DivergenceError and not isinstance(raised, DivergenceError):
        findings.add("divergence", f"every chain diverged but sample() {'raised ' + repr(raised) if raised else 'returned'}; "
                     "it must raise ebm_core.DivergenceError (do not override sample())")
    if expected is DivergenceWarning and (raised is not None or not warned):
        findings.add("divergence", f"{n_bad} of 8 chains diverged but sample() "
                     f"{'raised ' + repr(raised) if raised else 'did not warn'}; it must warn with "
                     "ebm_core.DivergenceWarning and return the samples (do not override sample())")


# ------------------------------------------------------------------ helpers
def _devices(devices: Sequence[Any] | None) -> list[torch.device]:
    return available_devices() if devices is None else [torch.device(d) for d in devices]


def _generator(device: torch.device, seed: int) -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def _starts(shape: tuple[int, ...], device: torch.device, dtype: torch.dtype) -> torch.Tensor:
    g = torch.Generator().manual_seed(12345)
    return torch.randn(shape, generator=g, dtype=torch.float64).to(device=device, dtype=dtype)


def _expect_tensor(
    findings: Findings, check: str, what: str, value: Any, shape: Any, dtype: torch.dtype | None,
    device: torch.device, hint: str = "",
) -> bool:
    """Record a problem unless ``value`` is a tensor of ``shape`` (and ``dtype``), on ``device``."""
    suffix = f" ({hint})" if hint else ""
    if not isinstance(value, torch.Tensor):
        findings.add(check, f"{what} is {type(value).__name__}, expected a tensor of shape {tuple(shape)}{suffix}")
        return False
    wrong = []
    if tuple(value.shape) != tuple(shape):
        wrong.append(f"shape {tuple(value.shape)} instead of {tuple(shape)}")
    if dtype is not None and value.dtype != dtype:
        wrong.append(f"dtype {value.dtype} instead of {dtype} (results follow the input's dtype)")
    if value.device.type != device.type:
        wrong.append(f"device {value.device} instead of {device} (results stay on the input's device)")
    if wrong:
        findings.add(check, f"{what} has {' and '.join(wrong)}{suffix}")
    return not wrong


def _same(findings: Findings, got: torch.Tensor, expected: torch.Tensor, message: str) -> None:
    if got.shape != expected.shape or not torch.equal(got, expected):
        diff = _max_diff(got, expected) if got.shape == expected.shape else float("nan")
        findings.add("schedule", f"{message} (largest difference {diff:.3g})")


def _max_diff(a: torch.Tensor, b: torch.Tensor) -> float:
    return float((a.double() - b.double()).abs().nan_to_num(float("inf")).max())


def _rows(mask: torch.Tensor) -> list[int]:
    return [int(i) for i in mask.nonzero().flatten()]


def _kwargs(kw: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in kw.items())


@contextlib.contextmanager
def _short_runs() -> Iterator[None]:
    """Silence sample()'s ConvergenceWarning in shape checks: a few steps are rightly called
    unconverged, and that is not what they test (a plugin's suite may turn warnings into errors)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConvergenceWarning)
        yield
