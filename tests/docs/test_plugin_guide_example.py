"""The plugin guide shows the example plugin's adaptive sampler as it is, at the length it states.

``docs/guides/writing-a-plugin.md`` presents ``examples/ebm-example-plugin``'s
``random_walk.py`` (docstrings shortened) as a sampler with a tuned step size, mass matrix and
checkpoints "in N lines": the code must be the module's code, and N the block's length (≤ 40).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from .markdown_blocks import DOCS, python_blocks

MODULE = DOCS.parent / "examples" / "ebm-example-plugin" / "src" / "ebm_example_plugin" / "random_walk.py"
PAGE = "guides/writing-a-plugin.md"


def _without_docstrings(source: str) -> str:
    tree = ast.parse(source)
    for node in ast.walk(tree):
        body = getattr(node, "body", None)
        if (
            isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef))
            and body
            and isinstance(body[0], ast.Expr)
            and isinstance(body[0].value, ast.Constant)
            and isinstance(body[0].value.value, str)
        ):
            node.body = body[1:]
    return ast.dump(tree)


def test_the_guide_shows_the_example_samplers_code_at_the_stated_length() -> None:
    blocks = [b for b in python_blocks(PAGE) if "class RandomWalkMetropolis(" in b.code]
    assert len(blocks) == 1, "the guide shows the example plugin's RandomWalkMetropolis once"
    code = blocks[0].code
    assert _without_docstrings(code) == _without_docstrings(Path(MODULE).read_text(encoding="utf-8")), (
        f"docs/{PAGE}, line {blocks[0].line}: the code differs from {MODULE.name}"
    )
    n_lines = len(code.splitlines())
    assert n_lines <= 40
    text = (DOCS / PAGE).read_text(encoding="utf-8")
    claims = re.findall(r"a sampler in (\d+) lines|— (\d+) lines with its imports", text)
    stated = {int(number) for claim in claims for number in claim if number}
    assert stated == {n_lines}, f"the guide states {sorted(stated)} lines; the block has {n_lines}"
