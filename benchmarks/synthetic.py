"""Ground-truth video built without downloads: real photos bundled with scikit-image, moved by a known camera
path (pan / zoom / rotation) with an independently moving textured disc on top.

``render_sequence(kind, speed, times, size)`` renders frames at arbitrary (fractional) times, so held-out frames
between source frames are exact ground truth. ``speed`` is the motion in pixels per unit of time at the frame's
edge (pan: everywhere; zoom: at the left/right edges; rotation: at the corners).
"""

from __future__ import annotations

import cv2
import numpy as np
from skimage import data


def _photo(name: str) -> np.ndarray:
    img = getattr(data, name)()
    if img.ndim == 2:
        img = np.stack([img] * 3, -1)
    return img[..., :3].astype(np.float32) / 255.0


def canvas(name: str = "astronaut", min_side: int = 1400) -> np.ndarray:
    img = _photo(name)
    s = min_side / min(img.shape[:2])
    return cv2.resize(img, None, fx=s, fy=s, interpolation=cv2.INTER_CUBIC)


def render_sequence(kind: str, speed: float, times, size=(288, 512), photo: str = "astronaut",
                    obj_photo: str = "coffee", with_object: bool = True, seed: int = 0) -> np.ndarray:
    """Frames (T,H,W,3) float32 0..1 at ``times`` (frame units) for a camera move ``kind`` in
    {pan, zoom, rotate} with edge motion ``speed`` px per frame, plus a textured disc moving at ``speed`` px per
    frame in a different direction."""
    H, W = size
    rng = np.random.default_rng(seed)
    cv_ = canvas(photo, min_side=max(1400, int(2.2 * max(H, W))))
    ch, cw = cv_.shape[:2]
    obj = canvas(obj_photo, min_side=max(H, W))
    direction = rng.uniform(0, 2 * np.pi)
    dvec = np.array([np.cos(direction), np.sin(direction)])
    odir = direction + np.pi / 2 + rng.uniform(-0.5, 0.5)
    ovec = np.array([np.cos(odir), np.sin(odir)])
    frames = []
    for t in np.asarray(times, dtype=np.float64):
        c = np.array([cw / 2, ch / 2])
        zoom, theta = 1.0, 0.0
        if kind == "pan":
            c = c + dvec * speed * t
        elif kind == "zoom":
            zoom = np.exp(speed / (W / 2) * t)
        elif kind == "rotate":
            theta = speed / (0.5 * np.hypot(W, H)) * t
        else:
            raise ValueError(kind)
        # frame (u, v) -> canvas: c + R(theta) @ ((u, v) - frame_center) / zoom
        R = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]]) / zoom
        fc = np.array([(W - 1) / 2, (H - 1) / 2])
        M = np.hstack([R, (c - R @ fc)[:, None]])  # frame -> canvas
        f = cv2.warpAffine(cv_, M, (W, H), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                           borderMode=cv2.BORDER_REFLECT)
        if with_object:
            r = 0.22 * H
            p = np.array([W * 0.35, H * 0.5]) + ovec * speed * t
            # texture moves with the disc
            To = np.array([[1, 0, obj.shape[1] / 2 - p[0]], [0, 1, obj.shape[0] / 2 - p[1]]], np.float64)
            tex = cv2.warpAffine(obj, To, (W, H), flags=cv2.INTER_CUBIC | cv2.WARP_INVERSE_MAP,
                                 borderMode=cv2.BORDER_REFLECT)
            yy, xx = np.mgrid[0:H, 0:W].astype(np.float32)
            dist = np.hypot(xx - p[0], yy - p[1])
            alpha = np.clip(r - dist + 0.5, 0, 1)[..., None]
            f = f * (1 - alpha) + tex * alpha
        frames.append(np.clip(f, 0, 1).astype(np.float32))
    return np.stack(frames)
