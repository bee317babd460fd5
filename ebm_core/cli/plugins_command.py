"""``ebm plugins``: every registered component with its plugin, distribution and version,
then every plugin that failed to load and why. ``--json`` prints the same as JSON."""

from __future__ import annotations

import argparse
import json
import warnings
from typing import Any

from ..errors import PluginWarning
from ..records import KINDS, IN_PROCESS
from ..registry import REGISTRY


def add_parser(commands: Any) -> None:
    parser = commands.add_parser(
        "plugins", help="list registered components and broken plugins", description=__doc__
    )
    parser.add_argument("--json", action="store_true", help="print machine-readable JSON")
    parser.add_argument("--kind", choices=KINDS, help="list only this kind of component")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", PluginWarning)  # failures are printed below instead
        catalog = REGISTRY.catalog
    records = REGISTRY.records(args.kind)
    if args.json:
        print(
            json.dumps(
                {
                    "components": [r.as_dict() for r in records],
                    "failures": [f.as_dict() for f in catalog.failures],
                    "duplicate_entry_points": catalog.duplicate_entry_points,
                },
                indent=2,
            )
        )
        return 0
    rows = [
        (
            r.kind,
            r.name,
            r.source.name,
            f"{r.source.distribution or IN_PROCESS} {r.source.version or ''}".strip(),
            r.description,
        )
        for r in records
    ]
    _print_table(("KIND", "NAME", "PLUGIN", "DISTRIBUTION", "DESCRIPTION"), rows)
    if catalog.failures:
        print(f"\nBroken plugins ({len(catalog.failures)}), skipped:")
        for failure in catalog.failures:
            print(f"  {failure.describe()}")
    if catalog.duplicate_entry_points:
        print("\nDuplicate entry-point names:")
        for message in catalog.duplicate_entry_points:
            print(f"  {message}")
    return 0


def _print_table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
    widths[-1] = 0  # last column is not padded
    for row in (header, *rows):
        print("  ".join(str(cell).ljust(w) for cell, w in zip(row, widths)).rstrip())
