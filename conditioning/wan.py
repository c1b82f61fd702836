"""Wan Fun Camera conditioning: a camera trajectory as the Plücker-ray embedding core ``WanCameraEmbedding`` makes.

Core ComfyUI's ``WanCameraEmbedding`` (comfy_extras/nodes_camera_trajectory.py, after CameraCtrl / VideoX-Fun) feeds
``WanCameraImageToVideo`` a tensor ``[1, 24, (L + 3) / 4, H, W]`` for a clip of ``L = 4n + 1`` frames at
``W x H`` pixels. This module produces the same tensor from a :class:`CameraTrajectory`; the layout is re-derived
here, not copied:

* Poses: core's poses are camera-to-world matrices in OpenCV camera axes (x right, y down, z forward: its "Pan Up"
  moves along -y, "Zoom In" along +z), made relative to frame 0 (frame 0 = identity). Ours (``opencv_c2w``) use the
  same axes, so the conversion is only that re-basing on frame 0 (:meth:`CameraTrajectory.relative_to_first`) and a
  uniform ``translation_scale``; no axis flip is needed.
* Scale: our world unit is the scene's median depth, and our presets move the camera 0.1-0.3 of it; core's moves
  (and the Fun Camera training poses they imitate) translate 1.5 (pans) to 3 (zooms) units per clip. The default
  ``translation_scale`` (``core.params.WAN``, 10) puts both on the same footing: measured with
  ``benchmarks/bench_wan_scale.py``, dolly_in's mean |moment| is 0.202 vs Zoom In's 0.199, truck_left's 0.263 vs
  Pan Left's 0.260. Scaling every translation by one factor is the same scene seen at another size (rotations and
  the look-at geometry are unchanged), so it changes how far the model thinks the camera goes, not the move's shape.
* Intrinsics: pixel ``(fx, fy, cx, cy)`` for the ``W x H`` image. Core takes them normalized to a 1280x720 pose frame
  and fits that frame to the sample aspect (:func:`core_pixel_intrinsics`); ours come straight from the
  trajectory's horizontal FOV (square pixels, principal point at the image centre), so nothing is resized.
* Rays: through pixel centres ``(i + 0.5, j + 0.5)``; direction ``d = R @ normalize(K^-1 [u, v, 1])``, origin
  ``o`` = camera centre; the 6 channels are ``(o x d, d)`` (moment first), computed in float32 like core.
* Frame packing: the first frame is repeated 4 times (so ``L + 3`` frames), every 4 consecutive frames become one
  latent frame, and channel ``4 * c + k`` holds ray channel ``c`` of frame ``k`` of its group.
"""

from __future__ import annotations

import numpy as np
import torch

from ..camera.trajectory import CameraTrajectory, resample_trajectory
from ..core.limits import check_budget
from ..core.params import WAN

FRAMES_PER_LATENT = 4
"""Wan's temporal compression: a clip of 4n + 1 frames has n + 1 latent frames."""
RAY_CHANNELS = 6
"""Plücker coordinates per pixel: moment (o x d, 3) then direction (d, 3)."""
RAY_BYTES_PER_PIXEL = 160
"""Working memory of one frame's rays per pixel (float32 directions, norms, moments, concatenation)."""
RAY_CHUNK_PIXELS = 2**21
"""Pixels x frames of rays computed at once (about 320 MB of temporaries at RAY_BYTES_PER_PIXEL)."""
CORE_POSE_SIZE = (1280, 720)
"""The frame size core's normalized intrinsics refer to (CameraCtrl's RealEstate10K frames)."""


def check_wan_length(length: int) -> int:
    """``length`` as an int when it is a Wan clip length (4n + 1, >= 1); ``ValueError`` saying the nearest ones
    otherwise."""
    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise ValueError(f"length must be a whole number of frames >= 1, got {length!r}")
    length = int(length)
    if (length - 1) % FRAMES_PER_LATENT:
        lo = length - (length - 1) % FRAMES_PER_LATENT
        raise ValueError(f"Wan needs a clip length of 4n + 1 frames (1, 5, ..., 81, ...); got {length}: "
                         f"use {lo} or {lo + FRAMES_PER_LATENT}")
    return length


def latent_frames(length: int) -> int:
    """Number of latent frames of a Wan clip of ``length`` (4n + 1) frames: n + 1."""
    return (check_wan_length(length) - 1) // FRAMES_PER_LATENT + 1


def core_pixel_intrinsics(fx: float, fy: float, cx: float, cy: float, width: int, height: int,
                          pose_size: tuple[int, int] = CORE_POSE_SIZE) -> np.ndarray:
    """Pixel intrinsics ``(4,)`` = (fx, fy, cx, cy) that core ``WanCameraEmbedding`` uses for its normalized inputs.

    Core's ``fx, fy, cx, cy`` are fractions of a ``pose_size`` frame; the frame is fitted to the ``width x height``
    sample by its shorter relative side: when the pose frame is wider than the sample, ``fx`` is scaled by
    ``height * pose_aspect / width``, otherwise ``fy`` by ``width / pose_aspect / height``. Then
    ``(fx * W, fy * H, cx * W, cy * H)``.
    """
    pose_aspect = pose_size[0] / pose_size[1]
    if pose_aspect > width / height:
        fx = fx * height * pose_aspect / width
    else:
        fy = fy * width / pose_aspect / height
    return np.array([fx * width, fy * height, cx * width, cy * height], dtype=np.float64)


def core_normalized_intrinsics(k_px: np.ndarray, width: int, height: int,
                               pose_size: tuple[int, int] = CORE_POSE_SIZE) -> tuple[float, float, float, float]:
    """The inverse of :func:`core_pixel_intrinsics`: core's ``(fx, fy, cx, cy)`` inputs that give pixel
    intrinsics ``k_px = (fx, fy, cx, cy)`` for a ``width x height`` sample (core accepts values in 0..1 only)."""
    fx, fy, cx, cy = (float(v) for v in k_px)
    pose_aspect = pose_size[0] / pose_size[1]
    if pose_aspect > width / height:
        fx = fx * width / (height * pose_aspect)
    else:
        fy = fy * height * pose_aspect / width
    return fx / width, fy / height, cx / width, cy / height


def plucker_rays(c2w: np.ndarray, k_px: np.ndarray, width: int, height: int) -> torch.Tensor:
    """Per-pixel Plücker rays.

    Args:
        c2w: (F, 4, 4) camera-to-world, OpenCV camera axes.
        k_px: (F, 4) pixel intrinsics (fx, fy, cx, cy).
        width, height: image size in pixels.
    Returns:
        float32 ``[F, H, W, 6]``: ``(o x d, d)`` with ``d`` the unit ray direction in world axes through the pixel
        centre and ``o`` the camera centre.
    """
    c2w_t = torch.as_tensor(np.asarray(c2w, dtype=np.float32))
    k = torch.as_tensor(np.asarray(k_px, dtype=np.float32))
    u = torch.arange(width, dtype=torch.float32) + 0.5
    v = torch.arange(height, dtype=torch.float32) + 0.5
    fx, fy, cx, cy = (k[:, i, None, None] for i in range(4))  # each (F, 1, 1)
    x = (u[None, None, :] - cx) / fx  # (F, 1, W)
    y = (v[None, :, None] - cy) / fy  # (F, H, 1)
    x, y = torch.broadcast_tensors(x, y)  # (F, H, W)
    cam_dirs = torch.stack([x, y, torch.ones_like(x)], -1)
    cam_dirs = cam_dirs / cam_dirs.norm(dim=-1, keepdim=True)  # (F, H, W, 3)
    dirs = torch.einsum("fij,fhwj->fhwi", c2w_t[:, :3, :3], cam_dirs)
    origins = c2w_t[:, None, None, :3, 3].expand_as(dirs)
    return torch.cat([torch.linalg.cross(origins, dirs, dim=-1), dirs], -1)


def wan_camera_embedding(camera: CameraTrajectory, width: int, height: int, length: int,
                         translation_scale: float = WAN["translation_scale"].default) -> torch.Tensor:
    """The ``WAN_CAMERA_EMBEDDING`` of ``camera`` for a ``width x height`` clip of ``length`` (4n + 1) frames.

    The trajectory is resampled to ``length`` frames (same move, slerp / linear), re-based on its first frame, its
    translations multiplied by ``translation_scale`` (1 = the trajectory's own units, median scene depth 1; the
    default 10 matches core's move sizes, see the module notes). Returns float32 ``[1, 24, n + 1, H, W]`` on the
    CPU, the tensor core ``WanCameraEmbedding`` returns for the same poses and intrinsics.
    """
    length = check_wan_length(length)
    if int(width) < 1 or int(height) < 1:
        raise ValueError(f"width and height must be >= 1 pixel, got {width} x {height}")
    if isinstance(translation_scale, bool) or not np.isfinite(translation_scale) or translation_scale < 0:
        raise ValueError(f"translation_scale must be a finite number >= 0, got {translation_scale!r}")
    width, height = int(width), int(height)
    groups = latent_frames(length)
    chunk_px = max(width * height, RAY_CHUNK_PIXELS)
    check_budget(4 * RAY_CHANNELS * FRAMES_PER_LATENT * groups * width * height + RAY_BYTES_PER_PIXEL * chunk_px,
                 f"a Wan camera embedding of {width}x{height} over {length} frames", "lower width, height or length")
    cam = resample_trajectory(camera, length).relative_to_first()
    c2w = cam.c2w.copy()
    c2w[:, :3, 3] *= float(translation_scale)
    K = cam.intrinsics(width, height)
    k_px = np.stack([K[:, 0, 0], K[:, 1, 1], K[:, 0, 2], K[:, 1, 2]], 1)
    # Wan's layout, filled a chunk of frames at a time (only a chunk's rays in memory): the first frame is repeated 4
    # times, then frames go in groups of 4; channel 4 * c + k is ray channel c of frame k of its group.
    out = torch.empty(1, RAY_CHANNELS, FRAMES_PER_LATENT, groups, height, width, dtype=torch.float32)
    chunk = max(1, RAY_CHUNK_PIXELS // (width * height))
    for start in range(0, length, chunk):
        stop = min(length, start + chunk)
        rays = plucker_rays(c2w[start:stop], k_px[start:stop], width, height).permute(0, 3, 1, 2)  # n, 6, H, W
        for f in range(start, stop):
            if f == 0:
                out[0, :, :, 0] = rays[0, :, None]
            else:
                g, k = divmod(f + FRAMES_PER_LATENT - 1, FRAMES_PER_LATENT)
                out[0, :, k, g] = rays[f - start]
    return out.reshape(1, RAY_CHANNELS * FRAMES_PER_LATENT, groups, height, width)
