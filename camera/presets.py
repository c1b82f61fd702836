"""Camera presets as data: what each named move does at intensity 1 (``camera/moves.py`` turns one into a
:class:`~.trajectory.CameraTrajectory`)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class PresetSpec:
    """A move at intensity 1. Units: world (median scene depth = 1), degrees.

    Magnitudes are chosen so that at intensity 1 a move from a single image reveals at most about a fifth of
    new content (what the 2.5D renderer must fill, or SVD must invent); raise ``intensity`` for bigger moves.
    The trucks (0.11) and orbits (14°) are sized so that one photo holds them: with the built-in depth and auto
    overscan (at most 1.25x) every frame keeps >= 97 % real pixels (docs/benchmarks.md, issue 23); at 0.15 and
    18° a border strip of up to 6 % was filled.

    translate: camera displacement at the end, in frame-0 camera axes (x right, y down, z forward).
    rotate: (yaw, pitch, roll) at the end, applied on top of the path (ignored when ``aim`` is set, except roll).
    orbit: degrees swung around the subject about the vertical axis (> 0 moves the camera left).
    zoom: focal-length ratio at the end (1 = none).
    dolly_zoom: focal length follows the subject distance so the subject keeps its size (vertigo).
    spiral_turns / spiral_radius: circles traced around the optical axis while moving.
    aim: keep the camera aimed at the subject.
    shake: default handheld amount.
    """

    name: str
    description: str
    intent: str
    translate: tuple[float, float, float] = (0.0, 0.0, 0.0)
    rotate: tuple[float, float, float] = (0.0, 0.0, 0.0)
    orbit: float = 0.0
    zoom: float = 1.0
    dolly_zoom: bool = False
    spiral_turns: float = 0.0
    spiral_radius: float = 0.0
    aim: bool = False
    easing: str = "ease_in_out"
    shake: float = 0.0
    wobble: tuple[float, float, float] = (0.0, 0.0, 0.0)  # fpv: yaw/roll/height oscillation amplitudes
    focal_start_mm: float | None = None  # the move's own starting focal length (replaces the lens input)
    centered: bool = False  # subject on the optical axis whatever the drawing says (symmetric framing)


PRESETS: dict[str, PresetSpec] = {p.name: p for p in [
    PresetSpec("static", "Locked-off camera: nothing moves (add handheld for life).", "static"),
    PresetSpec("dolly_in", "Camera travels forward towards the subject.", "dolly_in", translate=(0, 0, 0.3)),
    PresetSpec("dolly_out", "Camera travels backward, revealing more of the scene.", "dolly_out",
               translate=(0, 0, -0.25)),
    PresetSpec("crash_zoom_in", "Sudden fast zoom in (focal length), camera stays put.", "zoom_in", zoom=2.0,
               easing="crash"),
    PresetSpec("crash_zoom_out", "Sudden fast zoom out (focal length), camera stays put.", "zoom_out",
               zoom=1 / 1.4, easing="crash"),
    PresetSpec("dolly_zoom_in", "Vertigo: dolly in while zooming out; the subject keeps its size, the background "
               "stretches away.", "dolly_zoom", translate=(0, 0, 0.3), dolly_zoom=True),
    PresetSpec("dolly_zoom_out", "Vertigo: dolly out while zooming in; the subject keeps its size, the background "
               "closes in.", "dolly_zoom", translate=(0, 0, -0.5), dolly_zoom=True),
    PresetSpec("pan_left", "Camera turns left on the spot.", "pan", rotate=(-12, 0, 0)),
    PresetSpec("pan_right", "Camera turns right on the spot.", "pan", rotate=(12, 0, 0)),
    PresetSpec("tilt_up", "Camera tilts up on the spot.", "tilt", rotate=(0, 8, 0)),
    PresetSpec("tilt_down", "Camera tilts down on the spot.", "tilt", rotate=(0, -8, 0)),
    PresetSpec("truck_left", "Camera slides sideways to the left (parallax).", "truck_left", translate=(-0.11, 0, 0)),
    PresetSpec("truck_right", "Camera slides sideways to the right (parallax).", "truck_right",
               translate=(0.11, 0, 0)),
    PresetSpec("pedestal_up", "Camera rises straight up, not tilting.", "pedestal", translate=(0, -0.1, 0)),
    PresetSpec("pedestal_down", "Camera lowers straight down, not tilting.", "pedestal", translate=(0, 0.1, 0)),
    PresetSpec("crane_up", "Crane shot: the camera rises and tilts down to keep the subject.", "crane",
               translate=(0, -0.2, 0.05), aim=True),
    PresetSpec("crane_down", "Crane shot: the camera descends and tilts up to keep the subject.", "crane",
               translate=(0, 0.18, 0.05), aim=True),
    PresetSpec("orbit_left", "Camera circles left around the subject, always facing it.", "orbit", orbit=14,
               aim=True),
    PresetSpec("orbit_right", "Camera circles right around the subject, always facing it.", "orbit", orbit=-14,
               aim=True),
    PresetSpec("arc", "A gentle partial orbit with a slight push in: the classic reveal.", "arc", orbit=12,
               translate=(0, 0, 0.1), aim=True),
    PresetSpec("spiral_in", "Camera spirals towards the subject with a slow roll.", "spiral_in",
               translate=(0, 0, 0.3), spiral_turns=1.0, spiral_radius=0.05, rotate=(0, 0, 10), aim=True),
    PresetSpec("spiral_out", "Camera spirals away from the subject with a slow roll.", "spiral_out",
               translate=(0, 0, -0.3), spiral_turns=1.0, spiral_radius=0.05, rotate=(0, 0, -10), aim=True),
    PresetSpec("whip_pan", "Very fast pan that blurs through the middle of the shot.", "whip_pan", rotate=(30, 0, 0),
               easing="whip"),
    PresetSpec("dutch_roll", "Camera rolls onto a Dutch angle while easing forward.", "dutch_roll",
               rotate=(0, 0, 10), translate=(0, 0, 0.05)),
    PresetSpec("handheld", "A held camera: organic drift and shake, no deliberate move.", "handheld", shake=1.0),
    PresetSpec("fpv_drone", "FPV drone: fast forward flight with banking and small altitude swings.", "fpv",
               translate=(0, -0.04, 0.4), wobble=(6, 8, 0.03), shake=0.35, easing="linear"),
    PresetSpec("bullet_time", "Wide constant-speed orbit around the subject (pair with the bullet_time effect).",
               "bullet_time", orbit=30, aim=True, easing="linear"),
    PresetSpec("follow_path", "The camera flies along the drawn curve in 3D (without a drawing: a gentle S-curve "
               "forward).", "follow_path", translate=(0, 0, 0.35)),
    # Director styles: the camera part here; retiming, cuts, grade and frame
    # shake in pipelines/director.py (DIRECTOR_STYLES), applied by the Director Style node and the render command.
    PresetSpec("hitchcock", "Director style, Hitchcock's vertigo: dolly forward while zooming 85 -> 24 mm; the "
               "subject keeps its size, the background rushes away.", "dolly_zoom",
               translate=(0, 0, 1 - 24 / 85), dolly_zoom=True, focal_start_mm=85.0),
    PresetSpec("michael_bay", "Director style, Michael Bay: a full 360° orbit around the subject, shaken, played "
               "at 2x speed through five jump cuts, vibrant grade.", "orbit", orbit=360, aim=True,
               easing="linear", shake=1.0),  # seed shake 0.02: ~2 % of the width RMS
    PresetSpec("wes_anderson", "Director style, Wes Anderson: symmetric centred framing, a linear constant-speed "
               "push straight ahead.", "dolly_in", translate=(0, 0, 0.3), easing="linear", centered=True),
    PresetSpec("christopher_nolan", "Director style, Christopher Nolan: a slow push in whose middle (0.3-0.7 of "
               "the clip) plays backward, with a dramatic speed ramp and cinematic grade.", "dolly_in",
               translate=(0, 0, 0.25)),
]}

AUTO = "auto"
# The subject may come no closer than this fraction of its starting distance.
MIN_SUBJECT_FRACTION = 0.2
