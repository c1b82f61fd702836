"""The camera trajectory value (``D2V_CAMERA``) and its JSON contract.

Conventions (docs/architecture.md): OpenCV camera axes (x right, y down, z forward); ``c2w`` maps camera
coordinates to world coordinates; frame 0 sits at the origin looking down +z; world units are
such that the scene's median depth is 1. ``fov_deg`` is the horizontal field of view.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np

from ..core.errors import excerpt, loads_json, one_line
from ..core.limits import MAX_FRAMES
from ..core.params import SENSOR_SIDE_MM
from .geometry import rigid_inverse
from .lens import focal_from_fov, intrinsics

TRAJECTORY_VERSION = 1
CONVENTION = "opencv_c2w"
MAX_CAMERA_JSON_BYTES = 16 * 1024 * 1024
"""Size of a camera JSON text, checked before decoding (10 000 frames of 16 floats are about 3 MB)."""
MAX_TRANSLATION = 1e4
"""Largest camera position (and look-at point) a camera JSON may hold, in world units (the scene's median depth is
1): a move 10 000 times the subject's distance shows nothing of the picture, and 1e300 overflowed the render."""
LENS_BOUNDS = {"focal_length_mm": (0.1, 10_000.0), "focus_distance": (1e-6, 1e6), "aperture": (0.1, 1_000.0)}
"""Per-frame lens values a camera JSON may hold (exclusive of 0: the validation below also needs them > 0)."""
FPS_BOUNDS = (1e-3, 1_000.0)


@dataclass(frozen=True)
class CameraTrajectory:
    """A per-frame physical camera.

    Attributes:
        c2w: (F, 4, 4) float64 camera-to-world matrices, rotations orthonormal.
        fov_deg: (F,) horizontal field of view in degrees.
        focal_length_mm: (F,) focal length in mm (consistent with ``fov_deg`` and ``sensor_mm``).
        focus_distance: (F,) focus distance in world units (median scene depth = 1).
        aperture: (F,) f-number.
        fps: frames per second.
        sensor_mm: (width, height) of the sensor in mm.
        preset: the preset that produced it ("custom" when built by hand).
        intent: the detected or requested intent of the move.
        look_at: optional world point the camera aims at (the subject), or None.
    """

    c2w: np.ndarray
    fov_deg: np.ndarray
    focal_length_mm: np.ndarray
    focus_distance: np.ndarray
    aperture: np.ndarray
    fps: float = 12.0
    sensor_mm: tuple[float, float] = (36.0, 24.0)
    preset: str = "custom"
    intent: str = "custom"
    look_at: tuple[float, float, float] | None = None
    metadata: dict = field(default_factory=dict, compare=False)

    def __post_init__(self):
        validate_arrays(self.c2w, self.fov_deg, self.focal_length_mm, self.focus_distance, self.aperture, self.fps)

    @property
    def frames(self) -> int:
        return int(self.c2w.shape[0])

    def w2c(self) -> np.ndarray:
        """(F, 4, 4) world-to-camera matrices (rigid inverse of ``c2w``)."""
        return rigid_inverse(self.c2w)

    def intrinsics(self, width: int, height: int) -> np.ndarray:
        """(F, 3, 3) pixel intrinsics for an image of ``width`` x ``height``."""
        return intrinsics(self.fov_deg, width, height).reshape(-1, 3, 3)

    def relative_to_first(self) -> CameraTrajectory:
        """The same move re-expressed so that frame 0 is at the origin looking +z."""
        rel = rigid_inverse(self.c2w[:1]) @ self.c2w
        look = self.look_at
        if look is not None:
            p = rigid_inverse(self.c2w[:1])[0] @ np.array([*look, 1.0])
            look = tuple(float(v) for v in p[:3])
        return replace(self, c2w=rel, look_at=look)

    def to_dict(self) -> dict:
        """The JSON contract as a plain dict."""
        return {
            "version": TRAJECTORY_VERSION,
            "frames": self.frames,
            "fps": float(self.fps),
            "preset": self.preset,
            "intent": self.intent,
            "convention": CONVENTION,
            "c2w": [[float(v) for v in m.reshape(16)] for m in self.c2w],
            "fov_deg": [float(v) for v in self.fov_deg],
            "focal_length_mm": [float(v) for v in self.focal_length_mm],
            "sensor_mm": [float(self.sensor_mm[0]), float(self.sensor_mm[1])],
            "focus_distance": [float(v) for v in self.focus_distance],
            "aperture": [float(v) for v in self.aperture],
            "look_at": None if self.look_at is None else [float(v) for v in self.look_at],
            **self._lens_extras(),
        }

    def _lens_extras(self) -> dict:
        """Optional contract keys of the virtual camera, written only when not the default: ``squeeze`` (an
        anamorphic lens's squeeze factor, > 1) and ``aspect`` (the aspect-ratio crop, width / height)."""
        out = {}
        if float(self.metadata.get("squeeze", 1.0) or 1.0) != 1.0:
            out["squeeze"] = float(self.metadata["squeeze"])
        if self.metadata.get("aspect"):
            out["aspect"] = float(self.metadata["aspect"])
        return out

    def to_json(self, indent: int | None = None) -> str:
        return json.dumps(self.to_dict(), indent=indent)

    @classmethod
    def from_dict(cls, d: dict) -> CameraTrajectory:
        """Parse the JSON contract; raises ``ValueError`` saying what is wrong."""
        if not isinstance(d, dict):
            raise ValueError("camera JSON must be an object with keys 'c2w', 'fov_deg', ...")
        if d.get("version", TRAJECTORY_VERSION) != TRAJECTORY_VERSION:
            raise ValueError(f"camera JSON version {excerpt(d.get('version'))} is not supported; use "
                             f"{TRAJECTORY_VERSION}")
        if d.get("convention", CONVENTION) != CONVENTION:
            raise ValueError(f"camera JSON convention must be '{CONVENTION}', got {excerpt(d.get('convention'))}")
        if isinstance(d.get("c2w"), list) and len(d["c2w"]) > MAX_FRAMES:
            raise ValueError(f"camera JSON has {len(d['c2w'])} frames; at most {MAX_FRAMES} are accepted")
        try:
            c2w = np.asarray(d["c2w"], dtype=np.float64)
            n = c2w.shape[0] if c2w.ndim >= 1 else 0
            c2w = c2w.reshape(n, 4, 4)
            fov = np.asarray(d["fov_deg"], dtype=np.float64).reshape(-1)
            sensor = tuple(float(v) for v in d.get("sensor_mm", (36.0, 24.0)))
            if "focal_length_mm" in d:
                focal = np.asarray(d["focal_length_mm"], dtype=np.float64).reshape(-1)
            else:
                focal = np.asarray(focal_from_fov(fov, sensor[0]), dtype=np.float64).reshape(-1)
            focus = np.asarray(d.get("focus_distance", np.ones(n)), dtype=np.float64).reshape(-1)
            aperture = np.asarray(d.get("aperture", np.full(n, 8.0)), dtype=np.float64).reshape(-1)
            look = d.get("look_at")
            look = None if look is None else tuple(float(v) for v in look)
            frames = d.get("frames", n)
            if isinstance(frames, bool) or not isinstance(frames, (int, float)) or frames != n:
                raise ValueError(f"camera JSON says frames={excerpt(frames)} but has {n} c2w matrices")
            fps = d.get("fps", 12.0)
            if isinstance(fps, bool) or not isinstance(fps, (int, float)):
                raise ValueError(f"camera JSON fps must be a number, got {excerpt(fps)}")
            lens = {}
            for key, lo, hi in (("squeeze", 1.0, 4.0), ("aspect", 0.2, 5.0)):
                if d.get(key) is not None:
                    v = d[key]
                    if isinstance(v, bool) or not isinstance(v, (int, float)) or not lo <= v <= hi:
                        raise ValueError(f"camera JSON {key} must be a number in {lo:g}..{hi:g}, got {excerpt(v)}")
                    lens[key] = float(v)
            check_camera_values(c2w, focal, focus, aperture, float(fps), sensor, look)
        except KeyError as e:
            raise ValueError(f"camera JSON is missing the field {excerpt(e.args[0])}") from None
        except (TypeError, OverflowError, RecursionError) as e:
            raise ValueError(f"camera JSON has a malformed field ({one_line(e, 120)})") from None
        except ValueError as e:
            if str(e).startswith("camera JSON"):
                raise
            raise ValueError(f"camera JSON has arrays of the wrong shape or type ({one_line(e, 120)})") from None
        return cls(c2w=c2w, fov_deg=fov, focal_length_mm=focal, focus_distance=focus, aperture=aperture,
                   fps=float(fps), sensor_mm=sensor, preset=one_line(d.get("preset", "custom"), 64),
                   intent=one_line(d.get("intent", "custom"), 64), look_at=look, metadata=lens)

    @classmethod
    def from_json(cls, text: str) -> CameraTrajectory:
        return cls.from_dict(loads_json(text, "camera JSON", MAX_CAMERA_JSON_BYTES))


def check_camera_values(c2w: np.ndarray, focal: np.ndarray, focus: np.ndarray, aperture: np.ndarray, fps: float,
                        sensor: tuple, look) -> None:
    """The sane-magnitude bounds of a camera JSON (beyond :func:`validate_arrays`' shapes and finiteness):
    positions and look-at within :data:`MAX_TRANSLATION`, lens values within :data:`LENS_BOUNDS`, fps within
    :data:`FPS_BOUNDS`, a sensor of two sides in ``core/params.SENSOR_SIDE_MM``. ``c2w`` (F, 4, 4); ``focal``,
    ``focus``, ``aperture`` (F,). Raises one-line ``ValueError`` "camera JSON ...". NaN fails every bound."""
    if len(sensor) != 2:
        raise ValueError(f"camera JSON sensor_mm must be [width, height] in mm, got {len(sensor)} numbers")
    for side, v in zip(("width", "height"), sensor):
        if not SENSOR_SIDE_MM.lo <= v <= SENSOR_SIDE_MM.hi:
            raise ValueError(f"camera JSON sensor_mm {side} must be {SENSOR_SIDE_MM.lo:g}..{SENSOR_SIDE_MM.hi:g} mm, "
                             f"got {excerpt(v)}")
    if c2w.ndim == 3 and c2w.shape[1:] == (4, 4) and c2w.size:
        with np.errstate(invalid="ignore", over="ignore"):
            far = np.abs(c2w[:, :3, 3]).max()
        if not far <= MAX_TRANSLATION:
            raise ValueError(f"camera JSON c2w has a position {excerpt(float(far))} from the origin; at most "
                             f"{MAX_TRANSLATION:g} world units (the subject is at 1)")
    if look is not None and (len(look) != 3 or not all(abs(v) <= MAX_TRANSLATION for v in look)):
        raise ValueError(f"camera JSON look_at must be [x, y, z] within {MAX_TRANSLATION:g} world units")
    for name, arr in (("focal_length_mm", focal), ("focus_distance", focus), ("aperture", aperture)):
        lo, hi = LENS_BOUNDS[name]
        if arr.size and not (np.all(arr >= lo) and np.all(arr <= hi)):
            bad = arr[~((arr >= lo) & (arr <= hi))][0]
            raise ValueError(f"camera JSON {name} must be {lo:g}..{hi:g}, got {excerpt(float(bad))}")
    if not FPS_BOUNDS[0] <= fps <= FPS_BOUNDS[1]:
        raise ValueError(f"camera JSON fps must be {FPS_BOUNDS[0]:g}..{FPS_BOUNDS[1]:g}, got {excerpt(fps)}")


def validate_arrays(c2w, fov_deg, focal_mm, focus, aperture, fps) -> None:
    """Raise ``ValueError`` unless the arrays form a valid trajectory (shapes, finiteness, orthonormality)."""
    if not isinstance(c2w, np.ndarray) or c2w.ndim != 3 or c2w.shape[1:] != (4, 4):
        raise ValueError(f"c2w must have shape (F, 4, 4), got {getattr(c2w, 'shape', type(c2w))}")
    n = c2w.shape[0]
    if n < 1:
        raise ValueError("a camera trajectory needs at least 1 frame")
    for name, arr in (("fov_deg", fov_deg), ("focal_length_mm", focal_mm), ("focus_distance", focus),
                      ("aperture", aperture)):
        if not isinstance(arr, np.ndarray) or arr.shape != (n,):
            raise ValueError(f"{name} must have shape ({n},), got {getattr(arr, 'shape', type(arr))}")
        if not np.all(np.isfinite(arr)):
            raise ValueError(f"{name} contains NaN or inf")
    if not np.all(np.isfinite(c2w)):
        raise ValueError("c2w contains NaN or inf")
    if np.any((fov_deg <= 0) | (fov_deg >= 180)):
        raise ValueError("fov_deg must be in (0, 180)")
    if np.any(focal_mm <= 0) or np.any(focus <= 0) or np.any(aperture <= 0):
        raise ValueError("focal_length_mm, focus_distance and aperture must be > 0")
    if not np.isfinite(fps) or fps <= 0:
        raise ValueError(f"fps must be a finite number > 0, got {fps}")
    r = c2w[:, :3, :3]
    err = np.abs(r @ np.swapaxes(r, 1, 2) - np.eye(3)).max()
    if err > 1e-6 or np.any(np.linalg.det(r) < 0):
        raise ValueError(f"c2w rotations must be orthonormal with det +1 (max error {err:.2e})")
    if np.abs(c2w[:, 3] - np.array([0, 0, 0, 1.0])).max() > 1e-9:
        raise ValueError("c2w last row must be [0, 0, 0, 1]")


LENS_FIELDS = ("fov_deg", "focal_length_mm", "focus_distance", "aperture")


def interpolate_poses(rotations: np.ndarray, positions: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Poses sampled at fractional frame indices.

    Args:
        rotations: (F, 3, 3) orthonormal; positions: (F, 3); at: (N,) fractional indices, clipped to 0..F-1.
    Returns:
        (N, 3, 3) rotations (slerp) and (N, 3) positions (linear).
    """
    n = len(rotations)
    at = np.clip(np.asarray(at, dtype=np.float64), 0, n - 1)
    if n == 1:
        return np.repeat(rotations[:1], len(at), 0), np.repeat(positions[:1], len(at), 0)
    from scipy.spatial.transform import Rotation, Slerp

    idx = np.arange(n)
    rots = Slerp(idx, Rotation.from_matrix(rotations))(at).as_matrix()
    pos = np.stack([np.interp(at, idx, positions[:, k]) for k in range(3)], 1)
    return rots, pos


def resample_trajectory(camera: CameraTrajectory, frames: int) -> CameraTrajectory:
    """The same move spread over ``frames`` frames (same duration: fps scaled).

    Positions and lens values are interpolated linearly in normalized time, rotations by slerp; a one-frame
    camera is repeated.
    """
    if int(frames) < 1:
        raise ValueError(f"frames must be >= 1, got {frames}")
    n = camera.frames
    if frames == n:
        return camera
    at = np.linspace(0.0, n - 1, frames) if frames > 1 else np.zeros(1)
    rots, pos = interpolate_poses(camera.c2w[:, :3, :3], camera.c2w[:, :3, 3], at)
    c2w = np.tile(np.eye(4), (frames, 1, 1))
    c2w[:, :3, :3] = rots
    c2w[:, :3, 3] = pos
    grid = np.arange(n)
    lens = {k: np.interp(at, grid, getattr(camera, k)) for k in LENS_FIELDS}
    fps = camera.fps * (frames - 1) / (n - 1) if n > 1 and frames > 1 else camera.fps
    return replace(camera, c2w=c2w, fps=float(fps), **lens)


def look_at_pixel(camera: CameraTrajectory | None, width: int, height: int) -> tuple[float, float] | None:
    """Pixel position (x, y) of the camera's ``look_at`` point in its first frame, clipped to the image; None when
    there is no camera or look-at point, or it lies behind the camera."""
    if camera is None or camera.look_at is None:
        return None
    p = camera.w2c()[0] @ np.array([*camera.look_at, 1.0])
    if p[2] <= 1e-6:
        return None
    K = camera.intrinsics(width, height)[0]
    u = K[0, 0] * p[0] / p[2] + K[0, 2]
    v = K[1, 1] * p[1] / p[2] + K[1, 2]
    return float(np.clip(u, 0, width)), float(np.clip(v, 0, height))


def subject_point(camera: CameraTrajectory | None, width: int, height: int) -> tuple[float, float] | None:
    """The camera's ``look_at`` point seen in its first frame, normalized to the image (x, y in 0..1, origin
    top-left) for an image of ``width`` x ``height``; None when there is none (see :func:`look_at_pixel`)."""
    p = look_at_pixel(camera, width, height)
    return None if p is None else (p[0] / width, p[1] / height)


def move_progress(camera: CameraTrajectory) -> np.ndarray:
    """How far along its move each frame is: (F,) float64, 0 at frame 0, 1 at the end of the move's total travel
    (cumulative over frames of: distance moved + angle turned in radians + log focal-length change). A move
    without any motion gives all zeros."""
    n = camera.frames
    if n < 2:
        return np.zeros(n)
    pos = camera.c2w[:, :3, 3]
    rot = camera.c2w[:, :3, :3]
    step = np.linalg.norm(np.diff(pos, axis=0), axis=1)
    rel = np.einsum("nji,njk->nik", rot[:-1], rot[1:])  # R_i^T R_{i+1}
    cos = np.clip((np.trace(rel, axis1=1, axis2=2) - 1.0) / 2.0, -1.0, 1.0)
    step = step + np.arccos(cos) + np.abs(np.diff(np.log(camera.focal_length_mm)))
    total = np.concatenate([[0.0], np.cumsum(step)])
    return total / total[-1] if total[-1] > 1e-12 else np.zeros(n)


def shorten_move(camera: CameraTrajectory, fraction: float) -> CameraTrajectory:
    """The same move stopped at ``fraction`` (0..1) of its travel (:func:`move_progress`), over the same frames:
    frame i shows the pose (and lens) the full move reaches at ``fraction`` times frame i's progress, so the
    easing keeps its shape and frame 0 is unchanged (an orbit of 360° with fraction 0.1 becomes one of 36° with the
    same speed profile). Rotations by slerp, positions and lens values linearly between the original frames.
    ``fraction`` >= 1 returns ``camera`` itself."""
    fraction = float(fraction)
    if not np.isfinite(fraction) or fraction < 0:
        raise ValueError(f"fraction must be a number in 0..1, got {fraction}")
    n = camera.frames
    if fraction >= 1.0 or n < 2:
        return camera
    m = move_progress(camera)
    if m[-1] == 0:
        return camera
    grid = np.arange(n, dtype=np.float64)
    m = m + 1e-9 * grid  # strictly increasing (a held pose is still a frame)
    at = np.interp(fraction * m, m, grid)
    rots, pos = interpolate_poses(camera.c2w[:, :3, :3], camera.c2w[:, :3, 3], at)
    c2w = np.tile(np.eye(4), (n, 1, 1))
    c2w[:, :3, :3] = rots
    c2w[:, :3, 3] = pos
    lens = {k: np.interp(at, grid, getattr(camera, k)) for k in LENS_FIELDS}
    return replace(camera, c2w=c2w, metadata={**camera.metadata, "shortened": fraction}, **lens)


def select_frames(camera: CameraTrajectory, idx) -> CameraTrajectory:
    """The trajectory of only the frames ``idx`` (ints, in order), same fps and lens."""
    idx = np.asarray(idx, dtype=np.int64)
    return replace(camera, c2w=camera.c2w[idx], **{k: np.asarray(getattr(camera, k))[idx] for k in LENS_FIELDS})
