"""``draw_to_video.generate``: an image and a drawn stroke (or a camera) to a finished video, no ComfyUI.

backend "render": the 2.5D parallax render (``pipelines/render.render_clip``, no weights); backend "svd": Stable
Video Diffusion on diffusers' components guided by that render (``pipelines/svd_diffusers``, the node's guidance);
backend "wan_vace": Wan 2.1 VACE on diffusers' ``WanVACEPipeline`` with the render as its guide (control video,
generate mask, reference: ``pipelines/guide.wan_guide``, ``pipelines/wan_vace_diffusers``).
Then the optional finish (``pipelines/finish.finish_clip``) and, with ``out``, the video file (``video/write.py``).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from ..camera.moves import build_trajectory
from ..camera.path import DrawnPath, parse_path
from ..camera.presets import AUTO
from ..camera.trajectory import CameraTrajectory
from ..core import ProgressFn, params
from ..core.errors import excerpt
from ..core.filters import crop_to, resize

_S, _G, _T, _R = params.SVD, params.GENERATE, params.TRAJECTORY, params.RENDER
_WG, _WV = params.WAN_GUIDE, params.WAN_VACE


@dataclass
class Generated:
    """What :func:`generate` made: ``frames`` float32 [N, H, W, 3] in 0..1 on the CPU at ``fps``; the ``camera``
    used; ``out`` the written file (None when not asked); ``backend``; ``guide`` the guide renders (svd with
    guidance, wan_vace with guide "render"); ``mask`` the wan_vace generate mask [N, H, W] (1 = generated);
    ``steps`` what ran, in order (one line each)."""

    frames: torch.Tensor
    fps: float
    camera: CameraTrajectory
    backend: str
    out: Path | None = None
    guide: torch.Tensor | None = None
    steps: list[str] = field(default_factory=list)
    mask: torch.Tensor | None = None

    def write(self, path: str | Path) -> Path:
        """Write the frames as a video (``.mp4`` / ``.webm`` / ``.gif`` / ``.webp`` or a PNG folder)."""
        from ..video.write import write_video

        self.out = Path(write_video(self.frames.numpy(), self.fps, path))
        return self.out


def as_image(image) -> torch.Tensor:
    """A picture as float32 [H, W, 3] in 0..1 on the CPU: a file path, a PIL image, a uint8 / float array or
    tensor [H, W, C] (C = 1, 3, 4), or a ComfyUI IMAGE [1, H, W, C]."""
    from ..core.frames import to_rgb
    from .inputs import read_image

    if isinstance(image, (str, Path)):
        return read_image(image)
    if hasattr(image, "convert") and hasattr(image, "size"):  # PIL
        image = np.asarray(image.convert("RGB"))
    t = torch.as_tensor(np.asarray(image) if not isinstance(image, torch.Tensor) else image)
    if t.ndim == 4 and t.shape[0] == 1:
        t = t[0]
    if t.ndim == 2:
        t = t[..., None]
    if t.ndim != 3 or t.shape[-1] not in (1, 3, 4) or min(t.shape[:2]) < 1:
        raise ValueError(f"image must be a picture [H, W, 3] (file, PIL, array or tensor), got shape "
                         f"{tuple(t.shape)}")
    t = t.float() / 255.0 if t.dtype == torch.uint8 else t.float()
    if not torch.isfinite(t).all():
        raise ValueError("image has NaN or infinite values")
    return to_rgb(t[None].clamp(0, 1))[0].cpu().contiguous()


def _camera(image_hw, path, camera, preset, frames, fps, intensity) -> tuple[CameraTrajectory, list[str]]:
    if camera is not None:
        if isinstance(camera, (str, Path)) and Path(camera).suffix.lower() == ".json" and Path(camera).is_file():
            from .inputs import read_camera_file

            camera = read_camera_file(camera)
        elif isinstance(camera, str):
            camera = CameraTrajectory.from_json(camera)
        if not isinstance(camera, CameraTrajectory):
            raise ValueError(f"camera must be a CameraTrajectory, its JSON or a camera JSON file, got "
                             f"{type(camera).__name__}")
        if path is not None:
            raise ValueError("give a drawn path or a camera, not both")
        return camera, []
    h, w = image_hw
    drawn = None
    if path is not None:
        if isinstance(path, DrawnPath):
            drawn = path
        elif isinstance(path, Path) or (isinstance(path, str) and not path.lstrip().startswith(("{", "["))):
            from .inputs import read_path_file

            drawn = read_path_file(path, w, h)
        else:
            drawn = parse_path(path, w, h)
    if drawn is None and preset == AUTO:
        raise ValueError("nothing says how the camera moves: give a drawn path, a camera or a preset name "
                         "(e.g. preset='dolly_in')")
    cam = build_trajectory(preset=preset, frames=frames, fps=fps, intensity=intensity, path=drawn)
    return cam, list(getattr(drawn, "warnings", []) or [])


def _finish_steps(finish) -> tuple[object, object, list]:
    """``finish`` items -> (stabilize, interpolate, effects) for ``finish_clip``: "temporal" (or a Stabilize),
    "interpolate" (or an Interpolate), anything else an effect name or Effect."""
    from .finish import Effect, Interpolate, Stabilize

    if isinstance(finish, str):
        finish = (finish,)
    stabilize = interpolate = None
    effects = []
    for item in finish or ():
        if isinstance(item, Stabilize) or item in ("temporal", "stabilize"):
            stabilize = item if isinstance(item, Stabilize) else True
        elif isinstance(item, Interpolate) or item == "interpolate":
            interpolate = item if isinstance(item, Interpolate) else Interpolate()
        elif isinstance(item, (Effect, str)):
            effects.append(item)
        else:
            raise ValueError(f"finish items are 'temporal', 'interpolate', effect names or Stabilize / Interpolate "
                             f"/ Effect settings, got {excerpt(item)}")
    return stabilize, interpolate, effects


def generate(image, path=None, *, camera=None, preset: str = AUTO, frames: int | None = None,
             fps: float | None = None, intensity: float = _T["intensity"].default,
             backend: str = _G["backend"].default, svd_model=None, guidance: str = _S["guidance"].default,
             strength: float = _S["strength"].default, release: float = _S["release"].default,
             denoise: float = _G["denoise"].default, steps: int = _G["steps"].default, seed: int = 0,
             depth=None, depth_kind: str = _R["depth_kind"].default, finish: Sequence = (),
             width: int | None = None, height: int | None = None,
             motion_bucket_id: int = _S["motion_bucket_id"].default,
             augmentation_level: float = _S["augmentation_level"].default,
             min_guidance_scale: float = _G["min_guidance_scale"].default,
             max_guidance_scale: float = _G["max_guidance_scale"].default,
             decode_chunk_size: int = _G["decode_chunk_size"].default, cpu_offload: bool = False,
             wan_model=None, prompt: str = "", negative_prompt: str = "", wan_guide: str = _WV["guide"].default,
             guidance_scale: float = _WV["guidance_scale"].default,
             conditioning_scale: float = _WV["conditioning_scale"].default,
             device: str = "auto", out: str | Path | None = None, on_progress: ProgressFn = None) -> Generated:
    """An image moved along a drawn stroke (or a camera, or a preset) into a video.

    Args:
        image: file path, PIL image, array or tensor [H, W, 3] (0..1 float or uint8).
        path: drawn path (DrawnPath, JSON text/dict or a JSON file); ``preset`` "auto" reads the move from it.
        camera: a CameraTrajectory (or its JSON / a JSON file) instead of a path. preset: a preset name or "auto".
        frames, fps, intensity: the move (frames default: 25, 81 for wan_vace, which needs 4n + 1; fps default:
            the trajectory's 12 for render, SVD's 7 for svd, Wan's 16 for wan_vace).
        backend: "render" (2.5D, no weights), "svd" (needs ``svd_model``, a local diffusers SVD folder or an
            already loaded :class:`~draw_to_video.pipelines.svd_diffusers.SVDModel`) or "wan_vace" (needs
            ``wan_model``, a local diffusers Wan VACE folder or a loaded ``WanVACEPipeline``).
        guidance, strength, release, denoise, steps, seed, width, height, motion_bucket_id, augmentation_level,
        min/max_guidance_scale, decode_chunk_size, cpu_offload: the SVD settings (``core/params.SVD``, ``GENERATE``).
        wan_model, prompt, negative_prompt, wan_guide, guidance_scale, conditioning_scale: the wan_vace settings
            (``core/params.WAN_VACE``; width / height default 832 x 480, multiples of 16; steps, seed, cpu_offload
            shared with svd).
        depth, depth_kind: optional depth map of the image (file, array, tensor); default: estimated.
        finish: ("temporal", "interpolate", effect names...) or Stabilize / Interpolate / Effect settings.
        device: auto (CUDA fp16 when present, else CPU fp32) | cpu | cuda. out: write the video there too.
        on_progress: ``(done, total)`` per rendered frame / denoising step / finishing frame.
    Raises:
        ValueError, FileNotFoundError: bad input, saying what to fix; MemoryError: out of memory, saying which
        setting helps.
    """
    from .inputs import pick_device

    backend = _G["backend"].check(backend, "backend")
    frames, fps, width, height = _backend_defaults(backend, frames, fps, width, height)
    intensity = float(_T["intensity"].check(intensity, "intensity"))
    move = Move(path=path, camera=camera, preset=preset, frames=frames, fps=fps, intensity=intensity)
    shared = Shared(width=width, height=height, steps=steps, seed=seed, cpu_offload=cpu_offload, depth=depth,
                    depth_kind=depth_kind, on_progress=on_progress)
    if out is not None:
        from ..video.write import check_output

        check_output(out)  # before any work
    stabilize, interpolate, effects = _finish_steps(finish)
    img = as_image(image)
    dev = pick_device(device)
    if backend == "render":
        made = _render(img, dev, move, shared)
    elif backend == "wan_vace":
        made = _wan_vace(img, dev, move, shared, WanSettings(
            wan_model=wan_model, prompt=prompt, negative_prompt=negative_prompt, wan_guide=wan_guide,
            guidance_scale=guidance_scale, conditioning_scale=conditioning_scale))
    else:
        made = _svd(img, dev, move, shared, SVDSettings(
            svd_model=svd_model, guidance=guidance, strength=strength, release=release, denoise=denoise,
            motion_bucket_id=motion_bucket_id, augmentation_level=augmentation_level,
            min_guidance_scale=min_guidance_scale, max_guidance_scale=max_guidance_scale,
            decode_chunk_size=decode_chunk_size))
    steps_done = [f"warning: {w}" for w in made.warnings] + [made.line]
    clip, fps = _finished(made, stabilize, interpolate, effects, steps_done, on_progress)
    result = Generated(frames=clip, fps=float(fps), camera=made.camera, backend=backend, guide=made.guide,
                       steps=steps_done, mask=made.mask)
    if out is not None:
        result.write(out)
    return result


def _backend_defaults(backend: str, frames, fps, width, height) -> tuple[int, float, int, int]:
    """frames (checked), fps, width, height with the backend's defaults for the ones given as None: 25 frames (81
    for wan_vace), fps 12 / 7 / 16 (render / svd / wan_vace), size 1024 x 576 (svd) or 832 x 480 (wan_vace)."""
    wan = backend == "wan_vace"
    frames = _T["frames"].check((_WG["length"].default if wan else _T["frames"].default) if frames is None
                                else frames, "frames")
    if fps is None:
        fps = {"render": _T["fps"].default, "svd": _G["svd_fps"].default}.get(backend, _WV["fps"].default)
    sizes = _WG if wan else _G
    return (frames, fps, sizes["width"].default if width is None else width,
            sizes["height"].default if height is None else height)


def _finished(made: _Made, stabilize, interpolate, effects: list, steps_done: list[str],
              on_progress: ProgressFn) -> tuple[torch.Tensor, float]:
    """The backend's clip and fps after the finish steps (``finish_clip``; unchanged when none), whose lines are
    appended to ``steps_done``."""
    if not (stabilize or interpolate is not None or effects):
        return made.clip, made.fps
    from .finish import finish_clip

    done = finish_clip(made.clip, made.fps, stabilize=stabilize, interpolate=interpolate, effects=effects,
                       camera=made.camera, on_progress=on_progress)
    steps_done.extend(done.steps)
    return done.frames, done.fps


@dataclass(frozen=True)
class Move:
    """How the camera moves (:func:`generate`'s ``path``, ``camera``, ``preset``, ``frames``, ``fps``,
    ``intensity``; frames and fps already defaulted for the backend, fps checked by each backend)."""

    path: object
    camera: object
    preset: str
    frames: int
    fps: float
    intensity: float

    def trajectory(self, image_hw: tuple[int, int], frames: int | None = None,
                   fps: float | None = None) -> tuple[CameraTrajectory, list[str]]:
        """The camera for a picture of ``image_hw`` (H, W), with the backend's checked ``frames`` / ``fps``."""
        return _camera(image_hw, self.path, self.camera, self.preset, self.frames if frames is None else frames,
                       self.fps if fps is None else fps, self.intensity)


@dataclass(frozen=True)
class Shared:
    """Settings every backend reads (the size, steps, seed and offload are the generative backends')."""

    width: int
    height: int
    steps: int
    seed: int
    cpu_offload: bool
    depth: object
    depth_kind: str
    on_progress: ProgressFn = None


@dataclass(frozen=True)
class SVDSettings:
    """The svd backend's own settings (``core/params.SVD``, ``GENERATE``)."""

    svd_model: object
    guidance: str
    strength: float
    release: float
    denoise: float
    motion_bucket_id: int
    augmentation_level: float
    min_guidance_scale: float
    max_guidance_scale: float
    decode_chunk_size: int


@dataclass(frozen=True)
class WanSettings:
    """The wan_vace backend's own settings (``core/params.WAN_VACE``)."""

    wan_model: object
    prompt: str
    negative_prompt: str
    wan_guide: str
    guidance_scale: float
    conditioning_scale: float


@dataclass
class _Made:
    """A backend's output: ``clip`` [N, H, W, 3] float 0..1 on the CPU at ``fps``, the ``camera``, the warnings,
    its one-line report, and the guide renders / generate mask when it made them."""

    clip: torch.Tensor
    fps: float
    camera: CameraTrajectory
    warnings: list[str]
    line: str
    guide: torch.Tensor | None = None
    mask: torch.Tensor | None = None


def _render(img: torch.Tensor, dev: torch.device, move: Move, shared: Shared) -> _Made:
    """The render backend: the 2.5D parallax render of ``img`` ([H, W, 3]) along the move."""
    from .render import render_clip

    fps = float(_T["fps"].check(move.fps, "fps"))
    cam, warnings = move.trajectory(img.shape[:2], fps=fps)
    result = render_clip(img.to(dev), cam, shared.depth, depth_kind=shared.depth_kind,
                         on_progress=shared.on_progress)
    clip = result.frames.float().cpu()
    return _Made(clip, float(cam.fps), cam, warnings,
                 f"render: {cam.frames} frames {clip.shape[2]}x{clip.shape[1]} ({cam.preset})")


def _svd(img: torch.Tensor, dev: torch.device, move: Move, shared: Shared, svd: SVDSettings) -> _Made:
    """The svd backend: SVD on diffusers' components, guided by the render, at the cropped picture's size."""
    from .svd_diffusers import SVDModel, load_svd, sample_svd

    fps = int(_G["svd_fps"].check(move.fps, "fps"))
    width = int(_G["width"].check(shared.width, "width"))
    height = int(_G["height"].check(shared.height, "height"))
    if svd.svd_model is None:
        raise ValueError("backend 'svd' needs svd_model: the local folder of a diffusers SVD model "
                         "(e.g. stable-video-diffusion-img2vid-xt)")
    model = svd.svd_model if isinstance(svd.svd_model, SVDModel) else load_svd(
        svd.svd_model, dev, cpu_offload=_G["cpu_offload"].check(shared.cpu_offload, "cpu_offload"))
    pic = crop_to(img, width, height)
    cam, warnings = move.trajectory(pic.shape[:2], fps=float(fps))
    depth_img = _crop_depth(shared.depth, img.shape[:2], width, height)
    res = sample_svd(model, pic, frames=cam.frames, camera=cam, depth=depth_img, depth_kind=shared.depth_kind,
                     guidance=svd.guidance, strength=svd.strength, release=svd.release, denoise=svd.denoise,
                     steps=shared.steps, seed=shared.seed, fps=fps, motion_bucket_id=svd.motion_bucket_id,
                     augmentation_level=svd.augmentation_level, min_guidance_scale=svd.min_guidance_scale,
                     max_guidance_scale=svd.max_guidance_scale, decode_chunk_size=svd.decode_chunk_size,
                     on_progress=shared.on_progress)
    line = (f"svd: {cam.frames} frames {width}x{height}, {res.steps} steps, guidance {svd.guidance}, "
            f"seed {shared.seed}, motion bucket {res.motion_bucket_id}")
    return _Made(res.frames, float(fps), cam, warnings, line, guide=res.guide)


def _wan_vace(img: torch.Tensor, dev: torch.device, move: Move, shared: Shared, wan: WanSettings) -> _Made:
    """The wan_vace backend: guide (unless ``wan_guide`` is "none"), then diffusers' WanVACEPipeline."""
    from ..conditioning.wan_guide import check_guide_length, check_wan_size
    from .guide import wan_guide as make_guide
    from .wan_vace_diffusers import load_wan_vace, sample_wan_vace

    fps = int(_WV["fps"].check(move.fps, "fps"))
    length = check_guide_length(move.frames)
    width, height = check_wan_size(shared.width, shared.height)
    wan_guide = _WV["guide"].check(wan.wan_guide, "wan_guide")
    if wan.wan_model is None:
        raise ValueError("backend 'wan_vace' needs wan_model: the local folder of a diffusers Wan VACE model "
                         "(e.g. Wan2.1-VACE-1.3B-diffusers)")
    pipe = wan.wan_model if hasattr(wan.wan_model, "transformer") and callable(wan.wan_model) else load_wan_vace(
        wan.wan_model, dev, cpu_offload=_G["cpu_offload"].check(shared.cpu_offload, "cpu_offload"))
    cam, warnings = move.trajectory(img.shape[:2], frames=length, fps=float(fps))
    guide = None
    if wan_guide == "render":
        guide = make_guide(img.to(dev), cam, shared.depth, width=width, height=height, length=length,
                           depth_kind=shared.depth_kind)
        warnings = warnings + guide.notes
    clip = sample_wan_vace(pipe, guide, prompt=wan.prompt, negative_prompt=wan.negative_prompt, width=width,
                           height=height, length=length, steps=shared.steps, guidance_scale=wan.guidance_scale,
                           conditioning_scale=wan.conditioning_scale, seed=shared.seed,
                           on_progress=shared.on_progress)
    line = (f"wan_vace: {length} frames {width}x{height}, {shared.steps} steps, guide {wan_guide}, "
            f"seed {shared.seed}" + ("" if guide is None else f", {100 * float(guide.mask.mean()):.0f} % generated"))
    return _Made(clip, float(fps), cam, warnings, line,
                 guide=None if guide is None else guide.control.float().cpu(),
                 mask=None if guide is None else guide.mask.float().cpu())


def _crop_depth(depth, image_hw, width: int, height: int):
    """A depth map of the original picture cropped and resized like it (files are read first)."""
    if depth is None:
        return None
    from ..render.depth import load_depth

    if isinstance(depth, (str, Path)):
        depth = load_depth(depth, "depth")  # raw values kept: renormalized later as the caller's kind
    d = torch.as_tensor(np.asarray(depth) if not isinstance(depth, torch.Tensor) else depth).float().cpu()
    if d.ndim == 4:
        d = d[0]
    if d.ndim == 2:
        d = d[..., None]
    if d.ndim != 3:
        raise ValueError(f"depth must be a map [H, W] (or [H, W, C]), got shape {tuple(d.shape)}")
    if abs(d.shape[1] / d.shape[0] - image_hw[1] / image_hw[0]) > 0.02 * image_hw[1] / image_hw[0]:
        raise ValueError(f"the depth map is {d.shape[1]}x{d.shape[0]}, not the picture's aspect "
                         f"({image_hw[1]}x{image_hw[0]}): give the depth of this picture")
    d = resize(d.permute(2, 0, 1)[None], image_hw)[0].permute(1, 2, 0)
    return crop_to(d, width, height, clamp=False)
