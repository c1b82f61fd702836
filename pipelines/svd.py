"""SVD image encode with camera motion: the whole job of the SVD Image Encode (with motion) node as one function.

The sequence (the guidance math itself is ``conditioning/svd.py``, the renders ``pipelines/render.render_clip``):

1. the core node's conditioning, computed exactly as core ``SVD_img2vid_Conditioning`` does (same calls, same
   order, same tensors), so with no camera the outputs are the core node's;
2. the frame count and motion bucket: 0 = from the camera (core defaults 14 and 127 without one);
3. the camera resampled to that many frames, relative to its first pose;
4. 2.5D renders of the init image along it (holes = what the image does not show);
5. "init" / "dual_clock": the VAE-encoded renders become the latent, with a per-frame noise mask (frame 0 kept,
   holes free, visible cells held by ``strength``); "dual_clock" also patches the model's denoise mask function
   with the release schedule;
6. the guide preview (renders with holes tinted, above the noise mask).

ComfyUI's objects are passed in and used by duck typing only, so this module imports no ComfyUI:
``clip_vision.encode_image(image).image_embeds``, ``vae.encode(pixels [B,H,W,3]) -> [B,4,h,w]``,
``model.clone()``, ``model.model_options`` and ``model.set_model_denoise_mask_function(fn)``. The resize of the
init image is passed in too (``resize``): the node hands over ComfyUI's own upscale (bilinear, center crop), which
is what makes the conditioning identical to the core node's.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import torch

from ..camera.trajectory import CameraTrajectory, resample_trajectory
from ..conditioning import svd as guidance_math
from ..core import ProgressFn, params
from ..core.errors import excerpt
from .render import render_clip

ResizeFn = Callable[[torch.Tensor, int, int], torch.Tensor]
"""``resize(images [B, H, W, C], width, height) -> [B, height, width, C]`` (center crop to the new aspect, then
bilinear)."""

MIN_SIDE = 16
"""Smallest width / height (the core node's minimum)."""

_S = params.SVD


@dataclass
class SVDEncoding:
    """The node's outputs: ``positive``, ``negative`` (CONDITIONING), ``latent`` (LATENT dict: ``samples``
    [F, 4, h, w] and, when guided, ``noise_mask`` [F, 1, h, w]), ``model`` (patched for dual_clock, else the input),
    ``guide`` (IMAGE: tinted renders [F, H, W, 3] over the noise mask [F, H, W, 3] when guided, just the renders
    for "off", the resized init image without a camera); plus the ``frames`` and ``motion_bucket_id`` used."""

    positive: list
    negative: list
    latent: dict
    model: Any
    guide: torch.Tensor
    frames: int
    motion_bucket_id: int


def core_conditioning(clip_vision, vae, init_image: torch.Tensor, width: int, height: int, frames: int,
                      motion_bucket_id: int, fps: int, augmentation_level: float, resize: ResizeFn):
    """Exactly core ``SVD_img2vid_Conditioning``'s computation.

    Returns ``(positive, negative, latent, clean)``: ``clean`` is the resized init image [1, height, width, 3]
    before any augmentation noise (what the camera renders start from).
    """
    output = clip_vision.encode_image(init_image)
    pooled = output.image_embeds.unsqueeze(0)
    pixels = resize(init_image, width, height)
    clean = pixels[:1, :, :, :3].clone()
    encode_pixels = pixels[:, :, :, :3]
    if augmentation_level > 0:
        encode_pixels += torch.randn_like(pixels) * augmentation_level
    t = vae.encode(encode_pixels)
    positive, negative = guidance_math.svd_conditioning(pooled, t, motion_bucket_id, fps, augmentation_level)
    return positive, negative, guidance_math.empty_latent(frames, width, height), clean


def patch_dual_clock(model, release: float, frames: int):
    """A clone of ``model`` whose denoise mask function holds the visible cells until ``release``; a function
    already on the model (e.g. Differential Diffusion) is chained after it."""
    patched = model.clone()
    previous = patched.model_options.get("denoise_mask_function")
    patched.set_model_denoise_mask_function(guidance_math.DualClockMask(release=float(release), frames=frames,
                                                                        then=previous))
    return patched


def render_guide(image: torch.Tensor, camera: CameraTrajectory, frames: int, depth=None, *,
                 depth_kind: str = _S["depth_kind"].default,
                 on_progress: ProgressFn = None) -> tuple[torch.Tensor, torch.Tensor]:
    """The camera guide of an SVD run (the node and the diffusers pipeline share it): ``image`` rendered along
    ``camera`` (relative to its first pose, resampled to ``frames``), exact camera (no overscan), holes filled
    from the background; frame 0 is ``image`` itself.

    Args:
        image: [H, W, 3] float 0..1 at the video's size. depth: None or a depth map of it (``render_clip``).
    Returns:
        (renders [frames, H, W, 3], holes [frames, H, W], 1 = the image does not show it; frame 0 has none).
    Raises:
        ValueError: a guide too large to render, or a bad depth.
    """
    h, w = image.shape[:2]
    guidance_math.check_guide_size(frames, w, h)
    cam = resample_trajectory(camera.relative_to_first(), frames)
    rendered = render_clip(image, cam, depth, depth_kind=depth_kind, fill="background", overscan="off",
                           move_cap="off", on_progress=on_progress)  # the guide is the exact camera
    renders, holes = rendered.frames, rendered.holes
    renders[0] = image.to(renders.device, renders.dtype)  # frame 0 is the init image itself
    return renders, holes


def encode_with_motion(clip_vision, vae, init_image: torch.Tensor, width: int = 1024, height: int = 576, *,
                       resize: ResizeFn, video_frames: int = _S["video_frames"].default,
                       motion_bucket_id: int = _S["motion_bucket_id"].default, fps: int = _S["fps"].default,
                       augmentation_level: float = _S["augmentation_level"].default,
                       camera: CameraTrajectory | None = None, depth=None, model=None,
                       guidance: str = _S["guidance"].default, strength: float = _S["strength"].default,
                       release: float = _S["release"].default, depth_kind: str = _S["depth_kind"].default,
                       device: torch.device | str | None = None, output_device: torch.device | str | None = None,
                       on_progress: ProgressFn = None) -> SVDEncoding:
    """SVD image conditioning that follows ``camera`` (module docstring: the sequence and the duck types).

    Args:
        clip_vision, vae, model: ComfyUI's CLIP_VISION, VAE and (optional) MODEL objects.
        init_image: IMAGE [B, H, W, C] float 0..1; resized to ``width`` x ``height`` with ``resize``.
        video_frames, motion_bucket_id: 0 = from the camera. fps, augmentation_level: as the core node.
        camera: the move; None = exactly the core node (the guide output is the resized init image).
        depth: optional depth IMAGE of the init image (resized like it; read as ``depth_kind``).
        guidance: "off" | "init" | "dual_clock" (``core/params.GUIDANCE_MODES``); "dual_clock" needs ``model``.
        strength, release: how firmly and how long visible cells are held (``core/params.SVD``).
        device: where the renders run (default: the init image's); output_device: where the outputs go.
        on_progress: ``on_progress(done, total)`` after every rendered frame.
    Raises:
        ValueError: a bad input or setting, or a guide too large to render, saying what to fix.
    """
    guidance = _S["guidance"].check(guidance, "guidance")
    if not isinstance(init_image, torch.Tensor) or init_image.ndim != 4 or init_image.shape[0] < 1:
        raise ValueError("init_image must be an IMAGE batch [B, H, W, C] with at least one image")
    if camera is not None and not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a camera trajectory (Cinematic Camera Trajectory node), "
                         f"got {type(camera).__name__}")
    if camera is not None and guidance == "dual_clock" and model is None:
        raise ValueError("guidance 'dual_clock' needs the model input connected (and the node's MODEL output "
                         "going to the KSampler); connect it, or choose guidance 'init'")
    for name, value in (("width", width), ("height", height)):
        if isinstance(value, bool) or not isinstance(value, int) or value < MIN_SIDE:
            raise ValueError(f"{name} must be a whole number of pixels >= {MIN_SIDE}, got {excerpt(value)}")
    video_frames = _S["video_frames"].check(video_frames, "video_frames")
    motion_bucket_id = _S["motion_bucket_id"].check(motion_bucket_id, "motion_bucket_id")
    fps = _S["fps"].check(fps, "fps")
    augmentation_level = _S["augmentation_level"].check(augmentation_level, "augmentation_level")
    strength = float(_S["strength"].check(strength, "strength"))
    release = float(_S["release"].check(release, "release"))
    depth_kind = _S["depth_kind"].check(depth_kind, "depth_kind")
    device = torch.device(device) if device is not None else init_image.device
    out_dev = torch.device(output_device) if output_device is not None else init_image.device

    frames = guidance_math.resolve_frames(video_frames, camera)
    bucket = guidance_math.resolve_motion_bucket(motion_bucket_id, camera, width, height)
    positive, negative, latent, clean = core_conditioning(clip_vision, vae, init_image, width, height, frames,
                                                          bucket, fps, augmentation_level, resize)
    if camera is None:
        return SVDEncoding(positive, negative, latent, model, clean.to(out_dev), frames, bucket)

    depth_image = resize(depth[:1], width, height) if depth is not None else None
    renders, holes = render_guide(clean[0].to(device), camera, frames, depth_image, depth_kind=depth_kind,
                                  on_progress=on_progress)
    if guidance == "off":
        guide = guidance_math.guide_preview(renders, holes, None)
        return SVDEncoding(positive, negative, latent, model, guide.to(out_dev), frames, bucket)

    samples = vae.encode(renders.to(out_dev))
    noise_mask = guidance_math.guidance_noise_mask(holes, strength, latent_hw=tuple(samples.shape[-2:]))
    latent = {"samples": samples, "noise_mask": noise_mask}
    if guidance == "dual_clock":
        model = patch_dual_clock(model, release, frames)
    guide = guidance_math.guide_preview(renders.float().cpu(), holes.float().cpu(), noise_mask)
    return SVDEncoding(positive, negative, latent, model, guide.to(out_dev), frames, bucket)
