"""Drawn path parsing, validation, resampling and smoothing.

Accepted inputs (docs/architecture.md, "Drawn path JSON"):

* the contract: ``{"version": 1, "width": W, "height": H, "strokes": [{"role": "camera",
  "points": [[x, y, t_ms, pressure], ...]}, ...]}`` with ``x, y`` normalized 0..1 (origin top-left);
* a bare list of pixel points ``[{"x": .., "y": ..}, ...]`` with ``width``/``height`` given separately;
* the KJNodes SplineEditor ``coordinates`` string: the same list as a JSON string (or a list of such lists).

Points are stored as float64 arrays of shape (N, 4): ``x, y`` normalized, ``t_ms`` and ``pressure``
(NaN where absent).
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np

from ..core.errors import check_text_size, excerpt, loads_json
from ..core.limits import MAX_POINTS, MAX_STROKES

PATH_VERSION = 1
ROLES = ("camera", "focus", "path")
MAX_PATH_BYTES = 8 * 1024 * 1024
"""Size of the path JSON text, checked before it is decoded: 100 000 points with time and pressure fit in ~4.5 MB."""


@dataclass(frozen=True)
class Stroke:
    """One stroke. ``points``: (N, 4) float64 — x, y in 0..1, t_ms (NaN if absent), pressure (NaN if absent)."""

    role: str
    points: np.ndarray
    t: float | None = None
    """Camera keyframes: the time in seconds at which this camera stroke's segment ends (None = equal shares)."""
    preset: str | None = None
    """Camera keyframes: the preset this stroke's segment uses (None = the trajectory's preset, or its intent)."""

    def __eq__(self, other) -> bool:
        return (isinstance(other, Stroke) and self.role == other.role and self.points.shape == other.points.shape
                and self.t == other.t and self.preset == other.preset
                and bool(np.allclose(self.points, other.points, atol=1e-6, equal_nan=True)))

    __hash__ = None

    @property
    def xy(self) -> np.ndarray:
        """(N, 2) normalized coordinates."""
        return self.points[:, :2]

    @property
    def has_timing(self) -> bool:
        t = self.points[:, 2]
        return bool(np.all(np.isfinite(t))) and len(t) > 1 and float(t[-1] - t[0]) > 0


@dataclass(frozen=True)
class DrawnPath:
    """A parsed drawing: image size in pixels, strokes, and warnings about what was corrected (e.g. clamping)."""

    width: int
    height: int
    strokes: tuple[Stroke, ...]
    warnings: tuple[str, ...] = field(default=(), compare=False)

    @property
    def aspect(self) -> float:
        return self.width / self.height

    def first(self, role: str) -> Stroke | None:
        return next((s for s in self.strokes if s.role == role), None)

    def camera_stroke(self, required: bool = False) -> Stroke | None:
        s = self.first("camera")
        if s is None and required:
            raise ValueError('the path has no stroke with role "camera": draw the camera move '
                             '(add {"role": "camera", "points": [[x, y], ...]} to "strokes")')
        return s

    def camera_strokes(self) -> tuple[Stroke, ...]:
        """Every camera stroke, in drawing order (two or more make a keyframed move: camera/segments.py)."""
        return tuple(s for s in self.strokes if s.role == "camera")

    def focus_point(self) -> tuple[float, float] | None:
        """Normalized (x, y) of the focus stroke's last point, if there is one."""
        s = self.first("focus")
        return None if s is None else (float(s.points[-1, 0]), float(s.points[-1, 1]))

    def to_dict(self) -> dict:
        strokes = []
        for s in self.strokes:
            pts = []
            for x, y, t, p in s.points.tolist():
                row = [round(x, 6), round(y, 6)]
                if math.isfinite(t) or math.isfinite(p):
                    row.append(round(t, 3) if math.isfinite(t) else None)
                if math.isfinite(p):
                    row.append(round(p, 4))
                pts.append(row)
            d = {"role": s.role, "points": pts}
            if s.t is not None:
                d["t"] = s.t
            if s.preset is not None:
                d["preset"] = s.preset
            strokes.append(d)
        return {"version": PATH_VERSION, "width": self.width, "height": self.height, "strokes": strokes}

    def to_json(self) -> str:
        return json.dumps(self.to_dict())


def parse_path(data, width: int | None = None, height: int | None = None) -> DrawnPath:
    """Parse any accepted drawn-path input into a :class:`DrawnPath`.

    Args:
        data: JSON text, or an already decoded dict / list.
        width, height: image size in pixels; required for the pixel-point formats, and used as the
            default for the contract format when it lacks them.

    Raises:
        ValueError: with a message that says what is wrong and how to fix it.
    """
    if isinstance(data, (bytes, bytearray)):
        check_text_size(data, MAX_PATH_BYTES, "the path JSON")
        data = data.decode("utf-8", errors="replace")
    if isinstance(data, str):
        check_text_size(data, MAX_PATH_BYTES, "the path JSON")
        text = data.strip()
        if not text:
            raise ValueError("the path JSON is empty: draw a stroke or send "
                             '{"version": 1, "width": W, "height": H, "strokes": [...]}')
        # Cheap pre-check (no decoding): every stroke has a "points" key, and that exact text can only be a key or
        # the string "points" (quotes inside JSON strings are escaped), so the count bounds the stroke count.
        if text.count('"points"') > MAX_STROKES:
            raise ValueError(f"the path has over {MAX_STROKES} strokes; at most {MAX_STROKES} are accepted: "
                             "merge or drop strokes")
        data = loads_json(text, "the path")
    if isinstance(data, dict):
        if "strokes" in data:
            return _parse_contract(data, width, height)
        if "coordinates" in data:
            coords = data["coordinates"]
            if not isinstance(coords, (str, list)):
                raise ValueError('"coordinates" must be a list of {"x": px, "y": px} points (or that list as text)')
            return parse_path(coords, width or data.get("width"), height or data.get("height"))
        if "points" in data:
            return _parse_contract({**data, "strokes": [{"role": "camera", "points": data["points"]}]}, width, height)
        raise ValueError('the path JSON object needs a "strokes" list (or "coordinates" for KJNodes spline data)')
    if isinstance(data, list):
        return _parse_pixel_points(data, width, height)
    raise ValueError(f"the path must be a JSON object or list, got {type(data).__name__}")


def _check_size(width, height, where: str) -> tuple[int, int]:
    for name, v in (("width", width), ("height", height)):
        if v is None:
            raise ValueError(f"{where}: '{name}' is missing; give the image size in pixels")
        if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) or v < 1 or v > 65536:
            raise ValueError(f"{where}: '{name}' must be a number of pixels between 1 and 65536, got {excerpt(v)}")
    return int(round(width)), int(round(height))


def _as_float(v, what: str) -> float:
    if v is None:
        return math.nan
    if isinstance(v, bool) or not isinstance(v, (int, float)):
        raise ValueError(f"{what} must be a number, got {excerpt(v)}")
    f = float(v)
    if not math.isfinite(f):
        raise ValueError(f"{what} is {excerpt(v)}; every coordinate must be a finite number (no NaN or inf)")
    return f


def _finish(width: int, height: int, strokes: list[tuple], warnings: list[str]) -> DrawnPath:
    total = sum(len(s[1]) for s in strokes)
    if total > MAX_POINTS:
        raise ValueError(f"the path has {total} points; at most {MAX_POINTS} are accepted: resample the stroke")
    out = []
    for i, (role, pts, *extra) in enumerate(strokes):
        xy = pts[:, :2]
        outside = int(np.sum(np.any((xy < 0) | (xy > 1), axis=1)))
        if outside:
            warnings.append(f"stroke {i} ({role}): {outside} point(s) outside the image were clamped to its edge")
            pts = pts.copy()
            pts[:, :2] = np.clip(xy, 0.0, 1.0)
        out.append(Stroke(role, pts, *extra))
    return DrawnPath(width=width, height=height, strokes=tuple(out), warnings=tuple(warnings))


def _check_counts(stroke_lengths: list[int], what: str = "stroke") -> None:
    """Refuse a drawing over :data:`MAX_STROKES` strokes or :data:`MAX_POINTS` points before any point is read."""
    if len(stroke_lengths) > MAX_STROKES:
        raise ValueError(f"the path has {len(stroke_lengths)} {what}s; at most {MAX_STROKES} are accepted: "
                         "merge or drop strokes")
    total = sum(stroke_lengths)
    if total > MAX_POINTS:
        raise ValueError(f"the path has {total} points; at most {MAX_POINTS} are accepted: resample the stroke")


def _numeric_rows(pts: list) -> np.ndarray | None:
    """(N, 4) float64 when every point is a list of 2..4 plain numbers (the common case, read at numpy speed);
    None when any point needs the careful per-value reading (dicts, None, strings, booleans, ragged rows)."""
    try:
        arr = np.asarray(pts)
    except (ValueError, TypeError, OverflowError):
        return None
    if arr.ndim != 2 or not 2 <= arr.shape[1] <= 4 or arr.dtype.kind not in "if":
        return None
    if arr.dtype.kind == "i" and any(v is True or v is False for p in pts for v in p):
        return None
    if arr.dtype.kind == "f" and any(type(v) is bool for p in pts for v in p):
        return None
    if not np.all(np.isfinite(arr)):
        return None  # the slow path names the first bad value
    out = np.full((len(pts), 4), np.nan)
    out[:, : arr.shape[1]] = arr
    return out


def _parse_contract(d: dict, width, height) -> DrawnPath:
    version = d.get("version", PATH_VERSION)
    if version != PATH_VERSION:
        raise ValueError(f"path JSON version {excerpt(version)} is not supported; use version {PATH_VERSION}")
    w, h = _check_size(d.get("width", width), d.get("height", height), "path JSON")
    raw = d["strokes"]
    if not isinstance(raw, list):
        raise ValueError('"strokes" must be a list of {"role": ..., "points": [[x, y], ...]}')
    _check_counts([len(s["points"]) if isinstance(s, dict) and isinstance(s.get("points"), list) else 0
                   for s in raw])
    strokes: list[tuple[str, np.ndarray]] = []
    for i, s in enumerate(raw):
        if not isinstance(s, dict):
            raise ValueError(f'stroke {i} must be an object like {{"role": "camera", "points": [[x, y], ...]}}')
        role = s.get("role", "camera")
        if role not in ROLES:
            raise ValueError(f"stroke {i} has role {excerpt(role)}; use one of {', '.join(ROLES)}")
        pts = s.get("points")
        if not isinstance(pts, list) or not pts:
            raise ValueError(f"stroke {i} ({role}) needs a non-empty 'points' list of [x, y, t_ms?, pressure?]")
        arr = _numeric_rows(pts)
        if arr is None:
            arr = np.full((len(pts), 4), np.nan)
            for j, p in enumerate(pts):
                if isinstance(p, dict):
                    p = [p.get("x"), p.get("y"), p.get("t_ms", p.get("t")), p.get("pressure")]
                if not isinstance(p, (list, tuple)) or len(p) < 2 or len(p) > 4:
                    raise ValueError(f"stroke {i} point {j} must be [x, y] or [x, y, t_ms, pressure], "
                                     f"got {excerpt(p)}")
                for k, v in enumerate(p):
                    if k < 2 and v is None:
                        raise ValueError(f"stroke {i} point {j}: x and y are required")
                    arr[j, k] = _as_float(v, f"stroke {i} point {j} {'x y t_ms pressure'.split()[k]}")
        strokes.append((role, arr, *_keyframe_fields(s, i, role)))
    return _finish(w, h, strokes, [])


def _keyframe_fields(s: dict, i: int, role: str) -> tuple[float | None, str | None]:
    """A camera stroke's optional ``"t"`` (end time of its segment in seconds, > 0) and ``"preset"`` (a name)."""
    t, preset = s.get("t"), s.get("preset")
    if (t is not None or preset is not None) and role != "camera":
        raise ValueError(f'stroke {i} ({role}): "t" and "preset" belong on camera strokes only; drop them')
    if t is not None:
        if isinstance(t, bool) or not isinstance(t, (int, float)) or not math.isfinite(t) or t <= 0:
            raise ValueError(f'stroke {i}: "t" (the time in seconds at which its segment ends) must be a number '
                             f"> 0, got {excerpt(t)}")
        t = float(t)
    if preset is not None and (not isinstance(preset, str) or not 0 < len(preset) <= 64):
        raise ValueError(f'stroke {i}: "preset" must be a preset name (see presets), got {excerpt(preset)}')
    return t, preset


def _parse_pixel_points(lst: list, width, height) -> DrawnPath:
    """Bare list of pixel points (seed format) or KJNodes coordinates (possibly a list of splines)."""
    if not lst:
        raise ValueError("the path has no points: draw a stroke first")
    w, h = _check_size(width, height, "pixel-point path")
    splines = lst if all(isinstance(x, list) for x in lst) and lst and isinstance(lst[0], list) \
        and lst[0] and isinstance(lst[0][0], dict) else [lst]
    _check_counts([len(pts) for pts in splines], "spline")
    strokes = []
    for i, pts in enumerate(splines):
        if not pts:
            raise ValueError(f"spline {i} has no points")
        arr = np.full((len(pts), 4), np.nan)
        for j, p in enumerate(pts):
            if isinstance(p, dict):
                x, y = p.get("x"), p.get("y")
            elif isinstance(p, (list, tuple)) and len(p) >= 2:
                x, y = p[0], p[1]
            else:
                raise ValueError(f'point {j} must be {{"x": px, "y": px}} or [x, y], got {excerpt(p)}')
            if x is None or y is None:
                raise ValueError(f'point {j} needs both "x" and "y"')
            arr[j, 0] = _as_float(x, f"point {j} x") / w
            arr[j, 1] = _as_float(y, f"point {j} y") / h
        strokes.append(("camera" if i == 0 else "path", arr))
    return _finish(w, h, strokes, [])


def arc_length(xy: np.ndarray) -> np.ndarray:
    """Cumulative arc length, shape (N,), starting at 0, of points (N, 2)."""
    if len(xy) < 2:
        return np.zeros(len(xy))
    seg = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    return np.concatenate([[0.0], np.cumsum(seg)])


def dedupe(points: np.ndarray, eps: float = 1e-9) -> np.ndarray:
    """Drop points that repeat the previous one (rows of (N, K), first two columns compared)."""
    if len(points) < 2:
        return points
    keep = np.concatenate([[True], np.linalg.norm(np.diff(points[:, :2], axis=0), axis=1) > eps])
    return points[keep]


def resample(points: np.ndarray, n: int, by: str = "arc") -> np.ndarray:
    """Resample a polyline (N, K) to ``n`` points, evenly in arc length (``by="arc"``) or in time (``"time"``).

    All K columns are linearly interpolated. A single point (or a zero-length stroke) is repeated.
    """
    if n < 1:
        raise ValueError("resample needs n >= 1")
    pts = dedupe(np.asarray(points, dtype=np.float64))
    if len(pts) == 1:
        return np.repeat(pts, n, axis=0)
    if by == "time":
        u = pts[:, 2] - pts[0, 2]
        if not np.all(np.isfinite(u)) or u[-1] <= 0:
            raise ValueError("time resampling needs finite, increasing t_ms")
        u = np.maximum.accumulate(u)
    else:
        u = arc_length(pts[:, :2])
    if u[-1] <= 0:
        return np.repeat(pts[:1], n, axis=0)
    targets = np.linspace(0.0, u[-1], n)
    return np.stack([np.interp(targets, u, pts[:, k]) for k in range(pts.shape[1])], axis=1)


def smooth(xy: np.ndarray, strength: float = 1.0, n_out: int | None = None) -> np.ndarray:
    """Smooth a hand-drawn stroke (N, 2) → (n_out or N', 2).

    The stroke is first resampled evenly by arc length (so uneven spacing does not bias the fit),
    then Savitzky–Golay filtered (cubic, window ~ ``strength`` × 7% of the points). Strokes with
    2–4 points are returned resampled but unfiltered: there is nothing to smooth. Endpoints are kept.
    """
    from scipy.signal import savgol_filter

    xy = dedupe(np.asarray(xy, dtype=np.float64)[:, :2])
    n_work = int(np.clip(len(xy) * 2, 2, 512)) if len(xy) > 1 else 1
    even = resample(xy, n_work)
    if len(xy) >= 5 and strength > 0 and n_work >= 7:
        win = int(max(5, min(n_work - (1 - n_work % 2), round(strength * 0.07 * n_work) * 2 + 1)))
        win = min(win, n_work if n_work % 2 else n_work - 1)
        if win >= 5:
            start, end = even[0].copy(), even[-1].copy()
            even = savgol_filter(even, win, 3, axis=0, mode="interp")
            even[0], even[-1] = start, end
    return resample(even, n_out) if n_out else even


def progress_from_timing(stroke: Stroke, frames: int) -> np.ndarray:
    """Per-frame progress along the stroke (0..1 of arc length) when the stroke is replayed at drawing speed.

    Returns shape (frames,), non-decreasing, from 0 to 1. Strokes without timing fall back to uniform progress.
    """
    if frames == 1:
        return np.zeros(1)
    pts = dedupe(stroke.points)
    if not stroke.has_timing or len(pts) < 2:
        return np.linspace(0.0, 1.0, frames)
    t = np.maximum.accumulate(pts[:, 2] - pts[0, 2])
    s = arc_length(pts[:, :2])
    if s[-1] <= 0 or t[-1] <= 0:
        return np.linspace(0.0, 1.0, frames)
    return np.interp(np.linspace(0.0, t[-1], frames), t, s / s[-1])
