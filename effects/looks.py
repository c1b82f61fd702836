"""Looks: per-pixel effects (colour grade, grain, vignette, letterbox, light leak). All take and return
``[B,H,W,3]`` float 0..1, keep the frame count, and are identity at intensity 0 (see :func:`.base.effect`).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import excerpt
from ..core.frames import luma
from ..core.rng import rng, torch_generator
from .base import effect, frame_times, map_chunks, map_pixels, smoothstep
from .grades import GRADE_PRESETS, grade_fn


# --- colour grade (effects/grades.py) -----------------------------------------------------------------------
@effect
def color_grade(frames, intensity=1.0, seed=0, *, preset: str = "cinematic", overrides: dict | None = None,
                on_progress=None):
    """Colour grade with a named preset (``GRADE_PRESETS``: natural, cinematic, vibrant, teal_orange,
    bleach_bypass); ``overrides`` replace preset fields (e.g. ``{"temperature": 4500}``). ``intensity`` moves every
    parameter from neutral (0) to the preset (1). Deterministic; ``seed`` is unused."""
    if preset not in GRADE_PRESETS:
        raise ValueError(f"unknown grade preset {excerpt(preset)}; choose one of {', '.join(GRADE_PRESETS)}")
    g = GRADE_PRESETS[preset]
    if overrides:
        g = replace(g, **overrides)
    fn = grade_fn(g.scaled(intensity), torch, frames.dtype, frames.device)
    return map_pixels(frames, fn, on_progress)


def grade_effect(preset: str):
    """The effect function (``fn(frames, intensity, seed, *, on_progress)``) of the colour grade ``preset``."""
    def fn(frames, intensity=1.0, seed=0, *, on_progress=None):
        return color_grade(frames, intensity, seed, preset=preset, on_progress=on_progress)

    fn.__name__ = f"color_grade_{preset}"
    fn.__doc__ = f"Colour grade, preset {preset!r} ({GRADE_PRESETS[preset]})."
    return fn


# --- film grain ------------------------------------------------------------------------------------------------
@effect
def film_grain(frames, intensity=1.0, seed=0, *, grain_px: float = 1.6, on_progress=None, first_frame: int = 0):
    """Animated film grain: fresh seeded noise every frame (frame ``i`` always draws from stream ``(seed, i)``,
    whatever the batch split), clumped to ``grain_px`` pixels, strongest in the mid-tones (as on negative film),
    standard deviation up to 0.05 at intensity 1. ``first_frame``: the clip index of ``frames[0]`` (a chunk of a
    longer clip)."""
    b, h, w, _ = frames.shape
    gh, gw = max(1, round(h / grain_px)), max(1, round(w / grain_px))
    amp = 0.05 * intensity

    def one(x, idx):
        noise = torch.empty(len(idx), 1, gh, gw)
        for j, i in enumerate(idx.tolist()):  # frame i always draws from stream (seed, i): chunking never matters
            noise[j].normal_(generator=torch_generator(seed, 1000 + int(i) + int(first_frame)))
        noise = noise.to(x.device, x.dtype)
        if (gh, gw) != (h, w):
            noise = F.interpolate(noise, size=(h, w), mode="bilinear", align_corners=False)
        lum = luma(x)[..., None]
        weight = (1.0 - lum).mul_(lum).mul_(3.2 * amp).add_(0.2 * amp)  # 0.2 at black/white, 1.0 at mid-grey
        return torch.addcmul(x, noise.view(-1, h, w, 1), weight)

    return map_chunks(frames, one, on_progress)


# --- vignette --------------------------------------------------------------------------------------------------
def vignette_mask(h: int, w: int, strength: float, device=None, dtype=torch.float32,
                  center: tuple[float, float] | None = None) -> torch.Tensor:
    """``[H,W,1]`` multiplicative falloff: 1 in the middle, ``1 − 0.8·strength`` in the corners (elliptical,
    following the frame's aspect, smooth)."""
    cx, cy = center if center is not None else (w / 2.0, h / 2.0)
    # separable: r² = ax(x) + by(y), then one pass of contiguous [H,W] math
    ax = ((torch.arange(w, device=device, dtype=dtype) + 0.5 - cx) / (w / 2.0)).square_().mul_(0.5)
    by = ((torch.arange(h, device=device, dtype=dtype) + 0.5 - cy) / (h / 2.0)).square_().mul_(0.5)
    r = (by[:, None] + ax[None, :]).sqrt_()
    fall = smoothstep(0.3, 1.0, r)
    return fall.mul_(-0.8 * strength).add_(1.0)[..., None]


@effect
def vignette(frames, intensity=1.0, seed=0, *, on_progress=None):
    """Darken toward the corners (elliptical, smooth); corners at ``1 − 0.8·intensity`` of their brightness.
    Deterministic; ``seed`` is unused."""
    b, h, w, _ = frames.shape
    m = vignette_mask(h, w, intensity, frames.device, frames.dtype)
    return map_chunks(frames, lambda x, _i: x * m, on_progress, chunk=16)


# --- letterbox -------------------------------------------------------------------------------------------------
LETTERBOX_RATIOS = {"2.39": 2.39, "1.85": 1.85, "4:3": 4.0 / 3.0}


def letterbox_bars(h: int, w: int, ratio: float, amount: float = 1.0) -> tuple[int, int, int, int]:
    """Bars ``(top, bottom, left, right)`` in pixels that frame a ``w`` x ``h`` picture at ``ratio`` (width/height).

    Wider target than the frame → bars top and bottom (letterbox); narrower → left and right (pillarbox).
    ``amount`` 0..1 slides the bars in (1 = exactly the ratio). The odd pixel goes to the bottom / right."""
    if not (ratio > 0 and math.isfinite(ratio)):
        raise ValueError(f"letterbox ratio must be a positive number, got {ratio}")
    if w / h < ratio:
        total = int(round((h - w / ratio) * amount))
        top = total // 2
        return top, total - top, 0, 0
    total = int(round((w - h * ratio) * amount))
    left = total // 2
    return 0, 0, left, total - left


@effect
def letterbox(frames, intensity=1.0, seed=0, *, ratio: float | str = 2.39, on_progress=None):
    """Black bars that frame the picture at ``ratio`` (2.39, 1.85, "4:3", or any width/height number).
    ``intensity`` slides the bars in: 1 = exactly the ratio. Deterministic; ``seed`` is unused."""
    if isinstance(ratio, str):
        if ratio not in LETTERBOX_RATIOS:
            raise ValueError(f"unknown letterbox ratio {excerpt(ratio)}; use one of {', '.join(LETTERBOX_RATIOS)}")
        ratio = LETTERBOX_RATIOS[ratio]
    b, h, w, _ = frames.shape
    top, bottom, left, right = letterbox_bars(h, w, float(ratio), intensity)
    out = frames.clone()
    out[:, :top] = 0.0
    if bottom:
        out[:, h - bottom:] = 0.0
    out[:, :, :left] = 0.0
    if right:
        out[:, :, w - right:] = 0.0
    if on_progress is not None:
        on_progress(b, b)
    return out


def letterbox_effect(key: str):
    """The effect function (``fn(frames, intensity, seed, *, on_progress)``) of black bars at the aspect ``key``."""
    def fn(frames, intensity=1.0, seed=0, *, on_progress=None):
        return letterbox(frames, intensity, seed, ratio=key, on_progress=on_progress)

    fn.__name__ = f"letterbox_{key}"
    return fn


# --- light leak ------------------------------------------------------------------------------------------------
_LEAK_COLOURS = np.array([
    [1.00, 0.42, 0.08],  # amber
    [1.00, 0.18, 0.10],  # red
    [1.00, 0.35, 0.32],  # rose
    [1.00, 0.72, 0.30],  # gold
])


def light_leak_field(b: int, h: int, w: int, seed: int, strength: float) -> np.ndarray:
    """``[B, h, w, 3]`` additive light (numpy, coarse resolution) of 2-3 seeded warm blobs that enter from the
    frame edges, drift and breathe over the clip."""
    r = rng(seed, 7)
    n = int(r.integers(2, 4))
    t = frame_times(b)[:, None, None]
    ys = (np.arange(h) + 0.5)[None, :, None] / h
    xs = (np.arange(w) + 0.5)[None, None, :] / w * (w / h)
    aspect = w / h
    field = np.zeros((b, h, w, 3))
    for _k in range(n):
        edge = int(r.integers(0, 4))  # 0 left, 1 right, 2 top, 3 bottom
        along = r.uniform(0.1, 0.9)
        start = {0: (-0.15 * aspect, along), 1: (1.15 * aspect, along), 2: (along * aspect, -0.15),
                 3: (along * aspect, 1.15)}[edge]
        drift = r.normal(0.0, 0.35, 2) + (np.array([aspect / 2, 0.5]) - np.array(start)) * r.uniform(0.2, 0.5)
        cx = start[0] + drift[0] * t
        cy = start[1] + drift[1] * t
        rad = r.uniform(0.35, 0.6)
        stretch = r.uniform(0.6, 1.6)
        pulse = 0.75 + 0.25 * np.sin(2 * np.pi * (r.uniform(0.4, 1.3) * t + r.uniform()))
        d2 = ((xs - cx) / (rad * stretch)) ** 2 + ((ys - cy) / rad) ** 2
        blob = np.exp(-d2 * 1.6) * pulse
        field += blob[..., None] * _LEAK_COLOURS[int(r.integers(0, len(_LEAK_COLOURS)))]
    return np.clip(field * strength, 0.0, 1.0)


@effect
def light_leak(frames, intensity=1.0, seed=0, *, on_progress=None):
    """Warm light leaking in from the frame edges (seeded blobs of amber/red/magenta/gold that drift and breathe),
    screen-blended so highlights never clip harshly."""
    b, h, w, _ = frames.shape
    lh, lw = max(2, min(h, 36)), max(2, min(w, int(round(36 * w / h))))
    field = torch.from_numpy(light_leak_field(b, lh, lw, seed, 0.85 * intensity)).to(frames.device, frames.dtype)

    def one(x, idx):
        # field is [b,h,w,3] contiguous = channels-last [b,3,h,w]: the upsampled result permutes back for free
        leak = F.interpolate(field[idx].permute(0, 3, 1, 2), size=(h, w), mode="bilinear", align_corners=False)
        leak = leak.permute(0, 2, 3, 1)
        return torch.addcmul(x, leak, 1.0 - x)  # screen: 1 − (1−x)(1−L) = x + L(1−x)

    return map_chunks(frames, one, on_progress)
