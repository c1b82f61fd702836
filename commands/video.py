"""``interpolate``, ``stabilize``, ``metrics`` and ``finish`` subcommands (video/ and pipelines/finish.py)."""

from __future__ import annotations

import json
from pathlib import Path

from ..cli import TqdmProgress, UsageError, command
from ..core import params
from ..core.errors import excerpt
from . import args as a


def _read(path: str, what: str = "input"):
    from ..video.read import read_frames

    if not Path(path).exists():
        raise UsageError(f"{what} not found: {path}")
    return read_frames(path)


def _check_side(width: int, height: int) -> None:
    """Frames the flow can work on (video/flow.MIN_SIDE), else the one-line usage error."""
    from ..video.flow import MIN_SIDE

    if min(width, height) < MIN_SIDE:
        raise UsageError(f"frames are too small: {width}x{height} (at least {MIN_SIDE}x{MIN_SIDE})")


def _check_reference(path: str, count: int) -> None:
    """The ``--reference`` clip has one frame per input frame, else the one-line usage error."""
    from ..video.read import probe

    n = probe(path).frames
    if n != count:
        raise UsageError(f"reference has {n} frames but the input has {count}: give one reference frame per frame")


@command("interpolate", "Interpolate a clip (video file or folder of images) by a multiplier or to a target fps.")
def interpolate_cmd(args) -> int:
    from ..pipelines.finish import Interpolate, finish_file
    from ..video.interpolate import plan_clip
    from ..video.read import probe
    from ..video.write import check_output

    if (args.multiplier is None) == (args.target_fps is None):
        raise UsageError("give exactly one of --multiplier N or --target-fps F")
    if not Path(args.input).exists():
        raise UsageError(f"input not found: {args.input}")
    check_output(args.out)
    info = probe(args.input)
    _check_side(info.width, info.height)
    src_fps = args.fps or info.fps
    plan = plan_clip(info.frames, args.multiplier, args.target_fps, src_fps, args.loop)
    print(f"{info.frames} frames at {src_fps:g} fps -> {len(plan)} frames at {plan.fps:g} fps "
          f"({info.width}x{info.height}, quality {args.quality})")
    # streamed: two source frames and one pair's flows in memory, decoding and encoding on their own threads
    interpolate = Interpolate(multiplier=args.multiplier or params.INTERPOLATE["multiplier"].default,
                              target_fps=args.target_fps or 0.0, loop=args.loop, quality=args.quality)
    with TqdmProgress("interpolate", leave=False) as bar:
        done = finish_file(args.input, args.out, interpolate=interpolate, fps=src_fps,
                           png_level=args.png_compression, on_progress=bar)
    print(f"written {done.path}")
    return 0


def _source_fps(p, help: str):
    # not given = the video's own rate (12 for images and folders)
    a.option(p, "--fps", params.INTERPOLATE["source_fps"], "fps", default=None, help=help)


def _interpolate_args(p):
    i = params.INTERPOLATE
    p.add_argument("--input", required=True, help="video file (mp4/webm/gif/...), folder of images, or image")
    a.out(p, "output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    a.option(p, "--multiplier", i["multiplier"], "multiplier", default=None,
             help="output frames per source interval: (B-1)*m+1 frames (B*m looped)")
    a.option(p, "--target-fps", i["target_fps"], "target_fps", default=None,
             help="resample to this frame rate (any ratio)")
    _source_fps(p, "source frame rate (default: read from the video; 12 for images)")
    p.add_argument("--loop", action="store_true", help="interpolate last -> first too (seamless loop)")
    a.option(p, "--quality", i["quality"], "quality")


interpolate_cmd.configure = _interpolate_args


@command("stabilize", "Deflicker / temporally stabilise a clip (colour statistics + flow-guided correction).")
def stabilize_cmd(args) -> int:
    from ..pipelines.finish import Stabilize, finish_file
    from ..video.read import probe
    from ..video.write import check_output

    for path, what in ((args.input, "input"), (args.reference, "reference")):
        if path and not Path(path).exists():
            raise UsageError(f"{what} not found: {path}")
    check_output(args.out)
    info = probe(args.input)
    h, w = info.height, info.width
    _check_side(w, h)
    if args.reference:
        _check_reference(args.reference, info.frames)
    # read once, streamed: the correction holds a window of frames, not the clip
    print(f"{info.frames} frames {w}x{h} at {info.fps:g} fps: strength {args.strength}, sigma {args.sigma}, "
          f"detail {args.detail}" + (f", flow from {args.reference}" if args.reference else ""))
    with TqdmProgress("stabilize", leave=False) as bar:
        done = finish_file(args.input, args.out, stabilize=Stabilize(args.strength, args.sigma, args.detail),
                           reference=args.reference, png_level=args.png_compression, on_progress=bar)
    print(f"written {done.path}")
    return 0


def _temporal_args(p):
    t = params.TEMPORAL
    a.options(p, t, ("strength", "sigma", "detail"))
    p.add_argument("--reference", help="clip whose optical flow guides the smoothing (same frame count)")


def _stabilize_args(p):
    p.add_argument("--input", required=True, help="video file, folder of images")
    a.out(p, "output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    _temporal_args(p)


stabilize_cmd.configure = _stabilize_args


@command("metrics", "Print video quality metrics: flicker index, E_warp, and PSNR/SSIM/detail against a reference.")
def metrics_cmd(args) -> int:
    from ..video.metrics import quality_report

    if args.camera:
        return _camera_metrics(args)
    frames, _ = _read(args.input)
    ref = None
    if args.reference:
        ref, _ = _read(args.reference, "reference")
        if ref.shape != frames.shape:
            raise UsageError(f"reference is {ref.shape[0]} frames {ref.shape[2]}x{ref.shape[1]}, input is "
                             f"{frames.shape[0]} frames {frames.shape[2]}x{frames.shape[1]}: they must match")
    with TqdmProgress("metrics", leave=False) as bar:
        rep = quality_report(frames, ref, on_progress=bar)
    print(json.dumps(rep.to_dict(), indent=1) if args.json else rep.format())
    return 0


def _camera_metrics(args) -> int:
    """``metrics --camera``: track the clip with the camera's FOV and score it (camera/accuracy.py)."""
    from ..pipelines.inputs import read_camera_file
    from ..pipelines.track import clip_camera_accuracy
    from ..video.read import probe

    if args.reference:
        raise UsageError("--camera and --reference measure different things: give one of them")
    if not Path(args.input).exists():
        raise UsageError(f"input not found: {args.input}")
    info = probe(args.input)
    camera = read_camera_file(args.camera, aspect=info.width / info.height)
    if camera.frames != info.frames:
        raise UsageError(f"the camera has {camera.frames} frames but the clip has {info.frames}: give the camera "
                         "the clip was made with")
    with TqdmProgress("track", leave=False) as bar:
        acc, tracked = clip_camera_accuracy(args.input, camera, on_progress=bar)
    out = {**acc.to_dict(), "tracking": tracked.summary()}
    if args.json:
        print(json.dumps(out, indent=1))
    else:
        print(f"{acc.frames} frames against {Path(args.camera).name} (CamI2V definitions, docs/camera-io.md)")
        print(f"RotErr {acc.rot_err:.4f} rad (mean {acc.rot_err_mean_deg:.3f} deg a frame), "
              f"TransErr {acc.trans_err:.4f}, CamMC {acc.cammc:.4f}")
        print(f"camera-centre error {100 * acc.centre_err:.1f} % of the path (scale-aligned)")
        for w in tracked.result.warnings:
            print(f"warning: {w}")
    return 0


def _metrics_args(p):
    p.add_argument("--input", required=True, help="video file or folder of images")
    p.add_argument("--reference", help="clip to compare with (same size and frame count)")
    p.add_argument("--camera", help="camera the clip was asked to follow (.json, .gltf/.glb, .chan): report "
                                    "RotErr, TransErr and CamMC of the camera tracked back from the clip")
    p.add_argument("--json", action="store_true", help="print JSON")


metrics_cmd.configure = _metrics_args


def _effect_arg(text: str):
    """``NAME`` or ``NAME=INTENSITY`` -> (name, intensity or None); the intensity checked like everywhere else."""
    import argparse

    name, sep, value = text.partition("=")
    if not name:
        raise argparse.ArgumentTypeError(f"give an effect name (NAME or NAME=INTENSITY), got {excerpt(text)}")
    return name, (a.parse_value(params.EFFECT["intensity"], "intensity")(value) if sep else None)


@command("finish", "Finish a clip in one go: stabilize, then interpolate, then cinematic effects (each optional).")
def finish_cmd(args) -> int:
    from ..pipelines.finish import Effect, Interpolate, Stabilize, can_stream, finish_file

    if args.multiplier is not None and args.target_fps is not None:
        raise UsageError("give at most one of --multiplier N or --target-fps F")
    stabilize = Stabilize(args.strength, args.sigma, args.detail) if args.stabilize else None
    interpolate = None
    if args.multiplier is not None or args.target_fps is not None:
        interpolate = Interpolate(multiplier=args.multiplier or params.INTERPOLATE["multiplier"].default,
                                  target_fps=args.target_fps or 0.0, loop=args.loop, quality=args.quality)
    chain = [Effect(name, args.intensity if value is None else value, args.seed) for name, value in args.effect]
    if stabilize is None and interpolate is None and not chain:
        raise UsageError("nothing to do: give --stabilize, --multiplier / --target-fps, or --effect NAME")
    for step in (stabilize, interpolate, *chain):  # every setting and file checked before the clip is read
        if step is not None:
            step.checked()
    for path, what in ((args.input, "input"), (args.reference, "reference")):
        if path and not Path(path).exists():
            raise UsageError(f"{what} not found: {path}")
    streamed = can_stream(chain, args.mask, args.depth)
    if streamed and (stabilize is not None or interpolate is not None):
        from ..video.read import probe

        info = probe(args.input)
        _check_side(info.width, info.height)
        if stabilize is not None and args.reference:
            _check_reference(args.reference, info.frames)
    with TqdmProgress("finish", leave=False) as bar:
        done = finish_file(args.input, args.out, stabilize=stabilize, interpolate=interpolate, effects=chain,
                           fps=args.fps, reference=args.reference, camera=args.camera, mask=args.mask,
                           depth=args.depth, png_level=args.png_compression, on_progress=bar)
    for step in done.steps:
        print(step)
    print(f"written {done.path} ({done.frames} frames at {done.fps:g} fps)")
    return 0


def _finish_args(p):
    i, e = params.INTERPOLATE, params.EFFECT
    p.add_argument("--input", required=True, help="video file (mp4/webm/gif/...), folder of images, or image")
    a.out(p, "output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    _source_fps(p, "frame rate of the input (default: read from the video; 12 for images)")
    p.add_argument("--stabilize", action="store_true", help="run temporal consistency first")
    _temporal_args(p)
    a.option(p, "--multiplier", i["multiplier"], "multiplier", default=None,
             help="interpolate: output frames per source interval")
    a.option(p, "--target-fps", i["target_fps"], "target_fps", default=None,
             help="interpolate: resample to this frame rate")
    p.add_argument("--loop", action="store_true", help="interpolate last -> first too (seamless loop)")
    a.option(p, "--quality", i["quality"], "quality")
    p.add_argument("--effect", action="append", type=_effect_arg, default=[], metavar="NAME[=INTENSITY]",
                   help="an effect (see `effects`), applied in the order given; repeat for more")
    a.option(p, "--intensity", e["intensity"], "intensity", help="intensity of effects given without one")
    a.option(p, "--seed", e["seed"], "seed")
    p.add_argument("--camera", help="camera trajectory JSON for the effects that follow the camera")
    p.add_argument("--mask", help="mask image/video/folder for the effects that take one (white = selected)")
    p.add_argument("--depth", help="depth image/video/folder for the effects that take one (bright = near)")


finish_cmd.configure = _finish_args
