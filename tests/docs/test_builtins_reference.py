"""Every built-in component registered by ebm-core is documented in docs/reference/builtins.md."""

from __future__ import annotations

from pathlib import Path

import ebm_core
from ebm_core import api

REFERENCE = Path(__file__).resolve().parents[2] / "docs" / "reference" / "builtins.md"


def test_every_builtin_module_is_in_the_reference() -> None:
    text = REFERENCE.read_text(encoding="utf-8")
    missing = set()
    for kind, names in ebm_core.available().items():
        for name in names:
            module = api.describe(kind, name).factory.__module__
            if not module.startswith("ebm_plugins."):
                continue  # ebm-cuda's and third parties' components are documented elsewhere
            package = module.rsplit(".", 1)[0]
            if f"::: {module}\n" not in text and f"::: {package}\n" not in text:
                missing.add(module)
    assert not missing, f"add these modules to {REFERENCE.name}: {sorted(missing)}"
