"""``python -m ebm_core`` runs the ``ebm`` command line.

Unlike the ``ebm`` console script it does not set ``GOMP_SPINCOUNT=10000``: Python imports
``ebm_core`` (and so torch) before this module runs, too late for the setting to take effect
(see ``ebm_launcher``). On a shared machine, set the variable in the shell first.
"""

from .cli.main import main

raise SystemExit(main())
