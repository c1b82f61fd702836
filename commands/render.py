"""``render`` and ``demo`` subcommands: the 2.5D camera-motion render from the command line (pipelines/render.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import TqdmProgress, command
from ..core import params
from . import args as a


def _report(info) -> None:
    for warning in info.warnings:
        print(f"warning: {warning}")
    print(f"{info.preset}: {info.frames} frames {info.width}x{info.height} at {info.fps:g} fps, "
          f"rendered in {info.seconds:.1f} s ({1000 * info.seconds / info.frames:.0f} ms/frame), "
          f"min coverage before filling {100 * info.coverage:.0f} %")
    if info.overscan_note:
        print(info.overscan_note)
    print(f"video written to {Path(info.out).resolve()}")


@command("render", "Render a camera move through one image (2.5D parallax, no model weights) to a video.")
def render_cmd(args) -> int:
    from ..pipelines.render import render_file

    with TqdmProgress("rendering") as bar:
        info = render_file(args.image, args.out, path_file=args.path, camera_file=args.camera, preset=args.preset,
                           frames=args.frames, fps=args.fps, intensity=args.intensity, depth_file=args.depth,
                           depth_kind=args.depth_kind, fill=args.fill, depth_of_field=args.depth_of_field,
                           motion_blur=args.motion_blur, overscan=args.overscan, max_size=args.max_size,
                           device=args.device, on_progress=bar, png_level=args.png_compression)
    _report(info)
    if args.report:
        Path(args.report).write_text(json.dumps(info.report(), indent=1))
        print(f"report written to {Path(args.report).resolve()}")
    return 0


def overscan_arg(text: str) -> float:
    """argparse type of ``--overscan``: auto | off | FACTOR (1..4) as the number of ``core/params.RENDER``."""
    from ..camera.overscan import parse_overscan

    try:
        return parse_overscan(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def _configure_render(p):
    t, r = params.TRAJECTORY, params.RENDER
    p.add_argument("--image", required=True, help="the picture (frame 0 of the move)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--path", help="drawn path JSON (the camera stroke decides the move with --preset auto); "
                                    "optional with a named --preset (then the subject is straight ahead)")
    src.add_argument("--camera", help="camera trajectory JSON (from 'trajectory --json' or an API client)")
    a.preset(p)
    a.option(p, "--frames", t["frames"], "frames")
    a.option(p, "--fps", t["fps"], "fps")
    a.option(p, "--intensity", t["intensity"], "intensity")
    p.add_argument("--depth", help="depth map: 16-bit PNG, image or .npy (default: estimated from the image)")
    a.option(p, "--depth-kind", r["depth_kind"], "depth_kind",
             help="disparity: larger = nearer (depth estimators); depth: larger = farther")
    a.option(p, "--fill", r["fill"], "fill",
             help="hole filling: background = inpaint from the farther side; stretch = the farther border stretched "
                  "across; none = black")
    a.option(p, "--depth-of-field", r["depth_of_field"], "depth_of_field")
    a.option(p, "--motion-blur", r["motion_blur"], "motion_blur")
    p.add_argument("--overscan", type=overscan_arg, default=r["overscan"].default, metavar="auto|off|FACTOR",
                   help="zoom so no frame shows past the image border: auto (just enough, at most 2x; default), "
                        "off (the exact camera) or a fixed factor 1..4").d2v_param = ("overscan", r["overscan"])
    p.add_argument("--report", metavar="FILE.json",
                   help="write what happened: per-frame coverage before filling, overscan, depth percentiles, "
                        "timing per stage (ms)")
    a.option(p, "--max-size", r["max_size"], "max_size")
    a.device(p)
    a.out(p, "OUT.mp4 / .webm / .gif / .webp, or a folder for PNG frames")


render_cmd.configure = _configure_render


@command("demo", "Render the bundled example photo along the bundled drawn path (no weights, no download).")
def demo_cmd(args) -> int:
    from ..pipelines.render import render_demo

    with TqdmProgress("rendering") as bar:
        info = render_demo(args.out, frames=args.frames, fps=args.fps, device=args.device, on_progress=bar,
                           png_level=args.png_compression)
    _report(info)
    return 0


def _configure_demo(p):
    t = params.TRAJECTORY
    a.out(p, "where to write the video (default: ./demo.mp4)", default="demo.mp4")
    a.option(p, "--frames", t["frames"], "frames")
    a.option(p, "--fps", t["fps"], "fps")
    a.device(p)


demo_cmd.configure = _configure_demo
