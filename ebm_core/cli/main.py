"""Entry point of the ``ebm`` command: parses arguments and dispatches to a subcommand.

Errors the library raises on purpose (:class:`ebm_core.EbmError`, bad values) print one
clear line and exit with status 2 — no traceback.
"""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .._version import __version__
from ..errors import EbmError
from . import evaluate_command, plugins_command, sample_command, train_command


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ebm",
        description="Energy-based models in PyTorch: every component is a plugin selected by name.",
    )
    parser.add_argument("--version", action="version", version=f"ebm-core {__version__}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")
    plugins_command.add_parser(commands)
    train_command.add_parser(commands)
    sample_command.add_parser(commands)
    evaluate_command.add_parser(commands)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 0
    try:
        return int(args.run(args) or 0)
    except (EbmError, ValueError, TypeError) as exc:
        print(f"ebm {args.command}: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"ebm {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
