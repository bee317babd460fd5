"""Throw-away installed distributions for registry tests.

:func:`make_distribution` writes ``<name>-<version>.dist-info`` (METADATA + entry_points.txt)
and a plugin module into a folder; once that folder is on ``sys.path``, importlib-metadata
sees an installed distribution exactly as pip would have left it.
"""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_distribution(
    root: Path,
    dist_name: str,
    *,
    entry_points: dict[str, str],
    modules: dict[str, str],
    version: str = "1.0",
) -> Path:
    """Create a distribution under ``root``; returns ``root`` (put it on ``sys.path``)."""
    info = root / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    (info / "METADATA").write_text(
        f"Metadata-Version: 2.1\nName: {dist_name}\nVersion: {version}\n", encoding="utf-8"
    )
    lines = "".join(f"{name} = {target}\n" for name, target in entry_points.items())
    (info / "entry_points.txt").write_text(f"[ebm]\n{lines}", encoding="utf-8")
    for module, source in modules.items():
        (root / f"{module}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    return root


def energy_plugin_source(*names: str, doc: str = "Test energy.") -> str:
    """Source of a plugin module registering a trivial quadratic energy under ``names``."""
    registrations = "\n".join(f"    register({n!r}, Quadratic)" for n in names)
    return f'''
import ebm_core


class Quadratic(ebm_core.Energy):
    """{doc}"""

    def __init__(self, dim: int = 2, scale: float = 1.0):
        super().__init__(event_shape=(dim,))
        self.scale = scale

    def forward(self, x):
        x = self.check_input(x)
        return 0.5 * self.scale * x.pow(2).sum(-1)


@ebm_core.hookimpl
def ebm_register_energies(register):
{registrations}
'''
