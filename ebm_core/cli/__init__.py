"""The ``ebm`` command line (``python -m ebm_core`` works too)."""
