"""Command line: ``python -m draw_to_video <command>``. Subcommands are registered in ``COMMANDS``."""

from __future__ import annotations

import argparse
import os
import sys


class UsageError(ValueError):
    """Bad input from the user: printed as one line, exit code 2."""


COMMANDS: dict = {}
COMMAND_MODULES = {
    "camera": ("presets", "trajectory", "track"),
    "render": ("render", "demo", "shots"),
    "video": ("interpolate", "stabilize", "metrics", "finish"),
    "keyframes": ("keyframes",),
    "effects": ("effects", "effect"),
    "params": ("params",),
    "remote": ("remote",),
    "batch": ("batch",),
}
"""Modules under commands/ whose import registers subcommands, with the commands each registers (a unit test
compares them). ``main`` imports only the module of the command asked for, so ``remote`` (standard library only)
runs where numpy and torch are not installed."""


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


class OneLineParser(argparse.ArgumentParser):
    """argparse with its errors on one ``error:`` line (no usage dump), and for a wrong choice the closest valid
    names instead of the whole list."""

    def error(self, message: str):
        print(f"error: {explain_argparse_error(message)} (see: {self.prog} --help)", file=sys.stderr)
        sys.exit(2)


def explain_argparse_error(message: str) -> str:
    """argparse's ``invalid choice: 'x' (choose from 'a', 'b', ...)`` → ``invalid choice: 'x' (did you mean a?)``
    (``difflib``'s closest names; the list cut short when none is close); any other message unchanged."""
    import difflib
    import re

    m = re.search(r"invalid choice: (.*?) \(choose from (.*)\)$", message, re.S)
    if not m:
        return " ".join(message.split())
    value = m.group(1).strip("'\"")
    choices = [c.strip().strip("'\"") for c in m.group(2).split(",")]
    close = difflib.get_close_matches(value, choices, n=3, cutoff=0.6)
    hint = f"did you mean {' or '.join(close)}?" if close else "choose from " + ", ".join(choices)
    if len(hint) > 300:
        hint = hint[:297] + "..."
    return f"{message[:m.start()]}invalid choice: {m.group(1)[:80]} ({hint})"


def load_commands(name: str | None = None) -> None:
    """Import the module that registers command ``name`` (every module when None or unknown). A module that needs a
    package this environment lacks (numpy, torch...) registers its commands as stand-ins that say so."""
    import importlib

    modules = [m for m, names in COMMAND_MODULES.items() if name in names] or list(COMMAND_MODULES)
    for module in modules:
        try:
            importlib.import_module(f".commands.{module}", __package__)
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] in ("draw_to_video", __package__):
                raise
            for cmd in COMMAND_MODULES[module]:
                COMMANDS.setdefault(cmd, (f"(needs {e.name}: install the pack's requirements)", _missing(cmd, e.name)))


def _missing(cmd: str, package: str):
    """A stand-in for command ``cmd`` whose module needs ``package``: ``main`` prints its ``missing`` line."""
    def fn(args) -> int:
        raise UsageError(fn.missing)
    fn.missing = (f"the {cmd} command needs {package}, which is not installed: pip install the pack's requirements "
                  "(requirements.txt); only 'remote' runs on the standard library alone")
    fn.configure = lambda p: None
    return fn


def check_out_folder(path: str, mkdir: bool = False) -> None:
    """``UsageError`` naming ``path`` unless its folder exists (or ``mkdir`` asks for it) and a file can be created
    there: tried with a temporary file, deleted at once (``/proc/o.mp4`` passes every check of the name). Folders
    are never created here; the writer creates them only when ``mkdir`` allowed it."""
    import tempfile
    from pathlib import Path

    from .core.errors import excerpt

    p = Path(path)
    folder = p if p.is_dir() else p.parent
    existing = folder
    while not existing.exists() and existing != existing.parent:
        existing = existing.parent
    if existing != folder and not mkdir:
        raise UsageError(f"cannot write {excerpt(str(p))}: the folder {excerpt(str(folder))} does not exist; "
                         "create it or add --mkdir")
    try:
        with tempfile.TemporaryFile(dir=existing, prefix=".d2v-write-test-"):
            pass
    except OSError as e:
        raise UsageError(f"cannot write {excerpt(str(p))}: {excerpt(str(existing))} is not writable "
                         f"({e.strerror or type(e).__name__})") from None


def build_parser() -> argparse.ArgumentParser:
    parser = OneLineParser(prog="python -m draw_to_video", description="Draw to Video command line")
    sub = parser.add_subparsers(dest="command", required=True)
    for name, (help_text, fn) in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        fn.configure(p)
        p.set_defaults(_fn=fn)
    return parser


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else list(argv)
    name = next((a for a in argv if not a.startswith("-")), None)
    load_commands(name)  # importing registers the subcommands
    missing = getattr(COMMANDS.get(name, (None, None))[1], "missing", None)
    if missing:
        print(f"error: {missing}", file=sys.stderr)
        return 2

    from .core.errors import one_line

    args = build_parser().parse_args(argv)
    try:
        if getattr(args, "_check_out", None) is not None:  # commands that write: the folder, before any work
            args._check_out(args)
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
