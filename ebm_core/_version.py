"""The single source of the ebm-core version (read by pyproject.toml and ebm-cuda's pin)."""

__version__ = "0.1.0"
