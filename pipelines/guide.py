"""The Wan guide job: picture + camera (+ depth) -> control video, generate mask, depth video, reference image.

:func:`wan_guide` is what the Render Guide (Wan) node, ``generate(backend="wan_vace")`` and the GPU benchmark call.
The picture is centre-cropped to the video's aspect and resized to exactly ``width x height`` *before* rendering,
so the guide needs no resize after it (core's ``WanVaceToVideo`` would otherwise rescale it silently); the camera
is resampled to ``length`` frames. The render is explicit: overscan off (the exact camera the user drew; a zoom would
change the move the model is asked for) and the fill the caller chose. Tensor conventions are in
``conditioning/wan_guide.py``.
"""

from __future__ import annotations

import torch

from ..camera.trajectory import CameraTrajectory, resample_trajectory
from ..conditioning.wan_guide import (
    WanGuide,
    check_guide_length,
    check_wan_size,
    depth_video,
    fit_box,
    generate_mask,
)
from ..core import ProgressFn, limits, params
from ..core.filters import resize
from ..render.depth import load_depth_input, normalize_depth
from ..render.reproject import render_views

_W = params.WAN_GUIDE


def fit_picture(image: torch.Tensor, width: int, height: int) -> tuple[torch.Tensor, str | None]:
    """[H, W, 3] -> ([height, width, 3], note): centre crop to the aspect, antialiased bilinear resize; the note
    says what changed (None when the picture already had that size)."""
    from ..core.filters import crop_to  # the same crop and resize as the SVD backend's picture

    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return image, None
    _, _, ch, cw = fit_box((h, w), width, height)
    what = f"cropped to {cw}x{ch} and " if (ch, cw) != (h, w) else ""
    note = f"the {w}x{h} picture was {what}resized to {width}x{height} (the video's size)"
    return crop_to(image, width, height), note


def _fit_depth(z: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """A normalized [H, W] depth cropped and resized like :func:`fit_picture`, renormalized (median 1)."""
    h, w = z.shape
    if (h, w) == (height, width):
        return z
    top, left, ch, cw = fit_box((h, w), width, height)
    crop = z[top:top + ch, left:left + cw]
    return normalize_depth(resize(crop[None, None], (height, width))[0, 0], "depth")


def wan_guide(image: torch.Tensor, camera: CameraTrajectory, depth=None, *, width: int = _W["width"].default,
              height: int = _W["height"].default, length: int = _W["length"].default,
              grow: int = _W["grow"].default, feather: float = _W["feather"].default,
              stretch: float = _W["stretch"].default, fill: str = _W["fill"].default,
              depth_kind: str = _W["depth_kind"].default, on_progress: ProgressFn = None) -> WanGuide:
    """Render ``image`` along ``camera`` as a Wan guide (see ``conditioning/wan_guide.py`` for the conventions).

    Args:
        image: [H, W, 3] float 0..1 tensor (the render runs on its device).
        camera: the move, at least 2 frames; resampled to ``length`` frames (same duration).
        depth: None (the built-in estimate) or a raw depth map as ``render_clip`` takes it, read as ``depth_kind``.
        width, height: multiples of 16. length: 4n + 1, at most ``params.WAN_MAX_LENGTH``.
        grow, feather, stretch, fill: ``params.WAN_GUIDE``.
        on_progress: ``(done, total)`` per rendered frame.
    Returns:
        :class:`WanGuide` on the image's device; ``notes`` says what was cropped, resized or resampled.
    Raises:
        ValueError: a size or length Wan cannot take, a one-frame camera, NaN depth, a parameter out of range.
    """
    if not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a camera trajectory (Cinematic Camera Trajectory node, build_trajectory or "
                         f"a camera JSON file), got {type(camera).__name__}")
    width, height = check_wan_size(width, height)
    length = check_guide_length(length)
    grow = int(_W["grow"].check(grow, "grow"))
    feather = float(_W["feather"].check(feather, "feather"))
    stretch = float(_W["stretch"].check(stretch, "stretch"))
    fill = _W["fill"].check(fill, "fill")
    depth_kind = _W["depth_kind"].check(depth_kind, "depth_kind")
    if camera.frames < 2:
        raise ValueError("the camera has 1 frame: a guide needs a move (at least 2 frames; set frames on the "
                         "Cinematic Camera Trajectory)")
    if not isinstance(image, torch.Tensor) or image.ndim != 3 or image.shape[-1] < 3:
        shape = tuple(image.shape) if isinstance(image, torch.Tensor) else type(image).__name__
        raise ValueError(f"image must be one RGB image tensor [H, W, 3], got {shape}")
    if min(image.shape[:2]) < limits.MIN_RENDER_SIDE:
        raise ValueError(f"the image is {image.shape[1]}x{image.shape[0]} pixels; the guide needs at least "
                         f"{limits.MIN_RENDER_SIDE} a side: upscale it first")
    if not bool(torch.isfinite(image).all()):
        raise ValueError("the image has NaN or infinite values")
    limits.check_budget(limits.render_bytes(height, width, length) * 2,
                        f"a {length}-frame guide at {width}x{height}", "lower width, height or length")
    notes = []
    src = image[..., :3].float().clamp(0, 1)
    z = None
    if depth is not None:
        z = load_depth_input(depth, depth_kind, tuple(src.shape[:2]), src.device)
        if not bool(torch.isfinite(z).all()):
            raise ValueError("the depth map has NaN or infinite values: give a clean depth map or none")
        z = _fit_depth(z, width, height)
    pic, note = fit_picture(src, width, height)
    if note:
        notes.append(note)
    cam = camera
    if camera.frames != length:
        cam = resample_trajectory(camera, length)
        notes.append(f"the {camera.frames}-frame camera was resampled to {length} frames (Wan's 4n + 1)")
    result = render_views(pic, cam, z, fill=fill, overscan=1.0, guide_maps=True, on_progress=on_progress)
    mask, stretched = generate_mask(result.holes, result.magnification, grow=grow, feather=feather, stretch=stretch)
    dvideo = depth_video(result.frame_depth)
    if float(mask.max()) == 0.0:
        notes.append("the generate mask is empty (no holes or stretched pixels): the model keeps the whole render")
    return WanGuide(control=result.frames, mask=mask, depth=dvideo, reference=pic[None].contiguous(),
                    holes=result.holes, stretched=stretched, fps=float(cam.fps), notes=notes)
