"""Flow-based frame interpolation with no learned model (OpenCV DIS + occlusion-aware blending).

For a pair of frames I0, I1 and a time 0 < t < 1:

1. DIS flows F01 and F10 (at ``scale`` of the resolution) and forward-backward occlusion masks.
2. Intermediate-time flows Ft0, Ft1 (Super SloMo's linear-motion initialisation, then refined by solving the
   fixed point ``Ft0(x) = -t F01(x + Ft0(x))`` and ``Ft1(x) = -(1-t) F10(x + Ft1(x))`` — flow inversion by
   iteration, exact for smooth motion such as pans, zooms and rotations).
3. Both neighbours are backward-warped to time t and blended with weights ``(1-t) V0`` and ``t V1``, where a
   neighbour loses its vote where the point it supplies is occluded in the other frame or falls outside it;
   where neither is visible the plain time-weighted blend is the fallback.
4. A pair whose frames do not correspond (a scene cut) is not interpolated: the nearest source frame is held (the
   earlier one midway).

Frame counts and timestamps (``t`` in source-frame units, ``B`` source frames, source fps ``s``):

* ``multiplier=m``: ``N = (B-1)·m + 1`` frames at ``t_k = k/m``; with ``loop``: ``N = B·m`` (the last ``m-1``
  frames go from the last frame back to the first). fps = ``s·m``.
* ``target_fps=f``: ``t_k = k·s/f`` for every ``t_k ≤ B-1``, i.e. ``N = floor((B-1)·f/s) + 1`` (exact rational
  arithmetic); with ``loop``: ``N = max(1, round(B·f/s))`` frames evenly spread over one loop period,
  ``t_k = k·B/N`` (equal to ``k·s/f`` when ``B·f/s`` is whole), so the loop closes seamlessly. fps = ``f``.
* Every integer ``t_k`` returns the source frame bit-exactly. One source frame and no loop gives that frame.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..core import ProgressFn
from ..core.errors import excerpt
from ..core.frames import as_numpy_clip, to_numpy
from ..core.limits import MAX_FRAMES
from ..core.params import INTERPOLATION_QUALITIES
from .flow import MIN_SIDE, FlowConfig, backward_warp, flow_pair, remap, sampling_map, to_gray_u8

if TYPE_CHECKING:  # torch only inside the functions that return tensors: the CLI runs without it
    import torch


@dataclass(frozen=True)
class InterpQuality:
    """Speed/accuracy trade-off: flow settings and fixed-point iterations for the intermediate flows."""

    flow: FlowConfig
    iterations: int = 3
    cubic: bool = False  # bicubic resampling of the final warp (sharper, slower)


_SETTINGS = (  # one per name of core/params.INTERPOLATION_QUALITIES, in its order: fast, balanced, high
    InterpQuality(FlowConfig("medium", 0.5, finest_scale=2), iterations=2),
    # variational refinement 10 (the preset's 5) and a bicubic final warp: +0.24 / +0.06 dB on the real clips
    # (bigbuckbunny / bikes at 1024x576, every other frame restored) for about 5% more time
    InterpQuality(FlowConfig("medium", 0.5, refine=10), iterations=3, cubic=True),
    InterpQuality(FlowConfig("medium", 1.0), iterations=4, cubic=True),
)
QUALITY = dict(zip(INTERPOLATION_QUALITIES, _SETTINGS, strict=True))
"""Settings by quality name; the names (and their order) are ``core/params.INTERPOLATION_QUALITIES``."""


def quality_settings(quality: str | InterpQuality) -> InterpQuality:
    if isinstance(quality, InterpQuality):
        return quality
    if quality not in QUALITY:
        raise ValueError(f"unknown quality {excerpt(quality)}; use one of {list(QUALITY)}")
    return QUALITY[quality]


# --------------------------------------------------------------------------------------------------------------
# input handling


def _check_frame(f, ref_shape, index) -> np.ndarray:
    a = to_numpy(f, f"frame {index}")
    if a.ndim == 2:
        a = a[..., None]
    if ref_shape is not None and a.shape != ref_shape:
        raise ValueError(f"frame {index} has shape {a.shape}, expected {ref_shape}: all frames must match")
    return np.ascontiguousarray(a)


# --------------------------------------------------------------------------------------------------------------
# one pair

def intermediate_flows(F01: np.ndarray, F10: np.ndarray, t: float, iterations: int
                       ) -> tuple[np.ndarray, np.ndarray]:
    """Ft0, Ft1 (h, w, 2): where the pixel at time ``t`` (0 < t < 1) comes from in frame 0 and in frame 1, from
    the forward and backward flows F01, F10 (h, w, 2). The quadratic-motion estimate of both flows, refined by
    ``iterations`` fixed-point steps ``Ft0 = -t F01(x + Ft0)`` (and alike for Ft1) that follow the flow to the
    point it really starts from."""
    d0 = -(1 - t) * t * F01 + t * t * F10
    d1 = (1 - t) * (1 - t) * F01 - t * (1 - t) * F10
    for _ in range(iterations):
        d0 = -t * backward_warp(F01, d0)
        d1 = -(1 - t) * backward_warp(F10, d1)
    return d0, d1


def rgb_channels(img: np.ndarray) -> np.ndarray:
    """The first three channels of an (H, W, C) image (C >= 3; an image of fewer channels as it is)."""
    return img[..., :3] if img.shape[2] >= 3 else img


class PairInterpolator:
    """Everything needed to render any time between frames ``f0`` and ``f1`` ((H,W,C) float32): flows at the
    quality's scale, soft occlusion maps, and the scene-cut verdict. Render with :meth:`frame_at`."""

    def __init__(self, f0: np.ndarray, f1: np.ndarray, quality: str | InterpQuality = "balanced",
                 grays: tuple[np.ndarray, np.ndarray] | None = None):
        """``grays``: the uint8 grays of f0, f1 at the flow resolution (see :meth:`flow_gray`), if known."""
        q = quality_settings(quality)
        self.q = q
        self.f0, self.f1 = f0, f1
        H, W = f0.shape[:2]
        self.size = (H, W)
        self.flow_size = _flow_size(H, W, q)
        g0, g1 = grays if grays is not None else (flow_gray(f0, q), flow_gray(f1, q))
        cfg = FlowConfig(q.flow.preset, 1.0, q.flow.refine, q.flow.finest_scale, q.flow.gd_iterations)
        self.pair = flow_pair(g0, g1, cfg)
        _symmetrize(self.pair)
        # soft "not visible in the other frame" maps (slightly dilated, so blends fade in)
        k = 5
        self.occ0 = cv2.blur(self.pair.occ_fwd.astype(np.float32), (k, k))
        self.occ1 = cv2.blur(self.pair.occ_bwd.astype(np.float32), (k, k))
        self.occ0 = np.minimum(1.0, 2.0 * self.occ0)
        self.occ1 = np.minimum(1.0, 2.0 * self.occ1)
        self.is_cut = is_scene_cut(self.pair, g0, g1)

    def intermediate_flows(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Ft0, Ft1 at flow resolution for 0 < t < 1."""
        return intermediate_flows(self.pair.fwd, self.pair.bwd, t, self.q.iterations)

    def frame_at(self, t: float) -> np.ndarray:
        """The frame at time ``t`` in [0, 1] (0 -> f0, 1 -> f1 exactly)."""
        if t <= 0:
            return self.f0.copy()
        if t >= 1:
            return self.f1.copy()
        if self.is_cut:
            return (self.f0 if t <= 0.5 else self.f1).copy()  # midway: the earlier shot goes on (as ffmpeg)
        d0, d1 = self.intermediate_flows(t)
        # visibility: the point taken from frame 0 must not be occluded in frame 1 for frame 1 to vote, and v.v.
        a0 = backward_warp(self.occ0, d0, border=cv2.BORDER_REPLICATE)
        a1 = backward_warp(self.occ1, d1, border=cv2.BORDER_REPLICATE)
        out0 = _outside(d0)
        out1 = _outside(d1)
        w0 = (1 - t) * (1 - a1) * (~out0)
        w1 = t * (1 - a0) * (~out1)
        s = w0 + w1
        weak = s < 1e-3
        w0 = np.where(weak, (1 - t) * (~out0) + 1e-4, w0)
        w1 = np.where(weak, t * (~out1) + 1e-4, w1)
        w0 = w0 / (w0 + w1)
        if self.flow_size != self.size:
            w0 = cv2.resize(w0, (self.size[1], self.size[0]), interpolation=cv2.INTER_LINEAR)
        interp = cv2.INTER_CUBIC if self.q.cubic else cv2.INTER_LINEAR
        i0 = remap(self.f0, sampling_map(d0, self.size), interp)
        i1 = remap(self.f1, sampling_map(d1, self.size), interp)
        # out = i1 + w0 (i0 - i1), in place
        np.subtract(i0, i1, out=i0)
        i0 *= w0[..., None]
        i0 += i1
        if self.q.cubic:
            np.clip(i0, 0.0, 1.0, out=i0)
        return i0


def _symmetrize(pair) -> None:
    """Average each flow with the negated opposite flow where both agree (not occluded): halves DIS's random
    sub-pixel error at the cost of two small remaps. In place."""
    f, b = pair.fwd, pair.bwd
    fs = 0.5 * (f - backward_warp(b, f))
    bs = 0.5 * (b - backward_warp(f, b))
    pair.fwd = np.where(pair.occ_fwd[..., None], f, fs)
    pair.bwd = np.where(pair.occ_bwd[..., None], b, bs)


def _flow_size(H: int, W: int, q: InterpQuality) -> tuple[int, int]:
    return min(H, max(MIN_SIDE, round(H * q.flow.scale))), min(W, max(MIN_SIDE, round(W * q.flow.scale)))


def flow_gray(frame: np.ndarray, quality: str | InterpQuality = "balanced") -> np.ndarray:
    """uint8 gray of an (H,W,C) frame at the resolution the quality computes flow at."""
    q = quality_settings(quality)
    H, W = frame.shape[:2]
    fh, fw = _flow_size(H, W, q)
    if (fh, fw) != (H, W):  # shrink first (cheaper), then convert
        frame = cv2.resize(np.ascontiguousarray(rgb_channels(frame)), (fw, fh), interpolation=cv2.INTER_AREA)
        if frame.ndim == 2:
            frame = frame[..., None]
    return to_gray_u8(rgb_channels(frame))


def _outside(d: np.ndarray) -> np.ndarray:
    h, w = d.shape[:2]
    xs = np.arange(w, dtype=np.float32)[None, :] + d[..., 0]
    ys = np.arange(h, dtype=np.float32)[:, None] + d[..., 1]
    return (xs < -0.5) | (xs > w - 0.5) | (ys < -0.5) | (ys > h - 0.5)


def is_scene_cut(pair, g0: np.ndarray, g1: np.ndarray, max_invalid: float = 0.6, max_residual: float = 0.12) -> bool:
    """True when frames g0, g1 (uint8 grays at the flow's resolution) do not show the same scene: most pixels fail
    the forward-backward check, or frame 1 warped onto frame 0 still differs a lot (brightness-normalised, so
    flicker does not count as a cut)."""
    valid = ~(pair.occ_fwd | pair.oof_fwd)
    if valid.mean() < 1.0 - max_invalid:
        return True
    a = g0.astype(np.float32) / 255.0
    b = backward_warp(g1.astype(np.float32) / 255.0, pair.fwd)
    a = (a - a[valid].mean()) / (a[valid].std() + 0.02)
    b = (b - b[valid].mean()) / (b[valid].std() + 0.02)
    # residual in units of the frame's contrast, mapped back to a 0..1 scale of typical contrast (~0.2)
    residual = float(np.abs(a - b)[valid].mean()) * 0.2
    return residual > max_residual


# --------------------------------------------------------------------------------------------------------------
# time plans

@dataclass
class ClipPlan:
    """Output timestamps (source-frame units, exact fractions) for ``num_source`` frames, and the output fps."""

    times: list[Fraction]
    fps: float | None
    num_source: int
    loop: bool
    notes: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.times)


def _fraction(x: float, name: str) -> Fraction:
    if x is None or not math.isfinite(float(x)) or float(x) <= 0:
        raise ValueError(f"{name} must be a positive number, got {x}")
    return Fraction(str(float(x))).limit_denominator(1_000_000)


def plan_clip(num_frames: int, multiplier: int | None = None, target_fps: float | None = None,
              source_fps: float | None = None, loop: bool = False, max_frames: int = MAX_FRAMES) -> ClipPlan:
    """Exact output timestamps; see the module docstring for the rules. ``target_fps`` (when not None) overrides
    ``multiplier`` and needs ``source_fps``."""
    B = int(num_frames)
    if B < 1:
        raise ValueError("no frames given: pass at least one frame")
    if target_fps is not None:
        f = _fraction(target_fps, "target_fps")
        if source_fps is None:
            raise ValueError("target_fps needs source_fps (the frame rate of the input clip)")
        s = _fraction(source_fps, "source_fps")
        step = s / f  # source frames per output frame
        if loop:
            n = max(1, round(B / step))
            _limit(n, max_frames)
            times = [Fraction(k * B, n) for k in range(n)]
        else:
            n = math.floor((B - 1) / step) + 1
            _limit(n, max_frames)
            times = [k * step for k in range(n)]
        return ClipPlan(times, float(target_fps), B, loop)
    m = 2 if multiplier is None else multiplier
    if int(m) != m or int(m) < 1:
        raise ValueError(f"multiplier must be a whole number ≥ 1, got {multiplier}")
    m = int(m)
    n = B * m if loop else (B - 1) * m + 1
    _limit(n, max_frames)
    fps = float(source_fps) * m if source_fps else None
    return ClipPlan([Fraction(k, m) for k in range(n)], fps, B, loop)


def _limit(n: int, max_frames: int) -> None:
    if n > max_frames:
        raise ValueError(f"that would make {n} frames (limit {max_frames}); lower the multiplier or target fps")


# --------------------------------------------------------------------------------------------------------------
# rendering

def iter_interpolate(frames: Iterable, plan: ClipPlan, quality: str | InterpQuality = "balanced",
                     on_progress: ProgressFn = None) -> Iterator[np.ndarray]:
    """Stream the frames of ``plan`` ((H,W,C) float32 each) from an iterable of source frames, holding only the
    current pair (plus the first frame when looping) and one pair's flows: memory does not grow with length.
    ``plan.times`` must be ascending (as :func:`plan_clip` makes them)."""
    q = quality_settings(quality)
    B = plan.num_source
    total = len(plan.times)
    it = iter(frames)
    first = None
    prev = cur = None  # frames at indices idx-1, idx
    idx = -1
    shape = None
    pair_key, pair = None, None
    grays: dict[int, np.ndarray] = {}
    done = 0

    def gray(k: int, f: np.ndarray) -> np.ndarray:
        if k not in grays:
            grays[k] = flow_gray(f, q)
            for old in [x for x in grays if x not in (0, k, k - 1, k + 1)]:
                del grays[old]
        return grays[k]

    def advance():
        nonlocal prev, cur, idx, shape, first
        try:
            f = next(it)
        except StopIteration:
            raise ValueError(f"the clip has fewer frames than announced ({idx + 1} < {B})") from None
        f = _check_frame(f, shape, idx + 1)
        shape = f.shape
        prev, cur, idx = cur, f, idx + 1
        if idx == 0:
            first = f

    for t in plan.times:
        i = math.floor(t)
        tau = float(t - i)
        if tau == 0 and i < B:
            while idx < i:
                advance()
            out = cur.copy()
        else:
            j = i + 1
            while idx < min(j, B - 1):
                advance()
            if j <= B - 1:
                a, b = prev, cur
            else:  # loop: last -> first
                a, b, j = cur, first, 0
            if pair_key != (i, j):
                pair_key, pair = (i, j), PairInterpolator(a, b, q, (gray(i, a), gray(j, b)))
            out = pair.frame_at(tau)
        done += 1
        if on_progress is not None:
            on_progress(done, total)
        yield out


def _to_torch(frames_np_iter: Iterable[np.ndarray], n: int, shape) -> torch.Tensor:
    import torch

    out = np.empty((n, *shape), dtype=np.float32)
    k = 0
    for k, f in enumerate(frames_np_iter):
        out[k] = f
    if n and k != n - 1:
        raise RuntimeError("internal error: wrong number of frames rendered")
    return torch.from_numpy(out)


def interpolate_clip(frames, multiplier: int | None = None, target_fps: float | None = None,
                     source_fps: float | None = None, loop: bool = False, quality: str = "balanced",
                     on_progress: ProgressFn = None) -> tuple[torch.Tensor, float | None]:
    """Interpolate a clip ``frames`` (torch/numpy [B,H,W,C] float 0..1, C = 1..4) by an integer ``multiplier``
    or to ``target_fps`` (needs ``source_fps``). Returns ``(frames [N,H,W,C] float32 CPU tensor, fps)``; fps is
    ``None`` only when a multiplier was given without ``source_fps``. Counts and timestamps: module docstring.
    Scene cuts are not interpolated across (the nearest source frame is held)."""
    arr = as_numpy_clip(frames, min_side=MIN_SIDE)
    plan = plan_clip(arr.shape[0], multiplier, target_fps, source_fps, loop)
    out = _to_torch(iter_interpolate(arr, plan, quality, on_progress), len(plan), arr.shape[1:])
    return out, plan.fps


def interpolate_at(frames, times: Sequence[float], quality: str = "balanced",
                   on_progress: ProgressFn = None) -> torch.Tensor:
    """Frames at arbitrary source-frame positions ``times`` (floats in [0, B-1], any order, repeats allowed).
    frames: torch/numpy [B,H,W,C] float 0..1. Returns a float32 CPU tensor [len(times),H,W,C]; integer times give
    the source frame exactly. Flows are computed once per frame pair (pairs are visited in order, so backwards or
    repeated times cost no extra flow)."""
    import torch

    arr = as_numpy_clip(frames, min_side=MIN_SIDE)
    B = arr.shape[0]
    ts = np.asarray(times, dtype=np.float64).reshape(-1)
    if ts.size == 0:
        return torch.empty((0, *arr.shape[1:]), dtype=torch.float32)
    if not np.isfinite(ts).all():
        raise ValueError("times contain NaN or infinity")
    tol = 1e-6
    if ts.min() < -tol or ts.max() > B - 1 + tol:
        raise ValueError(f"times must lie in [0, {B - 1}] (source-frame positions); got {ts.min()}..{ts.max()}")
    ts = np.clip(ts, 0, B - 1)
    q = quality_settings(quality)
    out = np.empty((ts.size, *arr.shape[1:]), dtype=np.float32)
    order = np.argsort(ts, kind="stable")
    pair_key, pair = None, None
    for done, k in enumerate(order, 1):
        t = float(ts[k])
        r = round(t)
        if abs(t - r) < 1e-9:
            out[k] = arr[int(r)]
        else:
            i = min(int(math.floor(t)), B - 2)
            if pair_key != i:
                pair_key, pair = i, PairInterpolator(arr[i], arr[i + 1], q)
            out[k] = pair.frame_at(t - i)
        if on_progress is not None:
            on_progress(done, ts.size)
    return torch.from_numpy(out)
