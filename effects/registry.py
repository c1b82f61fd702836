"""The effect table: name → function, one-line description, family (``kind`` = the module that holds it: looks,
lens, geometric, time, glitch), whether it retimes, which optional inputs it uses.

Every effect is called the same way::

    apply_effect(name, frames [B,H,W,3] float 0..1, intensity=0..1, seed=int,
                 camera=CameraTrajectory|None, mask=[H,W]|[N,H,W]|None, depth=IMAGE|None, on_progress=None)

and returns ``[B',H,W,3]`` float 0..1 with ``B' == B`` unless ``EFFECTS[name].retimes``.
Intensity 0 returns an exact copy; the same seed gives the same bytes. A ``per_frame`` effect can run on a long
clip chunk by chunk (``first_frame=`` the index of the chunk's first frame; the others ignore it) with the same
result as on the whole clip.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from dataclasses import dataclass

from ..core.errors import excerpt
from . import geometric, glitch, grades, lens, looks, time

KINDS = ("looks", "lens", "geometric", "time", "glitch")
"""Effect families; each is the module ``effects/<kind>.py``."""


@dataclass(frozen=True)
class EffectSpec:
    name: str
    fn: Callable
    description: str
    kind: str  # one of KINDS: the module that holds the effect (set from the function)
    retimes: bool = False  # changes the frame count (time effects that stretch or squeeze the clip)
    uses: tuple[str, ...] = ()  # optional inputs it reads: camera / mask / depth
    per_frame: bool = False  # output frame i depends only on input frame i and i itself: can stream in chunks

    def __call__(self, frames, intensity: float = 1.0, seed: int = 0, **kw):
        accepted = getattr(self.fn, "accepts", None) or set(inspect.signature(self.fn).parameters)
        return self.fn(frames, intensity, seed, **{k: v for k, v in kw.items() if k in accepted})


def _spec(name, fn, description, retimes=False, uses=(), per_frame=False):
    kind = fn.__module__.rsplit(".", 1)[-1]  # the family is the module the effect lives in
    if kind not in KINDS:
        raise ValueError(f"effect {excerpt(name)} lives in {fn.__module__}, not in one of the families {KINDS}")
    return name, EffectSpec(name, fn, description, kind, retimes, tuple(uses), per_frame)


EFFECTS: dict[str, EffectSpec] = dict([
    _spec("bullet_time", time.bullet_time,
          "time nearly freezes mid-clip while the view orbits the subject, blurred along the rotation "
          "(longer clip, interpolated)", True, ("camera", "mask")),
    _spec("inception_fold", geometric.inception_fold,
          "the picture folds like paper in 3D: top half up toward you, bottom half away, camera pulls back",
          uses=("camera",)),
    _spec("quantum_glitch", glitch.quantum_glitch,
          "seeded digital glitch bursts: RGB split, block displacement, macroblocks, noise bands, scanlines"),
    _spec("tenet_reverse", time.tenet_reverse,
          "a region (mask, else a soft central ellipse) plays backward while the rest plays forward",
          uses=("mask",)),
    _spec("dolly_zoom", geometric.dolly_zoom,
          "vertigo: the subject keeps its size while the background swells (depth-aware when given)",
          uses=("camera", "mask", "depth")),
    _spec("speed_ramp", time.speed_ramp,
          "fast, ramping into slow motion mid-clip and back out (length changes, interpolated)", True),
    _spec("motion_blur", lens.motion_blur,
          "directional blur along the motion: from the camera when given, else from optical flow",
          uses=("camera", "depth")),
    _spec("handheld_shake", geometric.handheld_shake,
          "seeded smooth handheld shake (drift + roll) with a crop that hides the borders", uses=("camera",)),
    _spec("whip_pan_transition", geometric.whip_pan_transition,
          "a whip-pan cut mid-clip: the shot whips out sideways under motion blur, the next whips in",
          uses=("camera",)),
    *[_spec(f"color_grade_{p}", looks.grade_effect(p), f"colour grade, {p.replace('_', ' ')} preset",
            per_frame=True)
      for p in grades.GRADE_PRESETS],
    _spec("film_grain", looks.film_grain, "animated, seeded film grain, strongest in the mid-tones",
          per_frame=True),
    _spec("vignette", looks.vignette, "smooth elliptical darkening toward the corners", per_frame=True),
    *[_spec(f"letterbox_{k}", looks.letterbox_effect(k), f"black bars framing the picture at {k}"
            + ("" if ":" in k else ":1"), per_frame=True) for k in looks.LETTERBOX_RATIOS],
    _spec("light_leak", looks.light_leak, "seeded warm light leaking in from the frame edges, drifting"),
    _spec("chromatic_aberration", lens.chromatic_aberration, "lateral colour fringing growing toward the corners",
          per_frame=True),
    _spec("depth_of_field", lens.depth_of_field,
          "shallow focus from a depth map (focus from the camera, mask or centre); no depth: sharp centre",
          uses=("depth", "camera", "mask")),
])


def get_effect(name: str) -> EffectSpec:
    if name not in EFFECTS:
        raise ValueError(f"unknown effect {excerpt(name)}; choose one of: {', '.join(EFFECTS)}")
    return EFFECTS[name]


def apply_effect(name: str, frames, intensity: float = 1.0, seed: int = 0, *, camera=None, mask=None, depth=None,
                 on_progress=None, first_frame: int = 0):
    """Run effect ``name`` (see the module docstring for the contract)."""
    return get_effect(name)(frames, intensity, seed, camera=camera, mask=mask, depth=depth, on_progress=on_progress,
                            first_frame=first_frame)
