"""Lens math: focal length in mm <-> field of view, pinhole intrinsics.

Conventions: ``fov_deg`` is the *horizontal* field of view. The image is fitted to the sensor's
width, pixels are square, and the principal point is the image centre (OpenCV pixel centres:
pixel (0, 0) covers [0, 1) x [0, 1), so the centre is (W/2, H/2)).
"""

from __future__ import annotations

import numpy as np


def fov_from_focal(focal_mm: float | np.ndarray, sensor_width_mm: float = 36.0) -> float | np.ndarray:
    """Horizontal field of view in degrees for a focal length in mm: ``2·atan(w / 2f)``."""
    focal = np.asarray(focal_mm, dtype=np.float64)
    if np.any(focal <= 0) or sensor_width_mm <= 0:
        raise ValueError("focal length and sensor width must be > 0 mm")
    out = np.degrees(2.0 * np.arctan(sensor_width_mm / (2.0 * focal)))
    return float(out) if out.ndim == 0 else out


def focal_from_fov(fov_deg: float | np.ndarray, sensor_width_mm: float = 36.0) -> float | np.ndarray:
    """Focal length in mm for a horizontal field of view in degrees (inverse of :func:`fov_from_focal`)."""
    fov = np.asarray(fov_deg, dtype=np.float64)
    if np.any((fov <= 0) | (fov >= 180)):
        raise ValueError("field of view must be in (0, 180) degrees")
    out = sensor_width_mm / (2.0 * np.tan(np.radians(fov) / 2.0))
    return float(out) if out.ndim == 0 else out


def focal_px(fov_deg: float | np.ndarray, width: int) -> float | np.ndarray:
    """Focal length in pixels for an image ``width`` pixels wide seen with horizontal FOV ``fov_deg``."""
    fov = np.asarray(fov_deg, dtype=np.float64)
    out = (width / 2.0) / np.tan(np.radians(fov) / 2.0)
    return float(out) if out.ndim == 0 else out


def intrinsics(fov_deg: float | np.ndarray, width: int, height: int) -> np.ndarray:
    """Pinhole intrinsics ``K``: shape (3, 3) for a scalar FOV, (F, 3, 3) for F FOVs.

    ``K = [[f, 0, W/2], [0, f, H/2], [0, 0, 1]]`` with ``f`` from :func:`focal_px`.
    """
    f = np.atleast_1d(np.asarray(focal_px(fov_deg, width), dtype=np.float64))
    K = np.zeros((f.shape[0], 3, 3))
    K[:, 0, 0] = f
    K[:, 1, 1] = f
    K[:, 0, 2] = width / 2.0
    K[:, 1, 2] = height / 2.0
    K[:, 2, 2] = 1.0
    return K[0] if np.ndim(fov_deg) == 0 else K
