"""Director styles: the parts of a style that are not camera motion (retiming, jump cuts, colour grade).

A director style is a composite preset. Its camera part (move, lens change, shake) is a camera preset of the
same name in ``camera/presets.py``; this module holds the rest as a :class:`DirectorStyle` and applies it to
rendered frames with :func:`apply_director_style` (the Director Style node, the ``render`` command and the shot
list call it). Each style's values and how they are read are in the comments of :data:`DIRECTOR_STYLES`; what
each style promises is tested in tests/unit/pipelines/test_director.py and described in docs/cinematography.md.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from ..camera.presets import PRESETS
from ..core.errors import excerpt
from ..core.frames import check_frames
from .budget import check_director


@dataclass(frozen=True)
class DirectorStyle:
    """The non-camera parts of a director style, applied to a clip of F frames (output F frames too).

    speed: playback speed inside each shot (1 = as rendered). cuts: number of jump cuts: the clip becomes
    ``cuts + 1`` shots of equal length, each playing ``speed`` times faster through its own stretch of the
    rendered clip; the stretches start evenly from the first frame to the last, so with ``speed`` > 1 each cut
    jumps back and the next shot repeats part of the action from a further point of the move.
    speed_ramp: depth ``d`` of the dramatic ramp, speed ``1 - d·exp(-(t - 0.5)² / 0.05)`` over clip time
    ``t`` in 0..1 (slow motion in the middle; 0 = none). reverse: ``(a, b)`` fractions of the clip whose
    section plays backward in place (None = none). grade: a colour grade preset of ``effects/looks.py`` (None =
    none) applied at full strength.
    """

    name: str
    speed: float = 1.0
    cuts: int = 0
    speed_ramp: float = 0.0
    reverse: tuple[float, float] | None = None
    grade: str | None = None

    @property
    def description(self) -> str:
        return PRESETS[self.name].description


DIRECTOR_STYLES: dict[str, DirectorStyle] = {s.name: s for s in [
    # fov 24-85 mm, moving forward while zooming out -> all camera (camera/presets.py); grade: natural
    DirectorStyle("hitchcock", grade="natural"),
    # rotation speed 2.0 (read as the playback speed of each shot), shake 0.02 (camera part: handheld shake
    # that moves the subject by ~2 % of the frame width RMS), 5 cuts; grade: vibrant, as for orbits
    DirectorStyle("michael_bay", speed=2.0, cuts=5, grade="vibrant"),
    # symmetry, linear movement, constant speed -> all camera; grade: natural
    DirectorStyle("wes_anderson", grade="natural"),
    # time distortion: a speed ramp of depth 0.7, the section 0.3-0.7 reversed; grade: cinematic (dramatic)
    DirectorStyle("christopher_nolan", speed_ramp=0.7, reverse=(0.3, 0.7), grade="cinematic"),
]}


def get_style(name) -> DirectorStyle:
    """The style called ``name``; ``ValueError`` listing the styles otherwise."""
    if name not in DIRECTOR_STYLES:
        raise ValueError(f"unknown director style {excerpt(name)}; use one of: {', '.join(DIRECTOR_STYLES)}")
    return DIRECTOR_STYLES[name]


def retime_map(frames: int, style: DirectorStyle) -> np.ndarray:
    """Source frame index (``(frames,)`` int64, 0..frames-1) shown at each output frame of ``style``.

    Order: the speed ramp maps output time to source time (``p(t)`` = normalized integral of the speed), the
    reversed section replaces ``p`` on ``[a, b]`` by ``p(a) + p(b) - p``, then the cuts cut the result into shots
    played ``speed`` times faster (see :class:`DirectorStyle`). Indices are rounded to the nearest frame.
    """
    if frames <= 1:
        return np.zeros(max(frames, 0), dtype=np.int64)
    t = np.linspace(0.0, 1.0, frames)
    p = t.copy()
    if style.speed_ramp > 0:
        fine = np.linspace(0.0, 1.0, 2001)
        speed = 1.0 - style.speed_ramp * np.exp(-((fine - 0.5) ** 2) / 0.05)
        cum = np.concatenate([[0.0], np.cumsum(0.5 * (speed[1:] + speed[:-1]))])
        p = np.interp(t, fine, cum / cum[-1])
    if style.reverse is not None:
        a, b = style.reverse
        inside = (t >= a) & (t <= b)
        pa, pb = np.interp(a, t, p), np.interp(b, t, p)
        p = np.where(inside, pa + pb - p, p)
    if style.cuts > 0:
        shots = style.cuts + 1
        shot = np.minimum((t * shots).astype(int), shots - 1)  # which shot each output frame is in
        local = t - shot / shots  # clip time since the shot began
        span = min(1.0, style.speed / shots)  # clip time a shot covers
        start = shot * (1.0 - span) / (shots - 1)
        p = np.interp(start + local * style.speed, t, p)
    return np.clip(np.round(p * (frames - 1)), 0, frames - 1).astype(np.int64)


def apply_director_style(frames: torch.Tensor, style: DirectorStyle | str, *, on_progress=None) -> torch.Tensor:
    """Apply a director style's non-camera parts to ``frames`` ``[F, H, W, 3]`` float 0..1 (any device): the
    frames reordered by :func:`retime_map`, then graded. Returns a new ``[F, H, W, 3]`` tensor on the same device.
    ``style``: a :class:`DirectorStyle` or its name."""
    from ..effects.looks import color_grade

    style = get_style(style) if isinstance(style, str) else style
    frames = check_frames(frames, "frames")
    check_director(*frames.shape[:3])
    idx = torch.as_tensor(retime_map(frames.shape[0], style), device=frames.device)
    out = frames.index_select(0, idx)
    if style.grade:
        out = color_grade(out, 1.0, 0, preset=style.grade, on_progress=on_progress)
    return out
