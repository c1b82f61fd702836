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
        result = generate(args.image, args.path, camera=args.camera, preset=args.preset, frames=args.frames,
                          fps=args.fps, intensity=args.intensity, backend="svd", svd_model=args.svd_model,
                          guidance=args.guidance, strength=args.strength, release=args.release,
                          denoise=args.denoise, steps=args.steps, seed=args.seed, depth=args.depth,
                          depth_kind=args.depth_kind, width=args.width, height=args.height,
                          motion_bucket_id=args.motion_bucket_id, augmentation_level=args.augmentation_level,
                          min_guidance_scale=args.min_guidance_scale, max_guidance_scale=args.max_guidance_scale,
                          decode_chunk_size=args.decode_chunk_size, cpu_offload=args.cpu_offload,
                          device=args.device, out=args.out, on_progress=bar)
    for line in result.steps:
        print(line)
    print(f"video written to {Path(result.out).resolve()}")
    if args.report:
        report = {"backend": "svd", "frames": int(result.frames.shape[0]), "width": int(result.frames.shape[2]),
                  "height": int(result.frames.shape[1]), "fps": result.fps, "preset": result.camera.preset,
                  "out": str(result.out), "steps": result.steps}
        Path(args.report).write_text(json.dumps(report, indent=1))
        print(f"report written to {Path(args.report).resolve()}")
    return 0


@command("render", "Render a camera move through one image to a video: 2.5D parallax (no model weights), or "
                   "Stable Video Diffusion guided by it (--backend svd --svd-model PATH).")
def render_cmd(args) -> int:
    from ..pipelines.render import render_file

    if args.backend == "svd":
        return _svd(args)
    fps = params.TRAJECTORY["fps"].default if args.fps is None else args.fps
    with TqdmProgress("rendering") as bar:
        info = render_file(args.image, args.out, path_file=args.path, camera_file=args.camera, preset=args.preset,
                           frames=args.frames, fps=fps, intensity=args.intensity, depth_file=args.depth,
                           depth_kind=args.depth_kind, fill=args.fill, depth_of_field=args.depth_of_field,
                           motion_blur=args.motion_blur, overscan=args.overscan, max_size=args.max_size,
                           device=args.device, camera_body=args.camera_body, lens_kind=args.lens_kind,
                           aspect=args.aspect, on_progress=bar, png_level=args.png_compression)
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
    a.option(p, "--depth-of-field", r["depth_of_field"], "depth_of_field")
    a.option(p, "--motion-blur", r["motion_blur"], "motion_blur")
    p.add_argument("--overscan", type=overscan_arg, default=r["overscan"].default, metavar="auto|off|FACTOR",
                   help="zoom so no frame shows past the image border: auto (just enough, at most 2x; default), "
                        "off (the exact camera) or a fixed factor 1..4").d2v_param = ("overscan", r["overscan"])
    p.add_argument("--report", metavar="FILE.json",
                   help="write what happened: per-frame coverage before filling, overscan, depth percentiles, "
                        "timing per stage (ms)")
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
    a.option(p, "--guidance", s["guidance"], "guidance",
             help="off: plain SVD; init: start from the renders, visible cells held; dual_clock: held until --release")
    a.option(p, "--strength", s["strength"], "strength", help="how firmly visible cells are held to the render")
    a.option(p, "--release", s["release"], "release", help="dual_clock: part of the steps the visible cells are held")
    a.option(p, "--denoise", g["denoise"], "denoise")
    a.option(p, "--seed", g["seed"], "seed")
    a.option(p, "--width", g["width"], "width")
    a.option(p, "--height", g["height"], "height")
    a.option(p, "--motion-bucket-id", s["motion_bucket_id"], "motion_bucket_id", help="0 = from the camera's speed")
    a.option(p, "--augmentation-level", s["augmentation_level"], "augmentation_level")
    a.option(p, "--min-guidance-scale", g["min_guidance_scale"], "min_guidance_scale")
    a.option(p, "--max-guidance-scale", g["max_guidance_scale"], "max_guidance_scale")
    a.option(p, "--decode-chunk-size", g["decode_chunk_size"], "decode_chunk_size")
    a.option(p, "--cpu-offload", g["cpu_offload"], "cpu_offload")


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
