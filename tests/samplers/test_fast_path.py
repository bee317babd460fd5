"""Dispatch to fused kernels, tested with in-process fake kernel plugins.

The fakes record the requests they get and return recognisable tensors. So that an installed
kernel plugin (ebm-cuda) cannot answer in their place, most tests point the dispatcher at a
registry holding only the fakes; one goes through the process-wide registry with
``ebm_core.register_plugin`` and a kernel key no real plugin uses.
"""

from __future__ import annotations

import contextlib
from typing import ClassVar

import pytest
import torch

import ebm_core
from ebm_core.kernels import SAMPLER_PARAMS, ChainKernel, ChainRequest, ChainResult, LangevinUpdateKernel
from ebm_core.registry import REGISTRY, Registry
from ebm_core.sampling import fast_path

from ._support import gaussian_2d, seeded


class FakeChainKernel(ChainKernel):
    """Returns x0 + 1 as samples and counts like a real kernel; declines when told to."""

    def __init__(self, decline: str | None = None, broken: bool = False) -> None:
        self.requests: list[ChainRequest] = []
        self.decline = decline
        self.broken = broken

    def unsupported_reason(self, request):
        return self.decline

    def run(self, request):
        self.requests.append(request)
        chains, d = request.x0.shape
        n_sampling = request.n_steps - request.burn_in
        trajectory = None
        if request.record_trajectory:
            steps = torch.arange(1, request.n_kept + 1, dtype=request.x0.dtype)
            trajectory = request.x0[:, None, :] + steps[None, :, None]
        samples = request.x0 + 1.0
        return ChainResult(
            samples=samples[:, :1] if self.broken else samples,
            energy=torch.zeros(chains, dtype=request.x0.dtype),
            n_accepted=torch.full((chains,), n_sampling, dtype=torch.int64),
            n_grad_evals=1 + request.n_steps,
            divergent=torch.zeros(chains, dtype=torch.bool),
            trajectory=trajectory,
        )


class FakeUpdateKernel(LangevinUpdateKernel):
    """The Langevin update in torch, with noise from a generator seeded by (seed, step)."""

    def __init__(self, decline: str | None = None) -> None:
        self.calls: list[dict] = []
        self.decline = decline

    def unsupported_reason(self, x, grad):
        return self.decline

    def update_(self, x, grad, *, step_size, noise_scale, seed, step, clamp=None):
        self.calls.append(
            dict(step_size=step_size, noise_scale=noise_scale, seed=seed, step=step, clamp=clamp)
        )
        g = torch.Generator().manual_seed(seed + step)
        noise = torch.randn(x.shape, generator=g, dtype=x.dtype)
        x.add_(grad, alpha=-step_size).add_(noise, alpha=noise_scale * (2 * step_size) ** 0.5)
        if clamp is not None:
            x.clamp_(-clamp, clamp)


class KernelPlugin:
    def __init__(self, kernels: dict[tuple[str, str], object]) -> None:
        self.kernels = kernels

    @ebm_core.hookimpl
    def ebm_register_kernels(self, register):
        for (sampler, energy), kernel in self.kernels.items():
            name = f"{sampler}-{'any' if energy == '*' else energy}/cpu"
            register(name, lambda k=kernel: k, sampler=sampler, energy=energy, device="cpu")


_ISOLATED = Registry(use_entry_points=False)


@contextlib.contextmanager
def installed(kernels: dict[tuple[str, str], object]):
    _ISOLATED.add_plugin(KernelPlugin(kernels), name="fake-kernels")
    try:
        yield
    finally:
        _ISOLATED.remove_plugin("fake-kernels")


@pytest.fixture(autouse=True)
def _only_fake_kernels(monkeypatch):
    monkeypatch.delenv("EBM_DISABLE_KERNELS", raising=False)
    monkeypatch.setattr(fast_path, "REGISTRY", _ISOLATED)


def test_whole_chain_goes_to_the_kernel_when_nothing_adapts() -> None:
    kernel = FakeChainKernel()
    s = ebm_core.sampler("mala", gaussian_2d(), step_size=0.3, adapt_step_size=False)
    x0 = torch.randn(5, 2, dtype=torch.float64)
    with installed({("mala", "gaussian"): kernel}):
        r = s.run(x0, n_steps=20, burn_in=8, thin=3, generator=seeded(0), return_trajectory=True)
    (request,) = kernel.requests
    assert r.backend == "fake-kernels:mala-gaussian/cpu" and r.fallback_reason is None
    assert (request.sampler, request.energy) == ("mala", "gaussian")
    schedule = (request.n_steps, request.burn_in, request.thin, request.record_trajectory)
    assert schedule == (20, 8, 3, True)
    assert dict(request.sampler_params) == {"step_size": 0.3}
    mean = request.energy_params["mean"]
    assert torch.equal(mean, torch.tensor([1.0, -1.0], dtype=torch.float64))  # chain dtype
    assert torch.equal(request.x0, x0) and request.x0.is_contiguous()
    assert torch.equal(r.samples, x0 + 1) and r.trajectory.shape == (5, 4, 2)
    assert torch.equal(r.acceptance_rate, torch.ones(5, dtype=torch.float64))
    assert r.n_grad_evals == 21 and r.n_divergent == 0


def test_adaptive_burn_in_runs_on_torch_then_the_frozen_remainder_on_the_kernel() -> None:
    kernel = FakeChainKernel()
    s = ebm_core.sampler("mala", gaussian_2d(), step_size=0.3)
    x0 = torch.zeros(64, 2)
    with installed({("mala", "gaussian"): kernel}):
        r = s.run(x0, n_steps=50, burn_in=30, generator=seeded(0))
    (request,) = kernel.requests
    assert (request.n_steps, request.burn_in) == (20, 0)
    assert request.sampler_params["step_size"] == s.step_size != 0.3  # adapted, then frozen
    assert not torch.equal(request.x0, x0)  # the state after the torch burn-in
    assert torch.equal(r.samples, request.x0 + 1)
    assert r.n_grad_evals == (1 + 30) + (1 + 20)
    assert r.backend == "fake-kernels:mala-gaussian/cpu"


def test_the_kernel_seed_comes_from_the_generator() -> None:
    kernel = FakeChainKernel()
    s = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    with installed({("langevin", "gaussian"): kernel}):
        for seed in (7, 7, 8):
            s.run(torch.zeros(3, 2), n_steps=4, generator=seeded(seed))
    a, b, c = (r.seed for r in kernel.requests)
    assert a == b != c
    params = dict(kernel.requests[0].sampler_params)
    assert params == {"step_size": 0.1, "noise_scale": 1.0, "clamp": None}


def test_hmc_sends_a_flat_inverse_mass_on_the_chain_device() -> None:
    kernel = FakeChainKernel()
    s = ebm_core.sampler(
        "hmc", gaussian_2d(), step_size=0.2, n_leapfrog=7, inv_mass=[1.0, 3.0],
        adapt_step_size=False, adapt_mass=False,
    )
    with installed({("hmc", "gaussian"): kernel}):
        s.run(torch.zeros(3, 2), n_steps=4)
    params = kernel.requests[0].sampler_params
    assert params["step_size"] == 0.2 and params["n_leapfrog"] == 7
    assert torch.equal(params["inv_mass"], torch.tensor([1.0, 3.0]))


def test_a_declining_kernel_falls_back_to_torch_without_touching_the_randomness() -> None:
    kernel = FakeChainKernel(decline="float16 is not supported")
    s = ebm_core.sampler("mala", gaussian_2d(), step_size=0.3, adapt_step_size=False)
    x0 = torch.zeros(8, 2)
    reference = s.run(x0, n_steps=10, generator=seeded(0), accelerate=False)
    with installed({("mala", "gaussian"): kernel}):
        r = s.run(x0, n_steps=10, generator=seeded(0))
    assert r.backend == "torch" and kernel.requests == []
    assert "mala-gaussian/cpu declined: float16 is not supported" in r.fallback_reason
    assert torch.equal(r.samples, reference.samples)


def test_accelerate_false_and_the_environment_switch_force_the_torch_path(monkeypatch) -> None:
    kernel = FakeChainKernel()
    s = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    with installed({("langevin", "gaussian"): kernel}):
        off = s.run(torch.zeros(3, 2), n_steps=4, accelerate=False)
        assert off.fallback_reason == "accelerate=False"
        monkeypatch.setenv("EBM_DISABLE_KERNELS", "1")
        assert s.run(torch.zeros(3, 2), n_steps=4).fallback_reason == "EBM_DISABLE_KERNELS=1"
    assert kernel.requests == []


def test_without_a_kernel_the_reason_names_the_missing_triple() -> None:
    r = ebm_core.sampler("mala", gaussian_2d()).run(torch.zeros(3, 2), n_steps=4)
    expected = "no kernel registered for sampler='mala', energy='gaussian', device='cpu'"
    assert r.fallback_reason == expected


def test_subclasses_do_not_inherit_the_fast_path() -> None:
    kernel = FakeChainKernel()
    mala_cls = type(ebm_core.sampler("mala", gaussian_2d()))
    gaussian_cls = type(gaussian_2d())

    class TweakedMALA(mala_cls):
        pass

    class TweakedGaussian(gaussian_cls):
        pass

    with installed({("mala", "gaussian"): kernel}):
        r1 = TweakedMALA(gaussian_2d(), adapt_step_size=False).run(torch.zeros(3, 2), n_steps=4)
        plain = mala_cls(TweakedGaussian(mean=[0.0, 0.0]), adapt_step_size=False)
        r2 = plain.run(torch.zeros(3, 2), n_steps=4)
    assert kernel.requests == []
    assert r1.fallback_reason == "TweakedMALA declares no kernel_key on its own class"
    assert r2.fallback_reason == "TweakedGaussian declares no kernel_key on its own class"


class BoxEnergy(ebm_core.Energy):
    """E = ½‖x‖² on events of shape (2, 3), known to kernels as 'box'."""

    kernel_key: ClassVar[str] = "box"

    def __init__(self) -> None:
        super().__init__(event_shape=(2, 3))

    def forward(self, x):
        return 0.5 * x.pow(2).sum((1, 2))

    def kernel_params(self):
        return {}


def test_a_plugin_registered_in_process_serves_multi_dimensional_events(monkeypatch) -> None:
    """Through ebm_core.register_plugin and the process-wide registry; events of shape (2, 3)
    are flattened to (chains, 6) for the kernel and restored afterwards."""
    monkeypatch.setattr(fast_path, "REGISTRY", REGISTRY)
    kernel = FakeChainKernel()
    s = ebm_core.sampler("langevin", BoxEnergy(), step_size=0.1)
    x0 = torch.randn(4, 2, 3)
    ebm_core.register_plugin(KernelPlugin({("langevin", "box"): kernel}), name="fake-box-kernels")
    try:
        r = s.run(x0, n_steps=6, burn_in=2, return_trajectory=True)
    finally:
        ebm_core.unregister_plugin("fake-box-kernels")
    assert r.backend == "fake-box-kernels:langevin-box/cpu"
    assert kernel.requests[0].x0.shape == (4, 6)
    assert torch.equal(r.samples, x0 + 1) and r.trajectory.shape == (4, 4, 2, 3)


def test_a_kernel_breaking_the_result_contract_is_named() -> None:
    s = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    with installed({("langevin", "gaussian"): FakeChainKernel(broken=True)}):
        expected = r"'fake-kernels:langevin-gaussian/cpu' broke the ChainResult contract: samples"
        with pytest.raises(RuntimeError, match=expected):
            s.run(torch.zeros(3, 2), n_steps=4)


def test_a_factory_building_the_wrong_type_is_named() -> None:
    s = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    with installed({("langevin", "gaussian"): object()}):
        with pytest.raises(TypeError, match="not an ebm_core.kernels.ChainKernel"):
            s.run(torch.zeros(3, 2), n_steps=4)


def test_hmc_step_size_jitter_is_passed_to_the_kernel() -> None:
    """Jitter is part of the HMC kernel contract (ebm_core.kernels.SAMPLER_PARAMS)."""
    kernel = FakeChainKernel()
    s = ebm_core.sampler(
        "hmc", gaussian_2d(), step_size_jitter=0.2, adapt_step_size=False, adapt_mass=False
    )
    with installed({("hmc", "gaussian"): kernel}):
        r = s.run(torch.zeros(3, 2), n_steps=4)
    (request,) = kernel.requests
    assert request.sampler_params["step_size_jitter"] == 0.2 and r.fallback_reason is None
    declared = {p.name for p in SAMPLER_PARAMS["hmc"]}
    assert set(request.sampler_params) <= declared


def _neural():
    net = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 1))
    return ebm_core.energy("neural", module=net)


def test_langevin_uses_an_any_energy_update_kernel_for_energies_without_a_chain_kernel() -> None:
    update = FakeUpdateKernel()
    s = ebm_core.sampler("langevin", _neural(), step_size=0.01, temperature=0.25, clamp=3.0)
    with installed({("langevin", "*"): update}):
        r = s.run(torch.zeros(5, 2), n_steps=6, generator=seeded(0))
        again = s.run(torch.zeros(5, 2), n_steps=6, generator=seeded(0))
    assert r.backend == "torch+fake-kernels:langevin-any/cpu"
    assert [c["step"] for c in update.calls[:6]] == list(range(6))
    first = update.calls[0]
    assert first == dict(step_size=0.01, noise_scale=0.5, seed=first["seed"], step=0, clamp=3.0)
    assert torch.equal(r.samples, again.samples) and r.n_grad_evals == 7


def test_a_declining_update_kernel_leaves_plain_torch() -> None:
    update = FakeUpdateKernel(decline="not contiguous")
    s = ebm_core.sampler("langevin", _neural(), step_size=0.01)
    with installed({("langevin", "*"): update}):
        r = s.run(torch.zeros(5, 2), n_steps=3)
        off = s.run(torch.zeros(5, 2), n_steps=3, accelerate=False)
    assert r.backend == off.backend == "torch" and update.calls == []
