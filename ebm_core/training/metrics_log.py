"""Append-only JSON-lines metrics log: one JSON object per line, flushed as written.

Each record carries ``step`` and whatever scalar metrics were measured; tensors are turned
into Python numbers. A resumed run appends to the same file, dropping records past the
resumed step so the log never shows a step twice.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Iterator

import torch


class MetricsLog:
    """JSONL writer. ``MetricsLog(path).write(step=10, loss=0.3)``."""

    def __init__(self, path: str | Path, *, resume_from_step: int | None = None) -> None:
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        if resume_from_step is None:
            self.path.write_text("", encoding="utf-8")
        else:
            kept = [r for r in read_metrics(self.path) if r.get("step", 0) <= resume_from_step]
            self.path.write_text("".join(json.dumps(r) + "\n" for r in kept), encoding="utf-8")

    def write(self, **record: Any) -> None:
        line = json.dumps({k: _plain(v) for k, v in record.items()})
        with self.path.open("a", encoding="utf-8") as handle:
            handle.write(line + "\n")


def read_metrics(path: str | Path) -> list[dict[str, Any]]:
    """All records of a metrics log (missing file → empty list)."""
    path = Path(path)
    if not path.exists():
        return []
    return [json.loads(line) for line in _lines(path)]


def _lines(path: Path) -> Iterator[str]:
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield line


def _plain(value: Any) -> Any:
    if isinstance(value, torch.Tensor):
        value = value.detach().cpu()
        value = value.item() if value.numel() == 1 else value.tolist()
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value
