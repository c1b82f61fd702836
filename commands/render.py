"""``render`` and ``demo`` subcommands: the 2.5D camera-motion render from the command line."""

from __future__ import annotations

import time
from pathlib import Path

from ..cli import TqdmProgress, UsageError, command

ASSETS = Path(__file__).resolve().parents[1] / "assets"
EXAMPLE_IMAGE = ASSETS / "example.jpg"
EXAMPLE_PATH = ASSETS / "example_path.json"
FILL_CHOICES = ("background", "stretch", "none")  # = camera.render.FILL_MODES (kept here so --help needs no torch)


def _device(name: str):
    import torch

    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cuda" and not torch.cuda.is_available():
        raise UsageError("--device cuda: no CUDA device is available (use --device cpu)")
    return torch.device(name)


def _load_image(path: str, max_size: int | None):
    import torch
    import torch.nn.functional as F

    from ..video.io import read_frames

    p = Path(path)
    if not p.is_file():
        raise UsageError(f"image not found: {path}")
    frames, _ = read_frames(p)
    img = torch.from_numpy(frames[0])
    h, w = img.shape[:2]
    if max_size and max(h, w) > max_size:
        s = max_size / max(h, w)
        size = (max(2, round(h * s)), max(2, round(w * s)))
        img = F.interpolate(img.permute(2, 0, 1)[None], size=size, mode="area")[0].permute(1, 2, 0).contiguous()
    return img


def render_file(image_path: str, out: str, *, path_file: str | None = None, camera_file: str | None = None,
                preset: str = "auto", frames: int = 25, fps: float = 12.0, intensity: float = 1.0,
                depth_file: str | None = None, depth_kind: str = "disparity", fill: str = "background",
                depth_of_field: float = 0.0, motion_blur: float = 0.0, max_size: int | None = None,
                device: str = "auto", quiet: bool = False) -> dict:
    """Render an image along a drawn path (or a camera JSON) into a video/folder. Returns figures for printing."""
    from ..camera.moves import build_trajectory
    from ..camera.trajectory import CameraTrajectory
    from ..render.depth import load_depth
    from ..render.reproject import render_views
    from ..video.io import write_video
    from .camera import load_path_file

    if (path_file is None) == (camera_file is None):
        raise UsageError("give exactly one of --path PATH.json or --camera CAMERA.json")
    dev = _device(device)
    img = _load_image(image_path, max_size).to(dev)
    h, w = img.shape[:2]
    if camera_file is not None:
        p = Path(camera_file)
        if not p.is_file():
            raise UsageError(f"camera file not found: {camera_file}")
        camera = CameraTrajectory.from_json(p.read_text(encoding="utf-8", errors="replace"))
    else:
        path = load_path_file(path_file, w, h)
        for warning in path.warnings:
            print(f"warning: {warning}")
        camera = build_trajectory(preset=preset, frames=frames, fps=fps, intensity=intensity, path=path)
    depth = None
    if depth_file is not None:
        depth = load_depth(depth_file, depth_kind, size=(h, w)).to(dev)
    bar = None if quiet else TqdmProgress(f"rendering {camera.preset}", total=camera.frames)
    t0 = time.perf_counter()
    try:
        result = render_views(img, camera, depth, fill=fill, depth_of_field=depth_of_field, motion_blur=motion_blur,
                              on_progress=bar)
    finally:
        if bar is not None:
            bar.close()
    seconds = time.perf_counter() - t0
    written = write_video(result.frames.cpu().numpy(), camera.fps, out)
    return {"out": written, "frames": camera.frames, "fps": camera.fps, "preset": camera.preset,
            "seconds": seconds, "width": w, "height": h, "coverage": float(result.coverage.min())}


def _report(info: dict) -> None:
    print(f"{info['preset']}: {info['frames']} frames {info['width']}x{info['height']} at {info['fps']:g} fps, "
          f"rendered in {info['seconds']:.1f} s ({1000 * info['seconds'] / info['frames']:.0f} ms/frame), "
          f"min coverage before filling {100 * info['coverage']:.0f} %")
    print(f"video written to {Path(info['out']).resolve()}")


@command("render", "Render a camera move through one image (2.5D parallax, no model weights) to a video.")
def render_cmd(args) -> int:
    if args.frames < 1 or args.frames > 1000:
        raise UsageError("--frames must be in 1..1000")
    info = render_file(args.image, args.out, path_file=args.path, camera_file=args.camera, preset=args.preset,
                       frames=args.frames, fps=args.fps, intensity=args.intensity, depth_file=args.depth,
                       depth_kind=args.depth_kind, fill=args.fill, depth_of_field=args.depth_of_field,
                       motion_blur=args.motion_blur, max_size=args.max_size, device=args.device)
    _report(info)
    return 0


def _configure_render(p):
    from ..camera.presets import AUTO, PRESETS

    p.add_argument("--image", required=True, help="the picture (frame 0 of the move)")
    src = p.add_mutually_exclusive_group(required=True)
    src.add_argument("--path", help="drawn path JSON (the camera stroke decides the move with --preset auto)")
    src.add_argument("--camera", help="camera trajectory JSON (from 'trajectory --json' or an API client)")
    p.add_argument("--preset", default=AUTO, choices=[AUTO, *PRESETS], metavar="PRESET",
                   help="'auto' (from the drawing) or a preset name (see 'presets')")
    p.add_argument("--frames", type=int, default=25)
    p.add_argument("--fps", type=float, default=12.0)
    p.add_argument("--intensity", type=float, default=1.0, help="scales the move (0 = static)")
    p.add_argument("--depth", help="depth map: 16-bit PNG, image or .npy (default: estimated from the image)")
    p.add_argument("--depth-kind", choices=["depth", "disparity"], default="disparity",
                   help="disparity: larger = nearer (depth estimators); depth: larger = farther")
    p.add_argument("--fill", choices=list(FILL_CHOICES), default="background", help="hole filling")
    p.add_argument("--depth-of-field", type=float, default=0.0, help="0 = off, 1 = physical lens blur")
    p.add_argument("--motion-blur", type=float, default=0.0, help="shutter fraction 0..1")
    p.add_argument("--max-size", type=int, default=None, help="downscale so the longer side is at most this")
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")
    p.add_argument("--out", required=True, help="OUT.mp4 / .webm / .gif / .webp, or a folder for PNG frames")


render_cmd.configure = _configure_render


@command("demo", "Render the bundled example photo along the bundled drawn path (no weights, no download).")
def demo_cmd(args) -> int:
    info = render_file(str(EXAMPLE_IMAGE), args.out, path_file=str(EXAMPLE_PATH), frames=args.frames,
                       fps=args.fps, device=args.device)
    _report(info)
    return 0


def _configure_demo(p):
    p.add_argument("--out", default="demo.mp4", help="where to write the video (default: ./demo.mp4)")
    p.add_argument("--frames", type=int, default=25)
    p.add_argument("--fps", type=float, default=12.0)
    p.add_argument("--device", choices=["auto", "cpu", "cuda"], default="auto")


demo_cmd.configure = _configure_demo
