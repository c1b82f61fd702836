"""Time effects: speed ramp and bullet time, which CHANGE the frame count (``EffectSpec.retimes``; the new
in-between frames come from flow-based frame interpolation, ``video.interpolate.interpolate_at``), and tenet
reverse, which plays a region backward and keeps the frame count.

A time map here is a monotone curve from output time to source time: output frame ``k`` shows source time
``times[k]`` (fractional frame index in ``[0, B-1]``); the first and last source frames are always kept.
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..camera.lens import focal_px
from ..camera.trajectory import look_at_pixel
from ..core.filters import gaussian_blur
from ..core.frames import prepare_mask, to_bchw, to_bhwc
from ..core.sampling import pixel_grid, sample_norm
from ..video.flow import MIN_SIDE
from .base import effect, map_chunks, mask_centroid, smoothstep

MAX_STRETCH = 6.0
"""A retimed clip is at most this many times longer than its source."""


def time_map(b: int, speed, max_stretch: float = MAX_STRETCH) -> np.ndarray:
    """Source times for a speed curve.

    ``speed(s)``: playback speed (source frames per output frame, > 0) as a function of normalized output time
    ``s`` in 0..1. The output length is chosen so the curve's average speed maps the whole source onto it:
    ``N = round((B-1) / mean(speed)) + 1`` (capped at ``max_stretch·B``), and ``times`` integrates the speed,
    so ``times[0] = 0`` and ``times[-1] = B-1``. Returns ``(N,)`` float64."""
    if b < 2:
        return np.zeros(1)
    s = np.linspace(0.0, 1.0, 4097)
    v = np.maximum(np.asarray(speed(s), dtype=np.float64), 1e-3)
    cum = np.concatenate([[0.0], np.cumsum((v[1:] + v[:-1]) * 0.5 * np.diff(s))])
    n = int(round((b - 1) / cum[-1])) + 1
    n = int(np.clip(n, 2, max(2, int(max_stretch * b))))
    times = np.interp(np.linspace(0.0, 1.0, n), s, cum / cum[-1] * (b - 1))
    times[0], times[-1] = 0.0, float(b - 1)
    return times


def _crossfade_at(frames: torch.Tensor, times: np.ndarray) -> torch.Tensor:
    t = torch.as_tensor(times, dtype=frames.dtype, device=frames.device)
    i0 = t.floor().long().clamp(0, frames.shape[0] - 1)
    i1 = (i0 + 1).clamp(max=frames.shape[0] - 1)
    a = (t - i0.to(t.dtype)).view(-1, 1, 1, 1)
    return torch.lerp(frames[i0], frames[i1], a)


def _interpolate(frames: torch.Tensor, times: np.ndarray, on_progress=None) -> torch.Tensor:
    """Frames at fractional source times: flow-based interpolation, cross-fades for frames too small for flow."""
    if min(frames.shape[1:3]) < MIN_SIDE:
        return _crossfade_at(frames, times)
    from ..video.interpolate import interpolate_at

    out = interpolate_at(frames, [float(t) for t in times], quality="balanced", on_progress=on_progress)
    return out.to(device=frames.device, dtype=frames.dtype)


def _phase(on_progress, index: int, count: int):
    """Progress of phase ``index`` of ``count`` equal phases, mapped onto one bar (also the Cancel checkpoint)."""
    if on_progress is None:
        return None
    return lambda done, total: on_progress(index * total + done, count * total)


def _bump(s, centre: float, width: float):
    return np.exp(-0.5 * ((np.asarray(s) - centre) / width) ** 2)


def speed_ramp_curve(intensity: float):
    """Fast → slow motion → fast: ``1 + 0.5·i`` at the ends, ``1 − 0.85·i`` in the middle (a Gaussian dip)."""
    fast, slow = 1.0 + 0.5 * intensity, 1.0 - 0.85 * intensity
    return lambda s: fast + (slow - fast) * _bump(s, 0.5, 0.13)


@effect
def speed_ramp(frames, intensity=1.0, seed=0, *, on_progress=None):
    """Speed ramp (RETIMES): the clip plays up to 1.5x fast, ramps into slow motion (down to 0.15x) around its
    middle, and ramps back out. Output length ``round((B-1)/mean speed) + 1`` (about the input's length at
    intensity 1, shorter at low intensity where the fast parts dominate); the slow part is filled with
    interpolated frames. A single frame is returned as is. Deterministic; ``seed`` unused."""
    b = frames.shape[0]
    if b < 2:
        return frames.clone()
    times = time_map(b, speed_ramp_curve(intensity))
    return _interpolate(frames, times, on_progress)


def bullet_time_curve(intensity: float):
    """Normal speed, then time nearly freezes (down to ``1 − 0.94·i``) around the middle of the clip."""
    return lambda s: 1.0 - 0.94 * intensity * _bump(s, 0.5, 0.16)


def _orbit_yaw(camera, n: int, intensity: float) -> np.ndarray:
    """Per-output-frame orbit angle (radians). Shape of the sweep: ``sin(2π u)`` across the frozen window (swing
    to one side, through the subject, to the other, back), peak ``22°·intensity``. With a camera that turns, the
    sweep follows the sign of its yaw."""
    s = np.linspace(0.0, 1.0, n)
    u = smoothstep(0.5 - 0.3, 0.5 + 0.3, s)
    yaw = math.radians(22.0) * intensity * np.sin(2 * np.pi * u)
    if camera is not None and camera.frames > 1:
        c2w = camera.c2w
        fwd = c2w[:, :3, 2]
        turn = float(np.cross(fwd[0], fwd[-1])[1]) + float(c2w[-1, 0, 3] - c2w[0, 0, 3])
        if turn < 0:
            yaw = -yaw
    return yaw


def card_orbit(frames_bchw: torch.Tensor, yaw: torch.Tensor, f_px: float, cx: float, cy: float,
               grid_step: int = 4) -> torch.Tensor:
    """Render frames as a card at depth 1 seen by a camera that orbits the focus pixel ``(cx, cy)`` by ``yaw``
    (``(n,)`` radians about the vertical axis), zoomed in just enough that no border shows.

    The map is a homography, smooth everywhere: it is evaluated on a grid ``grid_step`` times coarser (placed on
    the first and last pixel centres) and upsampled, which is exact for the affine part and sub-pixel for the rest.
    """
    n, _, h, w = frames_bchw.shape
    dev, dt = frames_bchw.device, frames_bchw.dtype
    lh, lw = max(2, -(-h // grid_step) + 1), max(2, -(-w // grid_step) + 1)
    xs = torch.linspace(0.5, w - 0.5, lw, device=dev, dtype=dt).view(1, 1, lw)
    ys = torch.linspace(0.5, h - 0.5, lh, device=dev, dtype=dt).view(1, lh, 1)
    # focus point on the card (world), card plane z = 1; camera orbits it at radius 1
    fx, fy = (cx - w / 2) / f_px, (cy - h / 2) / f_px
    yw = yaw.view(n, 1, 1).to(dt)
    c, s = torch.cos(yw), torch.sin(yw)
    # camera centre: focus + R(yaw)·(0, 0, -1) relative offset; looks at the focus point
    ox, oz = fx - s, 1.0 - c
    # zoom that covers: |tan| growth of the far card edge ~ 1 + |sin(yaw)|·(half-width / f)·2
    zoom = 1.0 + 2.2 * s.abs() * (w / 2) / f_px + 0.05 * s.abs()
    dx = (xs - cx) / f_px / zoom
    dy = (ys - cy) / f_px / zoom
    # ray direction in world: R(yaw) · (dx, dy, 1)
    rx, rz = c * dx + s, -s * dx + c
    t = (1.0 - oz) / rz.clamp_min(1e-4)
    gx = (ox + t * rx) * (2.0 * f_px / w)  # world x on the card → grid_sample x
    gy = (fy + t * dy) * (2.0 * f_px / h)
    grid = torch.stack((gx.expand(n, lh, lw), gy.expand(n, lh, lw)), 1)
    grid = F.interpolate(grid, size=(h, w), mode="bilinear", align_corners=True).permute(0, 2, 3, 1)
    return sample_norm(frames_bchw, grid, padding="reflection")


@effect
def bullet_time(frames, intensity=1.0, seed=0, *, camera=None, mask=None, on_progress=None):
    """Bullet time (RETIMES): time nearly freezes around the middle of the clip (speed down to ``1 − 0.94·i``,
    filled by frame interpolation; output ≈ ``(B-1)/mean speed + 1`` frames, ≈ 1.6·B at intensity 1) while the view
    orbits the subject (a card-based parallax orbit of up to 22° about the focus point: mask centroid, else the
    camera's look_at, else the centre; the swing follows the camera's turn direction when given), with motion blur
    along the rotation. A single frame becomes a short frozen orbit of 12 frames. Deterministic; ``seed`` unused."""
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    if b < 2:
        src = frames.expand(12, h, w, 3)
    else:
        times = time_map(b, bullet_time_curve(intensity))
        src = _interpolate(frames, times, _phase(on_progress, 0, 2))
    n = src.shape[0]
    cxy = None
    if mask is not None:
        cxy = mask_centroid(prepare_mask(mask, 1, h, w, dev, dt))
    if cxy is None:
        cxy = look_at_pixel(camera, w, h) or (w / 2.0, h / 2.0)
    fov = float(camera.fov_deg[0]) if camera is not None else 50.0
    f_px = focal_px(fov, w)
    yaw = _orbit_yaw(camera, n, intensity)
    yaw_t = torch.as_tensor(yaw, dtype=torch.float64)
    # per output frame: sub-frame yaws over a 180° shutter for blur along the rotation
    step = np.gradient(yaw) if n > 1 else np.zeros(1)
    taps = int(np.clip(np.ceil(np.abs(step).max() * f_px * 0.5 / 2.0), 1, 7)) if n > 1 else 1

    def one(x, idx):
        xb = to_bchw(x)
        acc = torch.zeros_like(xb)
        for k in range(taps):
            a = 0.0 if taps == 1 else (k / (taps - 1) - 0.5) * 0.5
            yk = yaw_t[idx.cpu()] + a * torch.as_tensor(step, dtype=torch.float64)[idx.cpu()]
            acc += card_orbit(xb, yk.to(dev), f_px, *cxy)
        return to_bhwc(acc / taps)

    return map_chunks(src, one, _phase(on_progress, 1 if b >= 2 else 0, 2 if b >= 2 else 1))


# --- tenet reverse ---------------------------------------------------------------------------------------------
def ellipse_mask(h: int, w: int, device=None, dtype=torch.float32, feather: float = 0.12) -> torch.Tensor:
    """``[H,W]`` soft central ellipse (semi-axes 32% of the width, 36% of the height): 1 inside, 0 outside,
    a smooth edge ``feather`` (fraction of the radius) wide."""
    xs, ys = pixel_grid(h, w, device=device, dtype=dtype)
    rho = torch.sqrt(((xs - w / 2) / (0.32 * w)) ** 2 + ((ys - h / 2) / (0.36 * h)) ** 2)
    t = ((rho - (1.0 - feather)) / (2 * feather)).clamp(0.0, 1.0)
    return 1.0 - t * t * (3.0 - 2.0 * t)


TENET_RED = (1.0, 0.25, 0.15)
TENET_BLUE = (0.2, 0.55, 1.0)


@effect
def tenet_reverse(frames, intensity=1.0, seed=0, *, mask=None, on_progress=None):
    """A region plays backward while the rest plays forward (Tenet's inverted entropy). Region: the ``mask``
    (``[H,W]`` or one per frame; feathered over ~0.6% of the short side), else a soft central ellipse.

    Output frame ``t`` = ``lerp(frame[t], frame[B-1-t], alpha)`` with ``alpha = region · intensity``: where the
    region is 1 and intensity is 1 the output *is* the reversed clip. The seam gets a Tenet blue (inside) /
    red (outside) glow that only touches the soft edge (0 < region < 1). Deterministic; ``seed`` unused."""
    b, h, w, _ = frames.shape
    dev, dt = frames.device, frames.dtype
    if mask is None:
        region = ellipse_mask(h, w, dev, dt)[None].expand(b, h, w)
    else:
        region = prepare_mask(mask, b, h, w, dev, dt)
        sigma = max(0.6, 0.006 * min(h, w))
        region = gaussian_blur(region[:, None], sigma)[:, 0].clamp(0.0, 1.0)
    blue = torch.tensor(TENET_BLUE, dtype=dt, device=dev)
    red = torch.tensor(TENET_RED, dtype=dt, device=dev)

    def one(x, idx):
        m = region[idx][..., None]
        rev = frames[(b - 1 - idx)]
        out = torch.lerp(x, rev, m * intensity)
        band = (4.0 * m * (1.0 - m)).pow_(3.0) * (0.55 * intensity)
        glow = torch.lerp(red, blue, m.clamp(0, 1)) * band  # blue toward the inside, red toward the outside
        return out.addcmul_(glow, 1.0 - out)  # screen blend; exact where the glow is 0

    return map_chunks(frames, one, on_progress)
