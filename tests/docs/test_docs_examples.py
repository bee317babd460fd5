"""Every ``python`` code block of the guides, concepts and getting-started pages (and README.md) runs.

The blocks of one page run in order in one module namespace, like a reader typing them into
one session; each page starts afresh, in its own temporary working directory (examples that write
files write there), with one intra-op thread and the plugins it registered removed at the end.
A page that raises fails with the page, the line of the block and the error.
"""

from __future__ import annotations

import sys
import traceback
import types

import pytest
import torch

import ebm_core
from ebm_core.registry import REGISTRY

from .markdown_blocks import EXECUTED_PAGES, python_blocks


def test_the_pages_have_examples() -> None:
    assert "getting-started.md" in EXECUTED_PAGES and "guides/writing-a-plugin.md" in EXECUTED_PAGES
    assert sum(len(python_blocks(page)) for page in EXECUTED_PAGES) >= 20


@pytest.mark.parametrize("page", EXECUTED_PAGES)
def test_python_blocks_run(page: str, tmp_path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    before = {source.name for source, _ in REGISTRY._in_process}
    # Each page runs as a real module, as in a notebook or script, so that a page can
    # register the plugin it defines with ebm_core.register_plugin(sys.modules[__name__]).
    module = types.ModuleType("docs_" + page.removesuffix(".md").replace("/", "_").replace("-", "_"))
    monkeypatch.setitem(sys.modules, module.__name__, module)
    namespace = module.__dict__
    try:
        for block in python_blocks(page):
            try:
                exec(compile(block.code, f"docs/{page}:{block.line}", "exec"), namespace)
            except Exception:  # noqa: BLE001 - reported with the page and line
                pytest.fail(f"the python block at docs/{page}, line {block.line}, raised:\n{traceback.format_exc()}")
    finally:
        torch.set_num_threads(threads)
        for source, _ in list(REGISTRY._in_process):
            if source.name not in before:
                ebm_core.unregister_plugin(source.name)
