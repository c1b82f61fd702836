"""Moves within what one photo holds: the cap that stops a 2.5D move where the picture runs out.

One photo shows one side of a scene. Orbit it far enough (``michael_bay``'s 360°), pull back or travel far, and the
render shows mostly what the photo never saw: border reveals and disocclusions (holes, filled with invented
colour) and surfaces seen at a grazing angle (source pixels magnified many times: smears). The 2.5D backend
therefore stops a move at the largest fraction of its travel whose every frame keeps at least
:data:`MIN_COVERAGE` real pixels and at most :data:`MAX_STRETCHED` stretched ones, measured with the render's
own figures (``RenderResult.coverage`` and ``.magnification``, relative to the frame's median so a zoom-in does not
count) on a small copy of the picture; a camera that travels past part of the picture (its border behind the camera,
``OverscanInfo.needed`` infinite: a vertigo or a push-in through the near ground) does not fit either.

How (:func:`find_move_cap`): the picture and its depth are downscaled to :data:`CAP_SIDE` px, up to
:data:`CAP_FRAMES` frames of the move (evenly spaced, the last included) are rendered without filling, with the
same overscan as the real render; the full move is tried first (one small render: no cost to speak of when it
fits), else the largest fraction is found by bisection over :data:`CAP_STEPS` steps on
``camera.trajectory.shorten_move`` (same frames, same easing, the move stopped early). The generative backends
never call this: they get the exact camera.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

from ..camera.trajectory import CameraTrajectory, move_progress, select_frames, shorten_move
from ..core.filters import resize
from ..core.frames import downscale_to_max
from .reproject import render_views
from .segment import Subject, segment_subject

MIN_COVERAGE = 0.90
"""Smallest share of real (not filled) pixels every frame of a capped move keeps."""
MAX_STRETCHED = 0.10
"""Largest share of a frame's pixels magnified more than :data:`RELATIVE_STRETCH` times the frame's median
magnification (in area) a capped move allows (:func:`relative_stretch`: a zoom or push-in is not a smear)."""
RELATIVE_STRETCH = 1.5
"""Area magnification over the frame's median above which a pixel counts as smeared for the cap (the overscan zoom
already magnifies every pixel up to 1.56x, so the render's absolute ``STRETCH_LIMIT`` of 2 would let through
ground smeared 3x)."""
CAP_SIDE = 192
"""Longer side (px) of the copy the cap is measured on."""
CAP_MARGIN = 0.01
"""What the small copy must keep above ``min_coverage``: its pixel grid rounds the revealed border strips, so its
coverage differs from the full-size render's by up to ~1 % (coffee under a capped ``crash_zoom_out``: 90.4 % at
192 px, 89.5-89.6 % at 288-600 px)."""
CAP_FRAMES = 9
"""Frames of the move the cap renders (evenly spaced, first and last included)."""
CAP_STEPS = 6
"""Bisection steps: the cap's fraction is found to within 1/64 of the move."""
TURN_MIN_DEG = 5.0
"""A move that turns at least this much around its subject is described by its angle."""


@dataclass(frozen=True)
class MoveCap:
    """What the cap did. ``fraction``: the share of the move's travel rendered (1 = all of it); ``coverage`` and
    ``stretched``: the worst frame's share of real and of stretched pixels of the move as rendered (on the small
    copy, before filling); ``full_coverage``: the worst frame's real share of the whole move; ``turn_deg``: how far
    the whole move swings around its subject (degrees, 0 when it does not orbit); ``mode``: "auto" or "off"."""

    fraction: float
    coverage: float
    stretched: float
    full_coverage: float
    turn_deg: float = 0.0
    mode: str = "auto"

    @property
    def capped(self) -> bool:
        return self.fraction < 1.0

    def describe(self, move: str = "move") -> str:
        """One line for the CLI, the report and the nodes' text (empty when nothing was capped)."""
        if not self.capped:
            return ""
        why = ("uncapped the camera would pass part of the picture" if self.full_coverage == 0.0
               else f"worst frame {100 * self.full_coverage:.0f} % real pixels uncapped")
        if self.turn_deg >= TURN_MIN_DEG:
            kind = "orbit" if self.turn_deg > 20 else move
            return (f"{kind} capped at {self.fraction * self.turn_deg:.0f}° of {self.turn_deg:.0f}° for one photo "
                    f"({why}); use a generative workflow (VACE, Wan, SVD) for the full orbit, or move_cap off")
        return (f"{move} capped at {100 * self.fraction:.0f} % of its travel for one photo ({why}); use a "
                f"generative workflow (VACE, Wan, SVD) for the full move, or move_cap off")


def orbit_degrees(camera: CameraTrajectory) -> float:
    """How far the camera swings around its ``look_at`` point, in degrees (accumulated over the frames, about the
    world's vertical axis); 0 without a look-at point or when the camera's distance to it changes by more than 20 %
    (not an orbit)."""
    if camera.look_at is None or camera.frames < 2:
        return 0.0
    d = camera.c2w[:, :3, 3] - np.asarray(camera.look_at)[None]
    r = np.linalg.norm(d, axis=1)
    if r.max() > 1.2 * r.min():  # not circling the point (a push toward an off-centre subject turns too)
        return 0.0
    phi = np.unwrap(np.arctan2(d[:, 0], -d[:, 2]))
    return float(np.degrees(np.abs(np.diff(phi)).sum()))


def relative_stretch(magnification: torch.Tensor) -> torch.Tensor:
    """Per frame (F,), the share of pixels magnified more than :data:`RELATIVE_STRETCH` times the frame's median
    magnification (``magnification``: [F, H, W] area magnification, 0 in holes): smears next to sharp pixels. A
    zoom or push-in magnifies every pixel alike and stretches nothing here."""
    out = torch.zeros(magnification.shape[0])
    for i, mag in enumerate(magnification):
        real = mag[mag > 0]
        if real.numel():
            out[i] = float((mag > RELATIVE_STRETCH * real.median()).float().mean())
    return out


def find_move_cap(image: torch.Tensor, depth: torch.Tensor, camera: CameraTrajectory, overscan: float = 0.0,
                  min_coverage: float = MIN_COVERAGE, max_stretched: float = MAX_STRETCHED) -> MoveCap:
    """The largest share of ``camera``'s move whose frames keep ``min_coverage`` real pixels (``CAP_MARGIN`` more
    on the small copy) and at most ``max_stretched`` stretched ones (module docstring).

    image: [H, W, 3] float 0..1; depth: [H, W] normalized z-depth of it (the one the render will use); overscan:
    the render's overscan parameter (0 = auto). Returns a :class:`MoveCap` (``fraction`` 1 when the move fits).
    """
    img = downscale_to_max(image[..., :3].float(), CAP_SIDE)
    h, w = img.shape[:2]
    z = resize(depth.float()[None, None], (h, w))[0, 0]
    n = camera.frames
    idx = np.unique(np.round(np.linspace(0, n - 1, min(n, CAP_FRAMES))).astype(int))

    def worst(fraction: float) -> tuple[float, float]:
        cam = select_frames(shorten_move(camera, fraction), idx)
        r = render_views(img, cam, z, fill="none", overscan=overscan, guide_maps=True)
        # a camera that passes part of the picture (its border behind the camera: no zoom can hide it) counts as
        # a frame without real pixels
        passed = not np.isfinite(r.overscan_info.needed)
        return (0.0 if passed else float(r.coverage.min())), float(relative_stretch(r.magnification).max())

    if n < 2 or not np.any(move_progress(camera) > 0):
        return MoveCap(1.0, 1.0, 0.0, 1.0)
    cov, st = worst(1.0)
    turn = orbit_degrees(camera)
    need = min_coverage + CAP_MARGIN
    if cov >= need and st <= max_stretched:
        return MoveCap(1.0, cov, st, cov, turn)
    lo, hi, best = 0.0, 1.0, (1.0, 0.0)
    for _ in range(CAP_STEPS):
        mid = 0.5 * (lo + hi)
        c, s = worst(mid)
        if c >= need and s <= max_stretched:
            lo, best = mid, (c, s)
        else:
            hi = mid
    return MoveCap(lo, best[0], best[1], cov, turn)


def coverage_warning(coverage, threshold: float = MIN_COVERAGE) -> str:
    """A one-line warning when some frames show under ``threshold`` real pixels (``coverage``: (F,) per frame,
    before filling), naming those frames and what to do; empty when every frame is above it."""
    cov = np.asarray(coverage.cpu() if isinstance(coverage, torch.Tensor) else coverage, dtype=np.float64)
    low = np.flatnonzero(cov < threshold)
    if low.size == 0:
        return ""
    runs, start = [], low[0]
    for a, b in zip(low, list(low[1:]) + [None]):
        if b is None or b != a + 1:
            runs.append(f"{start}" if a == start else f"{start}-{a}")
            start = b
    worst = int(np.argmin(cov))
    return (f"frames {', '.join(runs)} show under {100 * threshold:.0f} % real pixels (worst {100 * cov[worst]:.0f} % "
            f"at frame {worst}): the rest is invented fill; lower the intensity, keep move_cap auto, or use a "
            f"generative workflow (VACE, Wan, SVD)")


AIM_CONFIDENCE = 0.25
"""A segmented subject less certain than this is not aimed at (the centre is)."""


@dataclass(frozen=True)
class Aim:
    """Where a preset aims: ``x, y`` normalized image point (0..1, origin top-left), ``depth`` the subject's z-depth
    (normalized depth, median 1), ``source``: "focus" (given), "subject" (found by the built-in segmentation) or
    "centre". ``segmentation``: the ``render/segment.Subject`` found on the picture's ``render/estimate.WORK_SIZE``
    copy, which the built-in depth of the same picture takes instead of segmenting it again
    (``estimate_depth(..., segmentation=)``)."""

    x: float
    y: float
    depth: float
    source: str
    segmentation: Subject | None = field(default=None, compare=False, repr=False)


def find_aim(image: torch.Tensor, depth: torch.Tensor | None = None,
             focus: tuple[float, float] | None = None) -> Aim:
    """The subject a preset should aim at, on the copy the built-in depth segments (``render/estimate.WORK_SIZE`` px
    long), so the render's depth reuses this segmentation (``Aim.segmentation``) instead of running it again.

    image: [H, W, 3] float 0..1; depth: None (the built-in estimate is made) or the normalized z-depth [H, W] the
    render will use; focus: an image point the user gave (normalized), else the built-in segmentation's subject
    (``render/segment.py``: the centroid of its region when it is confident enough), else the centre. The depth is
    the median of the depth over the subject's region (a small disc around the point without one).
    """
    from .estimate import WORK_SIZE, estimate_depth

    small = downscale_to_max(image[..., :3].float().clamp(0, 1), WORK_SIZE)
    h, w = small.shape[:2]
    source = "focus" if focus is not None else "centre"
    region = None
    seg = segment_subject(small.cpu().numpy(), focus)
    if seg.confidence >= AIM_CONFIDENCE and seg.mask.any():
        region = seg.mask
        if focus is None:
            ys, xs = np.nonzero(seg.mask)
            focus, source = ((float(xs.mean()) + 0.5) / w, (float(ys.mean()) + 0.5) / h), "subject"
    if focus is None:
        focus = (0.5, 0.5)
    fx, fy = min(max(float(focus[0]), 0.0), 1.0), min(max(float(focus[1]), 0.0), 1.0)
    z = (estimate_depth(small, segmentation=seg) if depth is None
         else resize(depth.float()[None, None], (h, w))[0, 0]).cpu().numpy()
    if region is None or not region[min(h - 1, int(fy * h)), min(w - 1, int(fx * w))]:
        yy, xx = np.mgrid[0:h, 0:w]
        region = (xx + 0.5 - fx * w) ** 2 + (yy + 0.5 - fy * h) ** 2 <= (0.03 * max(h, w)) ** 2
    return Aim(fx, fy, float(np.median(z[region])), source, seg)
