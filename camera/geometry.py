"""Small rigid-body helpers in the OpenCV camera convention (x right, y down, z forward).

Angles: ``yaw`` > 0 turns the view right (pan right), ``pitch`` > 0 turns it up (tilt up),
``roll`` > 0 rotates the camera clockwise about its optical axis. All functions are vectorized over a
leading frame axis where noted.
"""

from __future__ import annotations

import numpy as np

DOWN = np.array([0.0, 1.0, 0.0])


def rot_x(a: np.ndarray) -> np.ndarray:
    """(N,) radians → (N, 3, 3) rotations about x; positive ``a`` tilts the forward axis up (towards -y)."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([o, z, z], -1), np.stack([z, c, -s], -1), np.stack([z, s, c], -1)], -2)


def rot_y(a: np.ndarray) -> np.ndarray:
    """(N,) radians → (N, 3, 3) rotations about y; positive ``a`` turns the forward axis right (towards +x)."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, z, s], -1), np.stack([z, o, z], -1), np.stack([-s, z, c], -1)], -2)


def rot_z(a: np.ndarray) -> np.ndarray:
    """(N,) radians → (N, 3, 3) rotations about z (the optical axis)."""
    a = np.atleast_1d(np.asarray(a, dtype=np.float64))
    c, s = np.cos(a), np.sin(a)
    o, z = np.ones_like(a), np.zeros_like(a)
    return np.stack([np.stack([c, -s, z], -1), np.stack([s, c, z], -1), np.stack([z, z, o], -1)], -2)


def yaw_pitch_roll(yaw_deg, pitch_deg, roll_deg) -> np.ndarray:
    """(N,) degrees each → (N, 3, 3) camera-to-world rotations ``R_y(yaw) · R_x(pitch) · R_z(roll)``."""
    return rot_y(np.radians(yaw_deg)) @ rot_x(np.radians(pitch_deg)) @ rot_z(np.radians(roll_deg))


def look_at(position: np.ndarray, target: np.ndarray) -> np.ndarray:
    """Camera-to-world rotations (N, 3, 3) for cameras at ``position`` (N, 3) looking at ``target`` (N, 3) or (3,).

    The image's "down" stays as close to world +y as possible (no roll). Raises if a camera sits on its target.
    """
    position = np.atleast_2d(position).astype(np.float64)
    forward = np.broadcast_to(target, position.shape) - position
    norm = np.linalg.norm(forward, axis=-1, keepdims=True)
    if np.any(norm < 1e-9):
        raise ValueError("the camera reached its look-at target; lower the intensity")
    forward = forward / norm
    right = np.cross(DOWN, forward)
    rn = np.linalg.norm(right, axis=-1, keepdims=True)
    if np.any(rn < 1e-6):
        raise ValueError("the camera looks straight up or down; the look-at is undefined")
    right = right / rn
    down = np.cross(forward, right)
    return np.stack([right, down, forward], axis=-1)


def compose(rotation: np.ndarray, position: np.ndarray) -> np.ndarray:
    """(N, 3, 3) rotations + (N, 3) positions → (N, 4, 4) rigid transforms."""
    n = rotation.shape[0]
    m = np.zeros((n, 4, 4))
    m[:, :3, :3] = rotation
    m[:, :3, 3] = position
    m[:, 3, 3] = 1.0
    return m


def orthonormalize(r: np.ndarray) -> np.ndarray:
    """Nearest rotation (det +1) to each (…, 3, 3) matrix, by SVD."""
    u, _, vt = np.linalg.svd(r)
    d = np.sign(np.linalg.det(u @ vt))
    u[..., :, -1] *= d[..., None]
    return u @ vt


def rotation_angle_deg(r: np.ndarray) -> np.ndarray:
    """Rotation angle in degrees of (…, 3, 3) rotations."""
    tr = np.clip((np.trace(r, axis1=-2, axis2=-1) - 1.0) / 2.0, -1.0, 1.0)
    return np.degrees(np.arccos(tr))

def rigid_inverse(m: np.ndarray) -> np.ndarray:
    """Inverse of rigid transforms (..., 4, 4): ``[R t; 0 1]^-1 = [Rᵀ -Rᵀt; 0 1]``."""
    m = np.asarray(m, dtype=np.float64)
    out = np.zeros_like(m)
    rt = np.swapaxes(m[..., :3, :3], -1, -2)
    out[..., :3, :3] = rt
    out[..., :3, 3] = -(rt @ m[..., :3, 3:4])[..., 0]
    out[..., 3, 3] = 1.0
    return out
