"""Ready-made pytest test classes: subclass one, name your component, and the kit tests it.

::

    # tests/test_conformance.py of your plugin
    from ebm_core.testing.suites import EnergyConformance, LossConformance, SamplerConformance

    class TestRandomWalk(SamplerConformance):
        sampler = "rwm"                      # registered name (or the class / a factory)
        sampler_kwargs = {"step_size": 0.8}
        n_steps, burn_in = 800, 400          # enough for your sampler to converge

    class TestBanana(EnergyConformance):
        energy = "banana"

    class TestMyLoss(LossConformance):
        loss = "my_score_matching"

pytest collects every ``test_*`` method of the subclass (the base classes' names do not start
with ``Test``, so they are not collected themselves). A sampler class gets five contract tests —
``init``/``step`` state, shapes/dtypes/devices, generator reproducibility, burn-in/thin/
trajectory semantics, divergence reporting — and one statistical test per exact target
(the false-fail budget split evenly between them); an energy class gets one test, a loss
class one. Failures are
:class:`~ebm_core.testing.ConformanceError` s that say what is wrong and how to fix it.

The devices and the statistical budget follow ``--ebm-device`` and
``--ebm-false-fail-rate`` when :mod:`ebm_core.testing.pytest_plugin` is enabled; class
attributes ``devices`` and ``false_fail_rate`` override both.
"""

from __future__ import annotations

from typing import Any, ClassVar, Mapping, Sequence

import pytest
import torch

from .energy_checks import check_energy
from .findings import Findings
from .components import sampler_builder
from .loss_checks import check_loss_minimiser
from .pytest_plugin import devices_from, false_fail_rate_from
from .sampler_contract import (
    check_divergence_reporting,
    check_generator_reproducibility,
    check_schedule_semantics,
    check_shapes_dtypes_devices,
    check_state_contract,
)
from .sampler_statistics import DEFAULT_TARGETS, Stationary, check_sampler_statistics


class _Suite:
    devices: ClassVar[Sequence[Any] | None] = None
    false_fail_rate: ClassVar[float | None] = None
    #: Run each test with one intra-op thread (faster for the kit's many small chains).
    single_thread: ClassVar[bool] = True

    @pytest.fixture(autouse=True)
    def _ebm_suite_threads(self) -> Any:
        before = torch.get_num_threads()
        if self.single_thread:
            torch.set_num_threads(1)
        yield
        torch.set_num_threads(before)

    def _devices(self, request: pytest.FixtureRequest) -> list[torch.device]:
        if self.devices is not None:
            return [torch.device(d) for d in self.devices]
        return devices_from(request.config)

    def _rate(self, request: pytest.FixtureRequest) -> float:
        if self.false_fail_rate is not None:
            return float(self.false_fail_rate)
        return false_fail_rate_from(request.config)


class SamplerConformance(_Suite):
    """Conformance tests of a sampler; set :attr:`sampler` in the subclass.

    Attributes:
        sampler: registered name (``"rwm"``, ``"dist:rwm"``) or a factory ``f(energy, **kw)``.
        sampler_kwargs: keyword arguments for every sampler built.
        targets: statistical targets (:mod:`~ebm_core.testing.statistical_targets`).
        n_chains, n_steps, burn_in: the statistical runs (``n_steps`` includes ``burn_in``).
        stationary: the sampler's known stationary law on Gaussians, for biased samplers
            (e.g. :func:`~ebm_core.testing.ula_stationary`); use only Gaussian targets then.
        seed: seed of the statistical runs.
    """

    sampler: ClassVar[Any] = None
    sampler_kwargs: ClassVar[Mapping[str, Any]] = {}
    targets: ClassVar[Sequence[str]] = DEFAULT_TARGETS
    n_chains: ClassVar[int] = 2000
    n_steps: ClassVar[int] = 1000
    burn_in: ClassVar[int] = 500
    stationary: ClassVar[Stationary | None] = None
    seed: ClassVar[int] = 0

    def _run(self, request: pytest.FixtureRequest, check: Any, *args: Any) -> None:
        if self.sampler is None:
            raise TypeError(f"{type(self).__name__} must set `sampler` to a registered name or a factory")
        label, build = sampler_builder(self.sampler, self.sampler_kwargs)
        findings = Findings(label)
        for device in self._devices(request):
            check(build, findings, device, *args)
        findings.raise_if_any()

    def test_init_and_step_return_a_chain_state(self, request: pytest.FixtureRequest) -> None:
        self._run(request, check_state_contract)

    def test_shapes_dtypes_and_devices(self, request: pytest.FixtureRequest) -> None:
        self._run(request, check_shapes_dtypes_devices)

    def test_all_randomness_comes_from_the_generator(self, request: pytest.FixtureRequest) -> None:
        self._run(request, check_generator_reproducibility)

    def test_burn_in_thin_and_trajectory(self, request: pytest.FixtureRequest) -> None:
        self._run(request, check_schedule_semantics)

    def test_divergent_chains_are_reported(self, request: pytest.FixtureRequest) -> None:
        self._run(request, check_divergence_reporting)

    def pytest_generate_tests(self, metafunc: pytest.Metafunc) -> None:
        """One statistical test per target (pytest calls this hook on test classes)."""
        if "ebm_target" in metafunc.fixturenames:
            metafunc.parametrize("ebm_target", list(self.targets))

    def test_samples_match_exact_targets(self, request: pytest.FixtureRequest, ebm_target: str) -> None:
        """The overall budget is split evenly between the targets (Bonferroni)."""
        if self.sampler is None:
            raise TypeError(f"{type(self).__name__} must set `sampler` to a registered name or a factory")
        check_sampler_statistics(
            self.sampler, self.sampler_kwargs, targets=(ebm_target,), n_chains=self.n_chains,
            n_steps=self.n_steps, burn_in=self.burn_in, false_fail_rate=self._rate(request) / len(self.targets),
            seed=self.seed + list(self.targets).index(ebm_target),
            stationary=type(self).stationary,  # via the class: a function attribute must not bind self
        )


class EnergyConformance(_Suite):
    """Conformance test of an energy; set :attr:`energy` (name, factory or instance).

    Attributes:
        energy: registered name, factory ``f(**kw)`` or an :class:`~ebm_core.Energy` instance.
        energy_kwargs: keyword arguments for a name or factory.
        points: a batch inside the energy's domain (default: N(0, I) of its event shape).
    """

    energy: ClassVar[Any] = None
    energy_kwargs: ClassVar[Mapping[str, Any]] = {}
    points: ClassVar[torch.Tensor | None] = None

    def test_energy_contract_and_gradient(self, request: pytest.FixtureRequest) -> None:
        if self.energy is None:
            raise TypeError(f"{type(self).__name__} must set `energy` to a registered name, factory or instance")
        check_energy(self.energy, self.energy_kwargs or None, points=self.points, devices=self._devices(request))


class LossConformance(_Suite):
    """The closed-form minimiser test of a loss; set :attr:`loss`.

    Attributes:
        loss: registered name or factory ``f(energy, **kw)``.
        loss_kwargs: keyword arguments (switch regularisers off, or set :attr:`expected`).
        expected: the minimiser of ``a`` on ``E = ½ a ‖x‖²`` (default ``1 / data_std²``).
        dim, data_std, batch_size, n_batches: see :func:`~ebm_core.testing.check_loss_minimiser`.
    """

    loss: ClassVar[Any] = None
    loss_kwargs: ClassVar[Mapping[str, Any]] = {}
    expected: ClassVar[float | None] = None
    dim: ClassVar[int] = 4
    data_std: ClassVar[float] = 2.0
    batch_size: ClassVar[int] = 2048
    n_batches: ClassVar[int] = 32

    def test_minimised_at_the_closed_form(self, request: pytest.FixtureRequest) -> None:
        if self.loss is None:
            raise TypeError(f"{type(self).__name__} must set `loss` to a registered name or a factory")
        check_loss_minimiser(
            self.loss, self.loss_kwargs, dim=self.dim, data_std=self.data_std, expected=self.expected,
            batch_size=self.batch_size, n_batches=self.n_batches, false_fail_rate=self._rate(request),
        )
