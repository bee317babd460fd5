"""Finding the fenced code blocks of a Markdown page (the docs examples the tests execute)."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

DOCS = Path(__file__).resolve().parents[2] / "docs"

#: Pages whose ``python`` blocks are executed: everything a reader is told to type, i.e.
#: every page but the generated API reference and the performance report (which quotes
#: numbers, not code to run).
EXECUTED_PAGES = sorted(
    p.relative_to(DOCS).as_posix()
    for p in DOCS.rglob("*.md")
    if not p.relative_to(DOCS).as_posix().startswith("reference/") and p.name != "performance.md"
) + ["../README.md"]  # the repository's front page, relative to docs/

_FENCE = re.compile(r"^(?P<indent>[ \t]*)(?P<fence>```+|~~~+)[ \t]*(?P<info>[^\n]*)$")


@dataclasses.dataclass(frozen=True)
class Block:
    """One fenced block: its language (first word of the info string), code and first line."""

    language: str
    code: str
    line: int


def code_blocks(text: str) -> list[Block]:
    """Fenced blocks in order; the indentation of the opening fence is removed from the code."""
    blocks: list[Block] = []
    lines = text.splitlines()
    i = 0
    while i < len(lines):
        match = _FENCE.match(lines[i])
        if not match:
            i += 1
            continue
        indent, fence = match["indent"], match["fence"]
        info = match["info"].strip().lstrip("{").strip()
        language = info.split()[0].lstrip(".") if info else ""
        body: list[str] = []
        j = i + 1
        while j < len(lines) and not lines[j].strip().startswith(fence):
            body.append(lines[j][len(indent):] if lines[j].startswith(indent) else lines[j].lstrip())
            j += 1
        blocks.append(Block(language, "\n".join(body) + "\n", i + 1))
        i = j + 1
    return blocks


def python_blocks(page: str) -> list[Block]:
    return [b for b in code_blocks((DOCS / page).read_text(encoding="utf-8")) if b.language in ("python", "py")]
