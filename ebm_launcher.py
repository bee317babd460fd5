"""Entry point of the ``ebm`` console script: a bounded thread spin for shared machines, then the CLI.

torch's OpenMP threads (GNU libgomp in torch's Linux wheels) spin-wait after every parallel
operator for ~300,000 rounds before they sleep. When another process holds one of the cores, a
spinning thread burns its time slice while the thread it waits for is descheduled, and operators
slow down many times over: with one competing busy process on 2 cores the conv benchmarks W5
and W6 ran 3.1–4.1× slower than quiet (docs/performance.md, "Load sensitivity"). Sleeping at
once (``OMP_WAIT_POLICY=PASSIVE``) bounds that to 1.2–1.5×, but on a quiet machine every
operator then pays a thread wake-up, which cost W6 33–68 % of its quiet speed here.
``GOMP_SPINCOUNT=10000`` — spin briefly, then sleep — sits between: 1.6–2.7× loaded, 2–26 %
quiet cost in the same runs (single runs on a shared host; the figures move by tens of percent).

libgomp reads the variables once, when torch loads it, so they have to be set before ``import
torch`` — and ``import ebm_core`` imports torch. That is why this module lives outside the
``ebm_core`` package: the console script imports it, it sets ``GOMP_SPINCOUNT`` (only when the
user has set neither ``GOMP_SPINCOUNT`` nor ``OMP_WAIT_POLICY``), and only then imports the
command line. ``python -m ebm_core`` does not get this default: running the package's
``__main__`` imports ``ebm_core`` (and so torch) first; set the variable in the shell there.
Builds of torch on Intel's OpenMP ignore ``GOMP_SPINCOUNT`` (their knob is ``KMP_BLOCKTIME``).

Library users who want the same behaviour set the variable themselves before Python starts
(``export GOMP_SPINCOUNT=10000``) or at the top of their script, before importing torch;
importing ``ebm_core`` deliberately leaves a process's thread settings alone.

Example::

    from ebm_launcher import set_default_wait_policy
    environ = {}
    assert set_default_wait_policy(environ) and environ["GOMP_SPINCOUNT"] == "10000"
    assert not set_default_wait_policy({"OMP_WAIT_POLICY": "ACTIVE"})  # the user's choice stays
    assert not set_default_wait_policy({"GOMP_SPINCOUNT": "0"})
"""

from __future__ import annotations

import os
from typing import MutableMapping

WAIT_POLICY_ENV = "OMP_WAIT_POLICY"
SPIN_COUNT_ENV = "GOMP_SPINCOUNT"
#: Spin rounds before a waiting OpenMP thread sleeps (libgomp's own default: 300,000).
DEFAULT_SPIN_COUNT = "10000"


def set_default_wait_policy(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Set ``GOMP_SPINCOUNT=10000`` in ``environ`` unless the user chose a wait policy.

    (The name is from when the default was ``OMP_WAIT_POLICY=PASSIVE``; it sets the spin count.)

    A choice is ``OMP_WAIT_POLICY`` or ``GOMP_SPINCOUNT`` set to anything but "". Returns
    whether it set the variable. It takes effect only if torch is not imported yet.
    """
    if environ.get(WAIT_POLICY_ENV) or environ.get(SPIN_COUNT_ENV):
        return False
    environ[SPIN_COUNT_ENV] = DEFAULT_SPIN_COUNT
    return True


def main() -> int:
    """The ``ebm`` command: the default spin count, then :func:`ebm_core.cli.main.main`."""
    set_default_wait_policy()
    from ebm_core.cli.main import main as cli_main  # imports torch: after the policy is set

    return cli_main()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
