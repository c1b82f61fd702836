"""Do straight lines stay straight? The ``line_bend`` measure of a 2.5D render.

A straight edge in the world stays straight in every pinhole view, so a long straight edge of the picture that comes
out bent in a rendered frame is the depth bending it. Per frame: find the picture's long straight segments (OpenCV's
line segment detector, segments at least ``MIN_LENGTH`` of the longer side), lift points along each with the depth
the render used through the frame-0 camera (:func:`render.reproject.unproject_pixels`), project them into the frame
with the render's own projection (:func:`render.reproject.project_points`), and take the largest distance from the
best straight line through them, divided by their length; the frame's ``line_bend`` is the 95th percentile over
the segments seen in it (0 = every long line straight; the project's target is at most 1.5 %).

Conventions: images ``[H, W, 3]`` float 0..1, depth ``[H, W]`` z-depth (median 1) of the frame-0 camera, ``K`` /
``rel`` as in ``render_views``: intrinsics of the frames ``(F, 3, 3)`` and frame-0 camera -> frame camera transforms
``(F, 4, 4)``; pixel centres at ``i + 0.5``.
"""

from __future__ import annotations

import cv2
import numpy as np
import torch

from ..camera.overscan import zoom_intrinsics
from .reproject import project_points, unproject_pixels

MIN_LENGTH = 0.12
"""Shortest segment measured, as a fraction of the picture's longer side."""

SAMPLES = 64
"""Points lifted along each segment."""

DETECT_SIZE = 640
"""Longer side (px) of the copy the segments are detected on."""

SIDE_OFFSET = 1.0
"""Pixels to each side of a segment where its depth is read; the nearer side is taken (an edge belongs to the
surface that occludes: a silhouette has the depth of the object, not of what lies behind it)."""


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


def segment_points(segments: np.ndarray, depth: torch.Tensor, K0: np.ndarray, samples: int = SAMPLES) -> torch.Tensor:
    """Frame-0 camera points along each segment: ``[3, S, samples]`` (on the depth's device), lifted through the
    intrinsics ``K0`` (3, 3) like the render lifts its pixels.

    The depth of a point is read (bilinearly, in disparity) ``SIDE_OFFSET`` px to either side of the segment, and the
    nearer of the two is taken; on a plane the disparity read is an affine function along the segment, so the lifted
    points lie on a straight 3-D line exactly."""
    dev = depth.device
    seg = torch.as_tensor(segments, dtype=torch.float32, device=dev).reshape(-1, 4)
    t = torch.linspace(0.0, 1.0, samples, device=dev)
    p0, p1 = seg[:, None, :2], seg[:, None, 2:]
    pts = p0 + (p1 - p0) * t[None, :, None]  # [S, M, 2]
    d = (p1 - p0)[:, 0]
    normal = torch.stack([-d[:, 1], d[:, 0]], 1) / d.norm(dim=1, keepdim=True).clamp(min=1e-6)
    sides = [_disparity_at(depth, pts + sign * SIDE_OFFSET * normal[:, None, :]) for sign in (-1.0, 1.0)]
    z = 1.0 / torch.maximum(sides[0], sides[1]).clamp(min=1e-6)
    return unproject_pixels(pts[..., 0], pts[..., 1], z, K0)


def _disparity_at(depth: torch.Tensor, q: torch.Tensor) -> torch.Tensor:
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


def bend(u: torch.Tensor, v: torch.Tensor) -> torch.Tensor:
    """How far points ``u, v`` ``[..., M]`` are from straight: the largest distance from their best straight line
    (total least squares) divided by their extent along it; ``[...]``, 0 for collinear points."""
    cu, cv = u - u.mean(-1, keepdim=True), v - v.mean(-1, keepdim=True)
    a, b, c = (cu * cu).mean(-1), (cu * cv).mean(-1), (cv * cv).mean(-1)
    theta = 0.5 * torch.atan2(2 * b, a - c)  # direction of the principal axis
    du, dv = torch.cos(theta)[..., None], torch.sin(theta)[..., None]
    along = cu * du + cv * dv
    across = (cv * du - cu * dv).abs()
    extent = along.amax(-1) - along.amin(-1)
    return across.amax(-1) / extent.clamp(min=1e-6)


def line_bend(image: torch.Tensor, depth: torch.Tensor, K0: np.ndarray, K: np.ndarray, rel: np.ndarray,
              segments: np.ndarray | None = None, quantile: float = 0.95) -> np.ndarray:
    """Per frame, the ``quantile`` (p95) over the picture's long segments of their bend in that frame: ``(F,)``
    float64, a fraction (0.01 = the worst lines bow by 1 % of their length).

    Args:
        image: ``[H, W, 3]`` the picture the render moved (its segments are found here unless ``segments`` is given).
        depth: ``[H, W]`` the z-depth the render used (``RenderResult.depth``).
        K0: (3, 3) the source camera's intrinsics; K: (F, 3, 3) the frames' (with any overscan zoom);
            rel: (F, 4, 4) frame-0 camera -> frame camera.
        segments: optional ``(S, 4)`` segments (:func:`long_segments`).
    A segment counts in a frame when at least half of its points land inside it, in front of the camera. A frame
    without such a segment (or a picture without long lines) scores 0.
    """
    seg = long_segments(image) if segments is None else np.asarray(segments, np.float32).reshape(-1, 4)
    n = int(np.asarray(K).shape[0])
    if len(seg) == 0:
        return np.zeros(n)
    h, w = depth.shape
    pts = segment_points(seg, depth, K0)
    s, m = pts.shape[1:]
    u, v, z = project_points(pts.reshape(3, -1), K, rel)
    u, v, z = (a.reshape(n, s, m).double() for a in (u, v, z))
    inside = ((u >= 0) & (u <= w) & (v >= 0) & (v <= h) & (z > 1e-3)).double().mean(-1) >= 0.5
    ahead = (z > 1e-3).all(-1)
    b = bend(u, v)
    out = np.zeros(n)
    for i in range(n):
        keep = b[i][inside[i] & ahead[i]]
        if keep.numel():
            out[i] = float(torch.quantile(keep, quantile))
    return out


def render_line_bend(image: torch.Tensor, camera, depth: torch.Tensor, overscan: float = 1.0) -> np.ndarray:
    """:func:`line_bend` of a render as ``render_views`` made it: ``image`` ``[H, W, 3]`` the picture given to the
    render (centrally cropped here to the depth's size when the camera has an aspect crop), ``camera`` its
    :class:`~draw_to_video.camera.trajectory.CameraTrajectory`, ``depth`` the depth it used (``RenderResult.depth``)
    and ``overscan`` its zoom factor (``RenderResult.overscan``). ``(F,)`` per frame."""
    h, w = depth.shape
    top, left = (image.shape[0] - h) // 2, (image.shape[1] - w) // 2
    img = image[top:top + h, left:left + w]
    K_src = camera.intrinsics(w, h)
    rel = camera.w2c() @ camera.c2w[0]
    return line_bend(img, depth, K_src[0], zoom_intrinsics(K_src, float(overscan)), rel)
