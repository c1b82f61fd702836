"""Preview pictures: the drawing over the image, the camera's framing at key frames, a top-down plot.

All functions take and return uint8 RGB numpy images [H, W, 3].
"""

from __future__ import annotations

import cv2
import numpy as np

from .path import DrawnPath, smooth
from .trajectory import CameraTrajectory

ROLE_COLORS = {"camera": (255, 80, 40), "focus": (40, 220, 90), "path": (60, 160, 255)}
FRAME_COLORS = [(255, 255, 255), (255, 210, 0), (255, 120, 0), (255, 40, 40)]


def blank_canvas(width: int, height: int) -> np.ndarray:
    """A neutral grey checker so strokes stay visible when no image is given."""
    yy, xx = np.mgrid[0:height, 0:width]
    checker = ((xx // 32 + yy // 32) % 2).astype(np.uint8)
    return np.repeat((70 + 12 * checker)[..., None], 3, axis=2).astype(np.uint8)


def draw_path(image: np.ndarray, path: DrawnPath) -> np.ndarray:
    """Strokes over ``image``: camera stroke with an arrow head, focus points as rings, extra paths dashed-ish."""
    out = np.ascontiguousarray(image.copy())
    h, w = out.shape[:2]
    thick = max(2, round(min(h, w) / 200))
    for s in path.strokes:
        color = ROLE_COLORS[s.role]
        pts = s.xy * np.array([w - 1, h - 1])
        if s.role == "focus" or len(pts) == 1:
            c = tuple(int(v) for v in pts[-1])
            cv2.circle(out, c, thick * 5, color, thick, cv2.LINE_AA)
            cv2.circle(out, c, thick, color, -1, cv2.LINE_AA)
            continue
        sm = smooth(s.xy, n_out=200) * np.array([w - 1, h - 1])
        cv2.polylines(out, [np.round(sm).astype(np.int32)], False, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.polylines(out, [np.round(sm).astype(np.int32)], False, color, thick, cv2.LINE_AA)
        cv2.circle(out, tuple(int(v) for v in sm[0]), thick * 2, color, -1, cv2.LINE_AA)
        tail = sm[max(0, len(sm) - 12)]
        cv2.arrowedLine(out, tuple(int(v) for v in tail), tuple(int(v) for v in sm[-1]), color, thick, cv2.LINE_AA,
                        tipLength=0.9)
    return out


def framing_quad(camera: CameraTrajectory, frame: int, width: int, height: int, overscan: float = 1.0) -> np.ndarray:
    """(4, 2) pixel corners, in frame 0's image, of frame ``frame``'s view at its focus distance.

    The corners of frame ``frame`` are lifted to its focus distance (the subject's depth) and projected into
    frame 0: for a pure rotation this is the exact homography; for moves it shows what the shot frames.
    ``overscan``: the render's zoom factor (camera/overscan.py); the quad is then the crop the render shows
    (the frame's corners pulled toward the principal point by that factor).
    """
    K = camera.intrinsics(width, height)
    hw, hh = width / (2.0 * overscan), height / (2.0 * overscan)
    cx, cy = width / 2.0, height / 2.0
    corners = np.array([[cx - hw, cy - hh, 1], [cx + hw, cy - hh, 1], [cx + hw, cy + hh, 1], [cx - hw, cy + hh, 1]],
                       dtype=np.float64).T
    cam = np.linalg.inv(K[frame]) @ corners * camera.focus_distance[frame]
    world = camera.c2w[frame, :3, :3] @ cam + camera.c2w[frame, :3, 3:4]
    w2c0 = camera.w2c()[0]
    p0 = w2c0[:3, :3] @ world + w2c0[:3, 3:4]
    z = np.maximum(p0[2], 1e-3)
    return (K[0] @ (p0 / z))[:2].T


def draw_framing(image: np.ndarray, camera: CameraTrajectory, frames: list[int] | None = None,
                 overscan: float = 1.0) -> np.ndarray:
    """The framing quads (:func:`framing_quad`) of ``frames`` (default first, middle, last) over ``image``; with
    ``overscan`` > 1 the area outside frame 0's crop is darkened and the factor is written bottom left."""
    out = np.ascontiguousarray(image.copy())
    h, w = out.shape[:2]
    frames = frames or sorted({0, camera.frames // 2, camera.frames - 1})
    thick = max(1, round(min(h, w) / 300))
    if overscan > 1.0 + 1e-6:
        q0 = np.round(framing_quad(camera, 0, w, h, overscan)).astype(np.int32)
        inside = np.zeros((h, w), np.uint8)
        cv2.fillPoly(inside, [q0], 1)
        out[inside == 0] = (out[inside == 0] * 0.45).astype(np.uint8)
        scale = 0.45 * max(1.0, min(h, w) / 500)
        label = f"overscan {overscan:.2f}x"
        org = (8, h - 10)  # bottom left (the top-down inset sits bottom right, frame labels at the top)
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (0, 0, 0), thick + 2, cv2.LINE_AA)
        cv2.putText(out, label, org, cv2.FONT_HERSHEY_SIMPLEX, scale, (255, 255, 255), thick, cv2.LINE_AA)
    for i, f in enumerate(frames):
        quad = framing_quad(camera, f, w, h, overscan)
        quad = np.clip(quad, -4 * w, 5 * w)
        color = FRAME_COLORS[min(i, len(FRAME_COLORS) - 1)] if f else (255, 255, 255)
        cv2.polylines(out, [np.round(quad).astype(np.int32)], True, color, thick, cv2.LINE_AA)
        cv2.putText(out, f"f{f}", tuple(int(v) for v in np.clip(quad[0] + [6, 18], 0, [w - 40, h - 4])),
                    cv2.FONT_HERSHEY_SIMPLEX, 0.45 * max(1.0, min(h, w) / 500), color, thick, cv2.LINE_AA)
    return out


def top_down_plot(camera: CameraTrajectory, size: int = 160) -> np.ndarray:
    """Bird's-eye view (x right, z up the plot) of camera positions, headings and the subject."""
    img = np.full((size, size, 3), 24, np.uint8)
    pos = camera.c2w[:, :3, 3]
    fwd = camera.c2w[:, :3, 2]
    pts = [pos[:, [0, 2]]]
    if camera.look_at is not None:
        pts.append(np.array([[camera.look_at[0], camera.look_at[2]]]))
    allp = np.concatenate(pts)
    lo, hi = allp.min(0), allp.max(0)
    span = max(float((hi - lo).max()), 0.5) * 1.3
    mid = (lo + hi) / 2

    def to_px(p):
        q = (p - mid) / span * (size - 20)
        return np.stack([size / 2 + q[..., 0], size / 2 - q[..., 1]], -1)

    cv2.rectangle(img, (0, 0), (size - 1, size - 1), (90, 90, 90), 1)
    track = to_px(pos[:, [0, 2]])
    cv2.polylines(img, [np.round(track).astype(np.int32)], False, (255, 80, 40), 2, cv2.LINE_AA)
    step = max(1, camera.frames // 6)
    for f in list(range(0, camera.frames, step)) + [camera.frames - 1]:
        a = track[f]
        b = to_px(pos[f, [0, 2]] + fwd[f, [0, 2]] * span * 0.12)
        cv2.arrowedLine(img, tuple(int(v) for v in a), tuple(int(v) for v in b), (230, 230, 230), 1, cv2.LINE_AA,
                        tipLength=0.3)
    if camera.look_at is not None:
        s = to_px(np.array([camera.look_at[0], camera.look_at[2]]))
        cv2.drawMarker(img, tuple(int(v) for v in s), (40, 220, 90), cv2.MARKER_CROSS, 10, 2)
    cv2.putText(img, "top view", (6, 14), cv2.FONT_HERSHEY_SIMPLEX, 0.4, (200, 200, 200), 1, cv2.LINE_AA)
    return img


def trajectory_preview(image: np.ndarray, camera: CameraTrajectory, path: DrawnPath | None = None,
                       overscan: float = 1.0) -> np.ndarray:
    """The full preview: drawing + framing rectangles at first/middle/last frame + top-down inset; with
    ``overscan`` > 1 the rectangles are the render's crops and what lies outside frame 0's crop is darkened."""
    out = draw_framing(image, camera, overscan=overscan)
    if path is not None:
        out = draw_path(out, path)
    h, w = out.shape[:2]
    size = inset_size(h, w)
    if size:
        out[h - size - 8:h - 8, w - size - 8:w - 8] = top_down_plot(camera, size)
    return out


def inset_size(height: int, width: int, margin: int = 8, smallest: int = 32) -> int:
    """Side of the top-down inset in a ``height`` x ``width`` preview: a third of the shorter side, at least 80
    px, but at most half the shorter side (the drawing stays visible) and what fits inside ``margin``; 0 (no inset)
    when that is under ``smallest`` px."""
    short = min(height, width)
    size = min(max(80, short // 3), short // 2, short - 2 * margin)
    return size if size >= smallest else 0
