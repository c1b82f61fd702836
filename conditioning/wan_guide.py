"""The render as a guide for Wan VACE and Wan Fun Control: control video, generate mask and depth video.

Pure torch on whatever device the tensors are on; no ComfyUI. The conventions are core ComfyUI 0.3.64's:

* Sizes: Wan's VAE downsamples 8x in space and 4x in time and its transformer patches 2x2 latents, so a clip is
  ``width x height`` with both multiples of 16 and ``length = 4n + 1`` frames (``WanVaceToVideo``,
  ``WanFunControlToVideo`` and ``Wan22FunControlToVideo`` take ``width`` / ``height`` in steps of 16 and ``length``
  in steps of 4 from 1). :func:`check_wan_size` refuses anything else with the nearest legal values; the guide is
  rendered at exactly that size (the picture is centre-cropped to the aspect first), so core never resizes it.
* Control video: the rendered frames, float ``[L, H, W, 3]`` in 0..1 (``WanVaceToVideo.control_video``).
* Generate mask (``WanVaceToVideo.control_masks``, ``[L, H, W]``): **1 = generate**, 0 = keep. Core composes
  ``inactive = (video - 0.5) * (1 - mask) + 0.5`` and ``reactive = (video - 0.5) * mask + 0.5``, so where the mask
  is 1 the model sees grey and makes the pixels. The mask is the render's holes plus its stretched pixels (area
  magnification above ``stretch``), grown by ``grow`` px and feathered outward: every hole and stretched pixel is
  exactly 1 (:func:`generate_mask`).
* Depth video: core's Fun Control templates feed ``control_video`` from a preprocessor (Canny in
  ``wan2.1_fun_control`` and ``video_wan2_2_5B_fun_control``, a pre-made depth clip in ``video_wan_vace_14B_v2v``);
  VideoX-Fun trains the depth control on Depth-Anything-style maps: relative **disparity, near = bright**, grey RGB
  in 0..1. :func:`depth_video` renders that from each frame's own z-depth (``RenderResult.frame_depth``): ``1 / z``
  normalized once over the whole clip (1st..99th percentile to 0..1), so brightness does not flicker between frames
  and a dolly-in brightens what comes closer.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import torch
import torch.nn.functional as F

from ..core.filters import gaussian_blur
from ..core.params import WAN_MAX_LENGTH
from .wan import FRAMES_PER_LATENT, check_wan_length

SIZE_STEP = 16
"""Wan frame sides are multiples of this (VAE 8x, patch 2x)."""


@dataclass
class WanGuide:
    """A render made into a Wan guide, all on one device, ``L = 4n + 1`` frames at ``H x W`` (multiples of 16).

    control: [L, H, W, 3] float 0..1, the rendered frames. mask: [L, H, W] float 0..1, 1 = generate. depth:
    [L, H, W, 3] float 0..1, disparity through each frame's camera (near bright). reference: [1, H, W, 3], the
    picture as the video frames it (frame 0 before any move). holes: [L, H, W] the raw holes (1 = nothing
    rendered), stretched: [L, H, W] the raw stretched pixels, both before growing. notes: what was adjusted to fit
    (one line each)."""

    control: torch.Tensor
    mask: torch.Tensor
    depth: torch.Tensor
    reference: torch.Tensor
    holes: torch.Tensor
    stretched: torch.Tensor
    fps: float
    notes: list[str] = field(default_factory=list)

    @property
    def length(self) -> int:
        return int(self.control.shape[0])

    @property
    def width(self) -> int:
        return int(self.control.shape[2])

    @property
    def height(self) -> int:
        return int(self.control.shape[1])


def check_wan_side(name: str, value) -> int:
    """One side of a Wan frame as an int when it is a positive multiple of 16; ``ValueError`` naming the nearest."""
    if isinstance(value, bool) or not isinstance(value, int) or value < SIZE_STEP:
        raise ValueError(f"{name} must be a whole number of pixels >= {SIZE_STEP}, got {value!r}")
    if value % SIZE_STEP:
        lo = value - value % SIZE_STEP
        near = f"{lo} or {lo + SIZE_STEP}" if lo >= SIZE_STEP else f"{SIZE_STEP}"
        raise ValueError(f"Wan needs a {name} that is a multiple of {SIZE_STEP}; got {value}: use {near}")
    return int(value)


def check_wan_size(width, height) -> tuple[int, int]:
    """``(width, height)`` as ints when both are positive multiples of 16; ``ValueError`` naming the nearest."""
    return check_wan_side("width", width), check_wan_side("height", height)


def check_guide_length(length) -> int:
    """A Wan clip length (4n + 1) no longer than ``WAN_MAX_LENGTH``; ``ValueError`` saying what to use."""
    length = check_wan_length(length)
    if length > WAN_MAX_LENGTH:
        raise ValueError(f"a Wan guide of {length} frames is longer than the models allow ({WAN_MAX_LENGTH} at "
                         f"most; Wan 2.1 was trained on 81): lower length, or split the move into shots")
    return length


def legal_length(frames: int) -> int:
    """The longest Wan length (4n + 1, at most ``WAN_MAX_LENGTH``) that ``frames`` frames can fill (>= 1)."""
    if int(frames) < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    n = min(int(frames), WAN_MAX_LENGTH)
    return n - (n - 1) % FRAMES_PER_LATENT


def fit_box(src_hw: tuple[int, int], width: int, height: int) -> tuple[int, int, int, int]:
    """The centred crop ``(top, left, h, w)`` of a ``src_hw`` picture that has the aspect of ``width x height``."""
    h, w = int(src_hw[0]), int(src_hw[1])
    if w * height > h * width:  # too wide: crop the sides
        cw = max(1, min(w, round(h * width / height)))
        return 0, (w - cw) // 2, h, cw
    ch = max(1, min(h, round(w * height / width)))
    return (h - ch) // 2, 0, ch, w


def dilate(mask: torch.Tensor, radius: int) -> torch.Tensor:
    """[F, H, W] binary (0/1 float) grown by ``radius`` pixels (a square structuring element, max pooling)."""
    if radius <= 0:
        return mask
    k = 2 * int(radius) + 1
    return F.max_pool2d(mask[:, None], k, stride=1, padding=int(radius))[:, 0]


def generate_mask(holes: torch.Tensor, magnification: torch.Tensor, *, grow: int, feather: float,
                  stretch: float) -> tuple[torch.Tensor, torch.Tensor]:
    """VACE's generate mask of a render: ``(mask, stretched)``, both [F, H, W] float on the input's device.

    holes: [F, H, W] 1 where the render shows nothing of the picture. magnification: [F, H, W] per-pixel area
    magnification (``RenderResult.magnification``, 0 in holes). stretched = magnification > ``stretch``. The mask
    is (holes or stretched) grown by ``grow`` px, then feathered outward with a Gaussian of sigma ``feather``: the
    blur is only ever added outside, ``mask = max(grown, blur(grown))``, so every hole and stretched pixel is 1.
    """
    if holes.ndim != 3 or holes.shape != magnification.shape:
        raise ValueError(f"holes and magnification must both be [F, H, W], got {tuple(holes.shape)} and "
                         f"{tuple(magnification.shape)}")
    if holes.shape[0] == 0:
        raise ValueError("the render has no frames: the guide needs at least one (check the camera)")
    if not bool(torch.isfinite(magnification).all()):
        raise ValueError("the render's magnification has NaN or infinite values: check the depth map")
    stretched = (magnification > float(stretch)).float()
    grown = dilate(torch.maximum((holes > 0.5).float(), stretched), int(grow))
    if feather > 0:
        grown = torch.maximum(grown, gaussian_blur(grown[:, None], float(feather))[:, 0].clamp(0, 1))
    return grown.contiguous(), stretched


def depth_video(frame_depth: torch.Tensor, low: float = 0.01, high: float = 0.99) -> torch.Tensor:
    """[F, H, W] z-depth through each frame's camera -> [F, H, W, 3] grey disparity in 0..1, near = bright.

    ``1 / z`` is mapped to 0..1 with one range for the whole clip: its ``low`` and ``high`` quantiles (of at most
    ~1M samples, a strided subset) go to 0 and 1, values past them are clamped.
    """
    if frame_depth.ndim != 3 or frame_depth.shape[0] == 0:
        raise ValueError(f"frame depth must be [F, H, W] with F >= 1, got {tuple(frame_depth.shape)}")
    if not bool(torch.isfinite(frame_depth).all()) or bool((frame_depth <= 0).any()):
        raise ValueError("the depth through the camera has NaN, infinite or non-positive values: give a depth map "
                         "without NaN or zeros (or leave depth empty for the built-in estimate)")
    disp = 1.0 / frame_depth.float()
    flat = disp.flatten()
    sample = flat[:: max(1, flat.numel() // 1_000_000)]
    lo, hi = torch.quantile(sample, torch.tensor([low, high], device=sample.device, dtype=sample.dtype))
    if float(hi - lo) <= 1e-12:  # a flat scene: one grey
        out = torch.full_like(disp, 0.5)
    else:
        out = ((disp - lo) / (hi - lo)).clamp(0, 1)
    return out[..., None].expand(*out.shape, 3).contiguous()
