"""Registry behaviour: discovery through entry points, conflicts, broken plugins, errors."""

from __future__ import annotations

import subprocess
import sys
import uuid
import warnings
from pathlib import Path

import pytest
import torch

import ebm_core
from ebm_core.registry import REGISTRY

from .fake_dists import energy_plugin_source, make_distribution


@pytest.fixture
def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """A fresh folder on sys.path for fake distributions; the registry reloads lazily after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    before = set(sys.modules)
    REGISTRY._catalog = None
    yield tmp_path
    for name in set(sys.modules) - before:
        if name.startswith("fake_"):
            del sys.modules[name]
    REGISTRY._catalog = None


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def load_quietly() -> list[warnings.WarningMessage]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        REGISTRY.reload()
    return [w for w in caught if issubclass(w.category, ebm_core.PluginWarning)]


def test_third_party_distribution_is_selectable_by_name(site: Path) -> None:
    module = unique("fake_quad")
    make_distribution(
        site, "fake-quad-dist", version="2.3",
        entry_points={"quad": module}, modules={module: energy_plugin_source("fake_quadratic")},
    )
    assert not [w for w in load_quietly() if "fake-quad-dist" in str(w.message)]
    energy = ebm_core.energy("fake_quadratic", dim=3, scale=2.0)
    assert torch.allclose(energy(torch.ones(4, 3)), torch.full((4,), 3.0))
    record = ebm_core.describe("energy", "fake_quadratic")
    assert (record.source.distribution, record.source.version, record.source.name) == (
        "fake-quad-dist", "2.3", "quad",
    )
    assert record.description == "Test energy."
    assert "fake_quadratic" in ebm_core.available("energy")


def test_same_name_from_two_plugins_is_ambiguous_until_qualified(site: Path) -> None:
    for dist, doc in (("fake-alpha", "alpha"), ("fake-beta", "beta")):
        module = unique("fake_twin")
        make_distribution(
            site / dist, dist, entry_points={"twin": module},
            modules={module: energy_plugin_source("twin_energy", doc=doc)},
        )
        sys.path.insert(0, str(site / dist))
    try:
        warned = load_quietly()
        with pytest.raises(ebm_core.AmbiguousComponentError) as info:
            ebm_core.energy("twin_energy")
        message = str(info.value)
        assert "fake-alpha:twin_energy" in message and "fake-beta:twin_energy" in message
        assert ebm_core.describe("energy", "fake-alpha:twin_energy").description == "alpha"
        assert ebm_core.describe("energy", "fake_beta:twin_energy").description == "beta"
        assert "fake-alpha:twin_energy" in ebm_core.available("energy")
        # Both declared entry point "twin": reported, and both loaded anyway.
        assert any("'twin'" in str(w.message) and "fake-alpha" in str(w.message) for w in warned)
        assert any("'twin'" in d for d in REGISTRY.catalog.duplicate_entry_points)
    finally:
        sys.path.remove(str(site / "fake-alpha"))
        sys.path.remove(str(site / "fake-beta"))


def test_broken_plugin_is_skipped_with_a_warning_naming_it(site: Path) -> None:
    good, bad = unique("fake_good"), unique("fake_bad")
    make_distribution(
        site, "fake-mixed", entry_points={"good": good, "bad": bad},
        modules={good: energy_plugin_source("good_energy"), bad: "import no_such_module_xyz\n"},
    )
    warned = [w for w in load_quietly() if "fake-mixed" in str(w.message)]
    assert len(warned) == 1
    text = str(warned[0].message)
    assert "'bad'" in text and "fake-mixed" in text and "no_such_module_xyz" in text
    assert ebm_core.energy("good_energy") is not None
    (failure,) = [f for f in REGISTRY.catalog.failures if f.source.distribution == "fake-mixed"]
    assert failure.source.entry_point == bad and "ModuleNotFoundError" in failure.error


def test_raising_hook_discards_the_whole_plugin(site: Path) -> None:
    module = unique("fake_raising")
    source = energy_plugin_source("half_registered") + (
        "\n\n@ebm_core.hookimpl\ndef ebm_register_samplers(register):\n"
        "    raise RuntimeError('sampler table corrupted')\n"
    )
    make_distribution(site, "fake-raising", entry_points={"raising": module}, modules={module: source})
    warned = load_quietly()
    assert any("sampler table corrupted" in str(w.message) for w in warned)
    with pytest.raises(ebm_core.UnknownComponentError):
        ebm_core.energy("half_registered")


def test_strict_mode_turns_plugin_problems_into_errors(site: Path, monkeypatch) -> None:
    bad = unique("fake_bad")
    make_distribution(site, "fake-strict", entry_points={"bad": bad}, modules={bad: "1 / 0\n"})
    monkeypatch.setenv("EBM_STRICT_PLUGINS", "1")
    with pytest.raises(ebm_core.PluginLoadError, match="fake-strict.*ZeroDivisionError"):
        REGISTRY.reload()


def test_unknown_name_lists_available_names_and_closest_match() -> None:
    plugin = _InProcessEnergies("alpha_energy", "beta_energy")
    ebm_core.register_plugin(plugin, name="unknown-name-test")
    try:
        with pytest.raises(ebm_core.UnknownComponentError) as info:
            ebm_core.energy("alpha_enrgy")
        message = str(info.value)
        assert "Did you mean 'alpha_energy'?" in message
        assert "alpha_energy" in message and "beta_energy" in message
        with pytest.raises(ebm_core.UnknownComponentError, match="no sampler named"):
            ebm_core.sampler("no-such-sampler", None)
    finally:
        ebm_core.unregister_plugin("unknown-name-test")


def test_unknown_keyword_names_the_accepted_ones() -> None:
    ebm_core.register_plugin(_InProcessEnergies("kw_energy"), name="kw-test")
    try:
        with pytest.raises(ebm_core.InvalidArgumentError) as info:
            ebm_core.energy("kw_energy", scael=2.0)
        message = str(info.value)
        assert "'scael'" in message and "did you mean 'scale'" in message
        assert "Accepted keyword arguments: dim, scale" in message
    finally:
        ebm_core.unregister_plugin("kw-test")


def test_in_process_plugins_register_and_unregister() -> None:
    plugin = _InProcessEnergies("notebook_energy")
    source = ebm_core.register_plugin(plugin, name="notebook")
    try:
        assert source.distribution is None
        record = ebm_core.describe("energy", "notebook:notebook_energy")
        assert record.source.describe() == "in-process plugin 'notebook'"
        with pytest.raises(ebm_core.PluginLoadError, match="already registered"):
            ebm_core.register_plugin(_InProcessEnergies("other"), name="notebook")
    finally:
        ebm_core.unregister_plugin(plugin)
    with pytest.raises(ebm_core.UnknownComponentError):
        ebm_core.energy("notebook_energy")
    with pytest.raises(ebm_core.UnknownComponentError, match="no in-process plugin"):
        ebm_core.unregister_plugin("notebook")


@pytest.mark.parametrize(
    ("plugin", "message"),
    [
        (object(), "registered no component"),
        (lambda: None, "registered no component"),
    ],
)
def test_plugin_without_registrations_is_rejected(plugin, message) -> None:
    with pytest.raises(ebm_core.PluginLoadError, match=message):
        ebm_core.register_plugin(plugin, name="empty")


def test_invalid_registrations_are_rejected() -> None:
    with pytest.raises(ebm_core.PluginLoadError, match="invalid energy name 'Bad:Name'"):
        ebm_core.register_plugin(_InProcessEnergies("Bad:Name"), name="bad-name")
    with pytest.raises(ebm_core.PluginLoadError, match="registered twice"):
        ebm_core.register_plugin(_InProcessEnergies("dup", "dup"), name="dup")
    with pytest.raises(ebm_core.PluginLoadError, match="sampler='mala'"):
        ebm_core.register_plugin(_KernelWithoutMeta(), name="kernel-without-meta")
    with pytest.raises(ebm_core.PluginLoadError, match="unknown hook|ebm_register_energy"):
        ebm_core.register_plugin(_MisspelledHook(), name="misspelled")


def test_kernels_are_found_by_sampler_energy_and_device() -> None:
    ebm_core.register_plugin(_Kernels(), name="kernel-lookup")
    try:
        names = [r.name for r in REGISTRY.kernels_for("toy", "quad", "cpu")]
        assert names == ["toy/quad/cpu", "toy/any/cpu"]
        assert REGISTRY.kernels_for("toy", "quad", "cuda") == []
        assert [r.name for r in REGISTRY.kernels_for("toy", "other", "cpu")] == ["toy/any/cpu"]
    finally:
        ebm_core.unregister_plugin("kernel-lookup")


def test_importing_ebm_core_loads_no_plugin() -> None:
    code = (
        "import sys, ebm_core\n"
        "loaded = sorted(m for m in sys.modules if m.startswith(('ebm_plugins', 'ebm_cuda')))\n"
        "print(loaded, ebm_core.registry.REGISTRY.is_loaded)\n"
        "ebm_core.available()\n"
        "print(any(m.startswith('ebm_plugins') for m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.splitlines() == ["[] False", "True"]


def test_builtin_components_come_through_ebm_core_entry_points() -> None:
    REGISTRY.reload()
    builtins = [r for r in REGISTRY.records() if r.source.name.startswith("ebm_core_")]
    assert builtins, "no built-in component was discovered"
    assert {r.source.distribution for r in builtins} == {"ebm-core"}
    assert {r.source.version for r in builtins} == {ebm_core.__version__}


class _InProcessEnergies:
    def __init__(self, *names: str) -> None:
        self.names = names

    @ebm_core.hookimpl
    def ebm_register_energies(self, register):
        for name in self.names:
            register(name, _Quadratic)


class _Quadratic(ebm_core.Energy):
    """E(x) = ½ scale ‖x‖²."""

    def __init__(self, dim: int = 2, scale: float = 1.0):
        super().__init__(event_shape=(dim,))
        self.scale = scale

    def forward(self, x):
        return 0.5 * self.scale * self.check_input(x).pow(2).sum(-1)


class _KernelWithoutMeta:
    @ebm_core.hookimpl
    def ebm_register_kernels(self, register):
        register("incomplete", object, sampler="mala")


class _MisspelledHook:
    @ebm_core.hookimpl
    def ebm_register_energy(self, register):
        register("x", _Quadratic)


class _Kernels:
    @ebm_core.hookimpl
    def ebm_register_kernels(self, register):
        register("toy/any/cpu", object, sampler="toy", energy="*", device="cpu")
        register("toy/quad/cpu", object, sampler="toy", energy="quad", device="cpu")
