"""Looks: per-pixel effects (colour grade, grain, vignette, letterbox, light leak). All take and return
``[B,H,W,3]`` float 0..1, keep the frame count, and are identity at intensity 0 (see :func:`.base.effect`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields, replace

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import excerpt
from ..core.frames import LUMA_WEIGHTS, luma
from ..core.rng import rng, torch_generator
from .base import effect, frame_times, map_chunks, map_pixels, smoothstep

# --- colour grade ----------------------------------------------------------------------------------------------
REFERENCE_KELVIN = 5500.0
"""White-balance reference: a grade with ``temperature=5500`` leaves white balance alone (the seed's "natural")."""


@dataclass(frozen=True)
class Grade:
    """A colour grade. ``temperature`` (K) is the white balance the footage is *treated as* lit by, in the
    photographer's sense: below 5500 K the picture turns cooler (bluer), above it warmer. ``tint``: −100..100,
    positive = magenta, negative = green. ``saturation`` / ``contrast``: factors (1 = unchanged).
    ``highlights`` / ``shadows``: −1..1, lift (+) or pull down (−) the upper / lower tones.
    ``split_shadows`` / ``split_highlights``: RGB offsets added to the shadows / highlights (split toning).
    ``bleach``: 0..1 strength of a bleach-bypass (luminance overlay, desaturation)."""

    temperature: float = REFERENCE_KELVIN
    tint: float = 0.0
    saturation: float = 1.0
    contrast: float = 1.0
    highlights: float = 0.0
    shadows: float = 0.0
    split_shadows: tuple[float, float, float] = (0.0, 0.0, 0.0)
    split_highlights: tuple[float, float, float] = (0.0, 0.0, 0.0)
    bleach: float = 0.0

    def scaled(self, t: float) -> Grade:
        """The grade with every parameter moved a fraction ``t`` of the way from neutral (t=0 → neutral)."""
        n = Grade()
        kw = {}
        for f in fields(self):
            a, b = getattr(n, f.name), getattr(self, f.name)
            if isinstance(a, tuple):
                kw[f.name] = tuple(x + (y - x) * t for x, y in zip(a, b, strict=True))
            else:
                kw[f.name] = a + (b - a) * t
        return Grade(**kw)


GRADE_PRESETS: dict[str, Grade] = {
    # values from the seed plan (_suggest_color_grading)
    "natural": Grade(temperature=5500, tint=0, saturation=1.1, contrast=1.2, highlights=-0.1, shadows=0.1),
    "cinematic": Grade(temperature=4800, tint=-5, saturation=0.9, contrast=1.4, highlights=-0.2, shadows=0.3),
    "vibrant": Grade(temperature=6000, tint=5, saturation=1.2, contrast=1.1, highlights=0.1, shadows=0.0),
    # complementary blockbuster look: teal shadows, orange highlights
    "teal_orange": Grade(temperature=5300, saturation=1.12, contrast=1.25, highlights=-0.1, shadows=0.15,
                         split_shadows=(-0.10, 0.035, 0.085), split_highlights=(0.09, 0.015, -0.085)),
    # silver retained: low saturation, hard contrast, crushed blacks
    "bleach_bypass": Grade(temperature=5300, saturation=0.85, contrast=1.1, highlights=0.0, shadows=0.12,
                           bleach=0.7),
}


def kelvin_to_rgb(kelvin: float) -> np.ndarray:
    """Approximate sRGB colour (0..1, max channel 1) of a black body at ``kelvin`` (1000..40000 K).

    A fit of the CIE 1964 black-body locus (after T. Helland's published curve fit)."""
    t = float(np.clip(kelvin, 1000.0, 40000.0)) / 100.0
    if t <= 66.0:
        r = 255.0
        g = 99.4708025861 * math.log(t) - 161.1195681661
        b = 0.0 if t <= 19.0 else 138.5177312231 * math.log(t - 10.0) - 305.0447927307
    else:
        r = 329.698727446 * (t - 60.0) ** -0.1332047592
        g = 288.1221695283 * (t - 60.0) ** -0.0755148492
        b = 255.0
    return np.clip(np.array([r, g, b]) / 255.0, 1e-3, 1.0)


_LUMA = np.array(LUMA_WEIGHTS)


def tone_cubic(g: Grade) -> np.ndarray:
    """Coefficients ``(a0, a1, a2, a3)`` of the tone curve ``y = a0 + a1 x + a2 x² + a3 x³`` on 0..1.

    contrast: ``x + k (smoothstep(x) − x)`` with ``k = 2 (contrast − 1)`` clamped to ±1 (an S curve that
    keeps 0 and 1 and stays monotone); shadows / highlights: bumps ``x (1−x)²`` and ``x² (1−x)`` peaking at
    1/3 and 2/3 of the range, scaled so that ±1 moves those tones by ±0.25."""
    k = float(np.clip(2.0 * (g.contrast - 1.0), -1.0, 1.0))
    a = np.zeros(4)
    a[1] = 1.0
    a += k * (np.array([0.0, 0.0, 3.0, -2.0]) - np.array([0.0, 1.0, 0.0, 0.0]))  # smoothstep − x
    a += 0.25 * 6.75 * g.shadows * np.array([0.0, 1.0, -2.0, 1.0])  # x (1-x)^2
    a += 0.25 * 6.75 * g.highlights * np.array([0.0, 0.0, 1.0, -1.0])  # x^2 (1-x)
    return a


def grade_fn(g: Grade, dtype=torch.float32, device=None):
    """Compile a :class:`Grade` into ``fn(flat [N,3]) -> [N,3]`` (constants prepared once).

    Per pixel: white balance + tint + saturation as ``s·(gains ⊙ x) + (1−s)·luma(gains ⊙ x)`` (one mat-vec
    for the luma, one fused multiply-add), then the cubic tone curve (Horner, in place), then optional split
    toning and bleach bypass."""
    gains = kelvin_to_rgb(REFERENCE_KELVIN) / kelvin_to_rgb(g.temperature)
    gains[1] *= 1.0 - 0.006 * g.tint
    gains /= float(_LUMA @ gains)
    sat = float(g.saturation)
    scale = torch.as_tensor(sat * gains, dtype=dtype, device=device)
    lw = torch.as_tensor((1.0 - sat) * (_LUMA * gains)[:, None], dtype=dtype, device=device)
    a = tone_cubic(g)
    a1, a2, a3 = float(a[1]), float(a[2]), float(a[3])
    split = any(g.split_shadows) or any(g.split_highlights)
    split_rgb = torch.as_tensor([g.split_shadows, g.split_highlights], dtype=dtype, device=device)
    wl = torch.as_tensor(_LUMA[:, None], dtype=dtype, device=device)
    bleach = float(g.bleach)

    def fn(flat: torch.Tensor) -> torch.Tensor:
        y = torch.addcmul(torch.mm(flat, lw), flat, scale).clamp_(0.0, 1.0)
        z = y * a3
        z.add_(a2).mul_(y).add_(a1).mul_(y)
        y = z
        if split:
            lum = torch.mm(y, wl).clamp_(0.0, 1.0)
            w2 = torch.cat(((1.0 - lum).square_().mul_(lum), lum.square().mul_(1.0 - lum)), 1).mul_(6.75)
            y.addmm_(w2, split_rgb)  # shadows → split_shadows, highlights → split_highlights
        if bleach > 0:
            # overlay(y, L) = 2yL below L = 0.5, 1 − 2(1−y)(1−L) above: = y·A − k with per-pixel A, k; then
            # desaturate 45% toward its luma and mix by `bleach` — all folded into one multiply-add y·P + Q
            y.clamp_(0.0, 1.0)
            lum = torch.mm(y, wl)
            k = (lum >= 0.5).to(y.dtype).mul_(1.0 - 2.0 * lum)
            A = 2.0 * (lum + k)
            lum_over = lum * A - k
            P = (1.0 - bleach) + bleach * 0.55 * A
            Q = bleach * (0.45 * lum_over - 0.55 * k)
            y = torch.addcmul(Q, y, P)
        return y.clamp_(0.0, 1.0)

    return fn


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
    fn = grade_fn(g.scaled(intensity), frames.dtype, frames.device)
    return map_pixels(frames, fn, on_progress)


def _grade_effect(preset: str):
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


def _letterbox_effect(key: str):
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
