"""argparse arguments from ``core/params``: every choice list, default and range of a command comes from there.

Values are checked by the spec's own ``check`` while parsing, so a bad value fails with exit code 2 and the same
words a node or the Python API uses (``frames must be between 1 and 1000, got 0``).
"""

from __future__ import annotations

import argparse

from ..cli import check_out_folder
from ..core.errors import excerpt
from ..core.params import OUTPUT, TRAJECTORY, Choice, Flag, Range, format_number
from ..pipelines.inputs import DEVICES


def parse_value(spec: Range | Choice, name: str):
    """An argparse ``type=`` that parses and checks one value of ``spec`` (named ``name`` in messages)."""

    def parse(text: str):
        value = text
        if isinstance(spec, Range):
            try:
                value = int(text) if spec.kind == "int" else float(text)
            except ValueError:
                try:
                    value = float(text)  # "1e3" for a whole number; check() says when it is not whole
                except ValueError:
                    raise argparse.ArgumentTypeError(f"{name} must be a number, got {excerpt(text)}") from None
        try:
            checked = spec.check(value, name)
        except ValueError as e:
            raise argparse.ArgumentTypeError(str(e)) from None
        return value if isinstance(value, int) else checked  # a parsed int stays exact (seeds up to 2**64 - 1)

    parse.__name__ = name  # argparse names the type in some messages
    return parse


def _help(spec, text: str | None, default) -> str:
    """The option's help: the given text (else the spec's), then the range and the default actually used."""
    text = spec.help if text is None else text
    parts = []
    if isinstance(spec, Range):
        parts.append(f"{format_number(spec.lo)}..{format_number(spec.hi)}")
    if default is not None and not isinstance(spec, Flag):
        parts.append(f"default {format_number(default) if isinstance(spec, Range) else default}")
    extra = ", ".join(parts)
    text = f"{text} ({extra})" if text and extra else (text or extra)
    return text.replace("%", "%%")


def option(parser, flag: str, spec: Range | Choice | Flag, name: str, *, help: str | None = None,
           default=..., **kw) -> argparse.Action:
    """Add ``flag`` for the parameter ``name`` of a ``core/params`` table.

    Range: typed and range-checked; Choice: ``choices`` = its options; Flag: ``store_true``. The default is the
    spec's unless ``default`` is given (None = "not given", for options whose absence means something).
    The action is tagged with ``d2v_param = (name, spec)`` so tests can compare every parser with the tables.
    """
    default = spec.default if default is ... else default
    if isinstance(spec, Flag):
        action = parser.add_argument(flag, action="store_true", help=_help(spec, help, None), **kw)
    else:
        if isinstance(spec, Range):
            kw.setdefault("metavar", spec.kind.upper())
        action = parser.add_argument(flag, type=parse_value(spec, name),
                                     choices=list(spec.options) if isinstance(spec, Choice) else None,
                                     default=default, help=_help(spec, help, default), **kw)
    action.d2v_param = (name, spec)
    return action


def options(parser, table: dict, names: list[str] | tuple[str, ...], *, flags: dict[str, str] | None = None,
            helps: dict[str, str] | None = None) -> list[argparse.Action]:
    """:func:`option` for each of ``names`` of ``table``, in that order (the argparse counterpart of
    ``nodes/schema.params_inputs``): the flag is ``--`` + the name with ``-`` for ``_`` unless ``flags`` says
    otherwise, the help the spec's unless ``helps`` gives one."""
    flags, helps = flags or {}, helps or {}
    return [option(parser, flags.get(n, "--" + n.replace("_", "-")), table[n], n, help=helps.get(n))
            for n in names]


def preset(parser) -> argparse.Action:
    """``--preset``: 'auto' or a preset name (the names live with the presets, camera/presets.PRESETS)."""
    from ..camera.presets import AUTO, PRESETS

    return parser.add_argument("--preset", default=AUTO, choices=[AUTO, *PRESETS], metavar="PRESET",
                               help="'auto' (from the drawing) or a preset name (see 'presets')")


def device(parser) -> argparse.Action:
    return parser.add_argument("--device", choices=list(DEVICES), default="auto",
                               help="where to compute: auto = CUDA when available (default auto)")


def output_path(text: str) -> str:
    """argparse type of ``--out``: refused at once when the video writer could not write there
    (``video.write.check_output``: the suffix, a parent that is a file), before any input is read."""
    from ..video.write import check_output

    try:
        check_output(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None
    return text


def out(p: argparse.ArgumentParser, help: str, default: str | None = None) -> None:
    """The ``--out`` option of a command that writes a video (checked by :func:`output_path` while parsing, then by
    :func:`check_out_folder` before the command runs) and ``--mkdir``."""
    p.add_argument("--out", required=default is None, default=default, type=output_path, help=help)
    p.add_argument("--mkdir", action="store_true", help="create the folder of --out when it does not exist")
    option(p, "--png-compression", OUTPUT["png_compression"], "png_compression")
    p.set_defaults(_check_out=lambda args: check_out_folder(args.out, args.mkdir))


def note_if_video(path: str, option: str = "--image") -> None:
    """Print a note (stderr) when ``path`` is a video or a folder given as a picture: its first frame is used."""
    import sys
    from pathlib import Path

    from ..video.read import VIDEO_EXTS

    p = Path(path)
    if p.is_dir() or p.suffix.lower() in VIDEO_EXTS:
        print(f"note: {option} {excerpt(path)} is a {'folder' if p.is_dir() else 'video'}: its first frame "
              "(frame 0) is used as the picture", file=sys.stderr)


def lens_options(p) -> None:
    """``--camera-body``, ``--lens-kind``, ``--aspect``: the virtual camera (core/cinema.py via core/params)."""
    t = TRAJECTORY
    option(p, "--camera-body", t["camera_body"], "camera_body")
    option(p, "--lens-kind", t["lens_kind"], "lens_kind")
    option(p, "--aspect", t["aspect"], "aspect")
