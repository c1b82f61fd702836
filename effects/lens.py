"""Lens effects: chromatic aberration, depth of field, motion blur. All take and return ``[B,H,W,3]`` float 0..1,
keep the frame count, and are identity at intensity 0 (see :func:`.base.effect`).

Depth of field and motion blur are the renderer's own kernels (``render/lens.py``); here they get their blur radius
from intensity, depth and focus, and their motion from the camera or from optical flow (``video/flow.py``).
A depth input is loaded like the renderer's (``render.depth.depth_frames``, kind "disparity": bright = near).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..camera.trajectory import resample_trajectory
from ..core.filters import blur_fast, resize
from ..core.frames import prepare_mask, to_bchw, to_bhwc
from ..core.sampling import pixel_grid, sample_norm
from ..render.depth import depth_frames
from ..render.lens import blur_along_motion, blur_by_radius, camera_motion, thin_lens_radius
from ..video.flow import MIN_SIDE, FlowConfig, dis_flow, to_gray_u8
from .base import effect, map_chunks, mask_centroid, smoothstep


# --- chromatic aberration --------------------------------------------------------------------------------------
@effect
def chromatic_aberration(frames, intensity=1.0, seed=0, *, on_progress=None):
    """Lateral chromatic aberration: red magnified and blue shrunk about the centre, growing with the square of
    the radius (up to ~1.6% of the half-diagonal at the corners at intensity 1). Deterministic; ``seed`` unused."""
    b, h, w, _ = frames.shape
    xs, ys = pixel_grid(h, w, device=frames.device, dtype=frames.dtype)
    cx, cy = w / 2.0, h / 2.0
    half_diag = math.hypot(cx, cy)
    dx, dy = xs - cx, ys - cy
    r2 = (dx * dx + dy * dy) / (half_diag * half_diag)
    k = 0.016 * intensity * (0.35 + 0.65 * r2)
    # red sampled nearer the centre (magnified), blue further out; one grid_sample for both planes
    grids = torch.stack([torch.stack(((cx + dx * (1.0 - sgn * k)) * (2.0 / w) - 1.0,
                                      (cy + dy * (1.0 - sgn * k)) * (2.0 / h) - 1.0), -1) for sgn in (1.0, -1.0)])

    def one(x, _i):
        n = x.shape[0]
        planes = x[..., 0::2].permute(0, 3, 1, 2).reshape(n * 2, 1, h, w)  # [r0, b0, r1, b1, ...]
        moved = sample_norm(planes, grids.repeat(n, 1, 1, 1)).view(n, 2, h, w)
        out = x.clone()
        out[..., 0::2] = moved.permute(0, 2, 3, 1)
        return out

    return map_chunks(frames, one, on_progress)


# --- depth of field --------------------------------------------------------------------------------------------
DOF_RADIUS = 0.032
"""Largest blur radius at intensity 1, as a fraction of the width (a disc; Gaussian sigma 1.6 %)."""
DOF_FULL_DISPARITY = 0.6
"""Disparity difference from the focal plane (relative to the median disparity) that gets the largest blur."""


def focus_distance(depth: torch.Tensor, camera=None, mask=None) -> torch.Tensor:
    """``(B,)`` focus distance in world units for z-depth ``[B,H,W]`` (median 1): the camera's ``focus_distance``
    per frame when given; else the depth under the mask's centroid; else the median depth of the central fifth."""
    b, h, w = depth.shape
    if camera is not None:
        return torch.as_tensor(resample_trajectory(camera, b).focus_distance, dtype=depth.dtype, device=depth.device)
    centre = mask_centroid(prepare_mask(mask, b, h, w, depth.device, depth.dtype)) if mask is not None else None
    if centre is not None:
        return depth[:, min(h - 1, int(centre[1])), min(w - 1, int(centre[0]))]
    y0, x0 = int(h * 0.4), int(w * 0.4)
    y1, x1 = max(int(h * 0.6), y0 + 1), max(int(w * 0.6), x0 + 1)
    return depth[:, y0:y1, x0:x1].flatten(1).median(dim=1).values


@effect
def depth_of_field(frames, intensity=1.0, seed=0, *, depth=None, camera=None, mask=None, on_progress=None):
    """Shallow depth of field: blur grows with the distance from the focal plane, up to a disc of radius 3.2 % of
    the width (Gaussian sigma 1.6 %) at intensity 1, blended per pixel from pre-blurred levels (the renderer's
    ``blur_by_radius``).

    * ``depth`` (bright = near, any size, one map or one per frame): a thin lens, blur ∝ |disparity − focus
      disparity|, full where they differ by 0.6 of the median disparity. Focus: the camera's ``focus_distance``
      per frame when a camera is given (world units, median depth 1); else the depth under the mask's centroid;
      else the median depth of the central fifth of the frame.
    * no depth, a ``mask``: the masked region stays sharp, the rest blurs.
    * neither: a lens-like falloff, sharp centre and blur growing toward the edges.

    Deterministic; ``seed`` unused.
    """
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    r_max = DOF_RADIUS * w * intensity
    if depth is not None:
        z = depth_frames(depth, b, h, w, dev, dt)
        focus = focus_distance(z, camera, mask)
        # thin lens: r_inf·|1 − s/z| = r_inf·s·|1/s − 1/z|, so r_inf = r_max / (0.6 s) gives the full blur at 0.6
        radius = thin_lens_radius(z, focus, r_max / (DOF_FULL_DISPARITY * focus), r_max)
    elif mask is not None:
        m = prepare_mask(mask, b, h, w, dev, dt)
        radius = (1.0 - blur_fast(m[:, None], max(1.0, 0.01 * w))[:, 0]) * r_max
    else:
        xs, ys = pixel_grid(h, w, device=dev, dtype=dt)
        r = torch.sqrt(((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2) / math.sqrt(2.0)
        radius = (smoothstep(0.2, 0.95, r) * r_max).expand(b, h, w)

    return map_chunks(frames, lambda x, idx: to_bhwc(blur_by_radius(to_bchw(x), radius[idx])), on_progress)


# --- motion blur -----------------------------------------------------------------------------------------------
FLOW = FlowConfig(preset="medium")
"""Optical flow for motion blur without a camera (at most ``FLOW_WIDTH`` px wide: blur needs no fine flow)."""
FLOW_WIDTH = 256


def camera_flow(camera, b: int, h: int, w: int, depth: torch.Tensor | None = None, device=None) -> torch.Tensor:
    """``[B,2,h,w]`` image motion in pixels per frame induced by the camera (resampled to ``b`` frames; central
    difference) on an ``h`` x ``w`` grid, for scene points at the z-depth ``depth`` ``[B,h,w]`` (median 1), or at
    depth 1 when None."""
    if b < 2:
        return torch.zeros(b, 2, h, w, device=device)
    cam = resample_trajectory(camera, b)
    K, c2w, w2c = cam.intrinsics(w, h), cam.c2w, cam.w2c()
    idx = np.arange(b)
    nxt, prv = np.minimum(idx + 1, b - 1), np.maximum(idx - 1, 0)
    z = torch.ones(b, h, w, device=device) if depth is None else depth.float()
    ahead = camera_motion(z, K, K[nxt], w2c[nxt] @ c2w)
    behind = camera_motion(z, K, K[prv], w2c[prv] @ c2w)
    span = torch.as_tensor(nxt - prv, dtype=torch.float32, device=z.device).view(b, 1, 1, 1)
    return (ahead - behind) / span


def frame_flow(frames: torch.Tensor, width: int = FLOW_WIDTH) -> torch.Tensor:
    """``[B,2,h,w]`` per-frame motion in pixels of an ``h`` x ``w`` grid about ``width`` px wide (at least
    ``MIN_SIDE`` a side; central difference of the project's DIS flow); zeros for a single frame or frames under
    ``MIN_SIDE``."""
    import cv2

    b, H, W, _ = frames.shape
    s = min(1.0, width / W)
    h, w = min(H, max(MIN_SIDE, round(H * s))), min(W, max(MIN_SIDE, round(W * s)))
    flows = np.zeros((b, h, w, 2), np.float32)
    if b > 1 and min(H, W) >= MIN_SIDE:
        small = [cv2.resize(to_gray_u8(f), (w, h), interpolation=cv2.INTER_AREA)
                 for f in frames.detach().float().cpu().numpy()]
        fwd = np.stack([dis_flow(small[i], small[i + 1], FLOW) for i in range(b - 1)])
        flows[:-1] += fwd
        flows[1:] += fwd
        flows[1:-1] *= 0.5
    return torch.from_numpy(flows).permute(0, 3, 1, 2)


def _resize_flow(flow: torch.Tensor, h: int, w: int) -> torch.Tensor:
    """``[B,2,h',w']`` flow in pixels of its grid -> ``[B,2,h,w]`` in pixels of the new one."""
    fh, fw = flow.shape[-2:]
    if (fh, fw) == (h, w):
        return flow
    up = resize(flow, (h, w))
    return up * torch.tensor([w / fw, h / fh], dtype=flow.dtype, device=flow.device).view(1, 2, 1, 1)


@effect
def motion_blur(frames, intensity=1.0, seed=0, *, camera=None, depth=None, on_progress=None):
    """Directional motion blur along each pixel's motion: from the camera's movement when a camera is given (with
    the depth map for parallax when given), else from optical flow between frames. The blur covers up to two
    frames of motion at intensity 1 (a 720° shutter, exaggerated on purpose); pixels moving under half a pixel
    stay sharp. A single frame without a camera has no motion and is returned unchanged. Deterministic; ``seed``
    is unused."""
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    if camera is not None:
        lh, lw = max(2, h // 8), max(2, w // 8)  # camera motion is smooth: a coarse grid, upsampled
        z = None if depth is None else depth_frames(depth, b, lh, lw, dev)
        flow = camera_flow(camera, b, lh, lw, z, dev)
    else:
        flow = frame_flow(frames)
    flow = flow.to(dev, dt) * (2.0 * intensity)
    scale = 0.5 if min(h, w) >= 64 else 1.0  # taps at half resolution (4x cheaper): the 720° blur is long anyway

    def one(x, idx):
        return to_bhwc(blur_along_motion(to_bchw(x), _resize_flow(flow[idx], h, w), scale=scale))

    return map_chunks(frames, one, on_progress)
