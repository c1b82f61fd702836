"""The effect library's contract and batch plumbing: argument checks, the ``@effect`` decorator, chunked maps
over the batch (bounded memory, progress after each chunk), normalized clip time.

Every frame tensor here is ``[B, H, W, 3]`` float in 0..1 (ComfyUI IMAGE layout) on any device.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable

import numpy as np
import torch

from ..core import ProgressFn
from ..core.errors import excerpt
from ..core.frames import check_frames
from ..core.rng import check_seed
from ..core.sampling import pixel_grid

CHUNK = 8


def check_intensity(intensity) -> float:
    try:
        v = float(intensity)
    except (TypeError, ValueError):
        raise ValueError(f"intensity must be a number in 0..1, got {excerpt(intensity)}") from None
    if not math.isfinite(v) or v < 0.0 or v > 1.0:
        raise ValueError(f"intensity must be in 0..1, got {excerpt(intensity)}")
    return v


def effect(fn):
    """Decorate an effect ``fn(frames, intensity, seed, **kw)``: validate the common arguments, return an exact
    copy at intensity 0, drop keyword arguments ``fn`` does not take (so every effect accepts the same
    ``camera=, mask=, depth=, on_progress=``), and clamp the result to 0..1."""
    accepted = set(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def wrapper(frames, intensity: float = 1.0, seed: int = 0, **kw):
        frames = check_frames(frames)
        intensity = check_intensity(intensity)
        seed = check_seed(seed)
        if intensity == 0.0:
            return frames.clone()
        kw = {k: v for k, v in kw.items() if k in accepted}
        out = fn(frames, intensity, seed, **kw)
        return out.clamp_(0.0, 1.0)

    wrapper.accepts = frozenset(accepted)
    return wrapper


def map_chunks(frames: torch.Tensor, fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               on_progress: ProgressFn = None, chunk: int = CHUNK) -> torch.Tensor:
    """Apply ``fn(chunk [b,H,W,C], idx (b,) long frame indices)`` to the batch in chunks (bounded memory,
    progress after each chunk); results are written into one output tensor."""
    b = frames.shape[0]
    if b <= chunk:  # one chunk: no copy into a separate output
        res = fn(frames, torch.arange(b, device=frames.device))
        if on_progress is not None:
            on_progress(b, b)
        return res
    out = None
    for start in range(0, b, chunk):
        stop = min(b, start + chunk)
        idx = torch.arange(start, stop, device=frames.device)
        res = fn(frames[start:stop], idx)
        if out is None:
            out = torch.empty((b, *res.shape[1:]), dtype=res.dtype, device=res.device)
        out[start:stop] = res
        if on_progress is not None:
            on_progress(stop, b)
    return out


PIXEL_BLOCK = 1024 * 576 * 4
"""Pixels per block for per-pixel effects (about 4 frames of 1024x576: bounded memory, few Python round trips)."""


def map_pixels(frames: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor],
               on_progress: ProgressFn = None, block: int | None = None) -> torch.Tensor:
    """Apply a per-pixel ``fn(flat [N,3]) -> [N,3]`` over the batch in cache-sized blocks (the whole batch at once
    on GPUs); progress is reported per frame."""
    b = frames.shape[0]
    flat = frames.reshape(-1, 3)
    if block is None:
        block = flat.shape[0] if frames.device.type != "cpu" else PIXEL_BLOCK
    if block >= flat.shape[0]:
        res = fn(flat)
        if on_progress is not None:
            on_progress(b, b)
        return res.view(frames.shape)
    out = torch.empty_like(flat)
    per_frame = flat.shape[0] // b
    next_report = per_frame
    for start in range(0, flat.shape[0], block):
        stop = min(flat.shape[0], start + block)
        out[start:stop] = fn(flat[start:stop])
        if on_progress is not None and stop >= next_report:
            on_progress(stop // per_frame, b)
            next_report = (stop // per_frame + 1) * per_frame
    return out.view(frames.shape)


def frame_times(b: int) -> np.ndarray:
    """Normalized clip time of each frame, 0 at the first and 1 at the last (0.5 for a single frame)."""
    return np.full(1, 0.5) if b == 1 else np.linspace(0.0, 1.0, b)


def smoothstep(e0: float, e1: float, x):
    if isinstance(x, torch.Tensor):
        t = ((x - e0) / max(e1 - e0, 1e-12)).clamp(0.0, 1.0)
    else:
        t = np.clip((np.asarray(x, dtype=np.float64) - e0) / max(e1 - e0, 1e-12), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def mask_centroid(mask: torch.Tensor) -> tuple[float, float] | None:
    """Pixel centroid of the mean of a ``[B,H,W]`` mask, or None when it is empty."""
    m = mask.float().mean(0)
    total = float(m.sum())
    if total <= 1e-6:
        return None
    xs, ys = pixel_grid(m.shape[0], m.shape[1], device=m.device)
    return float((m * xs).sum() / total), float((m * ys).sum() / total)
