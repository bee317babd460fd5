"""A griffe extension that renders the project's reST-flavoured docstrings as Markdown.

ebm's docstrings follow the Google layout (``Args:``, ``Attributes:``) but use two reST
conventions that Markdown shows verbatim: cross-reference roles (``:class:`~ebm_core.Energy```)
and a literal block introduced by a paragraph ending in ``::`` (``Example::``). This
extension rewrites them in every docstring the API reference loads:

* ``:role:`~a.b.Name``` → `` `Name` ``, ``:role:`a.b.Name``` → `` `a.b.Name` `` (inline code);
* a paragraph ending in ``::`` → the same paragraph ending in ``:`` (the indented block that
  follows is already a Markdown code block);
* a ``.. math::`` directive → a plain ``Math:`` lead-in to the same indented block.

It is listed under ``extensions`` of the mkdocstrings handler in ``mkdocs.yml``; it changes
only what the documentation shows, never the source.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_ROLE = re.compile(r":(?:py:)?(?:class|func|meth|mod|attr|data|exc|obj|const):`(~?)([^`]+)`")
_LITERAL_LEAD = re.compile(r"(?m)^([ \t]*)(\S.*?)[ \t]*::[ \t]*$")
_MATH = re.compile(r"(?m)^([ \t]*)\.\. math::[ \t]*(.*)$")


def _role(match: re.Match) -> str:
    short, target = match.group(1), match.group(2)
    return f"`{target.rsplit('.', 1)[-1] if short else target}`"


def to_markdown(text: str) -> str:
    """The docstring ``text`` with the reST conventions above rewritten."""
    text = _ROLE.sub(_role, text)
    text = _MATH.sub(lambda m: f"{m.group(1)}Math:\n\n{m.group(1)}    {m.group(2)}" if m.group(2) else f"{m.group(1)}Math:", text)
    return _LITERAL_LEAD.sub(lambda m: f"{m.group(1)}{m.group(2)}:", text)


class RestDocstrings(griffe.Extension):
    """Rewrite each loaded object's docstring (see the module docstring)."""

    def on_instance(self, *, obj: Any, **kwargs: Any) -> None:
        docstring = getattr(obj, "docstring", None)
        if docstring is not None and docstring.value:
            docstring.value = to_markdown(docstring.value)
