"""Exports of a trajectory and a drawing to the formats other tools read.

* MotionCtrl: per frame the 3×4 world-to-camera ``[R | t]``, flattened row-major (12 floats).
* CameraCtrl (RealEstate10K text): a first line (source/comment), then per frame
  ``timestamp_us fx/W fy/H cx/W cy/H 0 0`` followed by the 12 numbers of the 3×4 world-to-camera matrix.
* Tracks (KJNodes / ATI): a JSON list of tracks, each a list of ``{"x": px, "y": px}`` points (121 by default),
  one track per stroke, resampled evenly along the stroke.
"""

from __future__ import annotations

import json

import numpy as np

from .geometry import rigid_inverse
from .lens import focal_from_fov, fov_from_focal
from .path import DrawnPath, parse_path, resample
from .trajectory import CameraTrajectory

ATI_TRACK_POINTS = 121


def to_motionctrl_rt(camera: CameraTrajectory) -> list[list[float]]:
    """(F, 12) world-to-camera [R|t] rows, row-major."""
    return [[float(v) for v in m[:3, :4].reshape(12)] for m in camera.w2c()]


def from_motionctrl_rt(rt, fov_deg: float | np.ndarray = 54.43, fps: float = 12.0) -> CameraTrajectory:
    """Trajectory from MotionCtrl rows (F, 12); the lens is not part of that format, so ``fov_deg`` is given."""
    arr = np.asarray(rt, dtype=np.float64)
    if arr.ndim != 2 or arr.shape[1] != 12:
        raise ValueError(f"MotionCtrl RT must have shape (F, 12), got {arr.shape}")
    w2c = np.tile(np.eye(4), (len(arr), 1, 1))
    w2c[:, :3, :4] = arr.reshape(-1, 3, 4)
    return _from_w2c(w2c, np.broadcast_to(np.asarray(fov_deg, dtype=np.float64), (len(arr),)).copy(), fps)


def to_cameractrl_lines(camera: CameraTrajectory, width: int, height: int) -> str:
    """RealEstate10K-style pose text as CameraCtrl reads it (first line skipped by its loader)."""
    K = camera.intrinsics(width, height)
    lines = [f"# draw_to_video camera: preset={camera.preset} frames={camera.frames} fps={camera.fps:g} "
             f"size={width}x{height} convention=w2c"]
    for f, m in enumerate(camera.w2c()):
        ts = int(round(f * 1e6 / camera.fps))
        intr = [K[f, 0, 0] / width, K[f, 1, 1] / height, K[f, 0, 2] / width, K[f, 1, 2] / height, 0.0, 0.0]
        lines.append(" ".join([str(ts)] + [f"{v:.9g}" for v in intr] + [f"{v:.9g}" for v in m[:3, :4].reshape(12)]))
    return "\n".join(lines) + "\n"


def number_rows(lines: list[str], *, empty: str, not_numbers: str) -> np.ndarray:
    """The whitespace-separated numbers of the non-blank ``lines`` (a text camera format) as a float array, one
    row per line; ``ValueError(empty)`` when there is no line, ``ValueError(not_numbers)`` when a value is not a
    number or the rows differ in length."""
    rows = [ln.split() for ln in lines if ln.strip()]
    if not rows:
        raise ValueError(empty)
    try:
        return np.array([[float(v) for v in r] for r in rows])
    except ValueError:
        raise ValueError(not_numbers) from None


def from_cameractrl_lines(text: str, width: int, height: int) -> CameraTrajectory:
    """Parse pose text written by :func:`to_cameractrl_lines` (or RealEstate10K) back into a trajectory."""
    arr = number_rows(text.strip().splitlines()[1:], empty="CameraCtrl pose text has no pose lines (the first line "
                      "is a header)", not_numbers="CameraCtrl pose lines must hold numbers only")
    if arr.shape[1] != 19:
        raise ValueError(f"each CameraCtrl pose line needs 19 numbers, got {arr.shape[1]}")
    fx = arr[:, 1] * width
    fov = fov_from_focal(fx, width)  # focal in pixels over the width in pixels
    w2c = np.tile(np.eye(4), (len(arr), 1, 1))
    w2c[:, :3, :4] = arr[:, 7:].reshape(-1, 3, 4)
    dt = np.diff(arr[:, 0])
    fps = float(1e6 / np.median(dt)) if len(dt) and np.median(dt) > 0 else 12.0
    return _from_w2c(w2c, fov, fps)


def _from_w2c(w2c: np.ndarray, fov: np.ndarray, fps: float) -> CameraTrajectory:
    c2w = rigid_inverse(w2c)
    n = len(c2w)
    return CameraTrajectory(c2w=c2w, fov_deg=fov, focal_length_mm=np.asarray(focal_from_fov(fov)).reshape(-1),
                            focus_distance=np.ones(n), aperture=np.full(n, 4.0), fps=fps)


def tracks_from_path(path: DrawnPath, points: int = ATI_TRACK_POINTS, roles=("camera", "path")) -> list:
    """Pixel tracks of the strokes with the given roles, each resampled evenly to ``points`` points."""
    tracks = []
    for s in path.strokes:
        if s.role not in roles:
            continue
        xy = resample(s.xy, points) * np.array([path.width, path.height])
        tracks.append([{"x": round(float(x), 2), "y": round(float(y), 2)} for x, y in xy])
    return tracks


def tracks_to_json(path: DrawnPath, points: int = ATI_TRACK_POINTS) -> str:
    return json.dumps(tracks_from_path(path, points))


def path_from_tracks(text: str, width: int, height: int) -> DrawnPath:
    """Inverse of :func:`tracks_to_json` (the first track becomes the camera stroke)."""
    return parse_path(text, width, height)
