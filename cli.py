"""Command line: ``python -m draw_to_video <command>``. Subcommands are registered in ``COMMANDS``."""

from __future__ import annotations

import argparse
import os
import sys


class UsageError(ValueError):
    """Bad input from the user: printed as one line, exit code 2."""


COMMANDS: dict = {}
# Modules under commands/ whose import registers subcommands (append one per capability).
COMMAND_MODULES = [
    "camera",
    "render",
    "video",
    "keyframes",
    "effects",
    "params",
    "remote",
    "batch",
]


class TqdmProgress:
    """An ``on_progress(done, total)`` callback for the pure functions, drawing a tqdm bar on stderr.

    The bar appears at once when ``total`` is known, else at the first report; a ``total`` passed with a report
    replaces the current one (multi-phase work). Use it as a context manager (or call :meth:`close`).
    """

    def __init__(self, desc: str, total: int | None = None, leave: bool = True, unit: str = "frame"):
        self.desc, self.leave, self.unit, self.bar = desc, leave, unit, None
        if total is not None:
            self._open(total)

    def _open(self, total: int | None) -> None:
        from tqdm import tqdm

        self.bar = tqdm(total=total, desc=self.desc, unit=self.unit, leave=self.leave, dynamic_ncols=True)

    def __call__(self, done: int, total: int | None = None) -> None:
        if self.bar is None:
            self._open(total)
        elif total is not None and total != self.bar.total:
            self.bar.total = total
        if done < self.bar.n:  # a new phase started over
            self.bar.n = done
            self.bar.refresh()
        else:
            self.bar.update(done - self.bar.n)

    def close(self) -> None:
        if self.bar is not None:
            self.bar.close()

    def __enter__(self) -> TqdmProgress:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


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

    from .core.errors import one_line

    args = build_parser().parse_args(argv)
    try:
        return int(args._fn(args) or 0)
    except (UsageError, ValueError, OSError, MemoryError) as e:
        # bad input: a missing or unreadable file, bad content, a folder that cannot be written, no memory for it
        print(f"error: {one_line(e) if str(e) else type(e).__name__}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # a bug: still one line; D2V_DEBUG=1 shows the traceback
        if os.environ.get("D2V_DEBUG"):
            raise
        print(f"error: internal error ({type(e).__name__}: {one_line(e, 300)}); rerun with D2V_DEBUG=1 for the "
              "traceback and report it", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
