"""What the kit is given to check: a registered name or a factory, turned into a builder.

Every check function accepts the component the way a plugin author has it at hand:

* a registered name — ``"rwm"`` or the qualified ``"ebm-example-plugin:rwm"`` — built through
  the registry exactly as users will build it (so the check covers the registration too);
* a factory — the class itself or any callable — called as ``factory(energy, **kwargs)``
  for samplers and losses and ``factory(**kwargs)`` for energies.

Example::

    import ebm_core
    from ebm_core.testing.components import sampler_builder
    from ebm_core.testing.targets import DiagonalGaussian

    label, build = sampler_builder("mala", {"step_size": 0.3})
    sampler = build(DiagonalGaussian([1.0, 1.0]))
    assert label == "sampler 'mala'" and isinstance(sampler, ebm_core.Sampler)
"""

from __future__ import annotations

from typing import Any, Callable, Mapping

from .. import api
from ..contracts import Energy, Loss, Sampler
from .findings import ConformanceError, Problem


def describe(kind: str, spec: Any) -> str:
    """``"sampler 'rwm'"`` for a name, ``"sampler RandomWalk"`` for a factory."""
    if isinstance(spec, str):
        return f"{kind} {spec!r}"
    return f"{kind} {getattr(spec, '__qualname__', None) or type(spec).__name__}"


def sampler_builder(
    spec: Any, kwargs: Mapping[str, Any] | None = None
) -> tuple[str, Callable[[Energy], Sampler]]:
    """``(label, build)`` with ``build(energy)`` returning a fresh, checked sampler."""
    label, kwargs = describe("sampler", spec), dict(kwargs or {})

    def build(energy: Energy) -> Sampler:
        made = api.sampler(spec, energy, **kwargs) if isinstance(spec, str) else spec(energy, **kwargs)
        _require(made, Sampler, label, "ebm_core.Sampler", "subclass ebm_core.Sampler and implement init() and step()")
        return made

    return label, build


def loss_builder(spec: Any, kwargs: Mapping[str, Any] | None = None) -> tuple[str, Callable[[Energy], Loss]]:
    """``(label, build)`` with ``build(energy)`` returning a fresh, checked loss."""
    label, kwargs = describe("loss", spec), dict(kwargs or {})

    def build(energy: Energy) -> Loss:
        made = api.loss(spec, energy, **kwargs) if isinstance(spec, str) else spec(energy, **kwargs)
        _require(made, Loss, label, "ebm_core.Loss", "subclass ebm_core.Loss and implement forward(data)")
        return made

    return label, build


def energy_instance(spec: Any, kwargs: Mapping[str, Any] | None = None) -> tuple[str, Energy]:
    """``(label, energy)`` from an :class:`~ebm_core.Energy` instance, a name or a factory."""
    if isinstance(spec, Energy):
        if kwargs:
            raise TypeError("energy_kwargs is only used when the energy is given by name or factory")
        return f"energy {type(spec).__name__}", spec
    label = describe("energy", spec)
    made = api.energy(spec, **dict(kwargs or {})) if isinstance(spec, str) else spec(**dict(kwargs or {}))
    _require(made, Energy, label, "ebm_core.Energy", "subclass ebm_core.Energy and implement forward(x)")
    return label, made


def _require(obj: Any, cls: type, label: str, cls_name: str, fix: str) -> None:
    if not isinstance(obj, cls):
        raise ConformanceError(
            label, [Problem("factory", f"building it returned a {type(obj).__name__}, not an {cls_name}; {fix}")]
        )
