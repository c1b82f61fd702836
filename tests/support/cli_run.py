"""Run the command line in this process (fast: no interpreter start, no torch import for argument errors)."""

from __future__ import annotations


def cli(argv, capsys) -> tuple[int, str, str]:
    """``python -m draw_to_video *argv`` in-process: (exit code, stdout, stderr).

    argparse errors (unknown option, value out of range) exit through ``SystemExit(2)``; errors of the job itself
    (missing file, bad content) make ``main`` print one ``error: ...`` line and return 2.
    """
    from draw_to_video.cli import main

    capsys.readouterr()  # drop what came before
    try:
        code = main([str(a) for a in argv])
    except SystemExit as e:
        code = e.code
    out = capsys.readouterr()
    return code, out.out, out.err


def one_error_line(err: str) -> bool:
    """True when stderr is the CLI's one ``error: ...`` line (no traceback)."""
    lines = err.strip().splitlines()
    return len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in err


def argparse_error(err: str) -> str:
    """The message of an argparse error (the one stderr line, after ``error: ``, without its ``(see: ... --help)``)."""
    last = err.strip().splitlines()[-1]
    assert last.startswith("error: ") and last.endswith(" --help)"), err
    return last.split("error: ", 1)[1].rsplit(" (see: ", 1)[0]


def check_message(spec, value, name: str) -> str:
    """What ``spec.check(value, name)`` says about a bad value (the wording nodes and the Python API use)."""
    try:
        spec.check(value, name)
    except ValueError as e:
        return str(e)
    raise AssertionError(f"{name}={value!r} is valid: pick a value outside the range")
