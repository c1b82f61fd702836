"""Classical (no model weights) saliency and subject segmentation for the built-in depth estimate.

Everything here works on small images (a longer side of ~100-200 px) as numpy arrays, so it is cheap; the caller
upsamples the result with an edge-aware filter. Deterministic: OpenCV's GrabCut draws its initial clusters from
cv2's global RNG, which :func:`segment_subject` seeds before every call.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np


def spectral_residual_saliency(gray: np.ndarray, size: int = 64) -> np.ndarray:
    """Spectral-residual saliency (Hou & Zhang 2007) of a gray image.

    Args:
        gray: [H, W] float (any range), H, W >= 1.
        size: the side of the square the spectrum is computed on.
    Returns:
        [H, W] float32 in 0..1 (1 = most salient); all zeros for a flat image.
    """
    h, w = gray.shape
    g = cv2.resize(gray.astype(np.float32), (size, size), interpolation=cv2.INTER_AREA)
    spec = np.fft.fft2(g)
    log_amp = np.log(np.abs(spec) + 1e-6)
    residual = log_amp - cv2.blur(log_amp.astype(np.float32), (3, 3), borderType=cv2.BORDER_REPLICATE)
    sal = np.abs(np.fft.ifft2(np.exp(residual + 1j * np.angle(spec)))) ** 2
    sal = cv2.GaussianBlur(sal.astype(np.float32), (0, 0), size / 24.0)
    sal = cv2.resize(sal, (w, h), interpolation=cv2.INTER_LINEAR)
    lo, hi = float(sal.min()), float(sal.max())
    if hi - lo < 1e-12 or float(g.std()) < 1e-6:
        return np.zeros((h, w), np.float32)
    return ((sal - lo) / (hi - lo)).astype(np.float32)


def seed_point(saliency: np.ndarray, subject: tuple[float, float] | None = None) -> tuple[int, int]:
    """Pixel (x, y) where the subject is taken to be: ``subject`` (normalized 0..1, clipped) when given, else the
    peak of the saliency weighted by a centre prior (a Gaussian of 0.3 of the image size)."""
    h, w = saliency.shape
    if subject is not None:
        x = int(np.clip(float(subject[0]) * w, 0, w - 1))
        y = int(np.clip(float(subject[1]) * h, 0, h - 1))
        return x, y
    ys = (np.arange(h, dtype=np.float32) + 0.5) / h - 0.5
    xs = (np.arange(w, dtype=np.float32) + 0.5) / w - 0.5
    prior = np.exp(-(ys[:, None] ** 2 + xs[None, :] ** 2) / (2 * 0.3**2))
    score = cv2.GaussianBlur(saliency, (0, 0), max(1.0, min(h, w) / 16)) * prior + 1e-3 * prior
    y, x = np.unravel_index(int(np.argmax(score)), score.shape)
    return int(x), int(y)


@dataclass(frozen=True)
class Subject:
    """The segmented subject at the working resolution.

    mask: [h, w] bool, one connected region without holes (all False when nothing was found);
    confidence: 0..1, how much the segmentation is to be trusted (0 = ignore it: the depth stays flat there);
    seed: (x, y) pixel the segmentation grew from.
    """

    mask: np.ndarray
    confidence: float
    seed: tuple[int, int]


def segment_subject(rgb: np.ndarray, subject: tuple[float, float] | None = None, iterations: int = 3) -> Subject:
    """Segment the salient subject of a small picture with GrabCut, grown from a seed point.

    The seed is the drawn focus point (``subject``, normalized 0..1) or the saliency peak near the centre. GrabCut
    starts from: a small disc at the seed = surely subject; a band of 6 % along the top border and the upper three
    quarters of the side borders = surely background, the rest of the side bands = probably background (subjects
    may touch the bottom edge and stand on the ground); everything else = probably subject. The result keeps the
    connected region at the seed, with holes filled (eyes and mouth stay part of a face).

    Confidence drops smoothly when the region is implausible: smaller than ~1 % or larger than ~60 % of the
    picture, spreading along the top, an outline that does not follow the picture's edges (``outline_contrast``
    under ~2.5: a cut through texture), or mostly flat in its upper half (``flat_share`` over ~0.4: sky or a wall
    taken with the subject).

    Args:
        rgb: [h, w, 3] float 0..1 (or uint8), h, w >= 8 recommended (smaller gives confidence 0).
        subject: optional (x, y) normalized.
        iterations: GrabCut iterations.
    """
    h, w = rgb.shape[:2]
    img = rgb if rgb.dtype == np.uint8 else (np.clip(rgb, 0, 1) * 255 + 0.5).astype(np.uint8)
    img = np.ascontiguousarray(img[..., ::-1])  # OpenCV wants BGR (only the colour model sees it)
    empty = np.zeros((h, w), bool)
    if min(h, w) < 8:
        return Subject(empty, 0.0, (w // 2, h // 2))
    gray = img.astype(np.float32).mean(-1)
    sal = spectral_residual_saliency(gray)
    sx, sy = seed_point(sal, subject)
    if float(img.std()) < 1.0:  # a flat picture has no subject
        return Subject(empty, 0.0, (sx, sy))

    mask = np.full((h, w), cv2.GC_PR_FGD, np.uint8)
    bt, bs = max(1, round(0.06 * h)), max(1, round(0.06 * w))
    mask[:bt] = cv2.GC_BGD
    mask[: 3 * h // 4, :bs] = cv2.GC_BGD
    mask[: 3 * h // 4, -bs:] = cv2.GC_BGD
    mask[3 * h // 4:, :bs] = cv2.GC_PR_BGD
    mask[3 * h // 4:, -bs:] = cv2.GC_PR_BGD
    r = max(1, int(0.015 * min(h, w)))
    cv2.circle(mask, (sx, sy), r, int(cv2.GC_FGD), -1)
    bgd, fgd = np.zeros((1, 65), np.float64), np.zeros((1, 65), np.float64)
    cv2.setRNGSeed(0)
    try:
        cv2.grabCut(img, mask, None, bgd, fgd, int(iterations), cv2.GC_INIT_WITH_MASK)
    except cv2.error:  # degenerate colour statistics (e.g. two colours only): no subject
        return Subject(empty, 0.0, (sx, sy))
    fg = ((mask == cv2.GC_FGD) | (mask == cv2.GC_PR_FGD)).astype(np.uint8)
    k = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (3, 3))
    fg = cv2.morphologyEx(fg, cv2.MORPH_OPEN, k)
    n, labels = cv2.connectedComponents(fg, connectivity=8)
    if n <= 1:
        return Subject(empty, 0.0, (sx, sy))
    lab = labels[sy, sx]
    if lab == 0:  # the seed fell outside: take the largest region
        lab = 1 + int(np.argmax(np.bincount(labels.ravel())[1:]))
    region = _fill_holes(labels == lab)
    area = float(region.mean())
    top = float(region[: max(1, h // 6)].any(0).mean())  # how far it spreads along the top
    mag = _gradient(img)
    edge = outline_contrast(mag, region)
    rows = np.flatnonzero(region.any(1))
    upper = region.copy()
    upper[(rows[0] + rows[-1]) // 2 + 1:] = False
    flat = flat_share(mag, upper)  # sky caught with a subject is flat at the top
    conf = (_ramp(area, 0.003, 0.015) * (1.0 - _ramp(area, 0.6, 0.85)) * (1.0 - _ramp(top, 0.35, 0.6))
            * _ramp(edge, 2.0, 3.0) * (1.0 - _ramp(flat, 0.35, 0.5)))
    return Subject(region, float(conf), (sx, sy))


def _gradient(img: np.ndarray) -> np.ndarray:
    """Gradient magnitude [h, w] of a gray [h, w] or colour [h, w, C] picture (colour: summed over channels, so an
    outline between two colours of the same brightness counts)."""
    g = cv2.GaussianBlur(img.astype(np.float32), (0, 0), 0.8)
    mag = np.hypot(cv2.Sobel(g, cv2.CV_32F, 1, 0, ksize=3), cv2.Sobel(g, cv2.CV_32F, 0, 1, ksize=3))
    return mag.sum(-1) if mag.ndim == 3 else mag


def outline_contrast(mag: np.ndarray, region: np.ndarray) -> float:
    """How much stronger the picture's edges (``mag``: its :func:`_gradient` [h, w]) are on the outline of
    ``region`` than on average: mean gradient magnitude on the outline (inner and outer boundary pixels, image
    border excluded) / mean over the picture. A real object's outline lies on image edges (ratio well above 1);
    a cut through texture or a flat area does not (about 1 or less). 0 for an empty or full region."""
    r8 = region.astype(np.uint8)
    k = np.ones((3, 3), np.uint8)
    ring = (cv2.dilate(r8, k) != cv2.erode(r8, k))
    ring[0], ring[-1], ring[:, 0], ring[:, -1] = False, False, False, False
    if not ring.any():
        return 0.0
    return float(mag[ring].mean() / max(1e-6, float(mag.mean())))


def flat_share(mag: np.ndarray, region: np.ndarray) -> float:
    """Share of ``region`` that is flat (local mean of the gradient ``mag`` [h, w] under half the picture's mean):
    about 0.3 for a person or an object, 0.5 and more for sky or a blank wall. 1 for an empty region."""
    flat = cv2.blur(mag, (5, 5)) < 0.5 * max(1e-6, float(mag.mean()))
    return float(flat[region].mean()) if region.any() else 1.0


def _fill_holes(region: np.ndarray) -> np.ndarray:
    """A bool region with every enclosed hole filled (background reachable from the border stays background)."""
    h, w = region.shape
    pad = np.zeros((h + 2, w + 2), np.uint8)
    pad[1:-1, 1:-1] = region
    flood = pad.copy()
    cv2.floodFill(flood, np.zeros((h + 4, w + 4), np.uint8), (0, 0), 1)
    return (pad[1:-1, 1:-1] | (flood[1:-1, 1:-1] == 0)).astype(bool)


def _ramp(x: float, lo: float, hi: float) -> float:
    """0 below ``lo``, 1 above ``hi``, smooth (smoothstep) between."""
    t = min(1.0, max(0.0, (x - lo) / (hi - lo)))
    return t * t * (3 - 2 * t)
