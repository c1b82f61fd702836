"""Lens effects: chromatic aberration, depth of field, motion blur. All take and return ``[B,H,W,3]`` float 0..1,
keep the frame count, and are identity at intensity 0 (see :func:`.base.effect`).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..camera.lens import focal_px
from ..camera.trajectory import resample_trajectory
from ..core.filters import blur_fast
from ..core.frames import prepare_mask, to_bchw, to_bhwc
from ..core.sampling import norm_grid, pixel_grid, sample_norm
from ..render.depth import prepare_depth
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
@effect
def depth_of_field(frames, intensity=1.0, seed=0, *, depth=None, camera=None, mask=None, levels: int = 4,
                   on_progress=None):
    """Shallow depth of field: blur grows with the distance from the focal plane (max blur sigma
    ``1.6%`` of the width at intensity 1), blended from ``levels`` pre-blurred layers.

    * ``depth`` (bright = near, any size, one map or one per frame): blur ∝ |disparity − focus disparity|.
      Focus: the camera's ``focus_distance`` per frame when a camera is given (world units, median depth 1);
      else the depth under the mask's centroid; else the median depth of the central fifth of the frame.
    * no depth, a ``mask``: the masked region stays sharp, the rest blurs.
    * neither: a lens-like falloff, sharp centre and blur growing toward the edges.
    """
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    if depth is not None:
        near = prepare_depth(depth, b, h, w, dev, dt)
        disp = 0.1 + 0.9 * near  # disparity-like, never 0
        med = disp.flatten(1).median(dim=1).values.view(b, 1, 1)
        disp = disp / med  # median depth = 1 (world units)
        if camera is not None:
            focus = resample_trajectory(camera, b).focus_distance
            f_disp = torch.as_tensor(1.0 / focus, dtype=dt, device=dev).view(b, 1, 1)
        else:
            centre = None
            if mask is not None:
                centre = mask_centroid(prepare_mask(mask, b, h, w, dev, dt))
            if centre is not None:
                px = min(w - 1, int(centre[0]))
                py = min(h - 1, int(centre[1]))
                f_disp = disp[:, py:py + 1, px:px + 1]
            else:
                y0, y1, x0, x1 = int(h * 0.4), max(int(h * 0.6), int(h * 0.4) + 1), int(w * 0.4), \
                    max(int(w * 0.6), int(w * 0.4) + 1)
                f_disp = disp[:, y0:y1, x0:x1].flatten(1).median(dim=1).values.view(b, 1, 1)
        coc = ((disp - f_disp).abs() / 0.6).clamp(0.0, 1.0)
    elif mask is not None:
        m = prepare_mask(mask, b, h, w, dev, dt)
        coc = 1.0 - blur_fast(m[:, None], max(1.0, 0.01 * w))[:, 0]
    else:
        xs, ys = pixel_grid(h, w, device=dev, dtype=dt)
        r = torch.sqrt(((xs - w / 2) / (w / 2)) ** 2 + ((ys - h / 2) / (h / 2)) ** 2) / math.sqrt(2.0)
        coc = smoothstep(0.2, 0.95, r).expand(b, h, w)
    sigma_max = 0.016 * w * intensity
    levels = max(2, int(levels))

    def one(x, idx):
        c = coc[idx] * (levels - 1)
        xb = to_bchw(x)
        out = xb * (1.0 - c).clamp_(min=0.0)[:, None]
        for k in range(1, levels):
            wk = (1.0 - (c - k).abs_()).clamp_(min=0.0)
            if not bool((wk > 0).any()):
                continue
            out.addcmul_(blur_fast(xb, sigma_max * k / (levels - 1)), wk[:, None])
        return to_bhwc(out)

    return map_chunks(frames, one, on_progress)


# --- motion blur -----------------------------------------------------------------------------------------------
def camera_flow(camera, b: int, h: int, w: int, near: torch.Tensor | None = None,
                device=None, dtype=torch.float32) -> torch.Tensor:
    """``[B,h,w,2]`` image motion in pixels per frame induced by the camera (central difference), for scene points
    at depth 1 (the median depth) or at the depths given by ``near`` (``[B,h,w]``, 1 = nearest)."""
    if b < 2:
        return torch.zeros(b, h, w, 2, device=device, dtype=dtype)
    cam = resample_trajectory(camera, b)
    c2w, fov = cam.c2w, cam.fov_deg
    c2w = torch.as_tensor(c2w, dtype=torch.float64, device=device)
    f = torch.as_tensor(focal_px(fov, w), dtype=torch.float64, device=device)
    xs, ys = pixel_grid(h, w, device=device, dtype=torch.float64)
    if near is None:
        z = torch.ones(b, h, w, dtype=torch.float64, device=device)
    else:
        disp = 0.1 + 0.9 * near.double()
        z = disp.flatten(1).median(1).values.view(b, 1, 1) / disp
    fv = f.view(b, 1, 1)
    pts = torch.stack(((xs - w / 2) / fv * z, (ys - h / 2) / fv * z, z, torch.ones_like(z)), -1)  # [B,h,w,4]
    world = torch.einsum("bij,bhwj->bhwi", c2w, pts)

    def project(i_cam, pts_world):
        w2c = torch.linalg.inv(c2w[i_cam])
        pc = torch.einsum("bij,bhwj->bhwi", w2c, pts_world)
        zc = pc[..., 2].clamp_min(1e-3)
        fi = f[i_cam].view(-1, 1, 1)
        return torch.stack((pc[..., 0] / zc * fi + w / 2, pc[..., 1] / zc * fi + h / 2), -1)

    idx = torch.arange(b, device=device)
    nxt, prv = (idx + 1).clamp(max=b - 1), (idx - 1).clamp(min=0)
    span = (nxt - prv).to(torch.float64).view(b, 1, 1, 1)
    flow = (project(nxt, world) - project(prv, world)) / span
    return flow.to(dtype)


def frame_flow(frames: torch.Tensor, size: int = 256) -> torch.Tensor:
    """``[B,h,w,2]`` per-frame motion in pixels of the full-size frames (central difference of Farnebäck flow,
    computed on grey frames about ``size`` pixels wide); zeros for a single frame."""
    import cv2

    b, H, W, _ = frames.shape
    scale = min(1.0, size / W)
    h, w = max(8, round(H * scale)), max(8, round(W * scale))
    if b < 2:
        return torch.zeros(b, h, w, 2)
    grey = (frames.detach().float().cpu() @ torch.tensor([0.299, 0.587, 0.114])).numpy()
    small = [cv2.resize((g * 255).astype(np.uint8), (w, h), interpolation=cv2.INTER_AREA) for g in grey]
    fwd = [cv2.calcOpticalFlowFarneback(small[i], small[i + 1], None, 0.5, 3, 15, 3, 5, 1.2, 0)
           for i in range(b - 1)]
    fwd = np.stack(fwd) * np.array([W / w, H / h], dtype=np.float32)
    flows = np.zeros((b, h, w, 2), np.float32)
    flows[:-1] += fwd
    flows[1:] += fwd
    flows[1:-1] *= 0.5
    return torch.from_numpy(flows)


@effect
def motion_blur(frames, intensity=1.0, seed=0, *, camera=None, depth=None, on_progress=None):
    """Directional motion blur along each pixel's motion: from the camera's movement when a camera is given (with
    the depth map for parallax when given), else from optical flow between frames. The blur covers up to two
    frames of motion at intensity 1 (a 720° shutter, exaggerated on purpose). A single frame without a camera has
    no motion and is returned unchanged. Deterministic; ``seed`` is unused."""
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    if camera is not None:
        lh, lw = max(2, h // 8), max(2, w // 8)
        near = None if depth is None else prepare_depth(depth, b, lh, lw, dev, dt)
        flow = camera_flow(camera, b, lh, lw, near, dev, dt)
        flow = flow * torch.tensor([w / lw, h / lh], dtype=dt, device=dev)
    else:
        flow = frame_flow(frames).to(dev, dt)
    flow = flow * (2.0 * intensity)
    half = min(h, w) >= 64

    def one(x, idx):
        fl = F.interpolate(flow[idx].permute(0, 3, 1, 2), size=(h, w), mode="bilinear", align_corners=False)
        length = fl.norm(dim=1)  # [n,h,w]
        if float(length.max()) < 0.5:
            return x
        xb = to_bchw(x)
        src = F.interpolate(xb, scale_factor=0.5, mode="area") if half else xb
        fs = F.interpolate(fl, size=src.shape[-2:], mode="bilinear", align_corners=False) * (0.5 if half else 1.0)
        taps = int(min(16, max(3, math.ceil(float(fs.norm(dim=1).max()) / 1.5))))
        sh, sw = src.shape[-2:]
        base = norm_grid(sh, sw, dev, dt)
        fn_ = (fs.permute(0, 2, 3, 1) * torch.tensor([2.0 / sw, 2.0 / sh], dtype=dt, device=dev)).contiguous()
        acc = torch.zeros_like(src)
        for k in range(taps):
            acc += sample_norm(src, torch.add(base, fn_, alpha=k / (taps - 1) - 0.5))
        acc /= taps
        if half:
            acc = F.interpolate(acc, size=(h, w), mode="bilinear", align_corners=False)
        blend = smoothstep(0.5, 3.0, length)[:, None]
        return to_bhwc(torch.lerp(xb, acc, blend))

    return map_chunks(frames, one, on_progress)
