"""Render a clip: one image moved along a camera (2.5D parallax, no model weights).

:func:`render_clip` is the job on tensors (the Camera Motion Render node and the Python API call it);
:func:`render_file` is the same job from files to a video file (the ``render`` command), and :func:`render_demo`
runs it on the bundled example (the ``demo`` command). Parameter names, defaults and ranges are
``core/params.RENDER`` and ``core/params.TRAJECTORY``.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..camera.moves import build_trajectory
from ..camera.overscan import OverscanInfo, border_points, parse_overscan, resolve_overscan
from ..camera.presets import AUTO
from ..camera.trajectory import CameraTrajectory, shorten_move, subject_point
from ..core import ProgressFn, limits, params
from ..core.filters import resize
from ..core.frames import centre_crop_box, downscale_to_max, fit_size
from ..render.depth import load_depth_input
from ..render.estimate import estimate_depth
from ..render.reach import Aim, MoveCap, coverage_warning, find_aim, find_move_cap
from ..render.reproject import RenderResult, render_views
from ..render.straightness import render_geometry
from .director import DIRECTOR_STYLES, apply_director_style
from .inputs import pick_device, read_camera_file, read_image, read_path_file

ASSETS = Path(__file__).resolve().parents[1] / "assets"
EXAMPLE_IMAGE = ASSETS / "example.jpg"
EXAMPLE_PATH = ASSETS / "example_path.json"
"""The bundled demo: a photo and a drawn camera stroke over it."""

_R, _T = params.RENDER, params.TRAJECTORY
STREAM_FRAMES = 8
"""Frames a streamed render (``sink`` given) is budgeted to hold at once (it holds one on the CPU)."""


def _render_size(image, max_size: int | None) -> tuple[int, int, int | None]:
    """``(height, width, max_size)``: the size ``render_clip`` renders ``image`` at and ``max_size`` checked; a
    one-line ValueError for a bad image or size."""
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[-1] < 3:
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"image must be one RGB image tensor [H, W, 3] (take image[0] of an IMAGE batch), got {shape}")
    if max_size is not None:
        max_size = int(_R["max_size"].check(max_size, "max_size"))
    h, w = image.shape[:2]
    if min(h, w) < limits.MIN_RENDER_SIDE:
        raise ValueError(f"the image is {w}x{h} pixels; the render needs at least {limits.MIN_RENDER_SIDE}x"
                         f"{limits.MIN_RENDER_SIDE}: upscale it first (e.g. ImageScale)")
    h, w = fit_size(h, w, max_size)
    if min(h, w) < limits.MIN_RENDER_SIDE:
        raise ValueError(f"max_size {max_size} makes the {image.shape[1]}x{image.shape[0]} image {w}x{h}, under "
                         f"the render's minimum of {limits.MIN_RENDER_SIDE} pixels a side: raise max_size")
    return h, w, max_size


def render_clip(image: torch.Tensor, camera: CameraTrajectory, depth=None, *,
                depth_kind: str = _R["depth_kind"].default, fill: str = _R["fill"].default,
                depth_of_field: float = _R["depth_of_field"].default, motion_blur: float = _R["motion_blur"].default,
                max_size: int | None = None, overscan: float | str = _R["overscan"].default,
                move_cap: str = _R["move_cap"].default, on_progress: ProgressFn = None, sink=None,
                segmentation=None) -> RenderResult:
    """Render ``image`` along ``camera``, loading and normalizing the depth first.

    Args:
        image: [H, W, C] float 0..1 tensor, C >= 3 (channels past RGB are dropped); the render runs on its device.
        camera: the move; frame 0 is the view the image was taken from.
        depth: None (the built-in estimate from the image: a background plane and a subject plane), or a raw
            depth map: a ComfyUI IMAGE [B, H, W, C] (the first is used), an [H, W] / [H, W, C] tensor or array, or a
            file path (16-bit PNG, image, ``.npy``). Read as ``depth_kind`` and resized to the image when the aspect
            agrees.
        depth_kind, fill, depth_of_field, motion_blur: see ``core/params.RENDER``.
        max_size: None or 0 = render at the image's size; else the image is area-downscaled so its longer side
            is at most this (``core/params.RENDER["max_size"]``; the frames come out at that size).
        overscan: 0 / "auto" (default: the smallest zoom that keeps every frame inside the image), 1 / "off",
            or a fixed zoom factor 1..4 (camera/overscan.py); the result's ``overscan`` says what was used.
        move_cap: "auto" (default: the move stops where the photo runs out, ``render/reach.py``; the result's
            ``move_cap`` says how far it went) or "off" (the exact camera, as the generative guides use).
        on_progress: ``on_progress(done, total)`` after every frame.
        sink: streaming, for long clips: ``sink(first_index, frames [b, H, W, 3])`` receives the frames chunk by
            chunk as they are rendered, and the result keeps none (``frames`` and ``holes`` are empty); see
            ``render_views``.
        segmentation: optional, with the built-in depth: the subject already segmented on this very image
            (``Aim.segmentation`` of ``render/reach.find_aim`` on it), so the depth estimate does not segment it
            again (ignored with a depth map or an aspect crop).
    A camera built with an aspect-ratio crop (``metadata["aspect"]``, core/cinema.py) renders the centred crop of
    the picture to that ratio: the frames come out that shape.
    Returns:
        :class:`~draw_to_video.render.reproject.RenderResult` on the image's device: frames [F, H, W, 3],
        holes [F, H, W], coverage (F,), the normalized depth used [H, W], the overscan factor, stage timings.
    Raises:
        ValueError: a bad image, camera, depth or parameter, an image under ``MIN_RENDER_SIDE`` pixels a side, or
            a render whose estimated memory exceeds the budget (``core/limits.py``), saying what to fix.
    """
    depth_kind = _R["depth_kind"].check(depth_kind, "depth_kind")
    fill = _R["fill"].check(fill, "fill")
    depth_of_field = float(_R["depth_of_field"].check(depth_of_field, "depth_of_field"))
    motion_blur = float(_R["motion_blur"].check(motion_blur, "motion_blur"))
    overscan = parse_overscan(overscan)
    move_cap = _R["move_cap"].check(move_cap, "move_cap")
    if not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a camera trajectory (Cinematic Camera Trajectory node, build_trajectory or "
                         f"a camera JSON file), got {type(camera).__name__}")
    h, w, max_size = _render_size(image, max_size)
    held = camera.frames if sink is None else min(camera.frames, STREAM_FRAMES)  # streamed: a chunk at a time
    limits.check_budget(limits.render_bytes(h, w, held), f"rendering {camera.frames} frames at {w}x{h}",
                        "lower max_size or the number of frames")
    img = downscale_to_max(image[..., :3], max_size)
    z = None
    if depth is not None:
        z = load_depth_input(depth, depth_kind, (h, w), img.device)
    # An aspect-ratio crop of the virtual camera (trajectory built with aspect=...): the picture and its depth
    # are cropped centrally first, so the trajectory's horizontal field of view is that of the cropped picture.
    top, left, ch, cw = centre_crop_box(h, w, camera.metadata.get("aspect"), even=True)
    if (ch, cw) != (h, w):
        img = img[top:top + ch, left:left + cw]
        z = None if z is None else z[top:top + ch, left:left + cw]
        segmentation = None  # it was found on the whole picture
    cap = None
    if move_cap == "auto" and camera.frames > 1:
        camera, z, cap = cap_move(img, camera, z, overscan, segmentation)
    elif z is None and segmentation is not None:
        z = estimate_depth(img, segmentation=segmentation)
    result = render_views(img, camera, z, fill=fill, depth_of_field=depth_of_field, motion_blur=motion_blur,
                          overscan=overscan, on_progress=on_progress, sink=sink)
    result.move_cap = cap
    return result


def cap_move(img: torch.Tensor, camera: CameraTrajectory, depth: torch.Tensor | None,
             overscan: float, segmentation=None) -> tuple[CameraTrajectory, torch.Tensor, MoveCap]:
    """The move as far as one photo holds it (``render/reach.py``): ``(camera, depth, cap)``, the camera shortened
    when needed and the normalized depth the render will use (the built-in estimate when ``depth`` is None, as
    ``render_views`` would make it, from ``segmentation`` when given: see :func:`render_clip`)."""
    h, w = img.shape[:2]
    if depth is None:
        depth = estimate_depth(img, subject=subject_point(camera, w, h), segmentation=segmentation)
    cap = find_move_cap(img, depth, camera, overscan)
    return shorten_move(camera, cap.fraction), depth, cap


@dataclass(frozen=True)
class RenderedFile:
    """What :func:`render_file` wrote: the file or folder, the move, the size and how the render went."""

    out: Path
    preset: str
    frames: int
    fps: float
    width: int
    height: int
    seconds: float
    coverage: float
    """Smallest fraction of a frame the image covered before hole filling."""
    warnings: tuple[str, ...] = ()
    """What the path parser corrected (clamped points and the like)."""
    coverage_per_frame: tuple[float, ...] = ()
    overscan: float = 1.0
    overscan_note: str = ""
    """One line: how the overscan factor was chosen, and whether auto overscan was capped."""
    depth_source: str = "estimated"
    """"estimated" (built from the picture) or "file"."""
    depth_percentiles: tuple[float, float, float] = (1.0, 1.0, 1.0)
    """p5, p50, p95 of the normalized depth used (median ~1)."""
    timing_ms: dict = field(default_factory=dict)
    """Wall time per stage: read, depth, render, encode, total (ms)."""
    line_bend: tuple[float, ...] = ()
    """Per frame: how much the picture's long straight lines bend (render/straightness.py; 0.01 = 1 %)."""
    lean_deg: tuple[float, ...] = ()
    """Per frame: how far its near-vertical structures lean, in degrees (render/straightness.py)."""
    stretched_per_frame: tuple[float, ...] = ()
    """Per frame, the share of pixels magnified more than 2x in area (smeared)."""
    move_note: str = ""
    """One line when the move was capped to what the photo holds (``render/reach.py``), else empty."""
    move_fraction: float = 1.0
    """Share of the move's travel rendered (1 = all; less when capped)."""
    coverage_warning: str = ""
    """One line when frames show under 90 % real pixels (which, what to do), else empty."""

    def report(self) -> dict:
        """The ``render --report`` JSON: what happened, per frame coverage before filling, overscan, depth, timing."""
        p5, p50, p95 = self.depth_percentiles
        return {"frames": self.frames, "width": self.width, "height": self.height, "fps": self.fps,
                "preset": self.preset, "out": str(self.out),
                "coverage": [round(c, 5) for c in self.coverage_per_frame],
                "overscan": round(self.overscan, 5), "overscan_note": self.overscan_note,
                "depth": {"source": self.depth_source, "p5": round(p5, 5), "p50": round(p50, 5),
                          "p95": round(p95, 5)},
                "timing_ms": {k: round(v, 1) for k, v in self.timing_ms.items()},
                "warnings": list(self.warnings), "line_bend": [round(b, 5) for b in self.line_bend],
                "lean_deg": [round(a, 3) for a in self.lean_deg],
                **self._reach_report()}

    def _reach_report(self) -> dict:
        """The report's entries on what the photo holds: stretched share per frame, the move cap, the warning."""
        return {"stretched": [round(c, 5) for c in self.stretched_per_frame],
                "move_cap": {"fraction": round(self.move_fraction, 4), "note": self.move_note},
                "coverage_warning": self.coverage_warning}


def render_file(image_path: str | Path, out: str | Path, *, path_file: str | Path | None = None,
                camera_file: str | Path | None = None, preset: str = AUTO, frames: int = _T["frames"].default,
                fps: float = _T["fps"].default, intensity: float = _T["intensity"].default,
                depth_file: str | Path | None = None, depth_kind: str = _R["depth_kind"].default,
                fill: str = _R["fill"].default, depth_of_field: float = _R["depth_of_field"].default,
                motion_blur: float = _R["motion_blur"].default, overscan: float | str = _R["overscan"].default,
                max_size: int | None = None, device: str = "auto", camera_body: str = "custom",
                lens_kind: str = "spherical_prime", aspect: str = "native", on_progress: ProgressFn = None,
                png_level: int | None = None, depth_out: str | Path | None = None,
                move_cap: str = _R["move_cap"].default, focus: tuple[float, float] | None = None) -> RenderedFile:
    """Render a picture along a drawn path (``preset`` ``"auto"`` reads the move from it), along a named preset
    alone (no path: the subject straight ahead at the scene's median depth) or along a camera JSON, and write the
    clip (``.mp4`` / ``.webm`` / ``.gif`` / ``.webp``, or a folder of PNGs).

    At most one of ``path_file`` and ``camera_file``; with neither, ``preset`` must name a preset. With a camera
    file, its own frames and fps are used. ``max_size`` downscales the picture so its longer side is at most
    that; ``device``: auto | cpu | cuda; ``camera_body``, ``lens_kind``, ``aspect``: the virtual camera
    (``build_trajectory``; ignored with a camera file, which carries its own lens). A director-style preset
    (``pipelines/director.DIRECTOR_STYLES``) also gets its retiming, cuts and grade (pipelines/director.py).
    ``focus``: the subject's image point (normalized x, y) a preset aims at; without it the drawing's focus
    point, else the subject the built-in segmentation finds (not the image centre). ``move_cap``: "auto" stops a
    move where the photo runs out (``render/reach.py``), "off" renders it whole.
    ``png_level``: zlib level of PNG frames (``video.write.PNG_LEVEL`` when None). Frames are streamed to the writer as
    they are rendered (a director style's whole clip once rendered). The result's :meth:`RenderedFile.report` says
    what happened. ``depth_out``: also write the depth the render used there (:func:`write_geometry`).
    """
    from ..video.write import PNG_LEVEL, check_output

    png_level = PNG_LEVEL if png_level is None else png_level

    t_start = time.perf_counter()
    if path_file is not None and camera_file is not None:
        raise ValueError("give a drawn path file or a camera trajectory file, not both")
    if path_file is None and camera_file is None and preset == AUTO:
        raise ValueError("nothing says how the camera moves: give a drawn path (--path), a camera trajectory "
                         "(--camera) or a preset name (--preset dolly_in, see 'presets')")
    overscan = parse_overscan(overscan)
    check_output(out)  # before any work: an unwritable output must not cost a render
    dev = pick_device(device)
    img = read_image(image_path, max_size or None).to(dev)
    h, w = img.shape[:2]
    warnings: tuple[str, ...] = ()
    path = aim = None
    if camera_file is not None:
        camera = read_camera_file(camera_file, aspect=w / h)  # .json, .gltf/.glb or .chan (its vfov needs w/h)
    else:
        if path_file is not None:
            path = read_path_file(path_file, w, h)
            warnings = tuple(path.warnings)
        aim = aim_of(img, path, focus, depth_file, depth_kind)
        camera = build_trajectory(preset=preset, frames=frames, fps=fps, intensity=intensity, path=path,
                                  camera_body=camera_body, lens_kind=lens_kind, aspect=aspect,
                                  focus=(aim.x, aim.y), subject_depth=aim.depth)
    t_read = time.perf_counter()
    done = _render_to_writer(img, camera, out, png_level, dict(
        depth=depth_file, depth_kind=depth_kind, fill=fill, depth_of_field=depth_of_field, motion_blur=motion_blur,
        overscan=overscan, move_cap=move_cap, on_progress=on_progress,
        segmentation=None if aim is None else aim.segmentation))
    result, t_render = done.result, done.t_render
    t_end = time.perf_counter()
    geometry = write_geometry(img, camera, result, depth_out)  # measures, not a stage of the render
    t_render -= done.t_write  # time spent handing frames over counts as encoding
    # the render stage's own clock ran while the chunks were handed to the writer: that time is encoding too
    render_ms = (result.timing_ms["render"] - 1000.0 * done.t_write if "render" in result.timing_ms
                 else 1000.0 * (t_render - t_read))
    timing = {"read": 1000.0 * (t_read - t_start), "depth": 1000.0 * (t_render - t_read) - render_ms,
              "render": render_ms, "encode": 1000.0 * (t_end - t_render), "total": 1000.0 * (t_end - t_start)}
    return RenderedFile(out=Path(done.written), preset=camera.preset, frames=camera.frames, fps=float(camera.fps),
                        width=done.width, height=done.height, seconds=t_render - t_read,
                        coverage=float(result.coverage.min()),
                        warnings=warnings, coverage_per_frame=tuple(float(c) for c in result.coverage.cpu()),
                        overscan=float(result.overscan),
                        overscan_note=result.overscan_info.describe() if result.overscan_info else "",
                        depth_source="estimated" if depth_file is None else "file",
                        depth_percentiles=depth_percentiles(result.depth), timing_ms=timing, **geometry,
                        **reach_fields(result, camera.preset))


@dataclass(frozen=True)
class _Written:
    """:func:`_render_to_writer`'s outcome: the render, the file or folder written, the frame size (an aspect crop
    changes it), when rendering ended (``perf_counter``) and the seconds spent handing frames to the writer."""

    result: RenderResult
    written: str | Path
    height: int
    width: int
    t_render: float
    t_write: float


def _render_to_writer(img: torch.Tensor, camera: CameraTrajectory, out, png_level: int, render: dict) -> _Written:
    """Render ``img`` ([H, W, 3]) along ``camera`` with ``render_clip(**render)`` into the video ``out``.

    Streamed: each rendered chunk goes to the encoder threads as it comes (memory does not grow with frames); a
    director style retimes and cuts the whole clip, so that one is rendered in memory first."""
    from ..video.write import FrameWriter

    t_write = 0.0
    size = list(img.shape[:2])
    with FrameWriter(out, camera.fps, png_level=png_level) as writer:
        def sink(_start: int, chunk: torch.Tensor) -> None:
            nonlocal t_write
            t = time.perf_counter()
            writer.write(chunk)
            size[:] = chunk.shape[1:3]
            t_write += time.perf_counter() - t

        styled = camera.preset in DIRECTOR_STYLES
        result = render_clip(img, camera, **render, sink=None if styled else sink)
        t_render = time.perf_counter()
        if styled:
            sink(0, apply_director_style(result.frames, camera.preset))
            t_write = 0.0  # written after t_render: already counted as encoding
    return _Written(result, writer.path, int(size[0]), int(size[1]), t_render, t_write)


def write_geometry(image: torch.Tensor, camera: CameraTrajectory, result: RenderResult,
                   depth_out: str | Path | None = None) -> dict:
    """The render's ``line_bend`` and ``lean_deg`` per frame (``render/straightness.render_geometry``), and, with
    ``depth_out``, the depth it used written there as a float32 ``.npy`` ``[H, W]``: z-depth of the frame-0 camera
    (before any overscan zoom) at the frame size, in the camera JSON's world unit (median 1)."""
    if depth_out is not None:
        Path(depth_out).parent.mkdir(parents=True, exist_ok=True)
        np.save(depth_out, result.depth.float().cpu().numpy(), allow_pickle=False)
    rendered = result.camera or camera  # the capped move, when capped
    return render_geometry(image, rendered, result.depth, result.overscan)


def reach_fields(result: RenderResult, name: str = "move") -> dict:
    """:class:`RenderedFile`'s fields on what the photo holds, from a render: stretched share per frame, the move
    cap's note and fraction, the low-coverage warning (``render/reach.py``)."""
    cap = result.move_cap
    stretched = () if result.stretched is None else tuple(float(c) for c in result.stretched.cpu())
    return {"stretched_per_frame": stretched, "move_note": cap.describe(name) if cap else "",
            "move_fraction": cap.fraction if cap else 1.0, "coverage_warning": coverage_warning(result.coverage)}


def aim_of(img: torch.Tensor, path, focus: tuple[float, float] | None, depth_file, depth_kind: str) -> Aim:
    """Where a preset aims on this picture (``render/reach.find_aim``): ``focus``, else the drawing's focus point,
    else the built-in subject; its depth from ``depth_file`` when given, else from the built-in estimate."""
    if focus is None and path is not None:
        focus = path.focus_point()
    z = None if depth_file is None else load_depth_input(depth_file, depth_kind, tuple(img.shape[:2]), img.device)
    return find_aim(img, z, focus)


def depth_percentiles(depth: torch.Tensor) -> tuple[float, float, float]:
    """(p5, p50, p95) of a depth map [H, W] (on a regular subsample of at most ~250k pixels)."""
    flat = depth.reshape(-1)
    step = max(1, flat.numel() // 250_000)
    q = torch.quantile(flat[::step].float().cpu(), torch.tensor([0.05, 0.5, 0.95]))
    return tuple(float(v) for v in q)


def preview_overscan(camera: CameraTrajectory, width: int, height: int,
                     image: torch.Tensor | None = None) -> OverscanInfo:
    """The zoom automatic overscan would choose for ``camera`` (what the trajectory preview shows).

    With ``image`` ([H, W, 3] float 0..1) the depth is the built-in estimate of that picture (computed on a copy
    at most 256 px long: only the border's depth matters); without it the picture is assumed to be a
    fronto-parallel plane at the scene's median depth (1), which is exact for rotations and zooms and shows the
    average need of a move.
    """
    if image is not None:
        img = downscale_to_max(image[..., :3].float(), 256)
        small = estimate_depth(img.clamp(0, 1), subject=subject_point(camera, width, height))
        depth = resize(small[None, None].cpu(), (height, width))[0, 0].numpy()
    else:
        depth = np.ones((height, width))
    K = camera.intrinsics(width, height)
    rel = camera.w2c() @ camera.c2w[0]
    return resolve_overscan(0.0, border_points(depth, K[0]), K, rel, width, height)


def render_demo(out: str | Path = "demo.mp4", frames: int = _T["frames"].default, fps: float = _T["fps"].default,
                device: str = "auto", on_progress: ProgressFn = None, png_level: int | None = None) -> RenderedFile:
    """The bundled example photo rendered along the bundled drawn path (no weights, no download)."""
    return render_file(EXAMPLE_IMAGE, out, path_file=EXAMPLE_PATH, frames=frames, fps=fps, device=device,
                       on_progress=on_progress, png_level=png_level)
