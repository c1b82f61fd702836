"""Lens effects: depth of field and motion blur, one implementation each.

Used by the 2.5D render (``render_views``: blur radius from the thin lens of the trajectory, motion from
reprojection) and by the cinematic effects (``effects/lens.py``: radius from intensity, depth and focus; motion
from the camera or from optical flow).

Shapes: frames ``[B, C, H, W]`` float; depth ``[B, H, W]`` z-depth (world units: median 1); radius ``[B, H, W]``
in pixels (of a disc; a Gaussian of sigma = radius / 2 has the same spread); motion ``[B, 2, H, W]`` in pixels,
``(dx, dy)``. Pure torch, on the input's device. Pixel centres sit at ``(i + 0.5, j + 0.5)``, principal point
``(W/2, H/2)`` (camera/lens.py).
"""

from __future__ import annotations

import math

import numpy as np
import torch

from ..camera.lens import blur_circle_mm
from ..camera.trajectory import CameraTrajectory
from ..core.filters import gaussian_blur, resize
from ..core.frames import luma
from ..core.sampling import norm_grid, sample_norm

SCENE_SCALE_M = 3.0
"""Metres per world unit assumed for the physical depth of field (median scene depth = 3 m)."""

BLUR_STEP = 1.5
"""Radius (px) of the first blurred level of :func:`blur_by_radius`; each further level doubles it."""
BLUR_LEVELS = (0.0,) + tuple(BLUR_STEP * 2.0**k for k in range(7))
"""Radii (px) of the levels :func:`blur_by_radius` blends: 0, 1.5, 3, ..., 96; larger radii get the last level."""


# --- depth of field --------------------------------------------------------------------------------------------

def thin_lens_coc(camera: CameraTrajectory, width: int, strength: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
    """Per frame ``(radius_inf, focus)``: the blur-circle radius in pixels of a point at infinity, for the
    trajectory's focal length, f-number and focus distance (thin lens, median scene depth ``SCENE_SCALE_M``),
    times ``strength``; and the focus distance in world units. Both ``(F,)`` float64."""
    s_w = np.asarray(camera.focus_distance, dtype=np.float64)
    diameter_mm = blur_circle_mm(camera.focal_length_mm, camera.aperture, s_w * SCENE_SCALE_M * 1000.0)
    return strength * 0.5 * diameter_mm * width / float(camera.sensor_mm[0]), s_w


def thin_lens_radius(depth: torch.Tensor, focus, radius_inf, max_radius: float) -> torch.Tensor:
    """Blur radius ``[B, H, W]`` (px) of a thin lens focused at ``focus``: ``radius_inf * |1 - focus / z|``,
    capped at ``max_radius``. ``focus``, ``radius_inf``: ``(B,)`` arrays or tensors (world units, px)."""
    dev, dt = depth.device, depth.dtype
    fo = torch.as_tensor(focus, dtype=dt, device=dev).view(-1, 1, 1)
    ri = torch.as_tensor(radius_inf, dtype=dt, device=dev).view(-1, 1, 1)
    return (ri * (1.0 - fo / depth.clamp(min=1e-3)).abs()).clamp(max=max_radius)


def blur_by_radius(x: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Blur ``x`` ``[B, C, H, W]`` with a per-pixel radius ``[B, H, W]`` (px).

    Each pixel mixes the two levels of ``BLUR_LEVELS`` around its radius, linearly in the radius. Level 0 is ``x``
    itself (a pixel of radius 0 comes back bit-exact), level 1 a full-resolution Gaussian (sigma = radius / 2);
    the coarser levels come from an image pyramid, level k at 1/2^(k-1) of the resolution, mixed from coarse to
    fine at their own resolution (:func:`_coarse_levels`), so the cost hardly grows with the radius; levels
    above the largest radius are not computed. Gather-style: a sharp pixel stays sharp next to a blurred one, while a
    blurred pixel also gathers its sharp neighbours (no occlusion-aware spreading).
    """
    rmax = float(radius.max())
    if rmax < 0.25:  # a quarter pixel nowhere shows
        return x
    n = next((i + 1 for i, r in enumerate(BLUR_LEVELS) if r >= rmax), len(BLUR_LEVELS))
    pos = _level_index(radius).clamp_(max=n - 1)[:, None]  # [B, 1, H, W]
    out = x * (1.0 - pos).clamp(min=0.0)
    out.addcmul_(gaussian_blur(x, BLUR_STEP / 2.0), (1.0 - (pos - 1.0).abs()).clamp_(min=0.0))
    if n > 2:
        out.addcmul_(_coarse_levels(x, pos, n), (pos - 1.0).clamp_(0.0, 1.0))
    return out


def _level_index(radius: torch.Tensor) -> torch.Tensor:
    """Fractional index into ``BLUR_LEVELS`` (linear in the radius between two levels), in closed form: with
    ``q = radius / BLUR_STEP = m * 2**e`` (``frexp``, m in [0.5, 1)) the levels around q are 2**(e-1) and 2**e."""
    q = radius / BLUR_STEP
    m, e = torch.frexp(q)
    return torch.where(q < 1.0, q, (2.0 * m - 1.0).add_(e.to(q.dtype)))


def _coarse_levels(x: torch.Tensor, pos: torch.Tensor, n: int) -> torch.Tensor:
    """Levels 2..n-1 of :func:`blur_by_radius` mixed per pixel by ``pos`` ``[B, 1, H, W]``, at x's resolution.

    Level k is the image halved k-1 times (antialiased bilinear: a sub-pixel shift of the input shifts the
    output alike, no blocks) with a light Gaussian on top; with the upsampling back that is about sigma
    ``BLUR_LEVELS[k] / 2`` at full resolution. From the coarsest level up, level k keeps its own picture where
    ``pos <= k`` and takes the (upsampled) mix of the coarser ones where ``pos >= k + 1``, linearly between: one
    full-resolution upsample whatever the radius.
    """
    levels, weights = [], []
    img, p = x, pos
    for _ in range(2, n):
        size = (max(1, (img.shape[-2] + 1) // 2), max(1, (img.shape[-1] + 1) // 2))
        img = resize(img, size, antialias=True)
        p = resize(p, size, "area")
        levels.append(gaussian_blur(img, 0.4))
        weights.append(p)
    acc = levels[-1]
    for k in range(n - 2, 1, -1):
        fine, p = levels[k - 2], weights[k - 2]
        acc = torch.lerp(fine, resize(acc, fine.shape[-2:]), (p - k).clamp_(0.0, 1.0))
    return resize(acc, x.shape[-2:])


# --- motion blur -----------------------------------------------------------------------------------------------

def camera_motion(depth: torch.Tensor, K, K_to, rel) -> torch.Tensor:
    """Image motion ``[B, 2, H, W]`` (px) of every pixel of B views to B other views of the same static scene.

    Args:
        depth: ``[B, H, W]`` z-depth of the pixels in their own view.
        K, K_to: ``(B, 3, 3)`` numpy intrinsics of the views and of the views they move to.
        rel: ``(B, 4, 4)`` numpy camera-to-camera transforms (view i's camera coordinates -> the other view's).
    Points that cross the camera plane would move without bound: motion is clamped to a quarter of the frame.
    """
    b, h, w = depth.shape
    dev = depth.device
    K, K_to, rel = (np.asarray(m, dtype=np.float64) for m in (K, K_to, rel))
    A = torch.as_tensor(K_to @ rel[:, :3, :3] @ np.linalg.inv(K), dtype=torch.float32, device=dev)[..., None, None]
    c = torch.as_tensor(K_to @ rel[:, :3, 3:], dtype=torch.float32, device=dev)[..., None]  # (B, 3, 1, 1)
    px = (torch.arange(w, device=dev, dtype=torch.float32) + 0.5)[None, None, None, :]
    py = (torch.arange(h, device=dev, dtype=torch.float32) + 0.5)[None, None, :, None]
    hom = (A[:, :, 0] * px + A[:, :, 1] * py + A[:, :, 2]) * depth.float()[:, None] + c  # (B, 3, H, W)
    zz = hom[:, 2].clamp(min=1e-3)
    mx = torch.nan_to_num(hom[:, 0] / zz - px[0, 0]).clamp_(-w / 4, w / 4)
    my = torch.nan_to_num(hom[:, 1] / zz - py[0, 0]).clamp_(-h / 4, h / 4)
    return torch.stack([mx, my], 1).to(depth.dtype)


def blur_along_motion(x: torch.Tensor, motion: torch.Tensor, *, scale: float = 1.0,
                      max_taps: int = 16) -> torch.Tensor:
    """Blur ``x`` ``[B, C, H, W]`` along each pixel's ``motion`` ``[B, 2, H, W]`` (px: its travel while the
    shutter is open, centred on the frame time).

    Each pixel averages bilinear taps of ``x`` at ``p + t * motion(p)``, ``t`` evenly in ``[-1/2, 1/2]``, at most
    1.5 px apart for 99 % of the pixels (3..``max_taps`` taps). Pixels that move less than half a pixel stay
    sharp, blending into the full blur by 3 px. ``scale`` < 1 takes the taps from an area-downsampled copy
    (``scale**2`` of the cost; softer across the motion too). A batch where 99 % of the pixels move less than
    0.5 px comes back unchanged.
    """
    b, _, h, w = x.shape
    length = torch.hypot(motion[:, 0], motion[:, 1])  # [B, H, W] (norm(dim=1) is ~50x slower on CPU)
    robust = float(torch.quantile(length.flatten()[:: max(1, length.numel() // 50000)].float(), 0.99))
    if robust < 0.5:
        return x
    src, m = x, motion
    if scale < 1.0:
        src = resize(x, (max(1, round(h * scale)), max(1, round(w * scale))), "area")
        m = resize(motion, src.shape[-2:])
    sh, sw = src.shape[-2:]
    step = torch.tensor([2.0 / w, 2.0 / h], dtype=x.dtype, device=x.device)  # px -> grid units (any size)
    step_grid = (m.permute(0, 2, 3, 1) * step).contiguous()
    base = norm_grid(sh, sw, x.device, x.dtype)
    taps = int(min(max_taps, max(3, math.ceil(robust * sh / h / 1.5))))
    acc = torch.zeros_like(src)
    for t in torch.linspace(-0.5, 0.5, taps).tolist():
        acc += sample_norm(src, torch.add(base, step_grid, alpha=t))
    acc /= taps
    if (sh, sw) != (h, w):
        acc = resize(acc, (h, w))
    ramp = ((length - 0.5) / 2.5).clamp_(0.0, 1.0)
    return torch.lerp(x, acc, (ramp * ramp * (3.0 - 2.0 * ramp))[:, None])  # smoothstep(0.5, 3, length)


# --- anamorphic lenses -----------------------------------------------------------------------------------------

def squeeze_of(camera) -> float:
    """Anamorphic squeeze factor of a trajectory's lens (``metadata["squeeze"]``; 1 = spherical, also for
    anything that is not a trajectory)."""
    meta = getattr(camera, "metadata", None) or {}
    return float(meta.get("squeeze", 1.0) or 1.0)


def blur_by_radius_oval(x: torch.Tensor, radius: torch.Tensor, squeeze: float = 1.0) -> torch.Tensor:
    """:func:`blur_by_radius` with oval bokeh: ``radius`` ``[B, H, W]`` (px) is the *vertical* radius, the
    horizontal one is ``radius / squeeze`` (an anamorphic lens's out-of-focus highlights are ovals ``squeeze``
    times taller than wide). ``squeeze`` 1 is exactly :func:`blur_by_radius`.

    Each pixel mixes the two levels of ``BLUR_LEVELS`` around its radius, linearly in the radius, as
    :func:`blur_by_radius` does; level 0 is ``x`` itself, level k a separable Gaussian of sigma
    ``(BLUR_LEVELS[k] / 2 / squeeze, BLUR_LEVELS[k] / 2)`` in (x, y), computed at a reduced resolution when the
    narrower sigma exceeds 4 px (:func:`_oval_gaussian`). Shift-invariant, so a point light blurs to the same oval
    wherever it falls.
    """
    if squeeze <= 1.0 + 1e-6:
        return blur_by_radius(x, radius)
    rmax = float(radius.max())
    if rmax < 0.25:
        return x
    n = next((i + 1 for i, r in enumerate(BLUR_LEVELS) if r >= rmax), len(BLUR_LEVELS))
    pos = _level_index(radius).clamp_(max=n - 1)[:, None]  # [B, 1, H, W]
    out = x * (1.0 - pos).clamp(min=0.0)
    for k in range(1, n):
        level = _oval_gaussian(x, BLUR_LEVELS[k] / 2.0, squeeze)
        out.addcmul_(level, (1.0 - (pos - k).abs()).clamp_(min=0.0))
    return out


def _gauss_1d(sigma: float, device, dtype) -> torch.Tensor:
    r = max(1, int(math.ceil(3.0 * sigma)))
    t = torch.arange(-r, r + 1, device=device, dtype=dtype)
    k = torch.exp(-0.5 * (t / sigma) ** 2)
    return k / k.sum()


def _oval_gaussian(x: torch.Tensor, sigma_y: float, squeeze: float) -> torch.Tensor:
    """Separable Gaussian of ``x`` ``[B, C, H, W]`` with sigma ``sigma_y`` down and ``sigma_y / squeeze`` across
    (replicate padding). When the narrower sigma is over 4 px it runs at 1/f of the resolution (f x f cell means
    down, bilinear up, f = that sigma / 2): the resampling adds under 5 % to either sigma."""
    b, c, h, w = x.shape
    sx, sy = sigma_y / squeeze, sigma_y
    f = int(max(1, min(sx / 2.0, min(h, w) / 4.0)))
    flat = x.reshape(b * c, 1, h, w)
    if f > 1:  # whole f x f cells (padded at the far edges), so a point keeps its light
        hp, wp = -(-h // f) * f, -(-w // f) * f
        flat = torch.nn.functional.avg_pool2d(
            torch.nn.functional.pad(flat, (0, wp - w, 0, hp - h), mode="replicate"), f)
    kx, ky = _gauss_1d(sx / f, x.device, x.dtype), _gauss_1d(sy / f, x.device, x.dtype)
    rx, ry = len(kx) // 2, len(ky) // 2
    flat = torch.nn.functional.conv2d(torch.nn.functional.pad(flat, (rx, rx, 0, 0), mode="replicate"),
                                      kx.view(1, 1, 1, -1))
    flat = torch.nn.functional.conv2d(torch.nn.functional.pad(flat, (0, 0, ry, ry), mode="replicate"),
                                      ky.view(1, 1, -1, 1))
    if f > 1:
        flat = resize(flat, (hp, wp))[..., :h, :w]
    return flat.reshape(b, c, h, w)


STREAK_LENGTH = 0.15
"""Decay length of a streak flare, as a fraction of the frame width per unit of squeeze."""
STREAK_TINT = (0.55, 0.75, 1.0)
"""RGB colour of anamorphic streak flares (the blue of coated cylindrical elements)."""


def anamorphic_streaks(x: torch.Tensor, squeeze: float, strength: float = 0.35,
                       threshold: float = 0.85, source: torch.Tensor | None = None) -> torch.Tensor:
    """Horizontal streak flares of an anamorphic lens on ``x`` ``[B, C, H, W]`` (0..1).

    Pixels brighter than ``threshold`` (luma) leak light sideways along their row: an exponential falloff of
    length ``STREAK_LENGTH · W · squeeze`` px each way (an 8 px wide highlight saturates its row next to it),
    tinted :data:`STREAK_TINT`, added with ``strength`` and clipped to 1. Vertical spread is nil, so the flare is a
    thin horizontal line through each highlight. ``source`` (same shape; default ``x``) is where the highlights
    are found: the render passes the frame before its depth-of-field blur, since a lens flares from the light
    itself, in focus or not. ``squeeze`` 1 (spherical) returns ``x`` unchanged.
    """
    if squeeze <= 1.0 + 1e-6 or strength <= 0:
        return x
    b, c, h, w = x.shape
    src = x if source is None else source
    bright = ((luma(src.movedim(1, -1)) - threshold) / max(1e-3, 1.0 - threshold)).clamp(min=0.0)  # [B, H, W]
    if float(bright.max()) <= 0:
        return x
    length = max(2.0, STREAK_LENGTH * w * squeeze)
    # the streak is smooth along the row: computed on columns averaged f at a time (f ~ length / 8), then
    # stretched back, so the cost does not grow with its length
    f = max(1, int(length / 8))
    wp = -(-w // f) * f
    rows = torch.nn.functional.pad(bright.reshape(b * h, 1, w), (0, wp - w))
    rows = torch.nn.functional.avg_pool1d(rows, f) if f > 1 else rows
    half = int(min(rows.shape[-1], 4 * length / f))
    taps = torch.arange(-half, half + 1, device=x.device, dtype=x.dtype)
    kernel = torch.exp(-taps.abs() * (f / length)) * (f / 8.0)  # an 8 px wide highlight lights its row fully
    row = torch.nn.functional.conv1d(rows, kernel.view(1, 1, -1), padding=half)
    if f > 1:
        row = torch.nn.functional.interpolate(row, size=wp, mode="linear", align_corners=False)
    streak = row[..., :w].reshape(b, 1, h, w).clamp(max=1.0)
    tint = torch.as_tensor(STREAK_TINT[:c] if c >= 3 else (1.0,), dtype=x.dtype, device=x.device).view(1, -1, 1, 1)
    return (x + strength * streak * tint).clamp(0.0, 1.0)
