"""Intent analysis of the camera stroke: what move did the user draw?

Rules, in order (features computed on the smoothed stroke in aspect-corrected image units, lengths
relative to the image diagonal):

* tap (tiny stroke) → ``push``: dolly in towards that point;
* loop (winding ≥ 270°): radius steadily shrinking / growing → ``spiral_in`` / ``spiral_out``,
  otherwise ``orbit`` (counter-clockwise on screen → ``orbit_left``, clockwise → ``orbit_right``);
* rapid back-and-forth along one axis → ``whip_pan`` (a few wide horizontal swings) or ``handheld``;
* near-straight stroke: mostly up → ``dolly_in``, down → ``dolly_out``, right → ``truck_right``,
  left → ``truck_left``;
* a consistently curving partial loop (60°–270°) → ``arc``;
* anything else → ``follow_path``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .path import DrawnPath, Stroke, arc_length, dedupe, resample, smooth

TAP_LENGTH = 0.03
LOOP_TURN = 1.5 * np.pi
STRAIGHTNESS = 0.93
SPIRAL_CHANGE = 0.35
ARC_RESIDUAL = 0.1


@dataclass(frozen=True)
class IntentResult:
    """intent: the kind of move; preset: the preset that realizes it; confidence 0..1;
    direction: +1 / -1 handedness where it matters (winding sign), features: the measured numbers."""

    intent: str
    preset: str
    confidence: float
    direction: int = 1
    features: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"intent": self.intent, "preset": self.preset, "confidence": round(self.confidence, 3),
                "direction": self.direction, "features": self.features}


def is_tap(stroke: Stroke, aspect: float = 1.0) -> bool:
    xy = stroke.xy * np.array([aspect, 1.0]) / np.hypot(aspect, 1.0)
    return len(dedupe(xy)) < 2 or (arc_length(xy)[-1] < TAP_LENGTH and np.ptp(xy, axis=0).max() < TAP_LENGTH)


def stroke_features(xy: np.ndarray, aspect: float = 1.0) -> dict:
    """Features of a stroke (N, 2) in normalized image coordinates (see module docstring)."""
    pts = np.asarray(xy, dtype=np.float64)[:, :2] * np.array([aspect, 1.0]) / np.hypot(aspect, 1.0)
    pts = dedupe(pts)
    raw_len = float(arc_length(pts)[-1]) if len(pts) > 1 else 0.0
    sm = smooth(pts, strength=1.0, n_out=128) if len(pts) > 1 else np.repeat(pts[:1], 2, 0)
    length = float(arc_length(sm)[-1])
    chord = float(np.linalg.norm(sm[-1] - sm[0]))
    # Turning is measured on a coarse resampling so that hand jitter does not add spurious turns.
    d = np.diff(resample(sm, 40), axis=0)
    keep = np.linalg.norm(d, axis=1) > 1e-9
    ang = np.unwrap(np.arctan2(d[keep, 1], d[keep, 0])) if keep.sum() > 1 else np.zeros(1)
    dturn = np.diff(ang)
    total_turn = float(np.sum(dturn))
    abs_turn = float(np.sum(np.abs(dturn)))
    centred = sm - sm.mean(0)
    _, sv, vt = np.linalg.svd(centred, full_matrices=False)
    axis = vt[0]
    proj = centred @ axis
    extent = float(np.ptp(proj))
    reversals = _count_reversals(proj, 0.12 * extent) if extent > 0 else 0
    centre = sm.mean(0)
    radius = np.linalg.norm(sm - centre, axis=1)
    u = np.linspace(0, 1, len(radius))
    slope, intercept = np.polyfit(u, radius, 1)
    mean_r = float(radius.mean()) if radius.mean() > 0 else 1e-9
    corr = float(np.corrcoef(u, radius)[0, 1]) if radius.std() > 1e-12 else 0.0
    fit_residual, swept = _circle_fit(sm)
    return {
        "circle_residual": round(fit_residual, 4), "circle_swept_deg": round(np.degrees(swept), 2),
        "length": round(length, 5), "raw_length": round(raw_len, 5), "chord": round(chord, 5),
        "straightness": round(chord / length, 4) if length > 0 else 1.0,
        "total_turn_deg": round(np.degrees(total_turn), 2), "abs_turn_deg": round(np.degrees(abs_turn), 2),
        "reversals": int(reversals), "extent": round(extent, 5),
        "axis_angle_deg": round(float(np.degrees(np.arctan2(abs(axis[1]), abs(axis[0])))), 2),
        "elongation": round(float(sv[1] / sv[0]) if sv[0] > 0 else 0.0, 4),
        "radius_change": round(float(slope / mean_r), 4), "radius_corr": round(corr, 4),
        "dx": round(float(sm[-1, 0] - sm[0, 0]), 5), "dy": round(float(sm[-1, 1] - sm[0, 1]), 5),
        "points": int(len(xy)),
    }


def _circle_fit(xy: np.ndarray) -> tuple[float, float]:
    """Least-squares circle through the points (Kåsa fit): RMS residual relative to the radius, and the
    signed angle swept around the centre (radians, > 0 clockwise on screen). (inf, 0) when degenerate."""
    A = np.column_stack([xy[:, 0], xy[:, 1], np.ones(len(xy))])
    b = -(xy ** 2).sum(1)
    try:
        (d, e, f), *_ = np.linalg.lstsq(A, b, rcond=None)
    except np.linalg.LinAlgError:
        return float("inf"), 0.0
    centre = np.array([-d / 2, -e / 2])
    r2 = centre @ centre - f
    if not np.isfinite(r2) or r2 <= 1e-12:
        return float("inf"), 0.0
    r = np.sqrt(r2)
    dist = np.linalg.norm(xy - centre, axis=1)
    ang = np.unwrap(np.arctan2(xy[:, 1] - centre[1], xy[:, 0] - centre[0]))
    return float(np.sqrt(np.mean((dist - r) ** 2)) / r), float(ang[-1] - ang[0])


def _count_reversals(proj: np.ndarray, hysteresis: float) -> int:
    """Direction changes of a 1-D signal, ignoring wiggles smaller than ``hysteresis``."""
    count, direction, extreme = 0, 0, proj[0]
    for v in proj[1:]:
        if direction == 0:
            if abs(v - extreme) > hysteresis:
                direction, extreme = (1 if v > extreme else -1), v
        elif direction * (v - extreme) > 0:
            extreme = v
        elif abs(v - extreme) > hysteresis:
            count += 1
            direction, extreme = -direction, v
    return count


def analyze_intent(path_or_stroke: DrawnPath | Stroke | np.ndarray, aspect: float | None = None) -> IntentResult:
    """Classify the camera stroke of a drawing (or a bare stroke / (N, 2) array) into a move."""
    if isinstance(path_or_stroke, DrawnPath):
        stroke = path_or_stroke.camera_stroke(required=True)
        aspect = path_or_stroke.aspect if aspect is None else aspect
        xy = stroke.xy
    elif isinstance(path_or_stroke, Stroke):
        xy = path_or_stroke.xy
    else:
        xy = np.asarray(path_or_stroke, dtype=np.float64)[:, :2]
    aspect = 1.0 if aspect is None else float(aspect)
    if len(xy) == 0:
        raise ValueError("the camera stroke has no points")
    if is_tap(Stroke("camera", np.pad(xy, ((0, 0), (0, 2)), constant_values=np.nan)), aspect):
        f = {"length": round(float(arc_length(xy)[-1]) if len(xy) > 1 else 0.0, 5), "points": int(len(xy)),
             "tap_x": round(float(xy[-1, 0]), 4), "tap_y": round(float(xy[-1, 1]), 4)}
        return IntentResult("push", "dolly_in", 0.95, 1, f)
    f = stroke_features(xy, aspect)
    turn = np.radians(f["total_turn_deg"])
    abs_turn = np.radians(f["abs_turn_deg"])
    direction = 1 if turn >= 0 else -1  # +1: clockwise on screen (y points down)

    loop = abs(turn) >= LOOP_TURN and abs(turn) >= 0.7 * abs_turn and f["elongation"] >= 0.15
    if loop:
        conf = float(np.clip(abs(turn) / (2 * np.pi), 0.6, 1.0))
        if abs(f["radius_change"]) >= SPIRAL_CHANGE and abs(f["radius_corr"]) >= 0.6:
            kind = "spiral_in" if f["radius_change"] < 0 else "spiral_out"
            return IntentResult(kind, kind, conf * min(1.0, abs(f["radius_corr"]) + 0.2), direction, f)
        return IntentResult("orbit", "orbit_right" if direction > 0 else "orbit_left", conf, direction, f)

    if f["reversals"] >= 2:
        horizontal = f["axis_angle_deg"] < 35
        if horizontal and f["extent"] >= 0.25 and f["reversals"] <= 3:
            return IntentResult("whip_pan", "whip_pan", 0.7, 1 if f["dx"] >= 0 else -1, f)
        if f["reversals"] >= 3:
            return IntentResult("handheld", "handheld", float(np.clip(0.5 + f["reversals"] / 20, 0, 0.95)), 1, f)

    if f["straightness"] >= STRAIGHTNESS:
        conf = float(np.clip(0.5 + (f["straightness"] - STRAIGHTNESS) / (1 - STRAIGHTNESS) * 0.5, 0.5, 1.0))
        if abs(f["dy"]) > abs(f["dx"]):
            kind = "dolly_in" if f["dy"] < 0 else "dolly_out"
        else:
            kind = "truck_right" if f["dx"] > 0 else "truck_left"
        return IntentResult(kind, kind, conf, 1, f)

    swept = np.radians(f["circle_swept_deg"])
    if f["circle_residual"] < ARC_RESIDUAL and np.radians(60) <= abs(swept) < LOOP_TURN:
        conf = float(np.clip(1 - f["circle_residual"] / ARC_RESIDUAL, 0.5, 0.95))
        return IntentResult("arc", "arc", conf, 1 if swept >= 0 else -1, f)

    return IntentResult("follow_path", "follow_path", 0.5, direction, f)
