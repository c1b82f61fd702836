"""Small synthetic clips with exact ground truth for the video tests (no downloads)."""

from __future__ import annotations

import numpy as np
from scipy import ndimage


def texture(h: int = 96, w: int = 128, seed: int = 0, smooth: float = 2.0) -> np.ndarray:
    """Band-limited random RGB texture in 0.1..0.9 (so sub-pixel shifts are well defined)."""
    rng = np.random.default_rng(seed)
    t = ndimage.gaussian_filter(rng.standard_normal((h, w, 3)), (smooth, smooth, 0), mode="wrap")
    t = (t - t.min()) / (t.max() - t.min())
    return (0.1 + 0.8 * t).astype(np.float32)


def shift(img: np.ndarray, dx: float, dy: float = 0.0) -> np.ndarray:
    """Exact periodic sub-pixel translation (Fourier shift): content moves by (+dx, +dy)."""
    out = np.empty_like(img)
    for c in range(img.shape[2]):
        f = np.fft.fft2(img[..., c])
        out[..., c] = np.real(np.fft.ifft2(ndimage.fourier_shift(f, (dy, dx))))
    return out.astype(np.float32)


def translating_clip(n: int, dx: float, dy: float = 0.0, h: int = 96, w: int = 128, seed: int = 0,
                     step: float = 1.0) -> np.ndarray:
    """Frames at times 0, step, 2·step, … of a texture moving (dx, dy) px per unit time."""
    base = texture(h, w, seed)
    return np.stack([shift(base, dx * k * step, dy * k * step) for k in range(n)])
