"""Hand-built cameras and a position-encoding picture for checking the 2.5D renderer's geometry exactly
(used by tests/unit/render/test_reproject.py and tests/unit/camera/test_overscan.py)."""

from __future__ import annotations

import numpy as np
import torch

from draw_to_video.camera.trajectory import CameraTrajectory

EYE = np.eye(3)
ZERO = np.zeros(3)


def rot(yaw=0.0, pitch=0.0, roll=0.0) -> np.ndarray:
    y, p, r = np.radians([yaw, pitch, roll])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


def camera(poses: list[tuple[np.ndarray, np.ndarray]], fov=50.0) -> CameraTrajectory:
    """A hand-built trajectory: poses = [(R, t), ...] camera-to-world, fov scalar or per frame."""
    n = len(poses)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    for i, (r, t) in enumerate(poses):
        c2w[i, :3, :3] = r
        c2w[i, :3, 3] = t
    fov = np.broadcast_to(np.asarray(fov, dtype=np.float64), (n,)).copy()
    return CameraTrajectory(c2w=c2w, fov_deg=fov, focal_length_mm=18.0 / np.tan(np.radians(fov) / 2),
                            focus_distance=np.ones(n), aperture=np.full(n, 4.0))


def ramp_image(h: int, w: int) -> torch.Tensor:
    """Colour encodes the source position: R = x / W, G = y / H at pixel centres (bilinear-exact)."""
    x = (torch.arange(w, dtype=torch.float32) + 0.5) / w
    y = (torch.arange(h, dtype=torch.float32) + 0.5) / h
    return torch.stack([x[None, :].expand(h, w), y[:, None].expand(h, w), torch.full((h, w), 0.5)], -1)


def decoded(frame: torch.Tensor, h: int, w: int) -> np.ndarray:
    """[H, W, 2] source coordinates (continuous, pixel centres at +0.5) read back from a rendered ramp."""
    f = frame.double().numpy()
    return np.stack([f[..., 0] * w, f[..., 1] * h], -1)


def pixel_centres(h: int, w: int) -> np.ndarray:
    ys, xs = np.mgrid[0:h, 0:w]
    return np.stack([xs + 0.5, ys + 0.5], -1).astype(np.float64)
