"""Camera guidance for Stable Video Diffusion on ComfyUI's own samplers (pure torch / numpy, no ``comfy``).

The training-free recipe follows two published methods:

* CamTrol (Hou et al., arXiv 2406.10126): render the input image along the camera path from a 3D point cloud
  and start the denoising from the noised renders, whose layout the video model keeps ("init" mode).
* Time-to-Move (Singer et al., arXiv 2511.08633), *dual-clock denoising*: the whole latent starts from the noised
  reference at the sampler's first sigma (the weak clock, set by KSampler ``denoise``); in the regions the
  reference is trusted (here: cells the 2.5D render actually sees) the latent is held on the reference's own
  noising trajectory until a later release point (the strong clock), after which everything denoises freely
  ("dual_clock" mode).

How this maps onto ComfyUI (0.3.64, ``comfy/samplers.py`` ``KSamplerX0Inpaint``): a latent's ``noise_mask`` ``m``
(1 = denoise freely, 0 = keep ``latent_image``) makes every model call see
``x * m + noise_scaling(sigma, noise, latent_image) * (1 - m)`` and return ``out * m + latent_image * (1 - m)``;
a model's ``denoise_mask_function(sigma, mask, extra_options)`` may rewrite ``m`` at each call
(``extra_options["sigmas"]`` = this run's sigma schedule, ``sigma`` = the current per-sample sigmas [B]).

Conventions: latents are [F, C, H/8, W/8] (frames are the batch, as SVD in ComfyUI); masks at latent
resolution are float [F, 1, h, w]; hole masks from the renderer are [F, H, W] with 1 = hole.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from ..camera.motion import suggest_motion_bucket
from ..camera.trajectory import CameraTrajectory
from ..core.params import GUIDANCE_MODES as GUIDANCE_MODES  # off, init (CamTrol), dual_clock (TTM): re-exported

LATENT_SCALE = 8  # SVD's VAE downsamples by 8
DEFAULT_FRAMES = 14  # core SVD_img2vid_Conditioning defaults, used when no camera decides
DEFAULT_MOTION_BUCKET = 127


# --------------------------------------------------------------------------------------------------------------
# The core node's outputs
# --------------------------------------------------------------------------------------------------------------
def svd_conditioning(pooled: torch.Tensor, concat_latent: torch.Tensor, motion_bucket_id: int, fps: int,
                     augmentation_level: float) -> tuple[list, list]:
    """(positive, negative) exactly as core ``SVD_img2vid_Conditioning`` builds them.

    Args:
        pooled: [1, B, D] CLIP-vision image embeds. concat_latent: [B, 4, h, w] VAE latent of the init image.
    Returns:
        positive ``[[pooled, {motion_bucket_id, fps, augmentation_level, concat_latent_image}]]`` and negative with
        zeros for the embeds and the concat latent.
    """
    extra = {"motion_bucket_id": motion_bucket_id, "fps": fps, "augmentation_level": augmentation_level}
    positive = [[pooled, {**extra, "concat_latent_image": concat_latent}]]
    negative = [[torch.zeros_like(pooled), {**extra, "concat_latent_image": torch.zeros_like(concat_latent)}]]
    return positive, negative


def empty_latent(frames: int, width: int, height: int) -> dict:
    """The core node's LATENT: zeros [frames, 4, height // 8, width // 8]."""
    return {"samples": torch.zeros([frames, 4, *latent_size(width, height)])}


# --------------------------------------------------------------------------------------------------------------
# Masks at latent resolution
# --------------------------------------------------------------------------------------------------------------
def latent_size(width: int, height: int) -> tuple[int, int]:
    """(h, w) of the SVD latent for a ``width`` x ``height`` video (the core node floors by 8)."""
    return height // LATENT_SCALE, width // LATENT_SCALE


def latent_holes(holes: torch.Tensor, latent_hw: tuple[int, int], dilate: int = 1) -> torch.Tensor:
    """Pixel hole masks -> latent cells that must be generated.

    Args:
        holes: [F, H, W] float/bool, 1 = the render has no source pixel there (disocclusion, out of frame).
        latent_hw: (h, w) of the latent.
        dilate: extra latent cells grown around each hole (room for the model to blend the seam).
    Returns:
        float32 [F, h, w] in {0, 1}; a cell is a hole when any pixel it covers is a hole (max-pool), so no
        render garbage is ever locked in.
    """
    if holes.ndim != 3:
        raise ValueError(f"holes must be [F, H, W], got shape {tuple(holes.shape)}")
    h, w = latent_hw
    if h < 1 or w < 1:
        raise ValueError(f"latent size must be at least 1x1, got {h}x{w}")
    cells = F.adaptive_max_pool2d((holes > 0.5).float()[:, None], (h, w))
    if dilate > 0:
        k = 2 * int(dilate) + 1
        cells = F.max_pool2d(cells, k, stride=1, padding=int(dilate))
    return cells[:, 0]


def guidance_noise_mask(holes_latent: torch.Tensor, strength: float, keep_first: bool = True,
                        latent_hw: tuple[int, int] | None = None) -> torch.Tensor:
    """The latent ``noise_mask`` of a guided SVD latent.

    Args:
        holes_latent: [F, h, w] in {0, 1} (see :func:`latent_holes`); with ``latent_hw``, the guide's pixel holes
            [F, H, W] instead, reduced to latent cells of that size first (on the CPU, :func:`latent_holes`).
        strength: 0..1, how firmly cells the render sees are held to it: their mask value is ``1 - strength``
            (1 = locked to the noised render, 0 = free; between = ComfyUI's soft blend).
        keep_first: frame 0 (the input image itself) gets 0 = kept exactly.
    Returns:
        float32 [F, 1, h, w]: holes 1 (free), visible cells ``1 - strength``, frame 0 0.
    """
    if not 0.0 <= float(strength) <= 1.0 or not math.isfinite(float(strength)):
        raise ValueError(f"strength must be in [0, 1], got {strength}")
    if latent_hw is not None:
        holes_latent = latent_holes(holes_latent.float().cpu(), latent_hw)
    visible_value = 1.0 - float(strength)
    mask = torch.where(holes_latent > 0.5, torch.ones_like(holes_latent), torch.full_like(holes_latent, visible_value))
    if keep_first:
        mask[0] = 0.0
    return mask[:, None].float().contiguous()




# --------------------------------------------------------------------------------------------------------------
# The dual clock
# --------------------------------------------------------------------------------------------------------------
def release_step(num_steps: int, release: float) -> int:
    """Index of the first sampling step that runs free: ``round(release * num_steps)``.

    ``release`` = 0 -> never locked, 1 -> locked to the end (visible cells equal the render).
    """
    if not 0.0 <= float(release) <= 1.0:
        raise ValueError(f"release must be in [0, 1], got {release}")
    return int(round(float(release) * int(num_steps)))


def is_locked(sigma: float, sigmas: torch.Tensor | np.ndarray | list, release: float) -> bool:
    """True while the visible cells are still held to the noised render.

    ``sigmas`` is the run's schedule (``len = steps + 1``, decreasing, last usually 0). Step ``i`` evaluates the
    model at ``sigmas[i]`` (or, for two-stage samplers, between ``sigmas[i]`` and ``sigmas[i+1]``), and steps
    ``i < release_step`` are locked, i.e. locked iff ``sigma > sigmas[release_step]``.
    """
    s = np.asarray(torch.as_tensor(sigmas, dtype=torch.float64).cpu(), dtype=np.float64).reshape(-1)
    if s.size < 2:
        return False
    k = release_step(s.size - 1, release)
    if k <= 0:
        return False
    threshold = s[k]
    return float(sigma) > threshold + 1e-6 * max(abs(threshold), 1e-12)


@dataclass(frozen=True)
class DualClockMask:
    """``denoise_mask_function`` for ``ModelPatcher.set_model_denoise_mask_function``.

    Before the release sigma it returns the latent's own mask (visible cells held, holes free, frame 0 kept);
    from the release on it returns all ones except frame 0 of each clip (``frames`` latent frames per clip),
    which stays kept. ``then``: a denoise mask function already on the model, applied to the result.
    """

    release: float
    frames: int
    keep_first: bool = True
    then: Callable | None = None

    def __call__(self, sigma: torch.Tensor, denoise_mask: torch.Tensor, extra_options: dict | None = None):
        current = float(torch.as_tensor(sigma).max()) if torch.is_tensor(sigma) else float(sigma)
        mask = step_mask(denoise_mask, current, (extra_options or {}).get("sigmas"), self.release, self.frames,
                         self.keep_first)
        return self.then(sigma, mask, extra_options) if self.then is not None else mask


def step_mask(noise_mask: torch.Tensor, sigma: float, sigmas, release: float, frames: int,
              keep_first: bool = True) -> torch.Tensor:
    """The dual clock: the noise mask in effect when the model is evaluated at ``sigma``.

    Args:
        noise_mask: the guided latent's mask [B, ...] (:func:`guidance_noise_mask`; batch = frames of clips of
            ``frames`` frames). sigma: the current sigma. sigmas: this run's schedule (None = already released).
        release, frames, keep_first: as :class:`DualClockMask`.
    Returns:
        ``noise_mask`` itself while :func:`is_locked`, else :func:`released_mask` (all free but frame 0).
    """
    if sigmas is not None and is_locked(sigma, sigmas, release):
        return noise_mask
    return released_mask(noise_mask, frames, keep_first)


# --------------------------------------------------------------------------------------------------------------
# The inpainting blend, for samplers written outside ComfyUI (pipelines/svd_diffusers.py)
# --------------------------------------------------------------------------------------------------------------
def inpaint_input(x: torch.Tensor, mask: torch.Tensor, reference: torch.Tensor, noise: torch.Tensor,
                  sigma: float) -> torch.Tensor:
    """What the model sees: ``x * m + (reference + noise * sigma) * (1 - m)`` (ComfyUI ``KSamplerX0Inpaint`` with
    an EDM model: held cells sit on the reference's own noising trajectory, with the run's initial ``noise``).

    All tensors broadcast together (e.g. latents [B, F, C, h, w] with a mask [1, F, 1, h, w]).
    """
    return x * mask + (reference + noise * sigma) * (1 - mask)


def inpaint_euler_step(x_next: torch.Tensor, x: torch.Tensor, x_in: torch.Tensor, mask: torch.Tensor,
                       reference: torch.Tensor, sigma: float, sigma_next: float) -> torch.Tensor:
    """An Euler step of an unmasked sampler turned into ComfyUI's masked one.

    ComfyUI evaluates the model on ``x_in`` (:func:`inpaint_input` of the sampler state ``x``), replaces its
    denoised estimate ``D`` by ``D' = D * m + reference * (1 - m)`` and steps the state:
    ``x + (x - D') / sigma * (sigma_next - sigma) = D' (1 - r) + x r`` with ``r = sigma_next / sigma``.
    An unmasked sampler stepped from ``x_in`` gave ``x_next = D (1 - r) + x_in r``; so ComfyUI's step is
    ``m (x_next - x_in r) + (1 - m) reference (1 - r) + x r``, exactly, for any mask value in 0..1.
    """
    r = float(sigma_next) / float(sigma)
    return (x_next - x_in * r) * mask + reference * (1 - r) * (1 - mask) + x * r


def released_mask(denoise_mask: torch.Tensor, frames: int, keep_first: bool = True) -> torch.Tensor:
    """Ones shaped like ``denoise_mask`` [B, ...]; rows ``b % frames == 0`` keep their value when ``keep_first``."""
    out = torch.ones_like(denoise_mask)
    if keep_first and frames > 0:
        first = torch.arange(denoise_mask.shape[0], device=denoise_mask.device) % int(frames) == 0
        out[first] = denoise_mask[first]
    return out


# --------------------------------------------------------------------------------------------------------------
# Frames, buckets, preview
# --------------------------------------------------------------------------------------------------------------
def resolve_frames(video_frames: int, camera: CameraTrajectory | None) -> int:
    """``video_frames`` 0 = the camera's frame count (14, the core default, without a camera)."""
    if video_frames < 0:
        raise ValueError(f"video_frames must be >= 0 (0 = from the camera), got {video_frames}")
    if video_frames > 0:
        return int(video_frames)
    return camera.frames if camera is not None else DEFAULT_FRAMES


MAX_GUIDE_PIXELS = 1024 * 576 * 256
"""Upper bound of frames x width x height for the guide renders (about 5 GB of float32 frames)."""


def check_guide_size(frames: int, width: int, height: int) -> None:
    """Raise ``ValueError`` when rendering ``frames`` guide frames of ``width`` x ``height`` would not fit."""
    if frames * width * height > MAX_GUIDE_PIXELS:
        raise ValueError(f"{frames} frames of {width}x{height} are too many to render as a camera guide (at most "
                         f"{MAX_GUIDE_PIXELS // (width * height)} frames at this size): lower video_frames or the "
                         "resolution (SVD is trained on 14-25 frames at 1024x576)")




def resolve_motion_bucket(motion_bucket_id: int, camera: CameraTrajectory | None, width: int, height: int) -> int:
    """``motion_bucket_id`` 0 = auto from the camera (127, the core default, without a camera)."""
    if motion_bucket_id < 0:
        raise ValueError(f"motion_bucket_id must be >= 0 (0 = auto), got {motion_bucket_id}")
    if motion_bucket_id > 0:
        return int(motion_bucket_id)
    return suggest_motion_bucket(camera, width, height) if camera is not None else DEFAULT_MOTION_BUCKET


def guide_preview(frames: torch.Tensor, holes: torch.Tensor, noise_mask: torch.Tensor | None) -> torch.Tensor:
    """An IMAGE showing what SVD is steered toward: per frame, the render (holes tinted magenta) above the
    latent noise mask upscaled (black = locked to the render, white = free).

    Args:
        frames: [F, H, W, 3] renders in 0..1. holes: [F, H, W] (1 = hole). noise_mask: [F, 1, h, w] or None.
    Returns:
        [F, 2H, W, 3] float32 in 0..1 (just the tinted renders, [F, H, W, 3], when ``noise_mask`` is None).
    """
    hole = holes[..., None].to(frames.dtype)
    magenta = torch.tensor([1.0, 0.0, 1.0], dtype=frames.dtype, device=frames.device)
    top = frames * (1 - 0.6 * hole) + magenta * 0.6 * hole
    if noise_mask is None:
        return top.clamp(0, 1).float()
    H, W = frames.shape[1:3]
    m = F.interpolate(noise_mask.to(frames.device, frames.dtype), size=(H, W), mode="nearest")[:, 0]
    bottom = m[..., None].expand(-1, -1, -1, 3)
    return torch.cat([top, bottom], dim=1).clamp(0, 1).float()
