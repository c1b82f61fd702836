"""Command line: ``python -m draw_to_video <command>``. Subcommands are registered in ``COMMANDS``."""

from __future__ import annotations

import argparse
import sys


class UsageError(ValueError):
    """Bad input from the user: printed as one line, exit code 2."""


COMMANDS: dict = {}
# Modules under commands/ whose import registers subcommands (append one per capability).
COMMAND_MODULES = [
    "camera",
    "render",
    "video",
    "effects",
]


def command(name: str, help: str):
    """Register ``fn(args)`` as a subcommand; ``fn.configure(parser)`` adds its arguments."""
    def deco(fn):
        COMMANDS[name] = (help, fn)
        return fn
    return deco


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m draw_to_video", description="Draw to Video command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, fn) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        fn.configure(p)
        p.set_defaults(_fn=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    import importlib

    for module in COMMAND_MODULES:  # importing registers the subcommands
        importlib.import_module(f".commands.{module}", __package__)

    args = build_parser().parse_args(argv)
    try:
        return int(args._fn(args) or 0)
    except (UsageError, ValueError, FileNotFoundError) as e:
        print(f"error: {e}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
