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


def clean_params(settings) -> dict:
    """Keep the known trajectory settings, clamped into their ``core/params`` ranges; drop everything else
    (a live preview is lenient: a bad value is ignored or clamped, never an error).

    ``sensor`` (a name of :data:`SENSORS_MM`, as the trajectory node's combo holds it) becomes ``sensor_mm``.
    The preview never shakes (``handheld`` is left at 0) and builds at most ``PREVIEW_MAX_FRAMES`` frames (only
    the first and last frames are looked at, so fewer frames change nothing but the cost).
    """
    out = {}
    if not isinstance(settings, dict):
        return out
    preset = settings.get("preset")
    if isinstance(preset, str) and 0 < len(preset) <= 64:
        out["preset"] = preset
    for name in FORWARDED_PARAMS:
        v, spec = settings.get(name), params.TRAJECTORY[name]
        if v is None or name == "sensor":
            continue
        if isinstance(spec, params.Flag):
            if isinstance(v, bool):
                out[name] = v
        elif isinstance(spec, params.Choice):
            if isinstance(v, str) and v in spec.options:
                out[name] = v
        elif isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v):
            out[name] = spec.clamp(v)
    if "frames" in out:
        out["frames"] = min(out["frames"], params.PREVIEW_MAX_FRAMES)
    sensor = settings.get("sensor")
    if isinstance(sensor, str) and sensor in SENSORS_MM:
        out["sensor_mm"] = SENSORS_MM[sensor]
    return out


def analyze_drawing(data, params=None, width: int | None = None, height: int | None = None) -> DrawingAnalysis:
    """Intent, suggested preset and first/last-frame framing of a drawn path (the widget's live readout).

    Args:
        data: path JSON (text or decoded), any form :func:`parse_path` accepts.
        params: optional trajectory settings (see :data:`FORWARDED_PARAMS`); unknown or invalid ones are ignored.

    Raises:
        ValueError: the path is invalid (message says what to fix).
    """
    path: DrawnPath = parse_path(data, width, height)
    warnings = list(path.warnings)
    if path.camera_stroke() is None:
        return DrawingAnalysis(None, None, None, {}, None, None, None,
                               warnings + ["draw a camera stroke to get an intent and a framing preview"])
    from .intent import analyze_intent
    from .moves import build_trajectory

    res = analyze_intent(path)
    kwargs = clean_params(params)
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
