"""The Draw Path widget's live readout: intent, suggested preset and the first/last-frame framing.

The framing of a frame is the part of the source image it will show (the trajectory node's preview draws the same
quads): in normalized image coordinates (0..1 inside the image, may extend outside); a dolly-in gives a shrinking
rectangle, a truck a shifted one, an orbit a sheared quad.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from ..core import params
from ..core.errors import excerpt
from ..core.params import SENSORS_MM
from .path import DrawnPath, parse_path
from .preview import framing_quad
from .trajectory import CameraTrajectory

# Bounds of a quad corner (normalized units) so that a corner whose ray misses the plane stays drawable.
_LIMIT = 4.0


def frame_quad(traj: CameraTrajectory, frame: int, width: int, height: int) -> np.ndarray:
    """Corners (top-left, top-right, bottom-right, bottom-left) of ``frame``'s view in the source image.

    The same projection as the trajectory node's preview (:func:`camera.preview.framing_quad`: the frame's corners
    lifted to its focus distance and projected into frame 0), normalized to the image size.

    Returns:
        (4, 2) float64 normalized coordinates, clipped to [-4, 5] so that a corner behind the camera stays drawable.
    """
    f = range(traj.frames)[frame]
    quad = framing_quad(traj, f, width, height) / np.array([width, height], dtype=np.float64)
    return np.clip(np.nan_to_num(quad, nan=0.5), -_LIMIT, 1.0 + _LIMIT)


@dataclass(frozen=True)
class DrawingAnalysis:
    """What the widget shows while drawing."""

    intent: str | None
    preset: str | None
    confidence: float | None
    features: dict
    first_quad: list | None  # [[x, y] * 4] normalized, or None without a camera stroke
    last_quad: list | None
    frames: int | None
    warnings: list

    def to_dict(self) -> dict:
        return {"intent": self.intent, "preset": self.preset, "confidence": self.confidence,
                "features": self.features, "framing": {"first": self.first_quad, "last": self.last_quad},
                "frames": self.frames, "warnings": self.warnings}


FORWARDED_PARAMS = ("frames", "fps", "intensity", "easing", "focal_length_mm", "sensor", "seed", "use_drawing_speed")
"""Trajectory settings (names of ``core/params.TRAJECTORY``) the widget forwards from the linked trajectory node,
besides ``preset``."""


def check_params(settings) -> dict:
    """The trajectory settings of an ``/analyze`` request, checked with the nodes' own ranges, as
    :func:`~.moves.build_trajectory` keyword arguments.

    ``settings``: None or an object. ``preset`` must be ``auto`` or a preset name; every name of
    ``core/params.TRAJECTORY`` present (not null) is checked by its ``Range``/``Choice``/``Flag`` (the widget sends
    the whole table); other keys are left alone (a newer widget may send more). Raises ``ValueError`` naming the
    setting and its range. Of the checked values, :data:`FORWARDED_PARAMS` are used; ``sensor`` (a name of
    :data:`SENSORS_MM`) becomes ``sensor_mm``. The preview never shakes (``handheld`` is checked, then left at 0)
    and builds at most ``PREVIEW_MAX_FRAMES`` frames (only the first and last frames are looked at, so fewer
    frames change nothing but the cost)."""
    from .presets import AUTO, PRESETS

    if settings is None:
        return {}
    if not isinstance(settings, dict):
        raise ValueError(f'"params" must be an object of trajectory settings, got {excerpt(settings)}')
    out = {}
    preset = settings.get("preset")
    if preset is not None:
        if preset != AUTO and (not isinstance(preset, str) or preset not in PRESETS):
            raise ValueError(f"unknown preset {excerpt(preset)}; use {AUTO} or one of the trajectory node's "
                             f"{len(PRESETS)} presets ({', '.join(list(PRESETS)[:4])}, ...)")
        out["preset"] = preset
    for name, spec in params.TRAJECTORY.items():
        v = settings.get(name)
        if v is None:
            continue
        v = spec.check(v, name)
        if name in FORWARDED_PARAMS and name != "sensor":
            out[name] = v
    if "frames" in out:
        out["frames"] = min(out["frames"], params.PREVIEW_MAX_FRAMES)
    if settings.get("sensor") is not None:
        out["sensor_mm"] = SENSORS_MM[settings["sensor"]]
    return out


def analyze_drawing(data, params=None, width: int | None = None, height: int | None = None) -> DrawingAnalysis:
    """Intent, suggested preset and first/last-frame framing of a drawn path (the widget's live readout).

    Args:
        data: path JSON (text or decoded), any form :func:`parse_path` accepts.
        params: optional trajectory settings, checked by :func:`check_params` (a bad one is a ``ValueError``).

    Raises:
        ValueError: the path or a setting is invalid (message says what to fix).
    """
    kwargs = check_params(params)  # settings first: cheap, and a bad one is refused before the path is parsed
    path: DrawnPath = parse_path(data, width, height)
    warnings = list(path.warnings)
    if path.camera_stroke() is None:
        return DrawingAnalysis(None, None, None, {}, None, None, None,
                               warnings + ["draw a camera stroke to get an intent and a framing preview"])
    from .intent import analyze_intent
    from .moves import build_trajectory

    res = analyze_intent(path)
    try:
        traj = build_trajectory(path=path, **kwargs)
    except (ValueError, TypeError) as e:
        warnings.append(f"trajectory settings ignored ({e})")
        traj = build_trajectory(path=path)
    first = frame_quad(traj, 0, path.width, path.height)
    last = frame_quad(traj, -1, path.width, path.height)
    features = {k: _jsonable(v) for k, v in dict(getattr(res, "features", {}) or {}).items()}
    conf = getattr(res, "confidence", None)
    return DrawingAnalysis(
        intent=str(res.intent), preset=str(res.preset),
        confidence=None if conf is None or not math.isfinite(float(conf)) else round(float(conf), 4),
        features=features,
        first_quad=np.round(first, 5).tolist(), last_quad=np.round(last, 5).tolist(),
        frames=traj.frames, warnings=warnings)


def _jsonable(v):
    if isinstance(v, (bool, str)) or v is None:
        return v
    if isinstance(v, (int, np.integer)):
        return int(v)
    if isinstance(v, (float, np.floating)):
        return round(float(v), 6) if math.isfinite(float(v)) else None
    if isinstance(v, np.ndarray):
        v = v.tolist()
    if isinstance(v, (list, tuple)):
        return [_jsonable(x) for x in v]
    return str(v)
