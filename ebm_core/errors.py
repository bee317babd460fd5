"""Exception types raised by ebm-core.

Every error names what was wrong and how to fix it. All derive from :class:`EbmError`, so
``except ebm_core.EbmError`` catches anything the library raises on purpose.
"""

from __future__ import annotations


class EbmError(Exception):
    """Base class of every error ebm-core raises on purpose."""


class UnknownComponentError(EbmError, LookupError):
    """No component of the requested kind is registered under that name."""


class AmbiguousComponentError(EbmError, LookupError):
    """Several plugins registered the same bare name; a qualified ``"dist:name"`` selects one."""


class InvalidArgumentError(EbmError, TypeError):
    """A factory was given a keyword it does not accept, or lacks a required one."""


class PluginLoadError(EbmError, RuntimeError):
    """A plugin failed to load while ``EBM_STRICT_PLUGINS=1`` (or on explicit registration)."""


class PluginWarning(UserWarning):
    """A plugin failed to load and was skipped; the others still work."""
