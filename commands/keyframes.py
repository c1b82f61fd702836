"""``keyframes`` subcommand: the frames between a start and an end image (pipelines/keyframes.py)."""

from __future__ import annotations

from ..cli import TqdmProgress, UsageError, command
from ..core import params
from . import args as a


@command("keyframes", "Make the frames between a start and an end image of the same scene (large-motion aware).")
def keyframes_cmd(args) -> int:
    from ..pipelines.inputs import read_camera_file, read_image
    from ..pipelines.keyframes import keyframe_clip
    from ..video.inbetween import check_keyframes
    from ..video.write import write_video

    a.note_if_video(args.start, "--start")
    a.note_if_video(args.end, "--end")
    try:
        start = read_image(args.start)
        end = read_image(args.end)
        camera = read_camera_file(args.camera) if args.camera else None
    except FileNotFoundError as e:
        raise UsageError(str(e)) from None
    if args.depth and camera is None:
        raise UsageError("--depth is used with --camera only: give the camera move too, or leave --depth out")
    depth = None
    if args.depth:
        from ..render.depth import load_depth

        depth = load_depth(args.depth, args.depth_kind, tuple(start.shape[:2]))
    check_keyframes(start, end, args.resize)  # sizes, channels: refused before anything is announced
    h, w = start.shape[:2]
    total = args.frames + (0 if args.no_endpoints else 2)
    print(f"{w}x{h}: {args.frames} in-between frames ({total} written at {args.fps:g} fps"
          + (", camera-guided" if camera is not None else "") + ")")
    with TqdmProgress("keyframes", leave=False) as bar:
        frames = keyframe_clip(start, end, args.frames, not args.no_endpoints, args.resize, camera, depth,
                               "depth", on_progress=bar)
    path = write_video(frames, args.fps, args.out)
    print(f"written {path}")
    return 0


def _keyframes_args(p):
    p.add_argument("--start", required=True, help="start image (or the first frame of a video)")
    p.add_argument("--end", required=True, help="end image: the same scene, same size (or give --resize)")
    a.options(p, params.KEYFRAMES, ("frames", "fps", "resize"))
    a.out(p, "output .mp4/.webm/.gif/.webp, or a folder for PNGs")
    p.add_argument("--no-endpoints", action="store_true",
                   help="write the in-between frames only (default: start, in-betweens, end)")
    p.add_argument("--camera", help="camera trajectory JSON: the move from the start view (first pose) to the end "
                                    "view (last pose); guides the flow search")
    p.add_argument("--depth", help="depth map of the start image for --camera (default: estimated from the image)")
    a.option(p, "--depth-kind", params.RENDER["depth_kind"], "depth_kind",
             help="disparity: larger = nearer (depth estimators); depth: larger = farther")


keyframes_cmd.configure = _keyframes_args
