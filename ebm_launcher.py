"""Entry point of the ``ebm`` console script: a thread wait policy for shared machines, then the CLI.

torch's OpenMP threads spin-wait at the end of every parallel operator by default. When another
process holds one of the cores, a spinning thread burns its time slice while the thread it waits
for is descheduled, and operators slow down many times over (measured on 2 loaded cores: one
competing busy process slowed the W4 benchmark 4.0× with the default policy and 2.2× with the
passive one, and under heavier load the passive policy made W4 52× faster; docs/performance.md,
"Load sensitivity"). With ``OMP_WAIT_POLICY=PASSIVE`` the waiting threads sleep instead. OpenMP reads the variable once, when torch loads its runtime, so
it has to be set before ``import torch`` — and ``import ebm_core`` imports torch. That is why
this module lives outside the ``ebm_core`` package: the console script imports it, it sets the
variable (only when the user has not set it), and only then imports the command line.
``python -m ebm_core`` does not get this default: running the package's ``__main__`` imports
``ebm_core`` (and so torch) first, too late to set the policy; set it in the shell there.

Library users who want the same behaviour set the variable themselves before Python starts
(``export OMP_WAIT_POLICY=PASSIVE``) or at the top of their script, before importing torch;
importing ``ebm_core`` deliberately leaves a process's thread settings alone.

Example::

    import os
    from ebm_launcher import set_default_wait_policy
    environ = {}
    assert set_default_wait_policy(environ) and environ["OMP_WAIT_POLICY"] == "PASSIVE"
    assert not set_default_wait_policy({"OMP_WAIT_POLICY": "ACTIVE"})  # the user's choice stays
"""

from __future__ import annotations

import os
from typing import MutableMapping

WAIT_POLICY_ENV = "OMP_WAIT_POLICY"
SPIN_COUNT_ENV = "GOMP_SPINCOUNT"
DEFAULT_WAIT_POLICY = "PASSIVE"


def set_default_wait_policy(environ: MutableMapping[str, str] = os.environ) -> bool:
    """Set ``OMP_WAIT_POLICY=PASSIVE`` in ``environ`` unless it is already set (to anything but "").

    Returns whether it set the variable. It takes effect only if torch is not imported yet.
    """
    if environ.get(WAIT_POLICY_ENV):
        return False
    environ[WAIT_POLICY_ENV] = DEFAULT_WAIT_POLICY
    return True


def main() -> int:
    """The ``ebm`` command: the default wait policy, then :func:`ebm_core.cli.main.main`."""
    set_default_wait_policy()
    from ebm_core.cli.main import main as cli_main  # imports torch: after the policy is set

    return cli_main()


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
