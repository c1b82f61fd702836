"""Every user-facing choice list and numeric range of the pack, in one place.

Node schemas (``nodes/``), the CLI (``commands/``), the widget's HTTP route and the JS widget (through the
generated ``web/js/d2v_params.js``) all read these tables, and the pure functions validate against them, so a range
cannot disagree between two ways in. Preset and effect names are not here: they live with their data
(``camera/presets.PRESETS``, ``effects/registry.EFFECTS``) and every schema reads them from there.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

from .cinema import ASPECTS, CAMERA_BODIES, LENS_KINDS
from .errors import excerpt
from .limits import DEFAULT_MAX_SIZE, MAX_SIDE, MAX_TRACKS
from .recipes import MOTION_TAGS, PROMPT_TEMPLATES, RECIPE_CHOICES, STYLE_TAGS


@dataclass(frozen=True)
class Range:
    """A number the user sets: ``kind`` "int" or "float", inclusive ``lo``..``hi``, UI ``step``."""

    kind: str
    default: float
    lo: float
    hi: float
    step: float | None = None
    help: str = ""

    def check(self, value, name: str) -> int | float:
        """``value`` as int/float inside the range; ``ValueError`` naming ``name`` and the range otherwise."""
        if isinstance(value, bool) or not isinstance(value, (int, float)) and not hasattr(value, "__float__"):
            raise ValueError(f"{name} must be a number, got {excerpt(value)}")
        if isinstance(value, int) or type(value).__name__.startswith(("int", "uint")):
            v = int(value)  # exact: a 64-bit seed must not pass through a float
        else:
            v = float(value)
            if not math.isfinite(v):
                raise ValueError(f"{name} must be a finite number, got {excerpt(value)}")
        if self.kind == "int":
            if v != int(v):
                raise ValueError(f"{name} must be a whole number, got {excerpt(value)}")
            v = int(v)
        if not self.lo <= v <= self.hi:
            raise ValueError(f"{name} must be between {format_number(self.lo)} and {format_number(self.hi)}, "
                             f"got {format_number(v)}")
        return v

    def clamp(self, value) -> int | float:
        """``value`` forced into the range (for lenient inputs such as the widget's live preview)."""
        v = min(max(float(value), self.lo), self.hi)
        return int(round(v)) if self.kind == "int" else v


@dataclass(frozen=True)
class Choice:
    """One of ``options`` (strings); ``default`` is one of them."""

    options: tuple[str, ...]
    default: str
    help: str = ""

    def check(self, value, name: str) -> str:
        if value not in self.options:
            raise ValueError(f"unknown {name} {excerpt(value)}; use one of: {', '.join(self.options)}")
        return value


@dataclass(frozen=True)
class Flag:
    default: bool = False
    help: str = ""

    def check(self, value, name: str) -> bool:
        if not isinstance(value, bool):
            raise ValueError(f"{name} must be true or false, got {excerpt(value)}")
        return value


def check_all(table: dict, **values) -> tuple:
    """Check several values of one table at once, in the order given: ``frames, fps = check_all(TRAJECTORY,
    frames=frames, fps=fps)``. Each keyword names its spec in ``table`` and is named so in the error; a float
    ``Range`` comes back as ``float``, an int one as ``int`` (exact, a 64-bit seed stays whole), a ``Choice`` as its
    string, a ``Flag`` as ``bool``."""
    out = []
    for name, value in values.items():
        spec = table[name]
        v = spec.check(value, name)
        out.append(float(v) if isinstance(spec, Range) and spec.kind == "float" else v)
    return tuple(out)


def format_number(v) -> str:
    """A number as a user types it: ``25``, ``0.05``, ``18446744073709551615`` (ints stay exact)."""
    if isinstance(v, int):
        return str(v)
    return str(int(v)) if float(v).is_integer() else f"{v:g}"


# --- shared choice lists ----------------------------------------------------------------------------------------
EASINGS = ("linear", "ease_in", "ease_out", "ease_in_out", "whip", "crash")
"""Easing curves (``camera/easing.py`` implements each); the trajectory also takes "auto" = the preset's own."""
SENSORS_MM = {
    "full_frame_36x24": (36.0, 24.0),
    "super35_24.9x18.7": (24.89, 18.66),
    "aps_c_23.6x15.6": (23.6, 15.6),
    "micro_four_thirds_17.3x13": (17.3, 13.0),
    "one_inch_13.2x8.8": (13.2, 8.8),
    "imax_70mm_70x48.5": (70.41, 52.63),
}
"""Sensor sizes (width, height) in mm by name."""
DEPTH_KINDS = ("disparity", "depth")
"""What a depth image holds: disparity (bright = near, what depth estimators output) or depth (bright = far)."""
FILL_MODES = ("background", "stretch", "none")
"""Hole filling of the 2.5D render: background = the farther hole border's colours, smoothed past 4 px;
stretch = the farther hole border stretched across for 12 px; none = holes stay black."""
INTERPOLATION_QUALITIES = ("fast", "balanced", "high")
"""Frame interpolation presets: flow resolution and accuracy against speed."""
GUIDANCE_MODES = ("off", "init", "dual_clock")
"""How SVD follows the camera: off, init (CamTrol latent init), dual_clock (Time-to-Move)."""

SEED_MAX_TRAJECTORY = 2**31 - 1
SEED_MAX = 2**64 - 1

# --- per job ------------------------------------------------------------------------------------------------------
TRAJECTORY = {
    "frames": Range("int", 25, 1, 1000, help="Number of frames (SVD-XT: 25, SVD: 14)."),
    "fps": Range("float", 12.0, 1.0, 120.0, 0.5),
    "intensity": Range("float", 1.0, 0.0, 3.0, 0.05,
                       help="Scales the move: translations and angles linearly, zoom geometrically."),
    "easing": Choice(("auto", *EASINGS), "auto", help="auto: the preset's own (smooth start and stop for most)."),
    "focal_length_mm": Range("float", 35.0, 8.0, 600.0, 1.0),
    "sensor": Choice(tuple(SENSORS_MM), "full_frame_36x24"),
    "handheld": Range("float", 0.0, 0.0, 3.0, 0.05,
                      help="Seeded handheld shake added on top of the move (1 = a typical hand)."),
    "seed": Range("int", 0, 0, SEED_MAX_TRAJECTORY),
    "use_drawing_speed": Flag(False, "Replay the speed at which the stroke was drawn instead of the easing."),
    "aperture": Range("float", 4.0, 0.5, 64.0, help="f-number of the lens (depth of field)."),
    "camera_body": Choice(("custom", *CAMERA_BODIES), "custom",
                          help="Cinema camera body: its published sensor size replaces 'sensor' (custom = use "
                               "'sensor')."),
    "lens_kind": Choice(tuple(LENS_KINDS), "spherical_prime",
                        help="Lens kind: anamorphic lenses widen the view by their squeeze, blur into oval bokeh "
                             "and streak highlights horizontally."),
    "aspect": Choice(tuple(ASPECTS), "native", help="Aspect-ratio crop of the picture (native = the image's own)."),
}
"""Cinematic Camera Trajectory (node, ``trajectory``/``render`` commands, the widget's live preview)."""

SENSOR_SIDE_MM = Range("float", 36.0, 1.0, 200.0, help="A side of a custom sensor in mm.")

PREVIEW_MAX_FRAMES = 240
"""The widget's live preview looks at the first and last frame only, so it never builds more frames than this."""

RENDER = {
    "depth_kind": Choice(DEPTH_KINDS, "disparity",
                         help="disparity: bright = near (depth preprocessor nodes). depth: bright = far."),
    "fill": Choice(FILL_MODES, "background"),
    "depth_of_field": Range("float", 0.0, 0.0, 8.0, 0.1,
                            help="0 = off; 1 = the lens's physical blur (focal length, f-number, focus distance; "
                                 "median scene depth = 3 m); more = stronger."),
    "motion_blur": Range("float", 0.0, 0.0, 1.0, 0.05,
                         help="Shutter as a fraction of the frame interval (0.5 = 180° shutter)."),
    "max_size": Range("int", DEFAULT_MAX_SIZE, 0, MAX_SIDE, 16,
                      help="Longer side of the render in pixels: a larger image is area-downscaled first. 0 = no "
                           "cap (the memory limit still applies)."),
    "overscan": Range("float", 0.0, 0.0, 4.0, 0.05,
                      help="Zoom that keeps the move inside the picture (output size unchanged): 0 = auto (from 1x at "
                           "frame 0 up to just enough that no frame shows past the image border, at most 1.25x, the "
                           "rest is filled; the trajectory preview shows the crop), 1 = off (the exact camera; "
                           "borders are filled), 1..4 = that zoom. Values between 0 and 1 are not allowed."),
    "move_cap": Choice(("auto", "off"), "auto",
                       help="auto: stop a move where one photo runs out (every frame keeps at least 90 % real "
                            "pixels and few stretched ones; orbits become the largest the photo allows), reported; "
                            "off: the full move, whatever it reveals."),
}
"""Camera Motion Render (2.5D) and the ``render`` command."""

INTERPOLATE = {
    "multiplier": Range("int", 2, 1, 16, help="Output frames per source frame interval (used when target_fps is 0)."),
    "source_fps": Range("float", 12.0, 0.1, 1000.0, 0.01, help="Frame rate of the input clip."),
    "target_fps": Range("float", 0.0, 0.0, 1000.0, 0.01,
                        help="Resample to this frame rate (any ratio); 0 = use the multiplier."),
    "quality": Choice(INTERPOLATION_QUALITIES, "balanced",
                      help="fast / balanced / high: flow resolution and accuracy vs speed."),
}
"""Frame Interpolate and the ``interpolate`` command."""
KEYFRAMES = {
    "frames": Range("int", 7, 1, 240, help="In-between frames made between the start and the end image."),
    "include_endpoints": Flag(True, help="Output start, in-betweens, end (frames + 2 images), as Frame Interpolate "
                                         "keeps its source frames; off = the in-betweens only."),
    "resize": Flag(False, help="When the end image's size differs from the start's, scale it to the start's "
                               "(off: different sizes are refused)."),
    "fps": Range("float", 12.0, 0.1, 1000.0, 0.01, help="Frame rate of the written video."),
}
"""Keyframe Interpolate and the ``keyframes`` command (video/inbetween.py)."""
MAX_FPS_RATIO = 64
"""target_fps may be at most this many times source_fps."""


def fps_ratio_error(source_fps: float, target_fps: float) -> str | None:
    """What to fix when ``target_fps`` (0 = not resampling) is more than :data:`MAX_FPS_RATIO` times
    ``source_fps``; None when the pair is fine."""
    if target_fps > 0 and target_fps / max(source_fps, 1e-6) > MAX_FPS_RATIO:
        return (f"target_fps {format_number(target_fps)} is more than {MAX_FPS_RATIO}x source_fps "
                f"{format_number(source_fps)}: lower it or interpolate in two passes")
    return None

TEMPORAL = {
    "strength": Range("float", 1.0, 0.0, 1.0, 0.05, help="0 = unchanged, 1 = full correction."),
    "sigma": Range("float", 6.0, 0.5, 100.0, 0.5,
                   help="Temporal window in frames: larger = steadier, slower to follow real lighting changes."),
    "detail": Range("float", 0.25, 0.0, 1.0, 0.05,
                    help="1 = keep every frame's own fine detail and noise; lower values replace it with the "
                         "flow-aligned neighbours' where they agree within the noise (temporal denoising; moving "
                         "edges and uncovered areas keep their own)."),
}
"""Temporal Consistency and the ``stabilize`` command."""

EFFECT = {
    "intensity": Range("float", 0.7, 0.0, 1.0, 0.01, help="0 = no effect (exact copy), 1 = full strength"),
    "seed": Range("int", 0, 0, SEED_MAX,
                  help="randomness of grain, glitch, shake, light leaks (same seed, same result)"),
}
"""Exclusive Effects and the ``effect`` command."""

OUTPUT = {
    "png_compression": Range("int", 0, 0, 9,
                             help="zlib level of PNG frames written to a folder: 0 = stored (fastest, raw size), "
                                  "1 = fast compression (about 1/3 the bytes, 10x slower), up to 9"),
}
"""How the commands write frames (``--png-compression``)."""

SVD = {
    "video_frames": Range("int", 0, 0, 4096),
    "motion_bucket_id": Range("int", 0, 0, 1023),
    "fps": Range("int", 6, 1, 1024),
    "augmentation_level": Range("float", 0.0, 0.0, 10.0, 0.01),
    "guidance": Choice(GUIDANCE_MODES, "dual_clock"),
    "strength": Range("float", 1.0, 0.0, 1.0, 0.01),
    "release": Range("float", 0.4, 0.0, 1.0, 0.01),
    "depth_kind": RENDER["depth_kind"],
    "recipe": Choice(RECIPE_CHOICES, "custom",
                     help="Motion recipe (core/recipes.SVD_RECIPES): sets motion_bucket_id, fps, augmentation_level "
                          "and video_frames for a kind of shot; custom = use those inputs as set."),
}
"""SVD Image Encode (with motion)."""

BACKENDS = ("render", "svd", "wan_vace")
"""How ``draw_to_video.generate`` and ``render --backend`` make the frames: render = the 2.5D parallax render (no
weights); svd = Stable Video Diffusion with diffusers, guided by that render (needs a local SVD model folder)."""

GENERATE = {
    "backend": Choice(BACKENDS, "render",
                      help="render: 2.5D parallax (no weights); svd: Stable Video Diffusion guided by the render; "
                           "wan_vace: Wan 2.1 VACE repairing the render (its holes and smears)."),
    "steps": Range("int", 25, 1, 500, help="Denoising steps of the SVD backend."),
    "denoise": Range("float", 1.0, 0.0, 1.0, 0.01,
                     help="The weak clock: the part of the schedule that runs (1 = all of it; lower keeps more of the "
                          "render everywhere; 0 = no denoising, the guide itself). Below 1 needs guidance."),
    "width": Range("int", 1024, 64, 2048, 64, help="SVD video width (the picture is center-cropped to the aspect)."),
    "height": Range("int", 576, 64, 2048, 64, help="SVD video height."),
    "svd_fps": Range("int", 7, 1, 60, help="Frame rate of the SVD video (SVD is conditioned on fps - 1)."),
    "min_guidance_scale": Range("float", 1.0, 0.0, 20.0, 0.1, help="Classifier-free guidance at frame 0."),
    "max_guidance_scale": Range("float", 3.0, 0.0, 20.0, 0.1,
                                help="Classifier-free guidance at the last frame (1 or less = no CFG, half the work)."),
    "decode_chunk_size": Range("int", 8, 1, 256,
                               help="Frames the VAE decodes at once: lower = less memory, a little slower."),
    "seed": Range("int", 0, 0, SEED_MAX, help="Seed of the SVD noise (same seed, same video)."),
    "cpu_offload": Flag(False, "Keep only the model in use on the GPU (much less GPU memory, slower)."),
}
"""``draw_to_video.generate`` and the ``render --backend svd`` options (guidance, strength, release,
motion_bucket_id and augmentation_level are :data:`SVD`'s)."""

TRACKS = {
    "count": Range("int", 24, 0, MAX_TRACKS,
                   help="Scene points tracked through the camera move (a seeded, jittered grid over the picture); "
                        "0 = only the drawn path strokes."),
    "seed": Range("int", 0, 0, SEED_MAX_TRAJECTORY, help="Where in its grid cell each tracked point sits."),
    "depth_kind": RENDER["depth_kind"],
}
"""Camera Tracks (Wan ATI): scene points moved by the camera through the depth (conditioning/tracks.py)."""

PROMPT = {
    "template": Choice(tuple(PROMPT_TEMPLATES), "nature", help="Scene template (action, nature, dialogue, product)."),
    "style": Choice(tuple(STYLE_TAGS), "cinematic", help="Style tags added to the prompt (and kept out of it)."),
    "motion": Choice(tuple(MOTION_TAGS), "smooth", help="Motion quality tags: dynamic, smooth or subtle."),
}
"""Prompt Template (core/recipes.build_prompt)."""

WAN = {
    "translation_scale": Range(
        "float", 10.0, 0.0, 100.0, 0.1,
        help="World units (median scene depth = 1) -> Wan Fun Camera units: camera translations are multiplied by "
             "this. 10 makes a preset's move as big in the embedding as core's nearest fixed move (dolly_in 0.3 -> "
             "3.0 like Zoom In, truck_left 0.15 -> 1.5 like Pan Left); 1 = the trajectory's own units."),
}
"""Wan Camera Embedding (drawn) (conditioning/wan.py; measurements in docs/benchmarks.md)."""

WAN_MAX_LENGTH = 121
"""The longest clip the Wan guide makes: Wan 2.2 5B's 121 frames (Wan 2.1 VACE and Fun Control were trained on 81)."""

WAN_GUIDE = {
    "width": Range("int", 832, 16, 2048, 16, help="Video width: a multiple of 16 (Wan's VAE and patch size)."),
    "height": Range("int", 480, 16, 2048, 16, help="Video height: a multiple of 16."),
    "length": Range("int", 81, 1, WAN_MAX_LENGTH, 4,
                    help=f"Frames of the clip: 4n + 1 (81 = 5 s at 16 fps), at most {WAN_MAX_LENGTH}; the camera is "
                         "resampled to it."),
    "grow": Range("int", 8, 0, 128, help="Pixels the holes (and stretched areas) are grown by in the generate mask."),
    "feather": Range("float", 4.0, 0.0, 64.0, 0.5,
                     help="Soft outer edge of the generate mask (Gaussian sigma in pixels; 0 = hard edge). Every "
                          "hole and stretched pixel stays 1."),
    "stretch": Range("float", 2.0, 1.0, 64.0, 0.1,
                     help="Area magnification above which a rendered pixel counts as stretched (smeared) and is "
                          "handed to the model too; 64 = only the holes."),
    "fill": RENDER["fill"],
    "depth_kind": RENDER["depth_kind"],
}
"""Render Guide (Wan): the control video, generate mask and depth video of a camera move (conditioning/wan_guide.py,
pipelines/guide.py, ``generate(backend="wan_vace")``)."""

WAN_VACE = {
    "guide": Choice(("render", "none"), "render",
                    help="render: the 2.5D render, its generate mask and the picture steer VACE; none: plain VACE "
                         "text-to-video (no picture, no camera; what diffusers' pipeline does by default)."),
    "guidance_scale": Range("float", 5.0, 0.0, 20.0, 0.1, help="Classifier-free guidance (1 or less = off)."),
    "conditioning_scale": Range("float", 1.0, 0.0, 2.0, 0.05, help="How strongly VACE follows the guide."),
    "fps": Range("int", 16, 1, 60, help="Frame rate of the video (Wan 2.1: 16)."),
}
"""``generate(backend="wan_vace")`` and ``render --backend wan_vace`` (pipelines/wan_vace_diffusers.py); size and
length are :data:`WAN_GUIDE`'s, steps and seed :data:`GENERATE`'s."""

TRACK = {
    "fov_deg": Range("float", 0.0, 0.0, 170.0, 0.1,
                     help="Horizontal field of view of the clip's camera in degrees (1..170); 0 = estimate it from "
                          "the clip (needs a move with parallax; a pure pan keeps 54.4)."),
}
"""Camera From Video and the ``track`` command (camera/track.py, pipelines/track.py)."""

TABLES = {"trajectory": TRAJECTORY, "render": RENDER, "interpolate": INTERPOLATE, "keyframes": KEYFRAMES,
          "temporal": TEMPORAL,
          "effect": EFFECT, "output": OUTPUT, "svd": SVD, "generate": GENERATE, "tracks": TRACKS,
          "prompt": PROMPT, "wan": WAN, "wan_guide": WAN_GUIDE, "wan_vace": WAN_VACE,
          "track": TRACK}


def spec_to_dict(spec: Range | Choice | Flag) -> dict:
    """A JSON-able description of one parameter (what the widget and API docs read)."""
    if isinstance(spec, Range):
        d = {"type": spec.kind, "default": spec.default, "min": spec.lo, "max": spec.hi}
        if spec.step is not None:
            d["step"] = spec.step
        return d
    if isinstance(spec, Choice):
        return {"type": "choice", "default": spec.default, "options": list(spec.options)}
    return {"type": "bool", "default": spec.default}


def export_tables() -> dict:
    """Every table as plain JSON data: ``{table: {param: {type, default, min/max/step | options}}}``."""
    out = {name: {k: spec_to_dict(v) for k, v in table.items()} for name, table in TABLES.items()}
    out["preview_max_frames"] = PREVIEW_MAX_FRAMES
    return out


def widget_module_source() -> str:
    """The text of ``web/js/d2v_params.js`` (an ES module the widget imports); regenerate with
    ``python -m draw_to_video params --write-widget``."""
    body = json.dumps(export_tables(), indent=1, sort_keys=True)
    return ("// Generated from core/params.py by `python -m draw_to_video params --write-widget`: do not edit.\n"
            f"export const D2V_PARAMS = {body};\n")
