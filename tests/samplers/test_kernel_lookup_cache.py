"""The fast path's registry lookup is cached per (sampler key, energy key, device type) and
follows every change of the registry.

``sampler.run`` used to filter and sort the whole catalog on every call; the cache keeps the
matching records until the registry changes (a plugin added or removed, a reload). These
tests count the registry scans and check that a kernel added, replaced or removed after the
first run is seen by the next one. Deterministic (fake kernels, no randomness in the checks).
"""

from __future__ import annotations

import torch

import ebm_core
from ebm_core.registry import Registry
from ebm_core.sampling import fast_path

from .test_fast_path import FakeChainKernel, KernelPlugin, gaussian_2d


def _isolated(monkeypatch) -> Registry:
    registry = Registry(use_entry_points=False)
    monkeypatch.delenv("EBM_DISABLE_KERNELS", raising=False)
    monkeypatch.setattr(fast_path, "REGISTRY", registry)
    return registry


def _run(sampler):
    return sampler.run(torch.zeros(3, 2), n_steps=4)


def test_the_registry_is_scanned_once_per_key_until_it_changes(monkeypatch) -> None:
    registry = _isolated(monkeypatch)
    scans: list[tuple] = []
    original = registry.kernels_for
    monkeypatch.setattr(registry, "kernels_for", lambda *key: scans.append(key) or original(*key))
    kernel = FakeChainKernel()
    registry.add_plugin(KernelPlugin({("langevin", "gaussian"): kernel}), name="first")
    ula = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    for _ in range(3):
        assert _run(ula).backend == "first:langevin-gaussian/cpu"
    assert scans == [("langevin", "gaussian", "cpu")] and len(kernel.requests) == 3
    mala = ebm_core.sampler("mala", gaussian_2d(), step_size=0.1, adapt_step_size=False)
    _run(mala)
    _run(mala)  # another key: one more scan, then cached too
    assert scans == [("langevin", "gaussian", "cpu"), ("mala", "gaussian", "cpu")]


def test_a_kernel_added_or_removed_after_the_first_run_is_seen(monkeypatch) -> None:
    registry = _isolated(monkeypatch)
    ula = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    first = _run(ula)
    assert first.backend == "torch" and "no kernel registered" in first.fallback_reason
    registry.add_plugin(KernelPlugin({("langevin", "gaussian"): FakeChainKernel()}), name="late")
    assert _run(ula).backend == "late:langevin-gaussian/cpu"
    registry.remove_plugin("late")
    assert _run(ula).backend == "torch"
    # Removed and added back under the same name, with a kernel that now declines.
    registry.add_plugin(
        KernelPlugin({("langevin", "gaussian"): FakeChainKernel(decline="not today")}), name="late"
    )
    result = _run(ula)
    assert result.backend == "torch" and result.fallback_reason.endswith("declined: not today")


def test_a_reload_or_another_registry_empties_the_cache(monkeypatch) -> None:
    registry = _isolated(monkeypatch)
    registry.add_plugin(KernelPlugin({("langevin", "gaussian"): FakeChainKernel()}), name="kept")
    ula = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    assert _run(ula).backend == "kept:langevin-gaussian/cpu"
    registry.reload()  # same in-process plugin, a new catalog
    assert _run(ula).backend == "kept:langevin-gaussian/cpu"
    other = Registry(use_entry_points=False)
    monkeypatch.setattr(fast_path, "REGISTRY", other)
    assert _run(ula).backend == "torch"


def test_the_factory_still_runs_once_per_run(monkeypatch) -> None:
    """Only the lookup is cached: a plugin's factory is called for every run, as documented."""
    registry = _isolated(monkeypatch)
    built: list[FakeChainKernel] = []

    class CountingPlugin:
        @ebm_core.hookimpl
        def ebm_register_kernels(self, register):
            def factory():
                built.append(FakeChainKernel())
                return built[-1]

            register("ula/cpu", factory, sampler="langevin", energy="gaussian", device="cpu")

    registry.add_plugin(CountingPlugin(), name="counting")
    ula = ebm_core.sampler("langevin", gaussian_2d(), step_size=0.1)
    for _ in range(3):
        _run(ula)
    assert len(built) == 3 and all(len(k.requests) == 1 for k in built)
