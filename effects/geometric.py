"""Geometric effects: handheld shake, dolly zoom, whip pan, inception fold.

All take and return ``[B,H,W,3]`` float 0..1 and keep the frame count. Warps are inverse maps sampled
bilinearly (``grid_sample``), vectorized over the batch in chunks.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..camera.lens import focal_px
from ..camera.trajectory import look_at_pixel, resample_trajectory
from ..core.filters import blur_fast, box_blur_x
from ..core.frames import prepare_mask, to_bchw, to_bhwc
from ..core.rng import rng
from ..core.sampling import norm_grid, pixel_grid, sample_norm
from ..render.depth import depth_frames, nearness
from .base import effect, frame_times, map_chunks, mask_centroid, smoothstep

DEFAULT_FPS = 12.0
DEFAULT_FOV_DEG = 60.0


def _focus_point(b, h, w, camera=None, mask=None, device=None, dtype=torch.float32) -> tuple[float, float]:
    """Focus pixel: the mask's centroid, else the camera's look_at in frame 0, else the frame centre."""
    if mask is not None:
        c = mask_centroid(prepare_mask(mask, b, h, w, device, dtype))
        if c is not None:
            return c
    c = look_at_pixel(camera, w, h)
    return c if c is not None else (w / 2.0, h / 2.0)


# --- handheld shake --------------------------------------------------------------------------------------------
def shake_path(b: int, seed: int, fps: float = DEFAULT_FPS) -> np.ndarray:
    """``(B, 3)`` smooth seeded shake: x, y offsets (fractions of the width, ~unit amplitude) and roll (radians
    per unit). Sum of sinusoids between 0.4 and 3 Hz with 1/f amplitudes (breathing sway + hand tremor)."""
    r = rng(seed, 11)
    t = np.arange(b) / float(fps)
    out = np.zeros((b, 3))
    for axis in range(3):
        freqs = np.exp(r.uniform(np.log(0.4), np.log(3.0), 5))
        phases = r.uniform(0, 2 * np.pi, 5)
        amps = 1.0 / freqs
        out[:, axis] = (amps[None] * np.sin(2 * np.pi * freqs[None] * t[:, None] + phases[None])).sum(1)
        out[:, axis] /= amps.sum() * 0.6
    return out


def cover_scale(w: int, h: int, tx: np.ndarray, ty: np.ndarray, roll: np.ndarray) -> float:
    """Smallest zoom about the centre that keeps a frame shifted by (tx, ty) px and rolled by ``roll`` rad free of
    borders, for all frames."""
    c, s = np.cos(roll), np.abs(np.sin(roll))
    sx = (w / 2 * c + h / 2 * s) / np.maximum(w / 2 - np.abs(tx), 1e-6)
    sy = (h / 2 * c + w / 2 * s) / np.maximum(h / 2 - np.abs(ty), 1e-6)
    return float(max(1.0, sx.max(), sy.max()))


@effect
def handheld_shake(frames, intensity=1.0, seed=0, *, camera=None, on_progress=None):
    """Seeded, smooth handheld camera shake in 2D: drift up to ~1.8% of the width and ~1.2° of roll at
    intensity 1, with a constant crop-in just large enough that no border shows. Uses the camera's fps for the
    shake frequencies when a camera is given (else 12 fps)."""
    b, h, w, _ = frames.shape
    fps = float(camera.fps) if camera is not None else DEFAULT_FPS
    p = shake_path(b, seed, fps)
    tx = p[:, 0] * 0.018 * w * intensity
    ty = p[:, 1] * 0.018 * w * intensity * 0.8
    roll = p[:, 2] * math.radians(1.2) * intensity
    scale = cover_scale(w, h, tx, ty, roll)
    c, si = np.cos(roll) / scale, np.sin(roll) / scale
    # output → source in normalized coordinates (x, y in -1..1), as affine_grid wants it
    theta = np.zeros((b, 2, 3))
    theta[:, 0] = np.stack([c, -si * h / w, -2.0 * tx / w], 1)
    theta[:, 1] = np.stack([si * w / h, c, -2.0 * ty / h], 1)
    theta = torch.as_tensor(theta, dtype=frames.dtype, device=frames.device)

    def one(x, idx):
        grid = F.affine_grid(theta[idx], [x.shape[0], 3, h, w], align_corners=False)
        return to_bhwc(sample_norm(to_bchw(x), grid))

    return map_chunks(frames, one, on_progress)


# --- dolly zoom ------------------------------------------------------------------------------------------------
@effect
def dolly_zoom(frames, intensity=1.0, seed=0, *, camera=None, mask=None, depth=None, on_progress=None):
    """Vertigo (Hitchcock zoom) from a plain clip: the subject keeps its size while everything behind it zooms in
    (up to 1.6x at the end of the clip at intensity 1), easing in over the clip, so the background seems to swell
    toward the subject.

    With a ``mask`` (the subject) or a ``depth`` map (bright = near: the subject is what is at least as near as the
    focus point): two layers — the background, with the subject filled in from its surroundings, zooms about the
    focus point and the untouched subject is composited on top (soft edge). Without either: one continuous warp
    where a disc around the focus point (15% of the half-diagonal) keeps its size and the zoom grows outside it.
    Focus point: mask centroid, else the camera's look_at, else the centre. Deterministic; ``seed`` is unused."""
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    cx, cy = _focus_point(b, h, w, camera, mask, dev, dt)
    centre = torch.tensor([cx * 2.0 / w - 1.0, cy * 2.0 / h - 1.0], dtype=dt, device=dev)
    offset = norm_grid(h, w, dev, dt) - centre  # [h,w,2] from the focus point
    z = torch.as_tensor(0.6 * intensity * smoothstep(0.0, 1.0, frame_times(b)), dtype=dt, device=dev)
    if mask is None and depth is None:
        xs, ys = pixel_grid(h, w, device=dev, dtype=dt)
        radius = max(math.hypot(max(cx, w - cx), max(cy, h - cy)), 1.0)
        background = smoothstep(0.12, 0.3, torch.sqrt((xs - cx) ** 2 + (ys - cy) ** 2) / radius)

        def warp(x, idx):
            inv = (1.0 + z[idx].view(-1, 1, 1) * background).reciprocal_()
            return to_bhwc(sample_norm(to_bchw(x), torch.addcmul(centre, offset, inv[..., None])))

        return map_chunks(frames, warp, on_progress)

    if mask is not None:
        subject = prepare_mask(mask, b, h, w, dev, dt)
    else:
        near = nearness(depth_frames(depth, b, h, w, dev, dt))
        px, py = min(w - 1, int(cx)), min(h - 1, int(cy))
        focus = near[:, max(0, py - 2):py + 3, max(0, px - 2):px + 3].flatten(1).median(1).values.view(b, 1, 1)
        subject = smoothstep(-0.08, 0.0, near - focus)
    alpha = blur_fast(subject[:, None], max(0.6, 0.004 * w))[:, 0].clamp(0.0, 1.0)  # soft composite edge
    cover = blur_fast(subject[:, None], max(1.0, 0.012 * w))[:, 0].mul(12.0).clamp_(0.0, 1.0)  # subject + fringe
    fill_sigma = max(2.0, 0.06 * w)

    def layered(x, idx):
        xb = to_bchw(x)
        keep = (1.0 - cover[idx])[:, None]
        # the background without the subject: normalized convolution of what is not covered
        fill = blur_fast(xb * keep, fill_sigma) / blur_fast(keep, fill_sigma).clamp_min(1e-3)
        zi = z[idx].view(-1, 1, 1, 1)
        reveal = smoothstep(0.0, 0.06, zi)  # no zoom yet (first frame): nothing to fill, the frame is untouched
        bg = torch.lerp(xb, fill.clamp_(0.0, 1.0), (1.0 - keep) * reveal)
        inv = 1.0 / (1.0 + zi)
        zoomed = sample_norm(bg, centre + offset[None] * inv)
        return to_bhwc(torch.lerp(zoomed, xb, alpha[idx][:, None]))

    return map_chunks(frames, layered, on_progress)


# --- whip pan --------------------------------------------------------------------------------------------------
def _pan_direction(camera, seed: int) -> int:
    """+1 = the picture slides left (camera pans right), -1 the other way: from the camera's horizontal motion
    when it has any, else from the seed."""
    if camera is not None and camera.frames > 1:
        fwd0 = camera.c2w[0, :3, 2]
        fwd1 = camera.c2w[-1, :3, 2]
        dx = float(np.cross(fwd0, fwd1)[1]) + 0.5 * float(camera.c2w[-1, 0, 3] - camera.c2w[0, 0, 3])
        if abs(dx) > 1e-6:
            return 1 if dx > 0 else -1
    return 1 if rng(seed, 13).random() < 0.5 else -1


def strip_window(strip: torch.Tensor, x0: float, w: int) -> torch.Tensor:
    """The ``w``-wide window of a two-picture strip ``[..., C, H, 2w]`` starting at fractional column ``x0``
    (0..w), linear between whole columns: one frame of a whip pan's slide."""
    i0 = min(int(math.floor(x0)), w)
    i1 = min(i0 + 1, w)
    return torch.lerp(strip[..., i0:i0 + w], strip[..., i1:i1 + w], float(x0 - math.floor(x0)))


@effect
def whip_pan_transition(frames, intensity=1.0, seed=0, *, camera=None, on_progress=None):
    """A whip-pan cut in the middle of the clip: the last frame before the pan (shot A) whips out sideways under
    heavy horizontal motion blur while the first frame after it (shot B) whips in. The pan spans
    ``20% + 30%·intensity`` of the clip (at least one frame); blur peaks at ``35%·intensity`` of the width.
    Frames outside the pan are untouched. Direction: the camera's pan direction when given, else seeded."""
    b, h, w, _ = frames.shape
    n = max(1, int(round(b * (0.2 + 0.3 * intensity))))
    start = (b - n) // 2
    a_idx, b_idx = max(0, start - 1), min(b - 1, start + n)
    direction = _pan_direction(camera, seed)
    u = (np.arange(n) + 1.0) / (n + 1.0)  # strictly inside (0, 1)
    offset = 0.5 - 0.5 * np.cos(np.pi * u)  # eased travel 0..1 of one frame width
    radius = 0.35 * w * intensity * np.sin(np.pi * u) ** 1.5
    out = frames.clone()
    shot_a, shot_b = frames[a_idx], frames[b_idx]
    strip = torch.cat((shot_a, shot_b), dim=1) if direction > 0 else torch.cat((shot_b, shot_a), dim=1)
    strip = to_bchw(strip[None])  # [1,3,h,2w]
    for k in range(0, n, 8):
        ks = list(range(k, min(n, k + 8)))
        rad = torch.as_tensor(radius[ks], dtype=frames.dtype, device=frames.device)
        blurred = box_blur_x(box_blur_x(strip.expand(len(ks), -1, -1, -1), rad * 0.6), rad * 0.6)  # tent kernel
        for j, kk in enumerate(ks):
            o = offset[kk] if direction > 0 else 1.0 - offset[kk]
            out[start + kk] = to_bhwc(strip_window(blurred[j], o * w, w)[None])[0]
        if on_progress is not None:
            on_progress(min(n, k + 8), n)
    return out


# --- inception fold --------------------------------------------------------------------------------------------
def fold_params(b: int, intensity: float) -> np.ndarray:
    """Per-frame ``(top, bottom, pull_back, drop, pitch)`` of the fold, easing in over the whole clip (× intensity):
    the top half folds over toward the viewer up to 150° (past upright, so it comes down over the bottom half), the
    bottom half tilts away up to 22°, and the camera pulls back 0.3, rises 0.35 of the sheet's half-height
    (``drop`` < 0 is up) and pitches 6° down to watch the fold land."""
    p = smoothstep(0.0, 1.0, frame_times(b)) * intensity
    return np.stack([np.radians(FOLD_TOP_DEG) * p, np.radians(FOLD_BOT_DEG) * p, FOLD_BACK * p, FOLD_DROP * p,
                     np.radians(FOLD_PITCH_DEG) * p], 1)


FOLD_TOP_DEG, FOLD_BOT_DEG, FOLD_BACK, FOLD_DROP, FOLD_PITCH_DEG = 150.0, 22.0, 0.3, -0.35, -6.0
BACK_TINT = (0.78, 0.84, 0.95)


@effect
def inception_fold(frames, intensity=1.0, seed=0, *, camera=None, on_progress=None):
    """The picture folds like paper in 3D (Inception's Paris fold): the frame is a sheet at depth 1 creased along its
    horizontal middle. Its top half folds over toward the viewer until it hangs overhead like a ceiling, the bottom
    half tilts away, and the camera sinks and pulls back — ray-traced with real perspective, lit so the crease reads,
    continuous over the whole clip. Where no sheet is seen: a dim, blurred mirror of the frame (the dream's limbo);
    the back of the folded half shows the picture seen through the paper (mirrored, cooler). Field of view: the
    camera's when given, else 60°. Deterministic; ``seed`` unused."""
    b, h, w, _ = frames.shape
    dev = frames.device
    fov = resample_trajectory(camera, b).fov_deg if camera is not None else np.full(b, DEFAULT_FOV_DEG)
    f = focal_px(fov, w)
    per = torch.as_tensor(np.concatenate([f[:, None], fold_params(b, intensity)], 1), dtype=torch.float32,
                          device=dev)
    # 1-D pixel centres: everything but the column test and u depends on the row only ([n,h,1] math)
    xs = (torch.arange(w, device=dev, dtype=torch.float32) + 0.5).view(1, w)
    ys = (torch.arange(h, device=dev, dtype=torch.float32) + 0.5).view(h, 1)
    cool = torch.tensor(BACK_TINT, device=dev, dtype=frames.dtype).view(1, 3, 1, 1)

    def one(x, idx):
        n = x.shape[0]
        q = per[idx].view(-1, 6, 1, 1)
        fpx, a_top, a_bot, d, drop, pitch = q[:, 0], q[:, 1], q[:, 2], q[:, 3], q[:, 4], q[:, 5]
        X, Y = (w / 2.0) / fpx, (h / 2.0) / fpx  # sheet half-size (world units) at depth 1
        yc = drop * Y  # camera height below the crease (OpenCV y points down)
        dx, dy0 = (xs - w / 2.0) / fpx, (ys - h / 2.0) / fpx
        # ray (dx, dy, dz) from (0, yc, -d), the camera pitched up by `pitch`
        dy = dy0 * torch.cos(pitch) - torch.sin(pitch)
        dz = dy0 * torch.sin(pitch) + torch.cos(pitch)
        best = torch.full((n, h, w), float("inf"), device=dev)
        u_src = torch.zeros_like(best)
        v_src = torch.zeros_like(best)
        shade = torch.ones_like(best)
        back = torch.zeros_like(best, dtype=torch.bool)
        for sign, th in ((-1.0, a_top), (1.0, a_bot)):
            ny, nz = torch.sin(th), -torch.cos(th)  # front normal of the half (y, z)
            ey, ez = (-torch.cos(th), -torch.sin(th)) if sign < 0 else (torch.cos(th), torch.sin(th))
            denom = ny * dy + nz * dz
            denom = torch.where(denom.abs() < 1e-6, torch.full_like(denom, -1e-6), denom)
            s = (-ny * yc + nz * (1.0 + d)) / denom
            ry, rz = yc + s * dy, s * dz - (1.0 + d)
            along = ry * ey + rz * ez
            px = s * dx
            ok = (s > 0) & (along >= 0) & (along <= Y) & (px.abs() <= X) & (s < best)
            best = torch.where(ok, s, best)
            u_src = torch.where(ok, px / X, u_src)
            v_src = torch.where(ok, sign * along / Y, v_src)
            light = 1.0 - (0.4 if sign < 0 else 0.3) * torch.sin(th)  # darker as the half turns from the light
            shade = torch.where(ok, light.expand_as(ok), shade)
            back = torch.where(ok, denom > 0, back)
        hit = torch.isfinite(best)
        xb = to_bchw(x)
        sheet = sample_norm(xb, torch.stack((u_src, v_src), -1))  # u, v are already grid_sample coordinates
        # the back of the sheet carries the picture too (seen through, mirrored, cooler): the folded city
        sheet = torch.where(back[:, None], sheet * cool, sheet) * shade[:, None]
        limbo = blur_fast(torch.flip(xb, dims=(2,)), 0.015 * w) * 0.3
        return to_bhwc(torch.where(hit[:, None], sheet, limbo))

    return map_chunks(frames, one, on_progress)
