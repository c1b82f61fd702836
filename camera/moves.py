"""Build a camera move: a preset (or the move a drawn path asks for) becomes a :class:`CameraTrajectory`.

Every move is expressed around a subject at ``subject`` (default: straight ahead at the median scene
depth, 1 world unit). ``intensity`` scales translations and angles linearly and zoom ratios
geometrically (``ratio ** intensity``); 0 gives a static camera.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from ..core import cinema, params
from ..core.errors import excerpt
from . import geometry as geo
from .easing import ease, limit_progress
from .lens import fov_from_focal
from .path import DrawnPath, progress_from_timing, smooth
from .presets import AUTO, MIN_SUBJECT_FRACTION, PRESETS, PresetSpec
from .trajectory import CameraTrajectory, interpolate_poses


def build_trajectory(preset: str = AUTO, frames: int = 25, fps: float = 12.0, intensity: float = 1.0,
                     easing: str = "auto", focal_length_mm: float = 35.0,
                     sensor_mm: tuple[float, float] = (36.0, 24.0), handheld: float = 0.0, seed: int = 0,
                     path: DrawnPath | None = None, use_drawing_speed: bool = False, aperture: float = 4.0,
                     max_speed: float | None = None, max_accel: float | None = None,
                     camera_body: str = "custom", lens_kind: str = "spherical_prime",
                     aspect: str = "native", focus: tuple[float, float] | None = None,
                     subject_depth: float | None = None) -> CameraTrajectory:
    """Build a camera trajectory from a preset, or from the drawn ``path`` when ``preset="auto"``.

    Args:
        preset: a name from :data:`PRESETS` or ``"auto"`` (intent of the path's camera stroke; static without
            a path; a path without a camera stroke is refused).
        frames, fps: clip length. intensity: 0..5 scale of the move (0 = static).
        easing: ``"auto"`` (the preset's own) or a name from :mod:`camera.easing`.
        focal_length_mm, sensor_mm: the physical lens; fov_deg follows (horizontal).
        handheld: extra seeded shake (0 = none, 1 = a typical handheld camera), added to the preset's own.
        path: the drawing; sets the subject (focus stroke or tap point), the move's size from the stroke's
            extent, and the curve itself for ``follow_path``. Two or more camera strokes make a keyframed move
            (camera/segments.py: a segment per stroke ending at its ``t``, joined with continuous velocity).
        use_drawing_speed: replay the camera stroke's drawing speed (its ``t_ms``) instead of the easing.
        max_speed, max_accel: optional physical limits in world units/s and units/s² (the move may end short).
        camera_body, lens_kind, aspect: the virtual camera (``core/cinema.py``): a body replaces ``sensor_mm`` by
            its published sensor size, an anamorphic lens widens the view ``squeeze`` times (``sensor_mm`` is the
            desqueezed picture area) and keeps the aperture at its widest f-number or slower, an aspect crops the
            sensor area (the render crops the picture alike). See :func:`lens_setup`.
        focus: the subject's image point (x, y normalized 0..1, origin top-left), e.g. ``render --focus`` or the
            built-in subject finder (``render/reach.find_aim``); replaces the drawing's focus point.
        subject_depth: the subject's depth (world units; None = 1, the scene's median). Aimed moves pivot on the
            subject there, and the vertigo presets (``dolly_zoom``) size their travel by it, so the camera never
            reaches a near subject.
    """
    frames, fps, intensity, focal_length_mm, handheld, aperture, seed = params.check_all(
        params.TRAJECTORY, frames=frames, fps=fps, intensity=intensity, focal_length_mm=focal_length_mm,
        handheld=handheld, aperture=aperture, seed=seed)
    if easing != "auto":
        params.TRAJECTORY["easing"].check(easing, "easing")
    sensor_mm = (float(params.SENSOR_SIDE_MM.check(sensor_mm[0], "sensor width")),
                 float(params.SENSOR_SIDE_MM.check(sensor_mm[1], "sensor height")))
    if path is not None and len(path.camera_strokes()) > 1:
        from .segments import keyframed_trajectory

        return keyframed_trajectory(path, preset, frames, fps, easing, build_trajectory, intensity=intensity,
                                    focal_length_mm=focal_length_mm, sensor_mm=sensor_mm, handheld=handheld,
                                    seed=seed, use_drawing_speed=use_drawing_speed, aperture=aperture,
                                    max_speed=max_speed, max_accel=max_accel,
                                    camera_body=camera_body, lens_kind=lens_kind, aspect=aspect, focus=focus,
                                    subject_depth=subject_depth)
    sensor_mm, squeeze, ratio, aperture = lens_setup(sensor_mm, camera_body, lens_kind, aspect, aperture)
    stroke = path.camera_stroke() if path is not None else None
    spec, intent_name = _resolve_preset(preset, path, stroke)
    s = _progress(frames, spec.easing if easing == "auto" else easing, stroke, use_drawing_speed)
    subject = _subject(spec, path, focus, sensor_mm, subject_depth)
    if spec.focal_start_mm is not None:
        focal_length_mm = spec.focal_start_mm
    scale = _stroke_scale(path) if path is not None and stroke is not None else 1.0
    amount = intensity * scale
    if spec.name == "follow_path" and stroke is not None:
        positions, rotation = _follow_drawn_path(path, s, amount)
    else:
        positions, rotation = _preset_motion(spec, s, amount, subject)
    rotation, positions, s, completed = _limit_speed(rotation, positions, s, fps, max_speed, max_accel)
    shake = handheld + spec.shake * (intensity if intensity > 0 else 0.0)
    rotation, positions = _add_shake(rotation, positions, fps, shake, seed)
    rotation = geo.orthonormalize(rotation)
    c2w = geo.compose(rotation, positions)
    # Focus follows the subject: its distance from the camera (equal to its depth when it is on axis).
    subject_depth = np.maximum(np.einsum("nji,nj->ni", rotation, subject[None] - positions)[:, 2], 0.05)
    focus = np.maximum(np.linalg.norm(subject[None] - positions, axis=1), 0.05)
    focal = _focal_curve(spec, focal_length_mm, s, amount, subject_depth)
    return CameraTrajectory(
        c2w=c2w, fov_deg=np.asarray(fov_from_focal(focal, sensor_mm[0]), dtype=np.float64).reshape(-1),
        focal_length_mm=focal, focus_distance=focus, aperture=np.full(frames, aperture), fps=fps,
        sensor_mm=sensor_mm, preset=spec.name, intent=intent_name or spec.intent,
        look_at=tuple(float(v) for v in subject),
        metadata={"completed": completed, "intensity": intensity, "stroke_scale": scale, "seed": seed,
                  "squeeze": squeeze, "aspect": ratio, "camera_body": camera_body, "lens_kind": lens_kind},
    )


def _add_shake(rotation: np.ndarray, positions: np.ndarray, fps: float, shake: float,
               seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Poses (N,3,3), (N,3) with handheld shake of strength ``shake`` on top, seeded and smooth; zero at frame 0 so
    the first frame stays at the origin. Unchanged for no shake or one frame."""
    frames = len(rotation)
    if shake > 0 and frames > 1:
        d_rot, d_pos = _shake(frames, fps, shake, seed)
        rotation = rotation @ geo.yaw_pitch_roll(d_rot[:, 0], d_rot[:, 1], d_rot[:, 2])
        positions = positions + np.einsum("nij,nj->ni", rotation, d_pos)
    return rotation, positions


def _resolve_preset(preset: str, path: DrawnPath | None, stroke) -> tuple[PresetSpec, str | None]:
    """The preset to play and the intent read from the drawing (None unless ``preset`` is "auto" and there is a
    camera stroke, or no drawing at all = "static"). A drawn arc or whip pan takes the stroke's direction."""
    from .intent import analyze_intent

    intent_name, direction = None, 1
    if preset == AUTO:
        if stroke is None and path is not None:
            raise ValueError('preset "auto" reads the camera stroke, and the path has none (only '
                             f'{", ".join(sorted({s.role for s in path.strokes})) or "no strokes"}): draw the camera '
                             "move, or pick a preset (a focus point then aims it)")
        if stroke is None:  # no drawing at all: nothing moves
            preset, intent_name = "static", "static"
        else:
            result = analyze_intent(path)
            preset, intent_name = result.preset, result.intent
            direction = result.direction
    if preset not in PRESETS:
        raise ValueError(f"unknown preset {excerpt(preset)}; use 'auto' or one of: {', '.join(PRESETS)}")
    spec = PRESETS[preset]
    if intent_name and direction > 0 and spec.name == "arc":  # clockwise on screen swings right
        spec = replace(spec, orbit=-spec.orbit)
    if intent_name and direction < 0 and spec.name == "whip_pan":  # drawn leftwards
        spec = replace(spec, rotate=(-spec.rotate[0], *spec.rotate[1:]))
    return spec, intent_name


def _progress(frames: int, easing_name: str, stroke, use_drawing_speed: bool) -> np.ndarray:
    """Progress 0..1 per frame, shape (frames,): the stroke's drawing speed when asked and timed, else the easing."""
    t = np.linspace(0.0, 1.0, frames) if frames > 1 else np.zeros(1)
    if use_drawing_speed and stroke is not None and stroke.has_timing:
        return progress_from_timing(stroke, frames)
    return ease(easing_name, t)


def _subject(spec: PresetSpec, path: DrawnPath | None, focus, sensor_mm: tuple[float, float],
             subject_depth: float | None) -> np.ndarray:
    """The subject point (3,) in frame-0 camera space: straight ahead for centred presets, else the drawn or given
    focus; at depth ``subject_depth`` (None = 1, the median) along that ray."""
    subject = np.array([0.0, 0.0, 1.0]) if spec.centered else _subject_point(path, focus, sensor_mm[0] / sensor_mm[1])
    if subject_depth is not None:
        d = float(subject_depth)
        if not (np.isfinite(d) and d > 0):
            raise ValueError(f"subject_depth must be a positive number, got {excerpt(subject_depth)}")
        subject = subject * d
    return subject


def _limit_speed(rotation: np.ndarray, positions: np.ndarray, s: np.ndarray, fps: float,
                 max_speed: float | None, max_accel: float | None):
    """Poses (N,3,3), (N,3) and progress (N,) slowed to the physical limits (world units/s, units/s²); returns them
    with ``completed`` (False when the move ends short). Unchanged without limits, for one frame or no travel."""
    frames = len(s)
    move_length = float(np.sum(np.linalg.norm(np.diff(positions, axis=0), axis=1))) if frames > 1 else 0.0
    completed = True
    if frames > 1 and (max_speed or max_accel) and move_length > 0:
        s_limited, completed = limit_progress(s, move_length, fps, max_speed, max_accel)
        s_lim = np.interp(s_limited, s, np.arange(frames)) if np.all(np.diff(s) > 0) else s_limited
        if np.all(np.diff(s) > 0):
            rotation, positions = interpolate_poses(rotation, positions, s_lim)
        s = s_limited
    return rotation, positions, s, completed


def lens_setup(sensor_mm: tuple[float, float], camera_body: str, lens_kind: str, aspect: str,
               aperture: float) -> tuple[tuple[float, float], float, float | None, float]:
    """The trajectory's lens fields for a virtual camera (``core/cinema.py``).

    Returns ``(sensor_mm, squeeze, ratio, aperture)``: ``sensor_mm`` = (width, height) in mm of the *desqueezed*
    picture area: the body's sensor (or ``sensor_mm`` for body "custom"), its width times the lens's squeeze,
    then cropped centrally to the aspect ``ratio`` (None for "native"); the horizontal field of view is
    ``2 atan(width / 2f)`` of that width. ``aperture`` is raised to the lens kind's widest f-number when asked
    wider. Unknown names raise ``ValueError`` listing the choices.
    """
    spec_of = params.TRAJECTORY
    camera_body = spec_of["camera_body"].check(camera_body, "camera_body")
    lens = cinema.LENS_KINDS[spec_of["lens_kind"].check(lens_kind, "lens_kind")]
    ratio = cinema.ASPECTS[spec_of["aspect"].check(aspect, "aspect")]
    if camera_body != "custom":
        sensor_mm = cinema.CAMERA_BODIES[camera_body].sensor_mm
    w, h = float(sensor_mm[0]) * lens.squeeze, float(sensor_mm[1])
    if ratio is not None:
        w, h = (h * ratio, h) if w / h > ratio else (w, w / ratio)
    return (w, h), lens.squeeze, ratio, max(float(aperture), lens.widest_f_number)



def _subject_point(path: DrawnPath | None, focus: tuple[float, float] | None = None,
                   aspect: float = 1.5) -> np.ndarray:
    """World point of the subject: ``focus`` or the focus stroke (or a tap) seen at depth 1, else straight ahead.
    ``aspect``: width / height of the picture when there is no drawing to say it."""
    if focus is not None:
        fx, fy = (float(v) for v in focus)
        if not (np.isfinite(fx) and np.isfinite(fy) and 0 <= fx <= 1 and 0 <= fy <= 1):
            raise ValueError(f"focus must be an image point x,y with both in 0..1 (0,0 = top-left), got "
                             f"{excerpt(focus)}")
        x, y = _image_to_plane(np.array([[fx, fy]]), path.aspect if path is not None else aspect)[0]
        return np.array([x, y, 1.0])
    if path is None:
        return np.array([0.0, 0.0, 1.0])
    point = path.focus_point()
    stroke = path.camera_stroke()
    if point is None and stroke is not None:
        from .intent import is_tap

        if is_tap(stroke, path.aspect):
            point = (float(stroke.points[-1, 0]), float(stroke.points[-1, 1]))
    if point is None:
        return np.array([0.0, 0.0, 1.0])
    # Ray through the point with a nominal 50° horizontal FOV; depth 1 along the optical axis.
    x, y = _image_to_plane(np.array([point]), path.aspect)[0]
    return np.array([x, y, 1.0])


NOMINAL_FOV_DEG = 50.0
"""Horizontal field of view assumed when a drawing's normalized points are lifted into the world."""


def _image_to_plane(xy: np.ndarray, aspect: float) -> np.ndarray:
    """(N, 2) normalized image points (0..1, origin top-left) → (N, 2) world x, y on the plane at depth 1 seen
    with :data:`NOMINAL_FOV_DEG`, for an image ``aspect`` = width / height."""
    half = np.tan(np.radians(NOMINAL_FOV_DEG / 2.0))
    return (np.asarray(xy, dtype=np.float64) - 0.5) * 2 * half / np.array([1.0, aspect])


def _stroke_scale(path: DrawnPath) -> float:
    """Size of the move relative to a stroke spanning half the image diagonal (clamped to 0.35..2)."""
    xy = path.camera_stroke().xy * np.array([path.aspect, 1.0])
    diag = np.hypot(path.aspect, 1.0)
    extent = np.linalg.norm(xy.max(0) - xy.min(0)) / diag
    return float(np.clip(extent / 0.5, 0.35, 2.0))


def _preset_motion(spec: PresetSpec, s: np.ndarray, amount: float, subject: np.ndarray):
    """Positions (F, 3) and rotations (F, 3, 3) of a preset at progress ``s`` (F,)."""
    n = len(s)
    distance = float(np.linalg.norm(subject))
    trans = np.asarray(spec.translate) * amount
    if spec.dolly_zoom:
        trans = trans * distance  # vertigo: the travel is a share of the subject's distance (as dolly_zoom does)
    # Forward moves are capped so the camera never reaches the subject.
    max_forward = distance * (1 - MIN_SUBJECT_FRACTION)
    if trans[2] > max_forward:
        trans = trans * (max_forward / trans[2])
    pos = s[:, None] * trans[None, :]
    axis_dir = subject / distance
    if spec.orbit:
        theta = np.radians(spec.orbit * amount) * s
        # Swing around the subject about the vertical axis: R_y(θ) applied to the subject→camera vector.
        offset = -subject
        pos = pos + (subject[None] + np.einsum("nij,j->ni", geo.rot_y(theta), offset))
    if spec.spiral_turns:
        phi = 2 * np.pi * spec.spiral_turns * s
        radius = spec.spiral_radius * amount * np.sin(np.pi * np.clip(s, 0, 1)) ** 0.5
        right = np.cross(geo.DOWN, axis_dir)
        right /= np.linalg.norm(right)
        down = np.cross(axis_dir, right)
        pos = pos + radius[:, None] * (np.sin(phi)[:, None] * right + (1 - np.cos(phi))[:, None] * -down)
    if spec.wobble != (0.0, 0.0, 0.0):
        w = np.sin(2 * np.pi * 1.0 * s)
        pos = pos + np.outer(spec.wobble[2] * amount * w, [0, 1, 0])
    yaw, pitch, roll = (np.asarray(spec.rotate) * amount)[:, None] * s[None, :]
    if spec.wobble != (0.0, 0.0, 0.0):
        yaw = yaw + spec.wobble[0] * amount * np.sin(2 * np.pi * s)
        roll = roll + spec.wobble[1] * amount * (np.sin(2 * np.pi * s + 0.6) - np.sin(0.6))
    if spec.aim:
        # Relative to the frame-0 aim, so frame 0 is the input view and the subject keeps its pixel position.
        aim = geo.look_at(pos, subject)
        rotation = aim @ aim[0].T @ geo.rot_z(np.radians(roll))
    else:
        rotation = geo.yaw_pitch_roll(yaw, pitch, roll)
    return pos, rotation.reshape(n, 3, 3)


def _follow_drawn_path(path: DrawnPath, s: np.ndarray, amount: float):
    """Fly along the drawn curve: image-plane displacement becomes sideways/vertical travel at the subject
    depth, progress along the stroke becomes forward travel; the camera looks a little ahead along the curve."""
    xy = smooth(path.camera_stroke().xy, n_out=256)
    world = _image_to_plane(xy, path.aspect) - _image_to_plane(xy[:1], path.aspect)
    u = np.linspace(0, 1, len(world))
    lateral = np.stack([np.interp(s, u, world[:, k]) for k in range(2)], 1) * 0.5 * amount
    forward = np.minimum(0.35 * amount, 1 - MIN_SUBJECT_FRACTION) * s
    pos = np.stack([lateral[:, 0], lateral[:, 1], forward], 1)
    ahead = np.clip(s + 0.15, 0, 1)
    lat_ahead = np.stack([np.interp(ahead, u, world[:, k]) for k in range(2)], 1) * 0.5 * amount
    target = np.stack([lat_ahead[:, 0], lat_ahead[:, 1], forward + 1.0], 1)
    rot = geo.look_at(pos, target)
    return pos, rot @ rot[0].T


def _focal_curve(spec: PresetSpec, focal0: float, s: np.ndarray, amount: float, depth: np.ndarray) -> np.ndarray:
    if spec.dolly_zoom:
        # Exact vertigo: image size of the subject ∝ f / distance, held constant.
        return focal0 * depth / depth[0]
    if spec.zoom != 1.0:
        return focal0 * np.power(spec.zoom, amount * s)
    return np.full(len(s), focal0)



def _shake(frames: int, fps: float, amount: float, seed: int):
    """Seeded smooth handheld noise: (F, 3) degrees (yaw, pitch, roll) and (F, 3) world offsets, zero at frame 0.

    Each channel is a sum of three sinusoids at 0.2–1.2 Hz with random phases (a band-limited drift
    that reads as a held camera), scaled to ~0.6° and ~0.006 units RMS at ``amount`` 1.
    """
    # numpy's own stream for the bare seed (not core.rng's salted streams): saved workflows keep their shake
    gen = np.random.default_rng(seed)
    t = np.arange(frames) / fps
    freqs = gen.uniform(0.2, 1.2, size=(6, 3))
    phases = gen.uniform(0, 2 * np.pi, size=(6, 3))
    weights = gen.uniform(0.5, 1.0, size=(6, 3))
    waves = np.einsum("ck,ckt->tc", weights, np.sin(2 * np.pi * freqs[..., None] * t + phases[..., None]))
    waves = waves / np.sqrt((weights ** 2).sum(1) / 2)[None]
    waves = waves - waves[:1]
    rot = waves[:, :3] * np.array([0.6, 0.5, 0.3]) * amount
    pos = waves[:, 3:] * np.array([0.006, 0.005, 0.004]) * amount
    return rot, pos
