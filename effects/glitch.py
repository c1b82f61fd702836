"""Glitch: seeded digital corruption of the signal (quantum glitch); keeps the frame count."""

from __future__ import annotations

import numpy as np
import torch

from ..core.rng import rng, torch_generator
from .base import effect, map_chunks


# --- quantum glitch --------------------------------------------------------------------------------------------
def glitch_schedule(b: int, intensity: float, seed: int) -> np.ndarray:
    """``(B,)`` glitch strength per frame in 0..1: bursts that cluster in time (a two-state Markov chain), more
    and longer bursts with intensity; at least one frame glitches."""
    r = rng(seed, 21)
    p_start = 0.08 + 0.32 * intensity
    p_stay = 0.35 + 0.35 * intensity
    on = np.zeros(b, bool)
    state = False
    for i in range(b):
        state = r.random() < (p_stay if state else p_start)
        on[i] = state
    if not on.any():
        on[int(r.integers(0, b))] = True
    strength = np.where(on, r.uniform(0.45, 1.0, b), 0.0)
    return strength


def _glitch_frame(x: torch.Tensor, prev: torch.Tensor, strength: float, intensity: float, seed: int,
                  index: int) -> torch.Tensor:
    """One glitched frame ``[H,W,3]`` (``prev`` = the previous input frame, for temporal tearing)."""
    h, w, _ = x.shape
    r = rng(seed, 10_000 + index)
    s = strength * intensity
    out = x.clone()
    # 1. RGB split: red and blue pushed apart horizontally (and a little vertically)
    shift = max(1, int(round(w * r.uniform(0.006, 0.03) * s)))
    vshift = int(round(h * r.uniform(-0.006, 0.006) * s))
    out[..., 0] = torch.roll(x[..., 0], shifts=(vshift, shift), dims=(0, 1))
    out[..., 2] = torch.roll(x[..., 2], shifts=(-vshift, -shift), dims=(0, 1))
    # 2. block displacement: horizontal bands slid sideways; some torn from the previous frame
    for _ in range(int(r.integers(2, 3 + int(7 * s)))):
        bh = max(1, int(round(h * r.uniform(0.01, 0.09))))
        y0 = int(r.integers(0, max(1, h - bh + 1)))
        dx = int(round(w * r.uniform(0.03, 0.25) * s * r.choice([-1, 1])))
        src = prev if r.random() < 0.3 else out
        out[y0:y0 + bh] = torch.roll(src[y0:y0 + bh], shifts=dx, dims=1)
    # 3. macroblock corruption: a few blocks become a flat, colour-shifted average (codec damage)
    blk = max(2, int(round(min(h, w) / 24)))
    for _ in range(int(r.integers(0, 2 + int(10 * s)))):
        by = int(r.integers(0, max(1, h - blk + 1)))
        bx = int(r.integers(0, max(1, w - blk * 4 + 1)))
        region = out[by:by + blk, bx:bx + blk * 4]
        mean = region.mean(dim=(0, 1), keepdim=True)
        out[by:by + blk, bx:bx + blk * 4] = mean[..., torch.as_tensor(r.permutation(3), device=x.device)]
    # 4. noise burst with posterized colour in one band
    bh = max(1, int(round(h * r.uniform(0.05, 0.25) * s)))
    y0 = int(r.integers(0, max(1, h - bh + 1)))
    band = out[y0:y0 + bh]
    levels = float(r.integers(3, 7))
    g = torch_generator(seed, 20_000 + index)
    noise = torch.rand(band.shape, generator=g).to(x.device, x.dtype)
    out[y0:y0 + bh] = torch.round(band * levels) / levels * (1.0 - 0.5 * s) + noise * 0.5 * s
    # 5. strong scanlines on glitch frames
    out[1::2] *= 1.0 - 0.35 * s
    return out


@effect
def quantum_glitch(frames, intensity=1.0, seed=0, *, on_progress=None):
    """Digital glitch bursts: RGB split, horizontal block displacement (some torn from the previous frame),
    macroblock corruption, posterized noise bands and scanlines. Bursts cluster in time and grow more frequent with
    intensity; every frame also gets faint scanlines. All randomness comes from ``seed`` (frame ``i`` of a clip
    always glitches the same way)."""
    b, h, w, _ = frames.shape
    sched = glitch_schedule(b, intensity, seed)
    scan = torch.ones(h, 1, 1, dtype=frames.dtype, device=frames.device)
    scan[1::2] = 1.0 - 0.08 * intensity

    def one(x, idx):
        out = x * scan
        for j, i in enumerate(idx.tolist()):
            if sched[i] > 0:
                out[j] = _glitch_frame(x[j], frames[max(0, i - 1)], float(sched[i]), intensity, seed, i)
        return out

    return map_chunks(frames, one, on_progress)
