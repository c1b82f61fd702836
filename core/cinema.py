"""Virtual camera data: cinema camera bodies (sensor sizes), lens kinds and aspect-ratio crops.

Data only (like ``core/recipes.py``); ``camera/moves.py`` turns a choice into the trajectory's lens fields
(``sensor_mm``, ``fov_deg``, ``aperture``, ``metadata["squeeze"]``) and ``render/lens.py`` draws the lens kind's
bokeh. Sensor sizes are the makers' published recording areas (width x height in mm) for the mode named in
``CameraBody.mode``; ``tests/unit/core/test_cinema.py`` cites each figure.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class CameraBody:
    """A camera body: ``sensor_mm`` (width, height) of the recording area ``mode``, as its maker publishes it."""

    name: str
    label: str
    sensor_mm: tuple[float, float]
    mode: str


CAMERA_BODIES: dict[str, CameraBody] = {b.name: b for b in [
    CameraBody("arri_alexa_35", "ARRI ALEXA 35", (27.99, 19.22), "4.6K 3:2 Open Gate (4608 x 3164)"),
    CameraBody("arri_alexa_mini_lf", "ARRI ALEXA Mini LF", (36.70, 25.54), "4.5K LF Open Gate (4448 x 3096)"),
    CameraBody("red_v_raptor_8k_vv", "RED V-RAPTOR 8K VV", (40.96, 21.60), "8K 17:9 (8192 x 4320)"),
    CameraBody("red_komodo_6k", "RED KOMODO 6K", (27.03, 14.26), "6K 17:9 (6144 x 3240)"),
    CameraBody("sony_venice_2_8k", "Sony VENICE 2 (8K sensor)", (35.9, 24.0), "8.6K 3:2 full frame (8640 x 5760)"),
    CameraBody("blackmagic_ursa_mini_pro_12k", "Blackmagic URSA Mini Pro 12K", (27.03, 14.25),
               "12K 17:9 (12288 x 6480)"),
    CameraBody("super35", "Super 35 (film, 4-perf full aperture)", (24.89, 18.66), "4-perf full aperture"),
    CameraBody("full_frame", "Full frame (135 still format)", (36.0, 24.0), "36 x 24"),
]}
"""Camera bodies by name. ``camera_body`` "custom" means: use the ``sensor`` input instead."""


@dataclass(frozen=True)
class LensKind:
    """A kind of lens. ``squeeze``: anamorphic squeeze factor (1 = spherical): the lens sees ``squeeze`` times the
    sensor width horizontally (the picture is desqueezed in the render), its out-of-focus highlights are ovals
    ``squeeze`` times taller than wide, and its flares streak horizontally. ``widest_f_number``: the aperture
    cannot open wider than this (typical of the kind)."""

    name: str
    description: str
    squeeze: float = 1.0
    widest_f_number: float = 1.4


LENS_KINDS: dict[str, LensKind] = {k.name: k for k in [
    LensKind("spherical_prime", "Spherical prime: one focal length, fast (f/1.4), round bokeh.", 1.0, 1.4),
    LensKind("spherical_zoom", "Spherical zoom: the focal length can change in the shot, f/2.8 at its widest.",
             1.0, 2.8),
    LensKind("anamorphic_1.33x", "Anamorphic 1.33x squeeze (16:9 sensors to scope): mildly oval bokeh, "
             "horizontal streak flares, f/2.", 1.33, 2.0),
    LensKind("anamorphic_2x", "Anamorphic 2x squeeze (classic scope): oval bokeh twice as tall as wide, long "
             "horizontal streak flares, f/2.", 2.0, 2.0),
]}

ASPECTS: dict[str, float | None] = {
    "native": None, "2.39:1": 2.39, "21:9": 21.0 / 9.0, "1.85:1": 1.85, "16:9": 16.0 / 9.0, "4:3": 4.0 / 3.0,
}
"""Aspect-ratio crops (width / height) of the delivered picture; "native" = the image's own shape."""
