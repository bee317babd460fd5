"""On/off switches read from environment variables (``EBM_STRICT_PLUGINS=1``, ``EBM_THREAD_SHARING=0``, …).

One reading for every switch: surrounding spaces and case are ignored; ``1``, ``true``,
``yes`` and ``on`` mean on, ``0``, ``false``, ``no`` and ``off`` mean off, and anything else —
including an unset or empty variable — means "not set" (the switch's default applies).

Example::

    from ebm_core.environment_switches import switch
    assert switch("EBM_X", {"EBM_X": " Yes "}) is True
    assert switch("EBM_X", {"EBM_X": "off"}) is False
    assert switch("EBM_X", {}) is None
"""

from __future__ import annotations

import os
from collections.abc import Mapping

ON_VALUES = frozenset({"1", "true", "yes", "on"})
OFF_VALUES = frozenset({"0", "false", "no", "off"})


def switch(name: str, environ: Mapping[str, str] | None = None) -> bool | None:
    """``True``/``False`` when ``name`` is set to an on/off value, else ``None`` (see above)."""
    value = (os.environ if environ is None else environ).get(name, "").strip().lower()
    if value in ON_VALUES:
        return True
    if value in OFF_VALUES:
        return False
    return None
