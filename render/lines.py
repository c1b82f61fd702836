"""The picture's long straight segments (OpenCV's line segment detector) and the depth read along them.

Shared by the geometry measures (``render/straightness.py``: ``line_bend``, ``lean_deg``) and the built-in depth
estimate (``render/estimate.py``: standing structures). Conventions: images ``[H, W, 3]`` float 0..1, segments
``(S, 4)`` float32 ``x0, y0, x1, y1`` in continuous pixel coordinates (pixel centres at ``i + 0.5``, y down).
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

MIN_LENGTH = 0.12
"""Shortest segment measured, as a fraction of the picture's longer side."""

DETECT_SIZE = 640
"""Longer side (px) of the copy the segments are detected on."""

VERTICAL_DEG = 20.0
"""A segment within this many degrees of the image's vertical is *near vertical* (a candidate standing structure)."""


def long_segments(image: torch.Tensor, min_length: float = MIN_LENGTH) -> np.ndarray:
    """The picture's long straight segments: ``(S, 4)`` float32 ``x0, y0, x1, y1`` in continuous pixel coordinates
    (pixel centres at ``i + 0.5``), each at least ``min_length`` of the longer side; OpenCV's LSD on the 8-bit gray
    picture, area-downscaled to at most ``DETECT_SIZE`` px long first (the segments are long: that keeps them, at a
    fraction of the time). ``image``: ``[H, W, 3]`` float 0..1 (any device). Deterministic."""
    rgb = (image[..., :3].float().clamp(0, 1) * 255 + 0.5).to(torch.uint8).cpu().numpy()
    gray = cv2.cvtColor(rgb, cv2.COLOR_RGB2GRAY)
    h, w = gray.shape
    scale = min(1.0, DETECT_SIZE / max(h, w))
    if scale < 1.0:
        gray = cv2.resize(gray, (max(1, round(w * scale)), max(1, round(h * scale))), interpolation=cv2.INTER_AREA)
    lines = cv2.createLineSegmentDetector().detect(gray)[0]
    if lines is None:
        return np.zeros((0, 4), np.float32)
    # LSD's coordinates put pixel centres at integers; the render's at i + 0.5
    seg = (lines.reshape(-1, 4).astype(np.float32) + 0.5) * np.float32(w / gray.shape[1])
    length = np.hypot(seg[:, 2] - seg[:, 0], seg[:, 3] - seg[:, 1])
    return seg[length >= min_length * max(h, w)]


def near_vertical(segments: np.ndarray, max_deg: float = VERTICAL_DEG) -> np.ndarray:
    """Which of ``segments`` ``(S, 4)`` lie within ``max_deg`` degrees of the image's vertical: bool ``(S,)``."""
    seg = np.asarray(segments, np.float64).reshape(-1, 4)
    dx, dy = np.abs(seg[:, 2] - seg[:, 0]), np.abs(seg[:, 3] - seg[:, 1])
    return np.degrees(np.arctan2(dx, dy)) <= max_deg


def bottom_first(segments: np.ndarray) -> np.ndarray:
    """``segments`` ``(S, 4)`` with each one's lower end (larger y: its foot) first: ``(S, 4)`` float32."""
    seg = np.asarray(segments, np.float32).reshape(-1, 4).copy()
    flip = seg[:, 1] < seg[:, 3]
    seg[flip] = seg[flip][:, [2, 3, 0, 1]]
    return seg


def disparity_at(depth: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
    """Disparity ``1 / depth`` interpolated bilinearly at continuous pixel coordinates ``q`` ``[..., 2]`` (x, y; pixel
    centres at ``i + 0.5``, edges replicated): ``[...]``. Only the four neighbours of each point are read."""
    h, w = depth.shape
    x = (q[..., 0] - 0.5).clamp(0, w - 1)
    y = (q[..., 1] - 0.5).clamp(0, h - 1)
    x0 = x.floor().long().clamp(max=max(0, w - 2))
    y0 = y.floor().long().clamp(max=max(0, h - 2))
    x1, y1 = (x0 + 1).clamp(max=w - 1), (y0 + 1).clamp(max=h - 1)
    fx, fy = x - x0, y - y0
    flat = depth.reshape(-1).float()

    def at(yi, xi):
        return 1.0 / flat[yi * w + xi].clamp(min=1e-12)

    return ((at(y0, x0) * (1 - fx) + at(y0, x1) * fx) * (1 - fy)
            + (at(y1, x0) * (1 - fx) + at(y1, x1) * fx) * fy)
