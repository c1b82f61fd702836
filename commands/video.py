"""``interpolate``, ``stabilize`` and ``metrics`` subcommands (frame interpolation, temporal consistency, metrics)."""

from __future__ import annotations

import json
from pathlib import Path

from ..cli import TqdmProgress, UsageError, command


def _read(path: str, what: str = "input"):
    from ..video.io import read_frames

    if not Path(path).exists():
        raise UsageError(f"{what} not found: {path}")
    return read_frames(path)


@command("interpolate", "Interpolate a clip (video file or folder of images) by a multiplier or to a target fps.")
def interpolate_cmd(args) -> int:
    from ..video.interpolate import interpolate_clip, plan_clip
    from ..video.io import write_video

    if (args.multiplier is None) == (args.target_fps is None):
        raise UsageError("give exactly one of --multiplier N or --target-fps F")
    frames, fps = _read(args.input)
    src_fps = args.fps or fps
    plan = plan_clip(frames.shape[0], args.multiplier, args.target_fps, src_fps, args.loop)
    print(f"{frames.shape[0]} frames at {src_fps:g} fps -> {len(plan)} frames at {plan.fps:g} fps "
          f"({frames.shape[2]}x{frames.shape[1]}, quality {args.quality})")
    with TqdmProgress("interpolate", leave=False) as bar:
        out, out_fps = interpolate_clip(frames, multiplier=args.multiplier, target_fps=args.target_fps,
                                        source_fps=src_fps, loop=args.loop, quality=args.quality, on_progress=bar)
    path = write_video(out, out_fps, args.out)
    print(f"written {path}")
    return 0


def _interpolate_args(p):
    p.add_argument("--input", required=True, help="video file (mp4/webm/gif/...), folder of images, or image")
    p.add_argument("--out", required=True, help="output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    p.add_argument("--multiplier", type=int, help="output frames per source interval: (B-1)*m+1 frames (B*m looped)")
    p.add_argument("--target-fps", type=float, help="resample to this frame rate (any ratio)")
    p.add_argument("--fps", type=float, help="source frame rate (default: read from the video; 12 for images)")
    p.add_argument("--loop", action="store_true", help="interpolate last -> first too (seamless loop)")
    p.add_argument("--quality", choices=["fast", "balanced", "high"], default="balanced")


interpolate_cmd.configure = _interpolate_args


@command("stabilize", "Deflicker / temporally stabilise a clip (colour statistics + flow-guided correction).")
def stabilize_cmd(args) -> int:
    from ..video.io import write_video
    from ..video.temporal import temporal_consistency

    frames, fps = _read(args.input)
    ref = None
    if args.reference:
        ref, _ = _read(args.reference, "reference")
    print(f"{frames.shape[0]} frames {frames.shape[2]}x{frames.shape[1]} at {fps:g} fps: strength {args.strength}, "
          f"sigma {args.sigma}, detail {args.detail}" + (f", flow from {args.reference}" if ref is not None else ""))
    with TqdmProgress("stabilize", leave=False) as bar:
        out = temporal_consistency(frames, strength=args.strength, sigma=args.sigma, detail=args.detail,
                                   reference=ref, on_progress=bar)
    path = write_video(out, fps, args.out)
    print(f"written {path}")
    return 0


def _stabilize_args(p):
    p.add_argument("--input", required=True, help="video file, folder of images")
    p.add_argument("--out", required=True, help="output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    p.add_argument("--strength", type=float, default=1.0, help="0 = unchanged .. 1 = full correction")
    p.add_argument("--sigma", type=float, default=6.0, help="temporal window in frames")
    p.add_argument("--detail", type=float, default=1.0, help="1 = keep each frame's detail; < 1 averages detail")
    p.add_argument("--reference", help="clip whose optical flow guides the smoothing (same frame count)")


stabilize_cmd.configure = _stabilize_args


@command("metrics", "Print video quality metrics: flicker index, E_warp, and PSNR/SSIM/detail against a reference.")
def metrics_cmd(args) -> int:
    from ..video.metrics import quality_report

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


def _metrics_args(p):
    p.add_argument("--input", required=True, help="video file or folder of images")
    p.add_argument("--reference", help="clip to compare with (same size and frame count)")
    p.add_argument("--json", action="store_true", help="print JSON")


metrics_cmd.configure = _metrics_args
