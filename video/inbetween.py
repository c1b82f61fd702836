"""In-betweens (the ``keyframes`` command, Keyframe Interpolate): the frames between a start and an end image of the
same scene, far apart in time.

Unlike :mod:`video.interpolate` (neighbouring frames of a clip, small motion, scene cuts held), the two keyframes
are assumed to show one scene with large motion between them (8–16 source frames of a real clip, tens of pixels).

For a pair A (start), B (end) and a time 0 < t < 1:

1. **Flow at a scale suited to the displacement**: the keyframes are area-downscaled to a longest side of
   ``flow_side`` (480 px), where a 16-frame move is tens of pixels, and OpenCV DIS runs with its own coarse-to-fine
   patch pyramid (coarsest level chosen from the image size), both directions (F_ab, F_ba). Optional extra
   ``scales`` (e.g. 0.5) add candidates, and a camera move adds one; per pixel the candidate with the smaller
   blurred photometric error ``|A(x) - B(x + F_ab(x))|`` wins. Each flow is then averaged with the negated
   opposite flow where the two agree.
2. **Occlusion** from the forward-backward consistency check (:func:`video.flow.occlusion_mask`), softened.
3. **Bidirectional backward warping to time t**: intermediate flows Ft0, Ft1 by fixed-point flow inversion
   (``Ft0(x) = -t F_ab(x + Ft0(x))``), both keyframes warped to t, blended with weights ``(1-t) V_a C_a`` and
   ``t V_b C_b``: V = visible in the other keyframe (not occluded, not out of frame), C = photometric confidence
   ``exp(-err / sigma)`` of the correspondence the pixel came from.
4. **Hole filling / hedging**: where neither keyframe is confidently visible (both occluded, or the flow fails
   the photometric test on both sides) the warped result fades to the mean of the time-weighted blend of the two
   warped keyframes and the plain crossfade — the least-wrong guess for content that appears in neither keyframe.

Endpoints: ``t = 0`` and ``t = 1`` return the keyframes bit-exactly. :func:`interpolate_keyframes` returns the
``frames`` in-between frames at ``t_k = k / (frames + 1)``, with the two keyframes added around them when
``include_endpoints`` (``frames + 2`` in all) — the same convention as Frame Interpolate, whose output also
contains the source frames.

Camera: given a ``CameraTrajectory`` and the start frame's depth, the flow the camera induces from the start to
time t (:func:`camera_flow`, poses slerped as the render does) is used twice: at t = 1 it seeds one more DIS run
(B warped by it, DIS finds the residual) whose flow is a further per-pixel candidate; and the in-between frames
follow it: start -> t = camera flow to t + t x (image flow - camera flow to the end), so dollies and orbits keep
the camera's own timing and parallax (the end keyframe's sample is that point followed on along the image flow).
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
import torch

from ..core import ProgressFn
from ..core.frames import to_numpy
from .flow import (
    DIS_PRESETS,
    MIN_SIDE,
    backward_warp,
    occlusion_mask,
    out_of_frame_mask,
    remap,
    resize_flow,
    sampling_map,
    to_gray_u8,
)
from .interpolate import intermediate_flows, rgb_channels


@dataclass(frozen=True)
class KeyframeSettings:
    """flow_side: longest side (pixels) the flow is computed at (never above the image); scales: fractions of that
    size DIS runs at, best per pixel (a second scale measured no better on real clips, docs/benchmarks.md);
    preset: DIS preset; iterations: fixed-point iterations of the intermediate flows; sigma: photometric error
    (0..1 RGB, blurred) at which a correspondence's confidence drops to 1/e."""

    flow_side: int = 480
    scales: tuple[float, ...] = (1.0,)
    preset: str = "medium"
    iterations: int = 6
    sigma: float = 0.3


DEFAULT_SETTINGS = KeyframeSettings()
"""The settings measured in docs/benchmarks.md (benchmarks/bench_keyframes.py)."""


@dataclass
class KeyframeFlows:
    """Flows between keyframes A and B at flow resolution ``(h, w)``: fwd ``F_ab``, bwd ``F_ba`` (h,w,2) float32;
    occ_a / occ_b soft (0..1) "not visible in the other keyframe"; err_a / err_b (h,w) blurred photometric error
    of each pixel's correspondence (0..1 RGB units)."""

    fwd: np.ndarray
    bwd: np.ndarray
    occ_a: np.ndarray
    occ_b: np.ndarray
    err_a: np.ndarray
    err_b: np.ndarray


# --------------------------------------------------------------------------------------------------------------
# input checks


def check_keyframes(start, end, resize: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Validate two keyframes (torch/numpy (H,W,C) or (1,H,W,C) float 0..1, C = 1..4) and return them as
    contiguous float32 (H,W,C). Different sizes raise ``ValueError`` unless ``resize`` (then the end frame is
    resized to the start frame's size, bilinear). NaN/inf raise; values are clipped to 0..1."""
    pair = []
    for name, x in (("start", start), ("end", end)):
        a = to_numpy(x, f"{name} image")
        if a.ndim == 4:
            if a.shape[0] != 1:
                raise ValueError(f"{name} image: give one image, got a batch of {a.shape[0]} (pick one with an "
                                 "image-from-batch node)")
            a = a[0]
        if a.ndim == 2:
            a = a[..., None]
        if a.ndim != 3 or not 1 <= a.shape[2] <= 4:
            raise ValueError(f"{name} image: expected (H, W, C) with 1..4 channels, got shape {tuple(a.shape)}")
        if min(a.shape[:2]) < MIN_SIDE:
            raise ValueError(f"{name} image is too small: {a.shape[1]}x{a.shape[0]} (at least {MIN_SIDE}x{MIN_SIDE})")
        pair.append(np.ascontiguousarray(np.clip(a, 0.0, 1.0), dtype=np.float32))
    a, b = pair
    if a.shape[2] != b.shape[2]:
        raise ValueError(f"start has {a.shape[2]} channels but end has {b.shape[2]}: convert both to RGB")
    if a.shape[:2] != b.shape[:2]:
        if not resize:
            raise ValueError(f"start is {a.shape[1]}x{a.shape[0]} but end is {b.shape[1]}x{b.shape[0]}: give two "
                             "images of the same size, or turn on resize (the end image is scaled to the start's)")
        b = cv2.resize(b, (a.shape[1], a.shape[0]), interpolation=cv2.INTER_AREA if b.shape[0] > a.shape[0]
                       else cv2.INTER_LINEAR)
        b = np.ascontiguousarray(b.reshape(a.shape), dtype=np.float32)
    return a, b


# --------------------------------------------------------------------------------------------------------------
# flow


def _shrink(img: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    h, w = size
    if img.shape[:2] == (h, w):
        return img
    out = cv2.resize(np.ascontiguousarray(img), (w, h), interpolation=cv2.INTER_AREA)
    return out[..., None] if out.ndim == 2 else out


def flow_size(height: int, width: int, side: int) -> tuple[int, int]:
    """(h, w) with the longest side at most ``side`` (never upscaled, at least MIN_SIDE)."""
    s = min(1.0, side / max(height, width))
    return max(MIN_SIDE, round(height * s)), max(MIN_SIDE, round(width * s))


def _dis(ga: np.ndarray, gb: np.ndarray, preset: str, init: np.ndarray | None = None) -> np.ndarray:
    """DIS flow from uint8 gray a to b (h,w); with ``init`` (h,w,2) a guess of it: b is first warped by the guess
    and DIS finds the residual r, so ``F(x) = r(x) + init(x + r(x))`` (warp, then refine)."""
    dis = cv2.DISOpticalFlow_create(DIS_PRESETS[preset])
    if init is None:
        return dis.calc(ga, gb, None)
    gbw = backward_warp(gb, np.ascontiguousarray(init, np.float32))
    r = dis.calc(ga, gbw, None)
    return r + backward_warp(init, r)


def _photo_error(a: np.ndarray, b: np.ndarray, flow: np.ndarray) -> np.ndarray:
    """(h,w) blurred mean |a(x) - b(x + flow(x))| over channels; out-of-frame counts as error 1."""
    err = np.abs(a - backward_warp(b, flow)).mean(axis=2)
    err[out_of_frame_mask(flow)] = 1.0
    k = max(3, (min(err.shape) // 40) | 1)
    return cv2.blur(err, (k, k))


def _one_way(ga, gb, fa, fb, size, preset, scales, init_fwd=None):
    """Best-per-pixel flow from a to b at ``size`` among candidates: DIS at each of ``scales`` of ``size``, and
    DIS started from ``init_fwd`` when given. The winner per pixel has the smallest blurred photometric error."""
    h, w = size
    cands = []
    for sc in scales:
        s = (max(MIN_SIDE, round(h * sc)), max(MIN_SIDE, round(w * sc)))
        gas, gbs = _shrink(ga[..., None], s)[..., 0], _shrink(gb[..., None], s)[..., 0]
        cands.append(resize_flow(_dis(gas, gbs, preset), size))
    if init_fwd is not None:
        cands.append(_dis(ga, gb, preset, init_fwd))
    if len(cands) == 1:
        return cands[0]
    errs = np.stack([_photo_error(fa, fb, f) for f in cands])
    best = np.argmin(errs, axis=0)
    flow = cands[0].copy()
    for i in range(1, len(cands)):
        flow[best == i] = cands[i][best == i]
    return flow


def keyframe_flows(a: np.ndarray, b: np.ndarray, settings: KeyframeSettings = DEFAULT_SETTINGS,
                   init_fwd: np.ndarray | None = None) -> KeyframeFlows:
    """Flows between keyframes a, b ((H,W,C) float32 0..1) at :func:`flow_size` of ``settings.flow_side``.
    ``init_fwd``: an optional (H,W,2) guess of F_ab in pixels at full resolution (e.g. from a camera move)."""
    H, W = a.shape[:2]
    size = flow_size(H, W, settings.flow_side)
    fa, fb = _shrink(rgb_channels(a), size), _shrink(rgb_channels(b), size)
    ga, gb = to_gray_u8(fa), to_gray_u8(fb)
    init_f = init_b = None
    if init_fwd is not None:
        init_f = resize_flow(np.asarray(init_fwd, np.float32), size)
        init_b = -backward_warp(init_f, -init_f)  # approximate inverse: F_ba(y) ≈ -F_ab(y - F_ab(y))
    fwd = _one_way(ga, gb, fa, fb, size, settings.preset, settings.scales, init_f)
    bwd = _one_way(gb, ga, fb, fa, size, settings.preset, settings.scales, init_b)
    occ_f = occlusion_mask(fwd, bwd, motion_boundaries=False)
    occ_b = occlusion_mask(bwd, fwd, motion_boundaries=False)
    # symmetrise where consistent: halves DIS's random error
    fs = np.where(occ_f[..., None], fwd, 0.5 * (fwd - backward_warp(bwd, fwd)))
    bs = np.where(occ_b[..., None], bwd, 0.5 * (bwd - backward_warp(fwd, bwd)))
    soft = [np.minimum(1.0, 2.0 * cv2.blur(m.astype(np.float32), (5, 5))) for m in (occ_f, occ_b)]
    return KeyframeFlows(fs, bs, soft[0], soft[1], _photo_error(fa, fb, fs), _photo_error(fb, fa, bs))


# --------------------------------------------------------------------------------------------------------------
# rendering


class KeyframePair:
    """Everything to render any time between keyframes ``a`` and ``b`` ((H,W,C) float32, same shape)."""

    def __init__(self, a: np.ndarray, b: np.ndarray, settings: KeyframeSettings = DEFAULT_SETTINGS,
                 init_fwd: np.ndarray | None = None, path=None):
        """``init_fwd``: optional (H,W,2) guess of the start->end flow; ``path``: optional ``t -> (H,W,2)`` flow
        from the start frame to time t of a known camera move (its value at 1 is ``init_fwd``)."""
        self.a, self.b, self.s = a, b, settings
        self.size = a.shape[:2]
        self.flows = keyframe_flows(a, b, settings, init_fwd)
        self.path = path
        fsize = self.flows.fwd.shape[:2]
        self.path_end = None if path is None else resize_flow(np.asarray(path(1.0), np.float32), fsize)

    def intermediate_flows(self, t: float) -> tuple[np.ndarray, np.ndarray]:
        """Ft0, Ft1 (h,w,2) at flow resolution: where the pixel at time t comes from in a and in b."""
        F01 = self.flows.fwd
        d0, d1 = intermediate_flows(F01, self.flows.bwd, t, self.s.iterations)
        if self.path is not None:
            # start -> t along the camera path, plus the rest of the motion (flow minus camera flow) linearly
            g = resize_flow(np.asarray(self.path(t), np.float32), F01.shape[:2])
            f0t = g + t * (F01 - self.path_end)
            c0 = -f0t
            for _ in range(self.s.iterations):
                c0 = -backward_warp(f0t, c0)
            c1 = c0 + backward_warp(F01, c0)  # the same point, followed on into the end frame
            seen = backward_warp(self.flows.occ_a, c0)[..., None] < 0.5
            d0 = c0
            d1 = np.where(seen, c1, d1)
        return d0, d1

    def frame_at(self, t: float) -> np.ndarray:
        """(H,W,C) float32 frame at time t in [0, 1]; 0 and 1 give the keyframes exactly."""
        if t <= 0:
            return self.a.copy()
        if t >= 1:
            return self.b.copy()
        f = self.flows
        d0, d1 = self.intermediate_flows(t)
        vis0 = (1 - backward_warp(f.occ_a, d0)) * ~out_of_frame_mask(d0)
        vis1 = (1 - backward_warp(f.occ_b, d1)) * ~out_of_frame_mask(d1)
        c0 = np.exp(-backward_warp(f.err_a, d0) / self.s.sigma)
        c1 = np.exp(-backward_warp(f.err_b, d1) / self.s.sigma)
        w0 = (1 - t) * vis0 * c0
        w1 = t * vis1 * c1
        conf = np.clip(w0 + w1, 0.0, 1.0)  # how much of the pixel the flow explains
        w0n = (w0 + 1e-6 * (1 - t)) / (w0 + w1 + 1e-6)
        H, W = self.size
        if (H, W) != f.fwd.shape[:2]:
            w0n = cv2.resize(w0n, (W, H), interpolation=cv2.INTER_LINEAR)
            conf = cv2.resize(conf, (W, H), interpolation=cv2.INTER_LINEAR)
        i0 = remap(self.a, sampling_map(d0, self.size))
        i1 = remap(self.b, sampling_map(d1, self.size))
        warped = i1 + w0n[..., None] * (i0 - i1)
        plain_warp = (1 - t) * i0 + t * i1
        cross = (1 - t) * self.a + t * self.b
        # unexplained pixels: the time-weighted warp of both (motion still roughly right), half-way to crossfade
        fallback = 0.5 * (plain_warp + cross)
        conf = conf[..., None]
        return np.clip(conf * warped + (1 - conf) * fallback, 0.0, 1.0).astype(np.float32)


def frame_times(frames: int, include_endpoints: bool) -> list[float]:
    """Times in [0, 1] of the output: ``frames`` in-between times k/(frames+1), plus 0 and 1 when
    ``include_endpoints``."""
    ts = [k / (frames + 1) for k in range(1, frames + 1)]
    return [0.0, *ts, 1.0] if include_endpoints else ts


def interpolate_keyframes(start, end, frames: int, include_endpoints: bool = True, resize: bool = False,
                          settings: KeyframeSettings = DEFAULT_SETTINGS, init_fwd: np.ndarray | None = None,
                          on_progress: ProgressFn = None, path=None) -> torch.Tensor:
    """The ``frames`` frames between keyframes ``start`` and ``end`` (torch/numpy (H,W,C) or (1,H,W,C) float 0..1)
    as a float32 CPU tensor [N,H,W,C], N = frames (+2 with ``include_endpoints``: start first, end last, bit-exact).
    ``resize``: scale the end image to the start's size instead of refusing different sizes. ``init_fwd``: optional
    (H,W,2) start->end flow guess in pixels (see :func:`camera_flow`); ``path``: optional ``t -> (H,W,2)`` flow from
    the start to time t of a known camera move (the in-between frames then follow it; see :class:`KeyframePair`)."""
    if isinstance(frames, bool) or int(frames) != frames or not 0 <= int(frames) <= 10_000:
        raise ValueError(f"frames must be a whole number of in-between frames ≥ 0, got {frames}")
    frames = int(frames)
    a, b = check_keyframes(start, end, resize)
    times = frame_times(frames, include_endpoints)
    out = np.empty((len(times), *a.shape), np.float32)
    pair = KeyframePair(a, b, settings, init_fwd, path) if frames else None
    for k, t in enumerate(times):
        out[k] = a if t == 0.0 else b if t == 1.0 else pair.frame_at(t)
        if on_progress is not None:
            on_progress(k + 1, len(times))
    return torch.from_numpy(out)


def camera_flow(camera, depth: np.ndarray, size: tuple[int, int], t: float = 1.0) -> np.ndarray:
    """The flow (H,W,2) in pixels a camera move induces from its first view to time ``t`` (0..1 of the
    trajectory; 1 = the last pose): each pixel of the first frame, at its z-depth ``depth`` ((H,W), larger =
    farther, the trajectory's units: median 1), reprojected with the pack's pinhole intrinsics
    (``CameraTrajectory.intrinsics``, OpenCV axes; poses slerped between frames as the render does).
    ``size`` = (H, W) of the images; the depth is resized to it."""
    from ..camera.lens import intrinsics
    from ..camera.trajectory import interpolate_poses

    H, W = size
    c2w = np.asarray(camera.c2w, np.float64).reshape(-1, 4, 4)
    fov = np.asarray(camera.fov_deg, np.float64).reshape(-1)
    at = float(np.clip(t, 0.0, 1.0)) * (len(c2w) - 1)
    rot, pos = interpolate_poses(c2w[:, :3, :3], c2w[:, :3, 3], np.array([at]))
    pose = np.eye(4)
    pose[:3, :3], pose[:3, 3] = rot[0], pos[0]
    K0 = intrinsics(float(fov[0]), W, H)
    K1 = intrinsics(float(np.interp(at, np.arange(len(fov)), fov)), W, H)
    d = cv2.resize(np.asarray(depth, np.float32), (W, H), interpolation=cv2.INTER_LINEAR).astype(np.float64)
    if not np.isfinite(d).all() or d.min() <= 0:
        raise ValueError("depth must be finite and positive (larger = farther)")
    ys, xs = np.mgrid[0:H, 0:W].astype(np.float64)
    pix = np.stack([xs + 0.5, ys + 0.5, np.ones_like(xs)], -1).reshape(-1, 3)  # pixel centres
    cam0 = (pix @ np.linalg.inv(K0).T) * d.reshape(-1, 1)
    rel = np.linalg.inv(pose) @ c2w[0]  # first camera -> camera at t
    cam1 = cam0 @ rel[:3, :3].T + rel[:3, 3]
    z = np.maximum(cam1[:, 2:3], 1e-3)
    p1 = (cam1 / z) @ K1.T
    return (p1[:, :2] - pix[:, :2]).reshape(H, W, 2).astype(np.float32)
