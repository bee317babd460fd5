"""``python -m ebm_core`` runs the ``ebm`` command line."""

from .cli.main import main

raise SystemExit(main())
