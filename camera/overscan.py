"""Overscan: the smallest zoom that keeps every frame of a move inside the source picture.

A 2.5D render sees only what the source image saw. When the camera moves, turns or pulls back, the image border
comes into view and whatever lies past it has to be invented (smeared borders). Overscan zooms every frame by the
same factor ``s >= 1`` about the principal point (every frame's focal length times ``s``, the output size
unchanged), so the frames show a crop that the source covers.

How the automatic factor is found (:func:`overscan_needed`): the outer border of the source image (pixel edges,
each with the depth of the border pixel next to it) is lifted into 3D in the frame-0 camera and projected into
every frame. The crop of zoom ``s`` is the rectangle ``|u - cx| <= W / 2s, |v - cy| <= H / 2s``; it lies inside
the projected border loop when the principal point is inside the loop and no part of the loop enters the
rectangle, i.e. when ``s >= 1 / r_min`` with ``r_min`` the smallest normalized Chebyshev radius
``max(|u - cx| / (W/2), |v - cy| / (H/2))`` over the loop's segments (computed exactly per segment, so a depth
step on the border, which opens a gap between two neighbouring border points, counts too).

Conventions: OpenCV axes, pixel centres at ``i + 0.5`` (camera/lens.py), ``K`` (F, 3, 3), ``rel`` (F, 4, 4) maps
frame-0 camera coordinates to frame-i camera coordinates. numpy only: the trajectory preview uses it too.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np

from ..core.errors import excerpt
from ..core.params import RENDER, format_number

AUTO_MAX = 1.25
"""Largest factor automatic overscan applies. A move that needs more (a long truck or a pull-back) is zoomed by this
much and the rest of the revealed border is filled like any hole (and marked in ``holes``); the render reports it
(``OverscanInfo.capped``). Kept small: a bigger zoom softens the picture and crops the subject away."""
MARGIN_PX = 1.0
"""Extra output pixels kept between the crop and the projected border (bilinear sampling needs its neighbour)."""


@dataclass(frozen=True)
class OverscanInfo:
    """The zoom a render used: ``factor`` (1 = none; the largest, last frame's, when it ramps), ``needed`` the
    smallest factor without a border reveal (``inf`` when no zoom can avoid one, e.g. the border passes behind the
    camera), ``capped`` when ``factor`` is smaller than ``needed`` (auto stopped at :data:`AUTO_MAX`, or a fixed
    factor too small), ``mode``: "auto", "off" or "fixed". ``factors``: per frame (auto: a ramp from 1 at frame 0,
    so frame 0 is the whole picture; empty = ``factor`` on every frame)."""

    factor: float
    needed: float
    capped: bool
    mode: str
    factors: tuple[float, ...] = ()

    def per_frame(self, frames: int) -> np.ndarray:
        """(frames,) float64: the zoom of every frame."""
        if len(self.factors) == frames:
            return np.asarray(self.factors, dtype=np.float64)
        return np.full(frames, float(self.factor))

    def describe(self) -> str:
        """One line for the CLI and logs."""
        if self.mode == "off":
            return "overscan off"
        need = ("no zoom is enough: the camera passes part of the picture" if not np.isfinite(self.needed)
                else f"needed {self.needed:.3f}x")
        zoom = (f"ramping from 1x at frame 0 to {self.factor:.3f}x" if self.factors and self.factors[0] < self.factor
                else f"{self.factor:.3f}x")
        text = f"overscan {zoom} ({self.mode}; {need})"
        if self.capped:
            text += (f" - capped at {self.factor:.2f}x: the rest of the revealed border is filled (and marked in "
                     f"the holes)")
        return text


def parse_overscan(value) -> float:
    """The ``overscan`` parameter as its number: ``"auto"`` / 0 -> 0 (automatic), ``"off"`` / 1 -> 1, a factor
    in ``(1, RENDER["overscan"].hi]`` -> itself. Raises ``ValueError`` saying what is allowed."""
    top = format_number(RENDER["overscan"].hi)
    if isinstance(value, str):
        key = value.strip().lower()
        if key in ("auto", "off"):
            return 0.0 if key == "auto" else 1.0
        try:
            value = float(key)
        except ValueError:
            raise ValueError(f"overscan must be auto, off or a zoom factor between 1 and {top}, got "
                             f"{excerpt(value)}") from None
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"overscan must be auto (0), off (1) or a zoom factor between 1 and {top}, got "
                         f"{excerpt(value)}") from None
    if not np.isfinite(v) or not (v == 0.0 or 1.0 <= v <= RENDER["overscan"].hi):
        raise ValueError(f"overscan must be 0 (auto), 1 (off) or a zoom factor between 1 and {top}, got "
                         f"{excerpt(value)}")
    return v


def border_points(depth: np.ndarray, K0: np.ndarray) -> np.ndarray:
    """The outer border of the source image as one closed loop of 3D points in the frame-0 camera, (P, 3).

    depth: [H, W] z-depth of the source (only its border rows/columns are read); K0: (3, 3) its intrinsics.
    The loop runs along the pixel edges (x = 0..W, y = 0..H), clockwise from the top-left corner, one point per
    pixel edge; each point takes the depth of the border pixel beside it.
    """
    depth = np.asarray(depth, dtype=np.float64)
    h, w = depth.shape
    xs = np.arange(w + 1, dtype=np.float64)
    ys = np.arange(h + 1, dtype=np.float64)
    top = np.stack([xs, np.zeros_like(xs), depth[0, np.minimum(xs.astype(int), w - 1)]], 1)
    right = np.stack([np.full_like(ys, w), ys, depth[np.minimum(ys.astype(int), h - 1), w - 1]], 1)
    bottom = np.stack([xs[::-1], np.full_like(xs, h), depth[h - 1, np.minimum(xs[::-1].astype(int), w - 1)]], 1)
    left = np.stack([np.zeros_like(ys), ys[::-1], depth[np.minimum(ys[::-1].astype(int), h - 1), 0]], 1)
    loop = np.concatenate([top, right, bottom, left])
    z = loop[:, 2]
    x = (loop[:, 0] - K0[0, 2]) / K0[0, 0] * z
    y = (loop[:, 1] - K0[1, 2]) / K0[1, 1] * z
    return np.stack([x, y, z], 1)


def _segment_min_chebyshev(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Smallest ``max(|x|, |y|)`` on each segment a->b (a, b: (..., 2)); exact (the function is convex and
    piecewise linear along the segment, so its minimum is at an end or where |x| and |y| cross 0 or each other)."""
    d = b - a
    cands = [np.zeros(a.shape[:-1]), np.ones(a.shape[:-1])]
    with np.errstate(divide="ignore", invalid="ignore"):
        for num, den in ((-a[..., 0], d[..., 0]), (-a[..., 1], d[..., 1]),
                         (a[..., 1] - a[..., 0], d[..., 0] - d[..., 1]),
                         (-(a[..., 0] + a[..., 1]), d[..., 0] + d[..., 1])):
            t = np.where(np.abs(den) > 1e-12, num / np.where(den == 0, 1.0, den), 0.0)
            cands.append(np.clip(t, 0.0, 1.0))
    best = np.full(a.shape[:-1], np.inf)
    for t in cands:
        p = a + t[..., None] * d
        best = np.minimum(best, np.maximum(np.abs(p[..., 0]), np.abs(p[..., 1])))
    return best


def overscan_needed(points: np.ndarray, K: np.ndarray, rel: np.ndarray, width: int, height: int) -> np.ndarray:
    """Per frame, the smallest zoom ``s >= 1`` whose crop shows only what the source image covers.

    points: (P, 3) the source border loop (:func:`border_points`); K: (F, 3, 3) the frames' intrinsics (before
    any zoom); rel: (F, 4, 4) frame-0 camera -> frame-i camera. Returns (F,) float64, ``inf`` where no zoom helps
    (a border point behind the camera, or the principal point outside the projected border).
    """
    K = np.asarray(K, dtype=np.float64).reshape(-1, 3, 3)
    rel = np.asarray(rel, dtype=np.float64).reshape(-1, 4, 4)
    q = rel[:, :3, :3] @ points.T + rel[:, :3, 3:]  # (F, 3, P)
    z = q[:, 2]
    out = np.full(K.shape[0], np.inf)
    for i in range(K.shape[0]):
        if np.any(z[i] <= 1e-6):
            continue
        u = K[i, 0, 0] * q[i, 0] / z[i] + K[i, 0, 2]
        v = K[i, 1, 1] * q[i, 1] / z[i] + K[i, 1, 2]
        cx, cy = K[i, 0, 2], K[i, 1, 2]
        loop = np.stack([u, v], 1)
        if cv2.pointPolygonTest(loop.astype(np.float32)[:, None], (float(cx), float(cy)), False) < 0:
            continue
        n = np.stack([(u - cx) / (width / 2.0), (v - cy) / (height / 2.0)], 1)
        r = _segment_min_chebyshev(n, np.roll(n, -1, axis=0)).min()
        out[i] = max(1.0, 1.0 / max(r, 1e-9))
    return out


def resolve_overscan(overscan: float, points: np.ndarray, K: np.ndarray, rel: np.ndarray, width: int,
                     height: int, max_factor: float = AUTO_MAX) -> OverscanInfo:
    """The zoom to render with for the ``overscan`` parameter (0 = auto, 1 = off, > 1 = that factor).

    Auto: per frame, the largest need up to that frame (:func:`overscan_needed`, a running maximum so the zoom
    never backs off) plus :data:`MARGIN_PX`, at most ``max_factor``: a ramp that starts at 1 on frame 0 (which
    needs no zoom), so frame 0 shows the whole picture. Off (1) skips the geometry entirely (``needed`` is then
    reported as 1). A fixed factor zooms every frame alike.
    """
    overscan = parse_overscan(overscan)
    if overscan == 1.0:
        return OverscanInfo(1.0, 1.0, False, "off")
    needs = overscan_needed(points, K, rel, width, height)
    needs = np.where(needs > 1.0 + 1e-9, needs * (1.0 + 2.0 * MARGIN_PX / min(width, height)), 1.0)
    need = float(needs.max())
    if overscan == 0.0:
        ramp = np.minimum(np.maximum.accumulate(needs), max_factor)
        factor = float(ramp.max())
        return OverscanInfo(factor, need, need > factor + 1e-9, "auto", tuple(float(f) for f in ramp))
    return OverscanInfo(float(overscan), need, need > overscan + 1e-9, "fixed")


def zoom_intrinsics(K: np.ndarray, factor) -> np.ndarray:
    """``K`` (..., 3, 3) with the focal lengths times ``factor`` (a number, or one per matrix: shape ``K.shape[:-2]``;
    principal point kept): a centred crop that keeps the output size."""
    K = np.array(K, dtype=np.float64, copy=True)
    factor = np.asarray(factor, dtype=np.float64)
    K[..., 0, 0] *= factor
    K[..., 1, 1] *= factor
    return K
