"""``presets`` and ``trajectory`` subcommands."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

if "numpy" not in sys.modules:
    # this module's commands (presets, trajectory, track) multiply small matrices only; numpy's threaded BLAS ran
    # the tracker's adjustment 5-20x slower than one thread on busy cores (docs/benchmarks.md, camera tracking).
    # Set before numpy's first import (it reads it then); a value the user gave is kept.
    os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")

from ..camera.export import to_cameractrl_lines, to_motionctrl_rt, tracks_to_json
from ..camera.intent import analyze_intent
from ..camera.motion import suggest_motion_bucket
from ..camera.moves import build_trajectory
from ..camera.presets import AUTO, PRESETS
from ..cli import TqdmProgress, command
from ..core import params
from ..pipelines.inputs import read_path_file
from . import args as a


@command("presets", "List the camera presets with a one-line description each.")
def presets_cmd(args) -> int:
    width = max(len(n) for n in PRESETS)
    for name, spec in PRESETS.items():
        print(f"{name:<{width}}  {spec.description}")
    return 0


presets_cmd.configure = lambda p: None


@command("trajectory", "Detect the intent of a drawn path and write the camera trajectory JSON.")
def trajectory_cmd(args) -> int:
    if args.path is None:
        if args.preset == AUTO:
            raise ValueError("nothing says how the camera moves: give a drawn path (--path) or a preset name "
                             "(--preset dolly_in, see 'presets')")
        if args.tracks:
            raise ValueError("--tracks needs a drawn path (--path)")
    path = None if args.path is None else read_path_file(args.path, args.width, args.height)
    for w in path.warnings if path is not None else ():
        print(f"warning: {w}")
    if path is not None and path.camera_stroke() is not None:
        result = analyze_intent(path)
        print(f"intent: {result.intent} (preset {result.preset}, confidence {result.confidence:.2f})")
    camera = build_trajectory(preset=args.preset, frames=args.frames, fps=args.fps, intensity=args.intensity,
                              focal_length_mm=args.focal_length, handheld=args.handheld, seed=args.seed, path=path,
                              use_drawing_speed=args.drawing_speed, camera_body=args.camera_body,
                              lens_kind=args.lens_kind, aspect=args.aspect)
    width = path.width if path is not None else args.width or 1024
    height = path.height if path is not None else args.height or 576
    print(f"preset: {camera.preset}, {camera.frames} frames at {camera.fps:g} fps, "
          f"suggested motion_bucket_id {suggest_motion_bucket(camera, width, height)}")
    if "keyframes" in camera.metadata:  # two or more camera strokes: one segment each
        for w in camera.metadata.get("warnings", ()):
            print(f"warning: {w}")
        print(f"keyframes at frames {camera.metadata['keyframes']} "
              f"(segments: {', '.join(camera.metadata['segment_presets'])})")
    if args.json:
        Path(args.json).write_text(camera.to_json(indent=1))
        print(f"trajectory written to {args.json}")
    if args.motionctrl:
        Path(args.motionctrl).write_text(json.dumps(to_motionctrl_rt(camera)))
        print(f"MotionCtrl RT written to {args.motionctrl}")
    if args.cameractrl:
        Path(args.cameractrl).write_text(to_cameractrl_lines(camera, width, height))
        print(f"CameraCtrl poses written to {args.cameractrl}")
    if args.tracks:
        Path(args.tracks).write_text(tracks_to_json(path))
        print(f"tracks written to {args.tracks}")
    write_interchange(camera, args, width, height)
    return 0


def write_interchange(camera, args, width: int, height: int) -> None:
    """``--gltf`` / ``--chan``: the camera for Blender, Unreal, three.js and Nuke (camera/interchange.py)."""
    from ..camera.interchange import to_chan, write_gltf

    if getattr(args, "gltf", None):
        write_gltf(camera, args.gltf, width, height)
        print(f"glTF camera written to {args.gltf}")
    if getattr(args, "chan", None):
        Path(args.chan).write_text(to_chan(camera, width, height))
        print(f"Nuke .chan written to {args.chan} (vertical FOV for {width}x{height})")


def interchange_options(p) -> None:
    p.add_argument("--gltf", type=_gltf_path, help="write the camera as glTF 2.0 here (.gltf or .glb: an animated "
                                                   "camera for Blender, Unreal, three.js)")
    p.add_argument("--chan", help="write the camera as a Nuke .chan file here (frame, translate, rotate ZXY, vfov)")


def _gltf_path(text: str) -> str:
    import argparse

    if Path(text).suffix.lower() not in (".gltf", ".glb"):
        raise argparse.ArgumentTypeError(f"--gltf must end in .gltf or .glb, got {text!r}"[:200])
    return text


def _configure_trajectory(p):
    t = params.TRAJECTORY
    p.add_argument("--path", help="drawn path JSON file (contract, pixel points or KJNodes); optional with a named "
                                  "--preset (then the subject is straight ahead)")
    a.preset(p)
    a.options(p, t, ("frames", "fps", "intensity", "focal_length_mm", "handheld", "seed", "use_drawing_speed"),
              flags={"focal_length_mm": "--focal-length", "use_drawing_speed": "--drawing-speed"},
              helps={"focal_length_mm": "mm on a 36x24 sensor",
                     "use_drawing_speed": "replay the stroke's drawing speed"})
    a.lens_options(p)
    p.add_argument("--width", type=int, help="image width in pixels (pixel-point paths; without a path, the frame "
                                             "size for motion_bucket_id and CameraCtrl, default 1024)")
    p.add_argument("--height", type=int, help="image height in pixels (pixel-point paths; default 576 without one)")
    p.add_argument("--json", help="write the trajectory JSON here")
    p.add_argument("--motionctrl", help="write MotionCtrl RT rows (JSON) here")
    p.add_argument("--cameractrl", help="write CameraCtrl pose lines here")
    p.add_argument("--tracks", help="write KJNodes/ATI pixel tracks (JSON) here")
    interchange_options(p)


trajectory_cmd.configure = _configure_trajectory


@command("track", "Estimate the camera of a clip (no model): write the camera JSON (and glTF / .chan).")
def track_cmd(args) -> int:
    import numpy as np

    from ..camera.preview import top_down_plot
    from ..core.limits import MAX_FRAMES
    from ..pipelines.track import track_clip
    from ..video.read import probe

    if not Path(args.input).exists():
        raise ValueError(f"input not found: {args.input}")
    import cv2

    # OpenCV's worker threads split the tracker's small per-frame jobs (200 points) at a cost: one thread used
    # ~9 % less CPU on the 100-frame benchmark clip (docs/benchmarks.md, camera tracking)
    cv2.setNumThreads(1)
    info = probe(args.input, args.max_frames or MAX_FRAMES)  # the count the tracker reads (it caps at MAX_FRAMES)
    # the bar only where someone watches: drawing it imports tqdm (and its multiprocessing lock), about a tenth of
    # a 100-frame track's CPU time, for lines nobody reads in a log
    bar = TqdmProgress("track", leave=False) if sys.stderr.isatty() else None
    try:
        tracked = track_clip(args.input, args.fov or None, args.fps, args.max_frames or None, on_progress=bar,
                             clip_info=info)
    finally:
        if bar is not None:
            bar.close()
    camera = tracked.camera
    Path(args.out).write_text(camera.to_json(indent=1))
    for w in tracked.result.warnings:
        print(f"warning: {w}")
    print(json.dumps(tracked.summary()))
    print(f"camera written to {args.out}")
    write_interchange(camera, args, info.width, info.height)
    if args.preview:
        cv2.imwrite(args.preview, np.ascontiguousarray(top_down_plot(camera, 320)[..., ::-1]))
        print(f"top view written to {args.preview}")
    return 0


def _configure_track(p):
    t = params.TRACK
    p.add_argument("--input", required=True, help="video file, folder of images (sorted by name), or image")
    p.add_argument("--out", required=True, help="camera JSON to write (the D2V_CAMERA contract: render --camera)")
    a.option(p, "--fov", t["fov_deg"], "fov_deg", help="horizontal field of view in degrees; 0 = estimate")
    a.option(p, "--fps", params.TRAJECTORY["fps"], "fps", default=None,
             help="frame rate written into the camera (default: the video's)")
    p.add_argument("--max-frames", type=int, default=0, help="track at most this many frames (0 = all)")
    p.add_argument("--preview", help="write a top view of the tracked path here (PNG)")
    interchange_options(p)


track_cmd.configure = _configure_track
