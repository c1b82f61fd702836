"""``render`` and ``demo`` subcommands: the 2.5D camera-motion render from the command line (pipelines/render.py)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..cli import TqdmProgress, command
from ..core import params
from ..core.errors import excerpt
from . import args as a


def _report(info) -> None:
    for warning in info.warnings:
        print(f"warning: {warning}")
    print(f"{info.preset}: {info.frames} frames {info.width}x{info.height} at {info.fps:g} fps, "
          f"rendered in {info.seconds:.1f} s ({1000 * info.seconds / info.frames:.0f} ms/frame), "
          f"min coverage before filling {100 * info.coverage:.0f} %")
    if info.overscan_note:
        print(info.overscan_note)
    _reach_lines(info)
    print(f"video written to {Path(info.out).resolve()}")


def _reach_lines(info) -> None:
    """The move cap and the low-coverage warning (render/reach.py), when there are any."""
    if info.move_note:
        print(info.move_note)
    if info.coverage_warning:
        print(f"warning: {info.coverage_warning}")


def _svd(args) -> int:
    """``render --backend svd``: draw_to_video.generate with the SVD backend, to ``args.out``."""
    from ..pipelines.generate import generate

    if args.path is None and args.camera is None and args.preset == "auto":
        raise ValueError("nothing says how the camera moves: give a drawn path (--path), a camera trajectory "
                         "(--camera) or a preset name (--preset dolly_in, see 'presets')")
    if args.svd_model is None:
        raise ValueError("--backend svd needs --svd-model PATH: the local folder of a diffusers SVD model "
                         "(e.g. stable-video-diffusion-img2vid-xt)")
    with TqdmProgress("denoising", unit="step") as bar:
        result = generate(**_generate_args(args), backend="svd", svd_model=args.svd_model, guidance=args.guidance,
                          strength=args.strength, release=args.release, denoise=args.denoise,
                          motion_bucket_id=args.motion_bucket_id, augmentation_level=args.augmentation_level,
                          min_guidance_scale=args.min_guidance_scale, max_guidance_scale=args.max_guidance_scale,
                          decode_chunk_size=args.decode_chunk_size, on_progress=bar)
    return _generated(result, args)


def _generate_args(args) -> dict:
    """What every generative backend of ``render`` passes to ``generate`` alike."""
    names = ("camera", "preset", "frames", "fps", "intensity", "steps", "seed", "depth", "depth_kind", "width",
             "height", "cpu_offload", "device", "out")
    return {"image": args.image, "path": args.path, **{n: getattr(args, n) for n in names}}


def _wan_vace(args) -> int:
    """``render --backend wan_vace``: draw_to_video.generate with Wan VACE repairing the render, to ``args.out``."""
    from ..pipelines.generate import generate

    if args.model is None:
        raise ValueError("--backend wan_vace needs --model PATH: the local folder of a diffusers Wan VACE model "
                         "(e.g. Wan2.1-VACE-1.3B-diffusers)")
    with TqdmProgress("denoising", unit="step") as bar:
        result = generate(**_generate_args(args), backend="wan_vace", wan_model=args.model, prompt=args.prompt,
                          negative_prompt=args.negative_prompt, on_progress=bar)
    return _generated(result, args)


def _generated(result, args) -> int:
    """What ``render --backend svd|wan_vace`` prints after ``generate``, and its ``--report``."""
    for line in result.steps:
        print(line)
    print(f"video written to {Path(result.out).resolve()}")
    if args.report:
        report = {"backend": args.backend, "frames": int(result.frames.shape[0]),
                  "width": int(result.frames.shape[2]), "height": int(result.frames.shape[1]), "fps": result.fps,
                  "preset": result.camera.preset, "out": str(result.out), "steps": result.steps}
        Path(args.report).write_text(json.dumps(report, indent=1))
        print(f"report written to {Path(args.report).resolve()}")
    return 0


@command("render", "Render a camera move through one image to a video: 2.5D parallax (no model weights), or "
                   "Stable Video Diffusion guided by it (--backend svd --svd-model PATH), or Wan 2.1 VACE "
                   "repairing it (--backend wan_vace --model PATH).")
def render_cmd(args) -> int:
    from ..pipelines.render import render_file

    a.note_if_video(args.image)
    if args.backend == "svd":
        return _svd(args)
    if args.backend == "wan_vace":
        return _wan_vace(args)
    fps = params.TRAJECTORY["fps"].default if args.fps is None else args.fps
    with TqdmProgress("rendering") as bar:
        info = render_file(args.image, args.out, path_file=args.path, camera_file=args.camera, preset=args.preset,
                           frames=args.frames, fps=fps, intensity=args.intensity, depth_file=args.depth,
                           depth_kind=args.depth_kind, fill=args.fill, depth_of_field=args.depth_of_field,
                           motion_blur=args.motion_blur, overscan=args.overscan, max_size=args.max_size,
                           device=args.device, camera_body=args.camera_body, lens_kind=args.lens_kind,
                           aspect=args.aspect, on_progress=bar, png_level=args.png_compression,
                           depth_out=_depth_out(args), move_cap=args.move_cap, focus=args.focus)
    _report(info)
    if args.report:
        Path(args.report).write_text(json.dumps(info.report(), indent=1))
        print(f"report written to {Path(args.report).resolve()}")
    return 0


def _depth_out(args) -> str | None:
    """``--depth-out``: a ``.npy`` path (checked before any work), or None."""
    if args.depth_out is not None and not str(args.depth_out).lower().endswith(".npy"):
        raise ValueError(f"--depth-out must name a .npy file, got {excerpt(args.depth_out)}")
    return args.depth_out


def overscan_arg(text: str) -> float:
    """argparse type of ``--overscan``: auto | off | FACTOR (1..4) as the number of ``core/params.RENDER``."""
    from ..camera.overscan import parse_overscan

    try:
        return parse_overscan(text)
    except ValueError as e:
        raise argparse.ArgumentTypeError(str(e)) from None


def focus_arg(text: str) -> tuple[float, float]:
    """argparse type of ``--focus``: ``X,Y`` normalized image coordinates, each in 0..1."""
    try:
        x, y = (float(v) for v in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(f"focus must be X,Y with two numbers in 0..1 (e.g. 0.4,0.6), got "
                                         f"{text[:40]!r}") from None
    if not (0.0 <= x <= 1.0 and 0.0 <= y <= 1.0):
        raise argparse.ArgumentTypeError(f"focus must be X,Y with both in 0..1 (0,0 = top-left), got {text[:40]!r}")
    return x, y


def _configure_render(p):
    t, r = params.TRAJECTORY, params.RENDER
    p.add_argument("--image", required=True, help="the picture (frame 0 of the move)")
    src = p.add_mutually_exclusive_group()
    src.add_argument("--path", help="drawn path JSON (the camera stroke decides the move with --preset auto); "
                                    "optional with a named --preset (then the subject is straight ahead)")
    src.add_argument("--camera", help="camera file: trajectory JSON (from 'trajectory --json' or 'track'), glTF "
                                        "(.gltf/.glb) or Nuke .chan")
    a.preset(p)
    a.option(p, "--frames", t["frames"], "frames")
    a.option(p, "--fps", t["fps"], "fps", default=None,
             help=f"frame rate (default {t['fps'].default:g}; {params.GENERATE['svd_fps'].default} with --backend svd)")
    a.option(p, "--intensity", t["intensity"], "intensity")
    a.lens_options(p)
    p.add_argument("--depth", help="depth map: 16-bit PNG, image or .npy (default: estimated from the image)")
    a.option(p, "--depth-kind", r["depth_kind"], "depth_kind",
             help="disparity: larger = nearer (depth estimators); depth: larger = farther")
    a.option(p, "--fill", r["fill"], "fill",
             help="hole filling: background = inpaint from the farther side; stretch = the farther border stretched "
                  "across; none = black")
    a.options(p, r, ("depth_of_field", "motion_blur"))
    p.add_argument("--overscan", type=overscan_arg, default=r["overscan"].default, metavar="auto|off|FACTOR",
                   help="zoom so no frame shows past the image border: auto (from 1x at frame 0 up to just enough, "
                        "at most 1.25x; default), "
                        "off (the exact camera) or a fixed factor 1..4").d2v_param = ("overscan", r["overscan"])
    a.option(p, "--move-cap", r["move_cap"], "move_cap",
             help="auto: stop a move where the photo runs out (>= 90 %% real pixels per frame; printed); off: the "
                  "full move")
    p.add_argument("--focus", type=focus_arg, metavar="X,Y",
                   help="aim a preset at this image point (0..1 each, 0,0 = top-left; default: the drawn focus "
                        "point, else the subject found in the picture)")
    p.add_argument("--report", metavar="FILE.json",
                   help="write what happened: per-frame coverage before filling, overscan, depth percentiles, "
                        "timing per stage (ms), line_bend per frame (how much long straight lines bend), lean_deg "
                        "per frame (how far near-vertical structures lean, degrees)")
    p.add_argument("--depth-out", metavar="FILE.npy",
                   help="also write the depth the render used: float32 z-depth of the frame-0 camera at the frame "
                        "size (median 1, the camera JSON's world unit)")
    a.option(p, "--max-size", r["max_size"], "max_size")
    _configure_svd(p.add_argument_group("SVD backend (--backend svd; the 2.5D render becomes its camera guide)"))
    a.device(p)
    a.out(p, "OUT.mp4 / .webm / .gif / .webp, or a folder for PNG frames")


def _configure_svd(p):
    g, s = params.GENERATE, params.SVD
    a.option(p, "--backend", g["backend"], "backend")
    p.add_argument("--svd-model", metavar="PATH", help="local diffusers folder of an SVD model (model_index.json, "
                                                       "unet/, vae/, image_encoder/, scheduler/)")
    a.option(p, "--steps", g["steps"], "steps")
    a.options(p, s, ("guidance", "strength", "release"), helps={
        "guidance": "off: plain SVD; init: start from the renders, visible cells held; "
                    "dual_clock: held until --release",
        "strength": "how firmly visible cells are held to the render",
        "release": "dual_clock: part of the steps the visible cells are held"})
    a.options(p, g, ("denoise", "seed"))
    a.option(p, "--width", g["width"], "width", default=None, help="default 1024 (svd), 832 (wan_vace)")
    a.option(p, "--height", g["height"], "height", default=None, help="default 576 (svd), 480 (wan_vace)")
    a.option(p, "--motion-bucket-id", s["motion_bucket_id"], "motion_bucket_id", help="0 = from the camera's speed")
    a.option(p, "--augmentation-level", s["augmentation_level"], "augmentation_level")
    a.options(p, g, ("min_guidance_scale", "max_guidance_scale", "decode_chunk_size", "cpu_offload"))
    p.add_argument("--model", metavar="PATH", help="--backend wan_vace: local diffusers folder of a Wan VACE model "
                                                   "(model_index.json, transformer/, vae/, text_encoder/, ...)")
    p.add_argument("--prompt", default="", help="--backend wan_vace: what the video shows")
    p.add_argument("--negative-prompt", default="", help="--backend wan_vace: what it should not show")


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
    a.options(p, t, ("frames", "fps"))
    a.device(p)


demo_cmd.configure = _configure_demo


@command("shots", "Render a shot list (several pictures and moves, joined by cuts, crossfades, whip pans or morphs) "
                  "to one video.")
def shots_cmd(args) -> int:
    from ..pipelines.shots import render_shot_file

    with TqdmProgress("shots") as bar:
        written, spec = render_shot_file(args.spec, args.out, seed=args.seed, on_progress=bar)
    print(f"{len(spec.shots)} shots, {spec.total_frames} frames {spec.width}x{spec.height} at {spec.fps:g} fps")
    print(f"video written to {Path(written).resolve()}")
    return 0


def _configure_shots(p):
    p.add_argument("--spec", required=True, metavar="SHOTS.json",
                   help='shot list: {"version": 1, "fps", "width", "height", "shots": [{"image", "preset" | "path" '
                        '| "camera", "frames", "transition", "transition_frames"}, ...]} (docs/shots.md); image '
                        "paths are relative to the spec file")
    a.option(p, "--seed", params.TRAJECTORY["seed"], "seed", help="seed (the direction of whip pans)")
    a.out(p, "OUT.mp4 / .webm / .gif / .webp, or a folder for PNG frames")


shots_cmd.configure = _configure_shots
