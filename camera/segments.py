"""Camera keyframes: several camera strokes (each a segment with an end time) joined into one move whose position,
rotation and focal length are continuous AND have continuous velocity at every join.
(The in-between frames of two images are another thing: ``video/inbetween.py``.)

How (docs/architecture.md, "Camera keyframes"):

1. The clip's frames ``0..F-1`` are split at the segments' end times (seconds, scaled to the clip when the last
   one is not ``(F-1)/fps``): segment ``k`` spans frames ``b[k]..b[k+1]`` (the join frame is shared).
2. Each segment is an ordinary move (``build_trajectory`` with that stroke alone), expressed relative to its own
   first frame and chained onto the last pose of the segment before it, so positions and rotations meet.
   With ``easing="auto"`` the first segment eases in, the last eases out and the middle ones are linear, so the
   camera flows through the joins instead of stopping at each.
3. At every join the one-sided velocities (position, unit quaternion, log focal length, log focus distance) are
   replaced by their mean: each segment gets a cubic Hermite correction that is zero at both of its ends (so the
   joins stay where they are) and whose end slopes make up the difference. The result is C1 at the joins.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from . import geometry as geo
from .lens import fov_from_focal
from .path import DrawnPath
from .trajectory import CameraTrajectory

MIN_SEGMENT_FRAMES = 2
"""Each segment spans at least this many frame intervals (3 frames, the join frames included)."""


def segment_bounds(times: list[float | None], frames: int, fps: float) -> tuple[np.ndarray, list[str]]:
    """Join frames of ``len(times)`` segments over a clip of ``frames`` frames.

    Args:
        times: each segment's end time in seconds (all given, strictly increasing, > 0), or all None (equal shares).
        frames, fps: the clip.
    Returns:
        (K+1,) int frame indices ``b`` with ``b[0] = 0``, ``b[-1] = frames - 1``; and warnings (times rescaled).
    Raises:
        ValueError: mixed / non-increasing times, or a segment shorter than :data:`MIN_SEGMENT_FRAMES` intervals.
    """
    k = len(times)
    if k < 1:
        raise ValueError("camera keyframes need at least one segment")
    given = [t is not None for t in times]
    warnings: list[str] = []
    if any(given) and not all(given):
        missing = ", ".join(str(i) for i, g in enumerate(given) if not g)
        raise ValueError(f'give "t" (end time in seconds) on every camera stroke or on none; camera stroke(s) '
                         f"{missing} have none")
    if all(given):
        t = np.asarray(times, dtype=np.float64)
        if not np.all(np.isfinite(t)) or np.any(t <= 0) or np.any(np.diff(t) <= 0):
            raise ValueError(f"camera stroke end times must be > 0 and strictly increasing (stroke k ends after "
                             f"stroke k-1), got {[round(float(v), 3) for v in t]}")
        length = (frames - 1) / fps
        if abs(t[-1] - length) > 0.5 / fps:
            warnings.append(f"the keyframe times end at {t[-1]:g} s but the clip is {length:g} s "
                            f"({frames} frames at {fps:g} fps): the times were scaled to fit")
        frac = t / t[-1]
    else:
        frac = np.arange(1, k + 1) / k
    bounds = np.concatenate([[0], np.round(frac * (frames - 1)).astype(int)])
    short = np.nonzero(np.diff(bounds) < MIN_SEGMENT_FRAMES)[0]
    if len(short):
        i = int(short[0])
        raise ValueError(f"camera segment {i} gets {int(bounds[i + 1] - bounds[i])} frame interval(s) of "
                         f"{frames - 1}; each needs at least {MIN_SEGMENT_FRAMES}: raise frames, or spread the "
                         f"strokes' \"t\" times further apart")
    return bounds, warnings


def hermite_fix(values: np.ndarray, d_start: np.ndarray, d_end: np.ndarray) -> np.ndarray:
    """Add to ``values`` (N, D), N >= 2, the cubic that is zero at both ends and has slope ``d_start`` / ``d_end``
    (D,) per sample at the ends: the ends stay, the end velocities change by exactly those amounts."""
    n = len(values)
    u = np.linspace(0.0, 1.0, n)[:, None]
    span = n - 1
    h10 = u ** 3 - 2 * u ** 2 + u
    h11 = u ** 3 - u ** 2
    return values + span * (h10 * d_start[None] + h11 * d_end[None])


def end_slopes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Second-order one-sided slopes (per sample) at the start and the end of ``values`` (N >= 3, D)."""
    v0 = (-3 * values[0] + 4 * values[1] - values[2]) / 2
    v1 = (3 * values[-1] - 4 * values[-2] + values[-3]) / 2
    return v0, v1


def make_c1(pieces: list[np.ndarray]) -> list[np.ndarray]:
    """Pieces (N_k, D) that meet (``pieces[k][-1] == pieces[k+1][0]``) corrected so the slope is continuous at
    every join (both sides take the mean of the two one-sided slopes); the outer ends keep theirs. The sampled
    slopes of a corrected piece differ slightly from the cubic's exact ones, so the correction is repeated (it
    converges geometrically; 4 rounds leave well under 0.1 % of the join velocity)."""
    out = list(pieces)
    for _ in range(4):
        slopes = [end_slopes(p) for p in out]
        fixed = []
        for k, p in enumerate(out):
            v0, v1 = slopes[k]
            d0 = (slopes[k - 1][1] - v0) / 2 if k > 0 else np.zeros_like(v0)
            d1 = (slopes[k + 1][0] - v1) / 2 if k + 1 < len(out) else np.zeros_like(v1)
            fixed.append(hermite_fix(p, d0, d1))
        out = fixed
    return out


def _quaternions(rot: np.ndarray) -> np.ndarray:
    """(N, 4) unit quaternions of rotations (N, 3, 3), signs made continuous frame to frame."""
    from scipy.spatial.transform import Rotation

    q = Rotation.from_matrix(rot).as_quat()
    for i in range(1, len(q)):
        if np.dot(q[i], q[i - 1]) < 0:
            q[i] = -q[i]
    return q


def join_segments(segments: list[CameraTrajectory], bounds: np.ndarray) -> CameraTrajectory:
    """One C1 trajectory from ``segments`` (segment k has ``bounds[k+1] - bounds[k] + 1`` frames), chained end to
    start: each is re-expressed relative to its first frame and placed at the previous one's last pose; focal length
    and focus distance are scaled to meet too. Metadata of the first segment is kept, plus ``keyframes``."""
    from scipy.spatial.transform import Rotation

    if len(segments) + 1 != len(bounds):
        raise ValueError(f"{len(segments)} segments need {len(segments) + 1} bounds, got {len(bounds)}")
    c2w_pieces, focal_pieces, focus_pieces = [], [], []
    anchor = np.eye(4)
    focal_scale = focus_scale = 1.0
    for k, seg in enumerate(segments):
        want = int(bounds[k + 1] - bounds[k] + 1)
        if seg.frames != want:
            raise ValueError(f"segment {k} has {seg.frames} frames; its bounds need {want}")
        rel = seg.relative_to_first().c2w
        c2w = anchor[None] @ rel
        focal = seg.focal_length_mm * focal_scale
        focus = seg.focus_distance * focus_scale
        c2w_pieces.append(c2w)
        focal_pieces.append(focal)
        focus_pieces.append(focus)
        anchor = c2w[-1]
        if k + 1 < len(segments):
            focal_scale = focal[-1] / segments[k + 1].focal_length_mm[0]
            focus_scale = focus[-1] / segments[k + 1].focus_distance[0]
    pos = make_c1([p[:, :3, 3] for p in c2w_pieces])
    quat = _quaternions(np.concatenate([p[:, :3, :3] for p in c2w_pieces]))
    starts = np.concatenate([[0], np.cumsum([len(p) for p in c2w_pieces])])
    quat = make_c1([quat[a:b] for a, b in zip(starts[:-1], starts[1:])])
    log_focal = make_c1([np.log(f)[:, None] for f in focal_pieces])
    log_focus = make_c1([np.log(f)[:, None] for f in focus_pieces])

    def cat(pieces):  # drop the repeated join frame
        return np.concatenate([pieces[0], *[p[1:] for p in pieces[1:]]])

    q = cat(quat)
    q /= np.linalg.norm(q, axis=1, keepdims=True)
    rot = geo.orthonormalize(Rotation.from_quat(q).as_matrix())
    c2w = geo.compose(rot, cat(pos))
    focal = np.exp(cat(log_focal)[:, 0])
    first = segments[0]
    fov = np.asarray(fov_from_focal(focal, first.sensor_mm[0]), dtype=np.float64).reshape(-1)
    aperture = np.concatenate([first.aperture, *[s.aperture[1:] for s in segments[1:]]])
    meta = {**first.metadata, "keyframes": [int(b) for b in bounds],
            "segment_presets": [s.preset for s in segments]}
    return replace(first, c2w=c2w, fov_deg=fov, focal_length_mm=focal, focus_distance=np.exp(cat(log_focus)[:, 0]),
                   aperture=aperture, preset="keyframes", intent="keyframes", metadata=meta)


def segment_easing(easing: str, preset_easing: str, k: int, count: int) -> str:
    """The easing of segment ``k`` of ``count``: an explicit ``easing`` for all; with "auto" the preset's own,
    except that a smooth start-and-stop becomes ease-in (first), linear (middle), ease-out (last)."""
    if easing != "auto":
        return easing
    if preset_easing != "ease_in_out":
        return preset_easing
    if k == 0:
        return "ease_in"
    return "ease_out" if k == count - 1 else "linear"


def keyframed_trajectory(path: DrawnPath, preset: str, frames: int, fps: float, easing: str, build, **kwargs
                         ) -> CameraTrajectory:
    """The C1 move through every camera stroke of ``path`` (two or more), in drawing order.

    Args:
        path: the drawing; each camera stroke may carry ``t`` (end time, s) and ``preset``; other strokes (focus,
            path) are shared by all segments.
        preset: used for strokes without their own (``"auto"``: the stroke's detected intent).
        build: ``camera.moves.build_trajectory`` (passed in to avoid an import cycle); ``kwargs`` go to it.
    """
    from .intent import analyze_intent
    from .presets import AUTO, PRESETS

    strokes = path.camera_strokes()
    bounds, warnings = segment_bounds([s.t for s in strokes], frames, fps)
    others = tuple(s for s in path.strokes if s.role != "camera")
    seed = int(kwargs.pop("seed", 0))
    segments = []
    for k, stroke in enumerate(strokes):
        sub = replace(path, strokes=(stroke, *others))
        asked = stroke.preset or preset
        name = analyze_intent(sub).preset if asked == AUTO else asked  # for the easing only
        if name not in PRESETS:
            raise ValueError(f"camera stroke {k}: unknown preset {name!r}; use one of: {', '.join(PRESETS)}")
        ease_k = segment_easing(easing, PRESETS[name].easing, k, len(strokes))
        n = int(bounds[k + 1] - bounds[k] + 1)
        # "auto" goes to build_trajectory as it is: it also reads the drawn direction (a leftward whip, a
        # clockwise arc), as for a single stroke
        segments.append(build(preset=asked, frames=n, fps=fps, easing=ease_k, path=sub, seed=seed + k, **kwargs))
    cam = join_segments(segments, bounds)
    return replace(cam, metadata={**cam.metadata, "warnings": warnings})
