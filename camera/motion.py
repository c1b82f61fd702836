"""How fast does the image move? Per-frame image speed of a trajectory and the SVD motion bucket from it."""

from __future__ import annotations

import numpy as np

from .trajectory import CameraTrajectory

# Seed mapping of SVD's motion_bucket_id (1–50 subtle, 51–100 gentle, 101–150 moderate, 151–200 strong,
# 201–255 violent) to mean image motion per frame as a fraction of the image width.
_SPEED_KNOTS = np.array([0.0, 0.002, 0.008, 0.018, 0.032, 0.05, 0.08])
_BUCKET_KNOTS = np.array([1.0, 20.0, 50.0, 100.0, 150.0, 200.0, 255.0])


def image_speed(camera: CameraTrajectory, width: int = 1024, height: int = 576, depth: float = 1.0) -> np.ndarray:
    """(F-1,) mean displacement between consecutive frames, as a fraction of the image width.

    A 9×9 grid of pixels of frame f is lifted to ``depth`` (the median scene depth) and projected into frame
    f+1; points that end up behind the camera are ignored. Captures translation, rotation and zoom alike.
    """
    if camera.frames < 2:
        return np.zeros(0)
    K = camera.intrinsics(width, height)
    Kinv = np.linalg.inv(K)
    u, v = np.meshgrid(np.linspace(0.05, 0.95, 9) * width, np.linspace(0.05, 0.95, 9) * height)
    pix = np.stack([u.ravel(), v.ravel(), np.ones(u.size)], 0)
    w2c = camera.w2c()
    out = np.zeros(camera.frames - 1)
    for f in range(camera.frames - 1):
        cam = Kinv[f] @ pix * depth
        world = camera.c2w[f, :3, :3] @ cam + camera.c2w[f, :3, 3:4]
        nxt = w2c[f + 1, :3, :3] @ world + w2c[f + 1, :3, 3:4]
        ok = nxt[2] > 1e-3
        if not np.any(ok):
            out[f] = 1.0
            continue
        proj = K[f + 1] @ (nxt[:, ok] / nxt[2, ok])
        out[f] = float(np.mean(np.linalg.norm(proj[:2] - pix[:2, ok], axis=0))) / width
    return out


def motion_bucket_from_speed(speed) -> int:
    """SVD ``motion_bucket_id`` (1..255) for a mean per-frame image speed (fraction of width); monotone."""
    s = float(np.mean(speed)) if np.size(speed) else 0.0
    if not np.isfinite(s) or s < 0:
        raise ValueError(f"speed must be a finite number >= 0, got {s}")
    return int(round(float(np.interp(s, _SPEED_KNOTS, _BUCKET_KNOTS))))


def suggest_motion_bucket(camera: CameraTrajectory, width: int = 1024, height: int = 576) -> int:
    """SVD ``motion_bucket_id`` (1..255) for the mean image speed of the move at ``width`` x ``height``; 1 for a
    single frame."""
    return motion_bucket_from_speed(image_speed(camera, width, height)) if camera.frames > 1 else 1
