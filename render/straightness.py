"""Do straight lines stay straight, and standing things upright? ``line_bend`` and ``lean_deg`` of a 2.5D render.

A straight edge in the world stays straight in every pinhole view, so a long straight edge of the picture that comes
out bent in a rendered frame is the depth bending it. Per frame: find the picture's long straight segments
(``render/lines.long_segments``: OpenCV's line segment detector, at least 12 % of the longer side), lift points along
each with the depth the render used through the frame-0 camera (:func:`render.reproject.unproject_pixels`), project
them into the frame with the render's own projection (:func:`render.reproject.project_points`), and take the largest
distance from the best straight line through them, divided by their length; the frame's ``line_bend`` is the 95th
percentile over the segments seen in it (0 = every long line straight; the project's target is at most 1.5 %).
``lean_deg`` does the same for the near-vertical segments and measures how far each tilts away from a standing
(fronto-parallel) version of itself.

Conventions: images ``[H, W, 3]`` float 0..1, depth ``[H, W]`` z-depth (median 1) of the frame-0 camera, ``K`` /
``rel`` as in ``render_views``: intrinsics of the frames ``(F, 3, 3)`` and frame-0 camera -> frame camera transforms
``(F, 4, 4)``; pixel centres at ``i + 0.5``.
"""

from __future__ import annotations

import numpy as np
import torch

from ..camera.overscan import zoom_intrinsics
from .lines import bottom_first, disparity_at, long_segments, near_vertical
from .reproject import project_points, unproject_pixels

SAMPLES = 64
"""Points lifted along each segment."""

SIDE_OFFSET = 1.0
"""Pixels to each side of a segment where its depth is read; the nearer side is taken (an edge belongs to the
surface that occludes: a silhouette has the depth of the object, not of what lies behind it)."""


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
    sides = [disparity_at(depth, pts + sign * SIDE_OFFSET * normal[:, None, :]) for sign in (-1.0, 1.0)]
    z = 1.0 / torch.maximum(sides[0], sides[1]).clamp(min=1e-6)
    return unproject_pixels(pts[..., 0], pts[..., 1], z, K0)


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
        segments: optional ``(S, 4)`` segments (:func:`render.lines.long_segments`).
    A segment counts in a frame when at least half of its points land inside it, in front of the camera. A frame
    without such a segment (or a picture without long lines) scores 0.
    """
    seg = long_segments(image) if segments is None else np.asarray(segments, np.float32).reshape(-1, 4)
    n = int(np.asarray(K).shape[0])
    if len(seg) == 0:
        return np.zeros(n)
    u, v, seen = _project(segment_points(seg, depth, K0), K, rel, depth.shape)
    return _per_frame_quantile(bend(u, v), seen, quantile)


def lean_deg(image: torch.Tensor, depth: torch.Tensor, K0: np.ndarray, K: np.ndarray, rel: np.ndarray,
             segments: np.ndarray | None = None, quantile: float = 0.95) -> np.ndarray:
    """Per frame, how far the picture's standing structures lean: ``(F,)`` float64, degrees.

    Definition: for every long *near-vertical* segment (within ``render/lines.VERTICAL_DEG`` = 20 degrees of the
    image's vertical), the angle between its image direction in the frame (its two ends, lifted through ``depth``
    as :func:`segment_points` lifts them, projected with the frame's camera) and the direction of its *standing*
    version: the same pixels lifted at one depth, that of its lower end (its foot, where it meets the ground), i.e.
    a fronto-parallel segment standing where it stands. The frame's figure is the ``quantile`` (p95) over the
    segments seen in it (as in :func:`line_bend`). 0 in frame 0 and for every segment whose depth is constant along
    it (it stands), whatever the camera does (roll included: both versions are seen by the same camera); it grows
    with the depth's tilt along the segment (a segment lying on a ground ramp leans when the camera orbits or
    cranes) and with the move. Arguments as in :func:`line_bend`; a frame without such a segment scores 0.
    """
    seg = long_segments(image) if segments is None else np.asarray(segments, np.float32).reshape(-1, 4)
    seg = bottom_first(seg[near_vertical(seg)])
    n = int(np.asarray(K).shape[0])
    if len(seg) == 0:
        return np.zeros(n)
    pts = segment_points(seg, depth, K0)  # [3, S, M], the foot first
    standing = pts / pts[2:3].clamp(min=1e-9) * pts[2:3, :, :1]
    u, v, seen = _project(pts, K, rel, depth.shape)
    us, vs, _ = _project(standing, K, rel, depth.shape)
    du, dv = u[..., -1] - u[..., 0], v[..., -1] - v[..., 0]
    dus, dvs = us[..., -1] - us[..., 0], vs[..., -1] - vs[..., 0]
    angle = torch.rad2deg(torch.atan2(du * dvs - dv * dus, du * dus + dv * dvs).abs())
    return _per_frame_quantile(angle, seen, quantile)


def _project(pts: torch.Tensor, K: np.ndarray, rel: np.ndarray, size: tuple[int, int]):
    """Frame-0 camera points ``[3, S, M]`` projected into every frame: ``u, v`` ``[F, S, M]`` float64 and ``seen``
    ``[F, S]`` bool (at least half of the points inside the ``size`` = (H, W) frame and all in front)."""
    h, w = size
    s, m = pts.shape[1:]
    n = int(np.asarray(K).shape[0])
    u, v, z = project_points(pts.reshape(3, -1), K, rel)
    u, v, z = (a.reshape(n, s, m).double() for a in (u, v, z))
    inside = ((u >= 0) & (u <= w) & (v >= 0) & (v <= h) & (z > 1e-3)).double().mean(-1) >= 0.5
    return u, v, inside & (z > 1e-3).all(-1)


def _per_frame_quantile(values: torch.Tensor, keep: torch.Tensor, quantile: float) -> np.ndarray:
    """``(F,)``: per frame the ``quantile`` of ``values`` ``[F, S]`` where ``keep`` ``[F, S]``; 0 where none."""
    out = np.zeros(values.shape[0])
    for i in range(values.shape[0]):
        kept = values[i][keep[i]]
        if kept.numel():
            out[i] = float(torch.quantile(kept, quantile))
    return out


def render_line_bend(image: torch.Tensor, camera, depth: torch.Tensor, overscan: float = 1.0) -> np.ndarray:
    """:func:`line_bend` of a render as ``render_views`` made it: ``image`` ``[H, W, 3]`` the picture given to the
    render (centrally cropped here to the depth's size when the camera has an aspect crop), ``camera`` its
    :class:`~draw_to_video.camera.trajectory.CameraTrajectory`, ``depth`` the depth it used (``RenderResult.depth``)
    and ``overscan`` its zoom factor (``RenderResult.overscan``). ``(F,)`` per frame."""
    return line_bend(*_render_args(image, camera, depth, overscan))


def render_lean_deg(image: torch.Tensor, camera, depth: torch.Tensor, overscan: float = 1.0) -> np.ndarray:
    """:func:`lean_deg` of a render, arguments as in :func:`render_line_bend`: ``(F,)`` degrees per frame."""
    return lean_deg(*_render_args(image, camera, depth, overscan))


def _render_args(image: torch.Tensor, camera, depth: torch.Tensor, overscan: float):
    """``(image, depth, K0, K, rel)`` of a render for :func:`line_bend` / :func:`lean_deg`: the picture cropped
    centrally to the depth's size, the source intrinsics, the frames' (zoomed by ``overscan``), the relative poses."""
    h, w = depth.shape
    top, left = (image.shape[0] - h) // 2, (image.shape[1] - w) // 2
    K_src = camera.intrinsics(w, h)
    rel = camera.w2c() @ camera.c2w[0]
    return image[top:top + h, left:left + w], depth, K_src[0], zoom_intrinsics(K_src, float(overscan)), rel


def render_geometry(image: torch.Tensor, camera, depth: torch.Tensor, overscan: float = 1.0) -> dict:
    """Both measures of a render, arguments as in :func:`render_line_bend`: ``{"line_bend": (F,) fractions,
    "lean_deg": (F,) degrees}`` as tuples of floats (what ``render --report`` carries)."""
    args = _render_args(image, camera, depth, overscan)
    return {"line_bend": tuple(float(b) for b in line_bend(*args)),
            "lean_deg": tuple(float(a) for a in lean_deg(*args))}
