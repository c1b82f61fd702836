"""Camera tracking without a model: frames in, per-frame camera poses out (the ``D2V_CAMERA`` contract).

Pipeline (OpenCV + numpy, no scipy, seeded, bounded memory: one previous grey frame and the feature observations
are kept, never the clip):

1. **Features** (:func:`track_features`): Shi-Tomasi corners followed by pyramidal Lucas-Kanade from frame to frame
   at a working size (long side ``TrackConfig.max_side``), kept only when the backward track returns within
   ``fb_px`` (moving objects and occlusions drop out here and in the RANSAC below); corners are replenished where
   the tracks thinned out. A corner must have an absolute minimum-eigenvalue response (``min_texture``), so a flat
   or noise-only frame gives no features rather than invented ones.
2. **Model selection** (:func:`_rotation_only_parallax`): for every frame, the best *pure rotation* between it and
   frame 0 (Kabsch on the rays, RANSAC) and the 80th percentile of the residual, in pixels. When no frame of the clip
   departs from a pure rotation by more than ``rotation_px``, the clip is a pan / tilt / roll / whip pan: poses are
   rotations only (positions stay at the origin), never an essential matrix fitted to noise.
3. **Structure from motion**: the relative pose of frame 0 and the frame of widest parallax (:func:`initial_pose`:
   the essential matrix's pose or one of the homography's decompositions, whichever explains more matches in front
   of both cameras, so planar and near-planar scenes start right), triangulation, then every other frame by PnP
   (RANSAC + Levenberg-Marquardt refinement) against the points so far, new points triangulated when their rays
   part by more than ``min_angle_deg``.
4. **Bundle adjustment** (:func:`bundle_adjust`): reprojection error of at most ``ba_keyframes`` keyframes and a
   capped, seeded sample of points, Huber weights, Levenberg-Marquardt with the points eliminated (Schur
   complement); frame 0 fixed. The frames between keyframes are then refined against the adjusted points
   (motion only), so time and memory of the adjustment do not grow with the clip.
5. **Units**: frame 0 at the origin looking +z (OpenCV axes), the median depth of the points seen in frame 0 is 1,
   as in the camera JSON contract (docs/architecture.md).

The horizontal field of view is given, or estimated (:func:`estimate_fov`: the FOV whose bundle adjustment leaves
the smallest reprojection error, golden-section search over 20..120 degrees; it needs translation and depth
variation, so a pure rotation keeps the default 54.4 degrees and says so). Details and measured accuracy:
docs/camera-io.md.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

import cv2
import numpy as np

from .geometry import compose, orthonormalize, rigid_inverse
from .lens import intrinsics

ProgressFn = Callable[[int, int], None] | None

MIN_FEATURES = 12
"""Fewer tracked features than this in a frame: the frame cannot be posed (reported as lost, never invented)."""
OUTLIER_PX = 2.0
"""Observations farther than this (working-size pixels) from their point after the first adjustment are dropped."""
MAX_RMS_PX = 4.0
"""A final reprojection error above this (working size) means the camera model does not fit: refused, not returned."""
NO_POSE = ("the camera move could not be found (no pose explains the matches): the clip may show a moving subject "
           "on a plain background, or the FOV is wrong")
"""The refusal when no relative pose of the first pair explains enough matches."""
DEFAULT_FOV = 54.43222311461495
"""The pack's default lens (35 mm on a 36 mm-wide sensor), used when no FOV is given and none can be estimated."""


@dataclass(frozen=True)
class TrackConfig:
    """Tracker settings (defaults are what the accuracy figures in docs/benchmarks.md used)."""

    max_side: int = 400
    """Working size (long side, pixels) the frames are reduced to."""
    max_features: int = 200
    """Corners kept per frame."""
    lk_window: int = 15
    """Lucas-Kanade window side (pixels)."""
    lk_levels: int = 4
    """Most pyramid levels Lucas-Kanade uses (fewer when the previous step's motions need fewer)."""
    lk_iterations: int = 10
    """Lucas-Kanade iterations per level."""
    min_distance: int = 10
    """Pixels between corners."""
    min_texture: float = 5.0
    """Smallest minimum-eigenvalue corner response (grey levels per pixel, squared, mean over a 7x7 block)."""
    fb_px: float = 1.0
    """Forward-backward tolerance of a track (pixels)."""
    rotation_px: float = 1.0
    """Largest 80th-percentile residual of a pure rotation (working size) for the clip to count as one."""
    init_px: float = 6.0
    """Parallax the first pair must reach (pixels)."""
    min_angle_deg: float = 1.0
    """Smallest angle between two rays for a point to be triangulated."""
    ba_points: int = 300
    """Points the bundle adjustment uses at most."""
    ba_iterations: int = 8
    """The bundle adjustment's Jacobian evaluations at most (each tries up to 4 damping values)."""
    ba_tolerance: float = 1e-8
    """The adjustment stops when a step lowers the robust cost by less than this share of it."""
    ba_observations: int = 5000
    """Observations of those points it uses in all, spread evenly over the keyframes (at least 24 a frame)."""
    ba_keyframes: int = 30
    """Frames the adjustment poses at most, spread evenly over the clip; the others are refined against the adjusted
    points (motion only), so its time and memory stay the same however long the clip."""
    seed: int = 0
    """The RANSAC / sampling seed."""


@dataclass
class Tracks:
    """Feature observations of a clip at the working size.

    frame, ids: (N,) int32 frame index (non-decreasing: the observations are stored frame by frame) and track id
    of every observation; xy: (N, 2) float32 pixel positions (OpenCV pixel centres, working size); width, height:
    the working size; scale: working size / clip size; frames: the clip length; counts: (frames,) observations per
    frame.
    """

    frame: np.ndarray
    ids: np.ndarray
    xy: np.ndarray
    width: int
    height: int
    scale: float
    frames: int
    counts: np.ndarray

    def of(self, f: int) -> tuple[np.ndarray, np.ndarray]:
        """(ids, xy) of frame ``f``, ids sorted (views: a slice of the frame-ordered observations)."""
        a, b = np.searchsorted(self.frame, (f, f + 1))
        return self.ids[a:b], self.xy[a:b]


@dataclass
class TrackResult:
    """A tracked camera.

    c2w: (F, 4, 4) camera-to-world, OpenCV axes, frame 0 = identity, median depth of frame 0's points = 1.
    fov_deg: the horizontal FOV used. fov_estimated: whether it was estimated. rotation_only: the clip was judged a
    pure rotation. lost: frames that could not be posed (too few features; their pose is interpolated from their
    neighbours and they are listed here). rms_px: reprojection error after the adjustment (working size).
    points: 3-D points used. parallax_px: largest departure from a pure rotation seen (working size).
    """

    c2w: np.ndarray
    fov_deg: float
    fov_estimated: bool
    rotation_only: bool
    lost: list[int]
    rms_px: float
    points: int
    parallax_px: float
    warnings: list[str] = field(default_factory=list)


def working_size(width: int, height: int, cfg: TrackConfig = TrackConfig()) -> tuple[int, int]:
    """(width, height) the frames of a ``width`` x ``height`` clip are tracked at: long side at most
    ``cfg.max_side``. A reader may deliver grey frames of this size already (video/read.FrameReader's
    ``gray_size``); :func:`track_features` then uses them as they are."""
    scale = min(1.0, cfg.max_side / max(width, height))
    return max(16, round(width * scale)), max(16, round(height * scale))


def _gray(frame: np.ndarray, size: tuple[int, int] | None) -> np.ndarray:
    f = np.asarray(frame)
    if f.dtype != np.uint8:
        f = np.clip(np.asarray(f, dtype=np.float32) * 255.0 + 0.5, 0, 255).astype(np.uint8)
    g = cv2.cvtColor(f[..., :3], cv2.COLOR_RGB2GRAY) if f.ndim == 3 else f
    if size is not None and (g.shape[1], g.shape[0]) != size:
        g = cv2.resize(g, size, interpolation=cv2.INTER_AREA)
    return g


def _new_corners(gray: np.ndarray, existing: np.ndarray, cfg: TrackConfig, want: int) -> np.ndarray:
    """(n, 2) float32 corners with an absolute texture response, away from ``existing`` (m, 2)."""
    mask = np.full(gray.shape, 255, np.uint8)
    for x, y in existing.astype(int):
        cv2.circle(mask, (int(x), int(y)), cfg.min_distance, 0, -1)
    pts = cv2.goodFeaturesToTrack(gray, maxCorners=want, qualityLevel=0.001, minDistance=cfg.min_distance,
                                  blockSize=7, mask=mask)
    if pts is None:
        return np.zeros((0, 2), np.float32)
    pts = pts.reshape(-1, 2)
    # OpenCV scales the Sobel by 1 / (4 · 7 · 255) and sums over the 7x7 block: back to (grey levels / pixel)²
    eig = cv2.cornerMinEigenVal(gray, 7, 3)
    resp = eig[pts[:, 1].astype(int), pts[:, 0].astype(int)] * (255.0 ** 2) / 4.0
    return pts[resp >= cfg.min_texture].astype(np.float32)


def _lk_levels(spread: float | None, cfg: TrackConfig) -> int:
    """Pyramid levels (above the frame) for the next Lucas-Kanade step: all ``cfg.lk_levels`` at the start (no
    motion known yet), else the fewest whose capture range (about 4 px at the frame's own size, doubling per level)
    covers ``spread`` (the previous step's 95th-percentile departure of a track from the median motion, which is
    given as the initial flow, plus the change of that median from the step before) and 2 px more."""
    if spread is None:
        return cfg.lk_levels
    need = (spread + 2.0) / 4.0
    return int(np.clip(np.ceil(np.log2(max(need, 1.0))), 0, cfg.lk_levels))


def _lk_step(prev: np.ndarray, gray: np.ndarray, pts: np.ndarray, shift: np.ndarray, levels: int,
             cfg: TrackConfig) -> tuple[np.ndarray, np.ndarray]:
    """Track ``pts`` (n, 2) float32 from ``prev`` to ``gray``: pyramidal LK started at ``pts + shift`` (the expected
    motion) with ``levels`` levels, then the backward track from the result started at ``pts`` (no pyramid).
    Returns the new positions (n, 2) and the (n,) bool mask of tracks that came back within ``cfg.fb_px`` and stay
    in the frame."""
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, cfg.lk_iterations, 0.01)
    win = (cfg.lk_window, cfg.lk_window)
    guess = (pts + shift).astype(np.float32)
    nxt, st, _ = cv2.calcOpticalFlowPyrLK(prev, gray, pts, guess, winSize=win, maxLevel=levels, criteria=crit,
                                          flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
    # backward from the forward result, started where the track began: a right track is found at once, on the
    # frame itself (no pyramid); a wrong one does not come back
    back, st2, _ = cv2.calcOpticalFlowPyrLK(gray, prev, nxt, pts.copy(), winSize=win, maxLevel=0,
                                            criteria=crit, flags=cv2.OPTFLOW_USE_INITIAL_FLOW)
    h, w = gray.shape[:2]
    ok = (st.ravel() == 1) & (st2.ravel() == 1) & (np.abs(back - pts).max(-1) < cfg.fb_px)
    ok &= (nxt[:, 0] >= 0) & (nxt[:, 1] >= 0) & (nxt[:, 0] < w - 1) & (nxt[:, 1] < h - 1)
    return nxt, ok


def track_features(frames: Iterable[np.ndarray], cfg: TrackConfig = TrackConfig(),
                   on_progress: ProgressFn = None, total: int | None = None) -> Tracks:
    """Lucas-Kanade feature tracks through a clip, streamed (one frame held at a time).

    Each step starts from the previous step's median motion and uses as few pyramid levels as the previous step's
    spread of motions and change of the median need (:func:`_lk_levels`; the first step uses all
    ``cfg.lk_levels``: a wide stereo pair); a step that keeps fewer than half of its tracks is run again on all.

    Args:
        frames: iterable of (H, W, 3) uint8 RGB (or float 0..1) frames, or (h, w) uint8 grey frames at the working
            size, all the same size.
        cfg: settings. on_progress: ``on_progress(done, total)`` after each frame (``total`` = the given count, or
            0 when unknown); raising from it stops the tracking (Cancel).
    Returns:
        :class:`Tracks` at the working size.
    """
    obs_f, obs_i, obs_xy, counts = [], [], [], []
    prev, pts, ids, next_id, size, scale, shape = None, None, None, 0, None, 1.0, None
    shift, spread = np.zeros(2, np.float32), None
    for f, frame in enumerate(frames):
        if shape is None:
            shape = np.shape(frame)[:2]
            size = working_size(shape[1], shape[0], cfg)
            scale = size[0] / shape[1]
        elif np.shape(frame)[:2] != shape:
            raise ValueError(f"frame {f} is {np.shape(frame)[1]}x{np.shape(frame)[0]} but the clip is "
                             f"{shape[1]}x{shape[0]}: give frames of one size")
        gray = _gray(frame, size)
        if prev is not None and len(pts):
            levels = _lk_levels(spread, cfg)
            nxt, ok = _lk_step(prev, gray, pts, shift, levels, cfg)
            if levels < cfg.lk_levels and ok.sum() < 0.5 * len(pts):  # the motion changed more than foreseen
                nxt, ok = _lk_step(prev, gray, pts, shift, cfg.lk_levels, cfg)
            if ok.sum() >= MIN_FEATURES:
                d = nxt[ok] - pts[ok]
                med = np.percentile(d, 50, axis=0).astype(np.float32)  # the median (np.median imports numpy.ma)
                # spread of the motions about the median, and how much the median itself changed (a whip pan)
                spread = float(np.percentile(np.abs(d - med).max(-1), 95) + np.abs(med - shift).max())
                shift = med
            else:  # lost the motion: search the whole pyramid from no motion next time
                shift, spread = np.zeros(2, np.float32), None
            pts, ids = nxt[ok].astype(np.float32), ids[ok]
        elif pts is None:
            pts, ids = np.zeros((0, 2), np.float32), np.zeros(0, np.int32)
        if len(pts) < 0.8 * cfg.max_features:
            new = _new_corners(gray, pts, cfg, cfg.max_features - len(pts))
            pts = np.concatenate([pts, new]) if len(new) else pts
            ids = np.concatenate([ids, np.arange(next_id, next_id + len(new), dtype=np.int32)])
            next_id += len(new)
        obs_f.append(np.full(len(pts), f, np.int32))
        obs_i.append(ids.copy())
        obs_xy.append(pts.copy())
        counts.append(len(pts))
        prev = gray
        if on_progress is not None:
            on_progress(f + 1, total or 0)
    if shape is None:
        raise ValueError("the clip has no frames")
    return Tracks(frame=np.concatenate(obs_f), ids=np.concatenate(obs_i), xy=np.concatenate(obs_xy),
                  width=size[0], height=size[1], scale=scale, frames=len(counts), counts=np.asarray(counts))


# ---------------------------------------------------------------------------------------------------- geometry


def _rays(xy: np.ndarray, K: np.ndarray) -> np.ndarray:
    """(n, 2) pixels → (n, 3) unit rays in camera axes."""
    r = np.column_stack([(xy[:, 0] - K[0, 2]) / K[0, 0], (xy[:, 1] - K[1, 2]) / K[1, 1], np.ones(len(xy))])
    return r / np.linalg.norm(r, axis=1, keepdims=True)


def _kabsch(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Rotation R minimizing Σ‖R a_i − b_i‖² for (..., n, 3) unit vectors (batched over leading axes)."""
    u, _, vt = np.linalg.svd(np.swapaxes(b, -1, -2) @ a)
    d = np.sign(np.linalg.det(u @ vt))
    u = u.copy()
    u[..., :, 2] *= d[..., None]
    return u @ vt


def _pair_rotations(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """(k, 3, 3) rotations R with R a ≈ b from (k, 2, 3) pairs of unit rays: the one that takes the bisector and the
    normal of the pair ``a`` onto those of ``b`` (the least-squares rotation of two equal-weight pairs; closed form,
    no SVD)."""
    def frame(v):
        u, d = v[:, 0] + v[:, 1], v[:, 0] - v[:, 1]
        u = u / np.maximum(np.linalg.norm(u, axis=1, keepdims=True), 1e-12)
        d = d / np.maximum(np.linalg.norm(d, axis=1, keepdims=True), 1e-12)
        return np.stack([u, d, np.cross(u, d)], axis=2)  # columns: bisector, difference, normal

    return frame(b) @ np.swapaxes(frame(a), 1, 2)


def _rotation_ransac(a: np.ndarray, b: np.ndarray, focal: float, rng: np.random.Generator,
                     thresh_px: float = 1.5, iters: int = 32) -> tuple[np.ndarray, np.ndarray]:
    """Pure rotation R (b ≈ R a) by RANSAC over 2-ray samples (all hypotheses scored at once by one product:
    a ray is an inlier when ``(R a) · b`` exceeds the cosine of ``thresh_px / focal``); returns R (Kabsch on the
    inliers) and the per-ray residual in pixels."""
    n = len(a)
    best = np.eye(3)
    if n > 2:
        first = rng.integers(0, n, iters)
        s = np.column_stack([first, (first + 1 + rng.integers(0, n - 1, iters)) % n])  # (iters, 2) distinct
        Rs = _pair_rotations(a[s], b[s])  # (iters, 3, 3)
        dots = (b[:, :, None] * a[:, None, :]).reshape(n, 9) @ Rs.reshape(iters, 9).T  # (n, iters) = (R a)·b
        best = Rs[int(np.argmax((dots > 1.0 - 0.5 * (thresh_px / focal) ** 2).sum(0)))]
    res = np.linalg.norm(a @ best.T - b, axis=1) * focal
    inl = res < max(thresh_px, np.percentile(res, 50)) if n else res.astype(bool)
    if inl.sum() >= 3:
        best = _kabsch(a[inl], b[inl])
    return best, np.linalg.norm(a @ best.T - b, axis=1) * focal


def _common(tracks: Tracks, f0: int, f1: int):
    i0, x0 = tracks.of(f0)
    i1, x1 = tracks.of(f1)
    _, a, b = np.intersect1d(i0, i1, assume_unique=True, return_indices=True)
    return i0[a], x0[a], x1[b]


def _rotation_only_parallax(tracks: Tracks, K: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """(F,) 80th-percentile departure (px) of frame f from a pure rotation of frame 0 (via the last frame that shares
    enough tracks with both: long clips chain through anchors)."""
    out = np.zeros(tracks.frames)
    anchor = 0
    for f in range(1, tracks.frames):
        _, x0, x1 = _common(tracks, anchor, f)
        if len(x0) < MIN_FEATURES and anchor != f - 1:
            anchor = f - 1
            _, x0, x1 = _common(tracks, anchor, f)
        if len(x0) < MIN_FEATURES:
            continue
        _, res = _rotation_ransac(_rays(x0, K), _rays(x1, K), K[0, 0], rng)
        out[f] = float(np.percentile(res, 80))
    return out


def _init_frame(tracks: Tracks, parallax: np.ndarray) -> int:
    """The frame paired with frame 0 to start the reconstruction: the one that departs most from a pure rotation
    among those still sharing at least half of frame 0's tracks (a wide baseline: a short one leaves the direction
    of the move ambiguous, sideways against forward)."""
    ids0 = tracks.of(0)[0]
    shared = np.array([len(np.intersect1d(ids0, tracks.of(f)[0], assume_unique=True)) for f in range(tracks.frames)])
    ok = shared >= max(MIN_FEATURES * 2, 0.5 * len(ids0))
    ok[0] = False
    if not ok.any():
        ok = shared >= MIN_FEATURES * 2
        ok[0] = False
    return int(np.argmax(np.where(ok, parallax, -1.0)))


def _rotation_poses(tracks: Tracks, K: np.ndarray, rng: np.random.Generator, lost: set[int]) -> np.ndarray:
    """(F, 3, 3) camera-to-world rotations of a pure-rotation clip: each frame against the earliest posed frame that
    still shares at least half of its tracks (frame 0 while it can), so errors do not add up frame by frame."""
    R = np.tile(np.eye(3), (tracks.frames, 1, 1))
    anchor = 0
    for f in range(1, tracks.frames):
        if f in lost:
            R[f] = R[f - 1]
            continue
        _, x0, x1 = _common(tracks, anchor, f)
        if len(x0) < max(MIN_FEATURES, 0.3 * tracks.counts[f]):
            anchor = max(g for g in range(f) if g not in lost) if any(g not in lost for g in range(f)) else 0
            _, x0, x1 = _common(tracks, anchor, f)
        if len(x0) < MIN_FEATURES:
            R[f] = R[f - 1]
            continue
        rel, _ = _rotation_ransac(_rays(x1, K), _rays(x0, K), K[0, 0], rng)  # rays of f → rays of anchor
        R[f] = R[anchor] @ rel
    return R


def _rodrigues(rv: np.ndarray) -> np.ndarray:
    """(n, 3) rotation vectors → (n, 3, 3) matrices."""
    th = np.linalg.norm(rv, axis=1)
    k = rv / np.maximum(th, 1e-12)[:, None]
    Kx = np.zeros((len(rv), 3, 3))
    Kx[:, 0, 1], Kx[:, 0, 2], Kx[:, 1, 2] = -k[:, 2], k[:, 1], -k[:, 0]
    Kx -= np.swapaxes(Kx, 1, 2)
    s, c = np.sin(th)[:, None, None], np.cos(th)[:, None, None]
    return np.eye(3) + s * Kx + (1 - c) * (Kx @ Kx)


def _skew(v: np.ndarray) -> np.ndarray:
    """(n, 3) → (n, 3, 3) cross-product matrices ``[v]×``."""
    o = np.zeros(len(v))
    return np.stack([np.stack([o, -v[:, 2], v[:, 1]], -1), np.stack([v[:, 2], o, -v[:, 0]], -1),
                     np.stack([-v[:, 1], v[:, 0], o], -1)], -2)


def _left_jacobian(rv: np.ndarray) -> np.ndarray:
    """(n, 3) rotation vectors → (n, 3, 3) left Jacobians of SO(3):
    ``I + (1 − cos θ)/θ² [r]× + (θ − sin θ)/θ³ [r]×²`` (series for small θ)."""
    th = np.linalg.norm(rv, axis=1)
    small = th < 1e-6
    t = np.where(small, 1.0, th)
    a = np.where(small, 0.5 - th ** 2 / 24, (1 - np.cos(t)) / t ** 2)
    b = np.where(small, 1 / 6 - th ** 2 / 120, (t - np.sin(t)) / t ** 3)
    S = _skew(rv)
    return np.eye(3) + a[:, None, None] * S + b[:, None, None] * (S @ S)


def _rotate(rv: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Rotate (n, 3) points by (n, 3) rotation vectors (Rodrigues)."""
    th = np.linalg.norm(rv, axis=1, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        k = np.where(th > 1e-12, rv / th, 0.0)
    c, s = np.cos(th), np.sin(th)
    return X * c + np.cross(k, X) * s + k * np.sum(k * X, axis=1, keepdims=True) * (1 - c)


def _observation_jacobians(cams: np.ndarray, pts: np.ndarray, cam_idx: np.ndarray, pt_idx: np.ndarray,
                           K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reprojections and their analytic Jacobians.

    Args:
        cams: (C, 6) world-to-camera rotation vector and translation; pts: (P, 3); cam_idx, pt_idx: (N,).
    Returns:
        uv (N, 2) pixels, Jc (N, 2, 6) d(u, v)/d(camera), Jp (N, 2, 3) d(u, v)/d(point), from
        d(u, v)/dXc · [dXc/dr, dXc/dt = I, dXc/dX = R] with d(R X)/dr = −[R X]× J_l(r).
    """
    c = cams[cam_idx]
    R = _rodrigues(c[:, :3])
    RX = np.einsum("nij,nj->ni", R, pts[pt_idx])
    Xc = RX + c[:, 3:]
    z = np.maximum(Xc[:, 2], 1e-6)
    fx, fy = K[0, 0], K[1, 1]
    uv = np.column_stack([fx * Xc[:, 0] / z + K[0, 2], fy * Xc[:, 1] / z + K[1, 2]])
    n = len(z)
    dp = np.zeros((n, 2, 3))  # d(u, v)/dXc
    dp[:, 0, 0], dp[:, 0, 2] = fx / z, -fx * Xc[:, 0] / z ** 2
    dp[:, 1, 1], dp[:, 1, 2] = fy / z, -fy * Xc[:, 1] / z ** 2
    d_r = -_skew(RX) @ _left_jacobian(c[:, :3])  # (N, 3, 3)
    Jc = np.concatenate([dp @ d_r, dp], axis=2)
    return uv, Jc, dp @ R


def _group_sum(a: np.ndarray, idx: np.ndarray, n: int) -> np.ndarray:
    """Sum the rows of ``a`` (N, ...) into (n, ...) by ``idx`` (N,), which must be non-decreasing."""
    out = np.zeros((n, *a.shape[1:]))
    if len(idx):
        starts = np.flatnonzero(np.r_[True, idx[1:] != idx[:-1]])
        out[idx[starts]] = np.add.reduceat(a, starts, axis=0)
    return out


def _dense_product() -> Callable[..., np.ndarray]:
    """``mul(a, b, flags)`` = ``a · b`` with OpenCV's ``GEMM_1_T`` / ``GEMM_2_T`` transposes, for the adjustment's
    reduced camera system (about 180 x 600 · 600 x 180). numpy's matmul when its BLAS is limited to one thread
    (``OPENBLAS_NUM_THREADS=1``: the track and metrics commands set it): ~5x faster than OpenCV's gemm; otherwise
    OpenCV's gemm, because a threaded BLAS ran these products 5-20x slower than either on busy cores
    (docs/benchmarks.md, camera tracking)."""
    if os.environ.get("OPENBLAS_NUM_THREADS") == "1":
        def mul(a, b, t=0):
            return (a.T if t & cv2.GEMM_1_T else a) @ (b.T if t & cv2.GEMM_2_T else b)
        return mul
    return lambda a, b, t=0: cv2.gemm(a, b, 1.0, None, 0.0, flags=t)


def bundle_adjust(rvec: np.ndarray, tvec: np.ndarray, X: np.ndarray, cam_idx: np.ndarray, pt_idx: np.ndarray,
                  xy: np.ndarray, K: np.ndarray, iterations: int = 40,
                  tolerance: float = 1e-8) -> tuple[np.ndarray, np.ndarray, np.ndarray, float]:
    """Sparse bundle adjustment of world-to-camera poses and points (frame 0's pose held fixed).

    Levenberg-Marquardt on the reprojection error with Huber weights (1 px, re-weighted each step), the points
    eliminated by the Schur complement (their 3x3 blocks inverted, the reduced camera system solved dense: its
    size is 6 per camera, so callers keep the cameras to a bounded set of keyframes). Numpy only.

    Args:
        rvec, tvec: (F, 3) world-to-camera rotation vectors and translations. X: (P, 3) points.
        cam_idx, pt_idx: (N,) frame and point of each observation; xy: (N, 2) its pixel position; K: (3, 3).
        iterations: Jacobian evaluations at most (each tries up to 4 damping values). tolerance: stop when a step
            lowers the robust cost by less than this share of it.
    Returns:
        rvec, tvec, X adjusted, and the RMS reprojection error in pixels (the robust fit's residuals).
    """
    F, P = len(rvec), len(X)
    cams = np.column_stack([rvec, tvec]).astype(np.float64)
    pts = np.asarray(X, np.float64).copy()
    nc = 6 * (F - 1)
    moving = np.flatnonzero(cam_idx > 0)
    by_cam = moving[np.argsort(cam_idx[moving], kind="stable")]
    by_pt = np.argsort(pt_idx, kind="stable")
    no_obs = np.bincount(pt_idx, minlength=P) == 0

    def robust(e: np.ndarray) -> tuple[float, np.ndarray]:
        a = np.abs(e)
        w = np.where(a <= 1.0, 1.0, 1.0 / np.maximum(a, 1e-12))
        return float(np.sum(np.where(a <= 1.0, e ** 2, 2 * a - 1))), w

    mul = _dense_product()

    uv, Jc, Jp = _observation_jacobians(cams, pts, cam_idx, pt_idx, K)
    cost, w = robust(uv - xy)
    lam, converged = 1e-3, False
    for _ in range(max(0, iterations)):
        e = uv - xy
        Jcw, Jpw = Jc * w[:, :, None], Jp * w[:, :, None]
        # batched Jᵀ W J products with matmul (several times faster than einsum on these small blocks)
        U = _group_sum(np.swapaxes(Jcw[by_cam], 1, 2) @ Jc[by_cam], cam_idx[by_cam] - 1, F - 1)
        V = _group_sum(np.swapaxes(Jpw[by_pt], 1, 2) @ Jp[by_pt], pt_idx[by_pt], P)
        gc = _group_sum(np.einsum("nki,nk->ni", Jcw[by_cam], e[by_cam]), cam_idx[by_cam] - 1, F - 1).reshape(-1, 1)
        gp = _group_sum(np.einsum("nki,nk->ni", Jpw[by_pt], e[by_pt]), pt_idx[by_pt], P).reshape(-1, 1)
        Wd = np.zeros((F - 1, 6, P, 3))
        Wd[cam_idx[moving] - 1, :, pt_idx[moving], :] = np.swapaxes(Jcw[moving], 1, 2) @ Jp[moving]
        Wd = Wd.reshape(nc, 3 * P)
        improved = False
        for _try in range(4):
            Vd = V + lam * (V * np.eye(3)) + 1e-9 * np.eye(3)
            Vd[no_obs] = np.eye(3)
            Vinv = np.linalg.inv(Vd)
            dc = np.zeros((nc, 1))
            if nc:
                Y = np.swapaxes(np.swapaxes(Wd.reshape(nc, P, 3), 0, 1) @ Vinv, 0, 1).reshape(nc, 3 * P)
                S = -mul(Y, Wd, cv2.GEMM_2_T)
                for i in range(F - 1):
                    S[6 * i:6 * i + 6, 6 * i:6 * i + 6] += U[i] + lam * (U[i] * np.eye(6)) + 1e-9 * np.eye(6)
                ok, dc = cv2.solve(S, mul(Y, gp) - gc, flags=cv2.DECOMP_CHOLESKY)
                if not ok:
                    lam *= 4.0
                    continue
            rhs = -gp - (mul(Wd, dc, cv2.GEMM_1_T) if nc else 0.0)
            dp = np.einsum("pkl,pl->pk", Vinv, rhs.reshape(P, 3))
            c_new = cams.copy()
            c_new[1:] += dc.reshape(F - 1, 6)
            p_new = pts + dp
            uv_n, Jc_n, Jp_n = _observation_jacobians(c_new, p_new, cam_idx, pt_idx, K)
            cost_n, w_n = robust(uv_n - xy)
            if np.isfinite(cost_n) and cost_n < cost:
                converged = cost - cost_n < tolerance * cost
                cams, pts, uv, Jc, Jp, w = c_new, p_new, uv_n, Jc_n, Jp_n, w_n
                cost, lam, improved = cost_n, max(lam / 3.0, 1e-7), True
                break
            lam *= 4.0
        if not improved or converged:
            break
    r = (uv - xy).ravel()
    return cams[:, :3].copy(), cams[:, 3:].copy(), pts, float(np.sqrt(np.mean(r ** 2))) if len(r) else float("nan")


def _reproject(rvec, tvec, X, cam_idx, pt_idx, K) -> np.ndarray:
    """(N, 2) pixel positions of points ``X[pt_idx]`` in cameras ``cam_idx`` (world-to-camera rvec, tvec)."""
    Xc = _rotate(rvec[cam_idx], X[pt_idx]) + tvec[cam_idx]
    z = np.where(np.abs(Xc[:, 2]) < 1e-9, 1e-9, Xc[:, 2])
    return Xc[:, :2] / z[:, None] * K[0, 0] + K[:2, 2]


def _triangulate(P0: np.ndarray, P1: np.ndarray, x0: np.ndarray, x1: np.ndarray, K: np.ndarray) -> np.ndarray:
    X = cv2.triangulatePoints(K @ P0, K @ P1, x0.T.astype(np.float64), x1.T.astype(np.float64))
    return (X[:3] / np.where(np.abs(X[3]) < 1e-12, 1e-12, X[3])).T


def _project(rv: np.ndarray, t: np.ndarray, X: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    Xc = X @ cv2.Rodrigues(rv)[0].T + t
    z = Xc[:, 2]
    uv = Xc[:, :2] / np.where(np.abs(z) < 1e-9, 1e-9, z)[:, None] * K[0, 0] + K[:2, 2]
    return uv, z


def _two_view_support(R: np.ndarray, t: np.ndarray, x0: np.ndarray, x1: np.ndarray, K: np.ndarray,
                       max_px: float = 2.0) -> np.ndarray:
    """(n,) bool: the matches that a relative pose explains: triangulated in front of both cameras and reprojected
    within ``max_px`` pixels in both (ORB-SLAM's ``CheckRT``). ``R, t``: frame 1 = R · frame 0 + t; x0, x1: (n, 2)."""
    X = _triangulate(np.eye(3, 4), np.hstack([R, t.reshape(3, 1)]), x0, x1, K)
    X1 = X @ R.T + t.ravel()
    ok = np.all(np.isfinite(X), axis=1) & (X[:, 2] > 1e-9) & (X1[:, 2] > 1e-9)
    for P, x in ((X, x0), (X1, x1)):
        z = np.where(ok, P[:, 2], 1.0)[:, None]
        ok &= np.linalg.norm(P[:, :2] / z * K[0, 0] + K[:2, 2] - x, axis=1) < max_px
    return ok


ROLL_MARGIN_DEG = 2.0
"""How much less a tied candidate must roll than another to win outright (:func:`_least_roll`)."""


def _least_roll(ids: np.ndarray, rotations: list[np.ndarray]) -> np.ndarray:
    """Of the candidate poses ``ids`` (their ``rotations``, 3x3) that explain the matches alike, those that roll
    least: within :data:`ROLL_MARGIN_DEG` of the smallest roll (rotation about the optical axis, the rotation
    vector's z). A plane seen from two views has a mirrored pose that often rolls (an arc around a nearly flat
    scene: the true 10 degrees of yaw against 13 degrees of roll), and a real camera seldom rolls."""
    roll = np.array([abs(float(cv2.Rodrigues(R)[0][2, 0])) for R in rotations])
    return ids[np.degrees(roll) <= np.degrees(roll.min()) + ROLL_MARGIN_DEG]


def initial_pose(x0: np.ndarray, x1: np.ndarray, K: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Relative pose of the first pair of a reconstruction, robust to planar and near-planar scenes.

    A plane (a wall, a table top, a flat picture) fits two essential matrices equally well, and the 5-point RANSAC
    often picks the mirrored one: a pose tens of degrees off that puts a third of the points behind a camera.
    So, as in ORB-SLAM's initialisation, both models are fitted: the essential matrix's pose (``recoverPose``) and
    the homography's decompositions (``decomposeHomographyMat``) that pass OpenCV's visibility test; each candidate
    is scored by how many of *all* the matches it explains (:func:`_two_view_support`). A forward or backward move
    into a near-planar scene leaves the true pose and a mirrored one (15-18 degrees of rotation with a slanted
    move) explaining every match alike: among the candidates within 2 % of the best support, those that roll least
    are kept (:func:`_least_roll`: a mirrored pose often rolls, a real camera seldom does), and of those the one
    whose rotation is nearest the pair's best pure rotation (:func:`_rotation_ransac`, which a translation barely
    turns) wins; the essential matrix wins exact ties.

    Args:
        x0, x1: (n, 2) float64 matched pixels in the two frames; K: (3, 3) intrinsics.
    Returns:
        R (3, 3), t (3,) unit length (frame 1 = R · frame 0 + t), and the (n,) bool mask of the supported matches.
    Raises:
        ValueError: neither model finds a pose that explains enough matches.
    """
    cands = []
    E, mask = cv2.findEssentialMat(x0, x1, K, cv2.RANSAC, 0.999, 1.0)
    if E is not None and E.shape == (3, 3):
        _, R, t, mask = cv2.recoverPose(E, x0, x1, K, mask=mask)
        cands.append((R, t.ravel(), mask.ravel() > 0))
    H, hmask = cv2.findHomography(x0, x1, cv2.RANSAC, 1.0)
    if H is not None and hmask.sum() >= MIN_FEATURES:
        _, Rs, ts, ns = cv2.decomposeHomographyMat(H, K)
        sel = hmask.ravel() > 0
        r0, r1 = (cv2.undistortPoints(x[sel].reshape(-1, 1, 2), K, None).astype(np.float32) for x in (x0, x1))
        visible = cv2.filterHomographyDecompByVisibleRefpoints(Rs, ns, r0, r1)
        for i in ([] if visible is None else visible.ravel()):
            t = ts[i].ravel()
            if np.linalg.norm(t) > 1e-9:
                cands.append((Rs[i], t / np.linalg.norm(t), None))
    oks = [_two_view_support(R, t, x0, x1, K) for R, t, _ in cands]
    support = np.array([ok.sum() for ok in oks])
    if not len(cands) or support.max() < MIN_FEATURES:
        raise ValueError(NO_POSE)
    near = np.flatnonzero(support >= support.max() - max(1.0, 0.02 * support.max()))
    near = _least_roll(near, [cands[i][0] for i in near])
    rot, _ = _rotation_ransac(_rays(x0, K), _rays(x1, K), K[0, 0], np.random.default_rng(0))
    off = [np.linalg.norm(cv2.Rodrigues(cands[i][0] @ rot.T)[0]) for i in near]
    i = int(near[int(np.argmin(off))])  # argmin: the first (the essential matrix) on a tie
    R, t, inliers = cands[i]
    ok = oks[i] if inliers is None else oks[i] & inliers
    if ok.sum() < MIN_FEATURES:
        raise ValueError(NO_POSE)
    return R, t, ok


def _sfm(tracks: Tracks, K: np.ndarray, cfg: TrackConfig, rng: np.random.Generator, lost: set[int],
         init: int) -> tuple[np.ndarray, np.ndarray, dict, float, int]:
    """Incremental reconstruction seeded by frames 0 and ``init``; returns w2c rvecs, tvecs, points, RMS, count."""
    F = tracks.frames
    rvec, tvec = np.zeros((F, 3)), np.zeros((F, 3))
    posed = np.zeros(F, bool)
    posed[0] = True
    ids, x0, x1 = _common(tracks, 0, init)
    R, t, inl = initial_pose(x0.astype(np.float64), x1.astype(np.float64), K)
    rvec[init], tvec[init] = cv2.Rodrigues(R)[0].ravel(), t
    posed[init] = True
    points: dict[int, np.ndarray] = {}
    X = _triangulate(np.eye(3, 4), np.hstack([R, t[:, None]]), x0[inl], x1[inl], K)
    _add_points(points, ids[inl], X, [(0, x0[inl]), (init, x1[inl])], rvec, tvec, K, cfg, min_angle=0.0)
    order = [f for f in range(1, F) if f != init]
    for f in order:
        if f in lost:
            continue
        fid, fxy = tracks.of(f)
        known = np.array([i in points for i in fid], bool)
        if known.sum() < MIN_FEATURES:
            lost.add(f)
            continue
        Xw = np.array([points[i] for i in fid[known]])
        prev = max(g for g in range(f) if posed[g])
        pose = _pnp(Xw, fxy[known].astype(np.float64), K, rvec[prev], tvec[prev])
        if pose is None:
            lost.add(f)
            continue
        rvec[f], tvec[f] = pose
        posed[f] = True
        # new points: rays of this frame against the earliest posed frame that saw the same track
        new = ~known
        if new.sum():
            by_frame: dict[int, list[int]] = {}
            first = _first_posed(tracks, fid[new], posed, f)
            for k, g in zip(np.flatnonzero(new), first, strict=True):
                if g >= 0:
                    by_frame.setdefault(int(g), []).append(int(k))
            for g, ks in by_frame.items():
                ks = np.array(ks)
                gid, gxy = tracks.of(g)
                pos = np.searchsorted(gid, fid[ks])
                Pg = np.hstack([cv2.Rodrigues(rvec[g])[0], tvec[g][:, None]])
                Pf = np.hstack([cv2.Rodrigues(rvec[f])[0], tvec[f][:, None]])
                X = _triangulate(Pg, Pf, gxy[pos], fxy[ks], K)
                _add_points(points, fid[ks], X, [(g, gxy[pos]), (f, fxy[ks])], rvec, tvec, K, cfg,
                            min_angle=cfg.min_angle_deg)
    return rvec, tvec, points, posed


def _pnp(Xw: np.ndarray, xy: np.ndarray, K: np.ndarray, rv0: np.ndarray, tv0: np.ndarray,
         max_px: float = 2.0) -> tuple[np.ndarray, np.ndarray] | None:
    """World-to-camera pose (rvec (3,), tvec (3,)) of a frame from its (n, 3) known points and (n, 2) pixels, or None.

    Guided first: Levenberg-Marquardt from the previous frame's pose ``rv0, tv0`` on all matches, then on those it
    reprojects within ``2 max_px``; accepted when at least half of the matches then reproject within ``max_px``
    (the usual case: a small move; the points are not adjusted yet, so a good pose leaves 60-100 % there; the
    keyframe adjustment and :func:`_repose` refine it later). Otherwise (a jump, many bad tracks) RANSAC PnP seeded
    by the same pose, then the refinement on its inliers. None: fewer than ``MIN_FEATURES`` inliers either way."""
    rv, tv = cv2.solvePnPRefineLM(Xw, xy, K, None, rv0.reshape(3, 1).copy(), tv0.reshape(3, 1).copy())
    inl = np.linalg.norm(_project(rv.ravel(), tv.ravel(), Xw, K)[0] - xy, axis=1) < 2 * max_px
    if inl.sum() >= MIN_FEATURES:
        rv, tv = cv2.solvePnPRefineLM(Xw[inl], xy[inl], K, None, rv, tv)
        inl = np.linalg.norm(_project(rv.ravel(), tv.ravel(), Xw, K)[0] - xy, axis=1) < max_px
        if inl.sum() >= max(MIN_FEATURES, 0.5 * len(xy)):
            return rv.ravel(), tv.ravel()
    ok, rv, tv, idx = cv2.solvePnPRansac(Xw, xy, K, None, rv0.reshape(3, 1).copy(), tv0.reshape(3, 1).copy(),
                                         useExtrinsicGuess=True, iterationsCount=100, reprojectionError=max_px,
                                         confidence=0.999, flags=cv2.SOLVEPNP_ITERATIVE)
    if not ok or idx is None or len(idx) < MIN_FEATURES:
        return None
    idx = idx.ravel()
    rv, tv = cv2.solvePnPRefineLM(Xw[idx], xy[idx], K, None, rv, tv)
    return rv.ravel(), tv.ravel()


def _first_posed(tracks: Tracks, ids: np.ndarray, posed: np.ndarray, before: int) -> np.ndarray:
    """For each track id, the earliest posed frame < ``before`` that observed it (-1 if none)."""
    sel = np.isin(tracks.ids, ids) & (tracks.frame < before) & posed[tracks.frame]
    first = np.full(len(ids), -1)
    if sel.any():
        fr, tid = tracks.frame[sel], tracks.ids[sel]
        order = np.lexsort((fr, tid))
        tid, fr = tid[order], fr[order]
        uniq, start = np.unique(tid, return_index=True)
        lookup = dict(zip(uniq.tolist(), fr[start].tolist(), strict=True))
        first = np.array([lookup.get(int(i), -1) for i in ids])
    return first


def _add_points(points: dict, ids: np.ndarray, X: np.ndarray, views, rvec, tvec, K, cfg: TrackConfig,
                min_angle: float) -> None:
    """Keep triangulated points in front of both views, reprojecting within 2 px, with rays parted by
    ``min_angle`` degrees."""
    ok = np.all(np.isfinite(X), axis=1)
    centres = []
    for f, xy in views:
        uv, z = _project(rvec[f], tvec[f], X, K)
        ok &= (z > 1e-6) & (np.linalg.norm(uv - xy, axis=1) < 2.0)
        R = cv2.Rodrigues(rvec[f])[0]
        centres.append(-R.T @ tvec[f])
    if min_angle > 0:
        a, b = X - centres[0], X - centres[1]
        cosang = np.sum(a * b, 1) / np.maximum(np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1), 1e-12)
        ok &= cosang < np.cos(np.radians(min_angle))
    for i, p in zip(ids[ok], X[ok], strict=True):
        points[int(i)] = p


def _cap_per_frame(sel: np.ndarray, frame: np.ndarray, cap: int, rng: np.random.Generator) -> np.ndarray:
    """``sel`` with at most ``cap`` selected observations per frame (a seeded random choice)."""
    out = sel.copy()
    idx = np.flatnonzero(sel)
    fr = frame[idx]
    order = np.argsort(fr, kind="stable")
    idx, fr = idx[order], fr[order]
    starts = np.flatnonzero(np.r_[True, fr[1:] != fr[:-1]])
    ends = np.r_[starts[1:], len(idx)]
    for a, b in zip(starts, ends, strict=True):
        if b - a > cap:
            out[rng.choice(idx[a:b], b - a - cap, replace=False)] = False
    return out


def _keyframes(posed: np.ndarray, init: int, n: int) -> np.ndarray:
    """At most ``n`` (+1) frames spread evenly over the ``posed`` frames (sorted; the first and last included), and
    the initial pair's second frame ``init``."""
    if len(posed) <= n:
        return posed
    pick = posed[np.unique(np.round(np.linspace(0, len(posed) - 1, max(2, n))).astype(int))]
    return np.union1d(pick, [init])


def _repose(tracks: Tracks, rvec: np.ndarray, tvec: np.ndarray, frames: np.ndarray, ids: np.ndarray,
            X: np.ndarray, K: np.ndarray) -> None:
    """Motion-only refinement (in place) of the poses of ``frames`` against the adjusted points ``X`` (track ids
    ``ids``, sorted): the frames between keyframes follow the adjusted structure. Observations more than
    ``OUTLIER_PX`` off after a first refinement are dropped for a second; a frame that sees fewer than
    ``MIN_FEATURES`` of the points keeps its pose."""
    for f in frames:
        fid, fxy = tracks.of(int(f))
        m = np.isin(fid, ids)
        if m.sum() < MIN_FEATURES:
            continue
        Xw, xy = X[np.searchsorted(ids, fid[m])], fxy[m].astype(np.float64)
        rv, tv = rvec[f].reshape(3, 1).copy(), tvec[f].reshape(3, 1).copy()
        for _ in range(2):
            rv, tv = cv2.solvePnPRefineLM(Xw, xy, K, None, rv, tv)
            uv, _ = _project(rv.ravel(), tv.ravel(), Xw, K)
            ok = np.linalg.norm(uv - xy, axis=1) < OUTLIER_PX
            if ok.all() or ok.sum() < MIN_FEATURES:
                break
            Xw, xy = Xw[ok], xy[ok]
        rvec[f], tvec[f] = rv.ravel(), tv.ravel()


def _interpolate_lost(c2w: np.ndarray, lost: set[int]) -> np.ndarray:
    """Lost frames take the pose of the nearest posed frame before them (rotation and position)."""
    out = c2w.copy()
    for f in sorted(lost):
        out[f] = out[f - 1] if f > 0 else out[f]
    return out


def _solve(tracks: Tracks, fov_deg: float, cfg: TrackConfig) -> TrackResult:
    rng = np.random.default_rng(cfg.seed)
    K = intrinsics(float(fov_deg), tracks.width, tracks.height)
    lost = {f for f in range(tracks.frames) if tracks.counts[f] < MIN_FEATURES}
    if 0 in lost:
        raise ValueError("frame 0 has no texture to track (fewer than "
                         f"{MIN_FEATURES} corners): give a clip that starts on a detailed picture")
    if len(lost) == tracks.frames - 1:
        raise ValueError("no frame after the first has texture to track: the clip is flat or blank")
    parallax = _rotation_only_parallax(tracks, K, rng)
    warnings = [f"frames {_ranges(sorted(lost))} have too little texture to track; their pose is held"] if lost \
        else []
    if parallax.max() < cfg.rotation_px or parallax.max() < cfg.init_px:
        R = _rotation_poses(tracks, K, rng, lost)
        c2w = compose(R, np.zeros((tracks.frames, 3)))
        return TrackResult(c2w=_interpolate_lost(c2w, lost), fov_deg=float(fov_deg), fov_estimated=False,
                           rotation_only=True, lost=sorted(lost), rms_px=float("nan"), points=0,
                           parallax_px=float(parallax.max()), warnings=warnings)
    init = _init_frame(tracks, parallax)
    rvec, tvec, points, posed = _sfm(tracks, K, cfg, rng, lost, init)
    # bundle adjustment of a bounded set of keyframes and a seeded sample of points seen in >= 2 of them
    key = np.zeros(tracks.frames, bool)
    key[_keyframes(np.flatnonzero(posed), init, cfg.ba_keyframes)] = True
    pid = np.array(sorted(points), dtype=np.int64)
    sel = np.isin(tracks.ids, pid) & key[tracks.frame]
    obs_ids, n_obs = np.unique(tracks.ids[sel], return_counts=True)
    keep = obs_ids[n_obs >= 2]
    if len(keep) > cfg.ba_points:
        keep = np.sort(rng.choice(keep, cfg.ba_points, replace=False))
    sel &= np.isin(tracks.ids, keep)
    # a fixed budget of observations spread over the keyframes: the adjustment's size does not grow with the clip
    per_frame = max(MIN_FEATURES * 2, cfg.ba_observations // max(1, int(key.sum())))
    sel = _cap_per_frame(sel, tracks.frame, per_frame, rng)
    used = np.unique(tracks.ids[sel])
    keep = keep[np.isin(keep, used)]
    cam_map = np.cumsum(key) - 1
    pt_idx = np.searchsorted(keep, tracks.ids[sel])
    X = np.array([points[int(i)] for i in keep]).reshape(-1, 3)
    kf = np.flatnonzero(key)
    cam_idx, xy = cam_map[tracks.frame[sel]], tracks.xy[sel].astype(np.float64)
    rv, tv, X, rms = bundle_adjust(rvec[kf], tvec[kf], X, cam_idx, pt_idx, xy, K, cfg.ba_iterations,
                                   cfg.ba_tolerance)
    # second pass without the observations the first left over OUTLIER_PX (moving things, fill, bad tracks)
    err = np.linalg.norm(_reproject(rv, tv, X, cam_idx, pt_idx, K) - xy, axis=1)
    inl = err < OUTLIER_PX
    counts = np.bincount(pt_idx[inl], minlength=len(X))
    inl &= counts[pt_idx] >= 2
    if inl.sum() >= MIN_FEATURES * 2 and not inl.all():
        used = np.flatnonzero(counts >= 2)
        remap = np.full(len(X), -1)
        remap[used] = np.arange(len(used))
        rv, tv, X, rms = bundle_adjust(rv, tv, X[used], cam_idx[inl], remap[pt_idx[inl]], xy[inl], K,
                                       cfg.ba_iterations, cfg.ba_tolerance)
        keep, pt_idx = keep[used], remap[pt_idx[inl]]
    if not np.isfinite(rms) or rms > MAX_RMS_PX:
        raise ValueError(f"the camera does not fit this clip (reprojection error {rms:.3g} px at {tracks.width} px "
                         f"wide): the FOV ({fov_deg:g} degrees) may be wrong, or the scene is not rigid; give the "
                         "right FOV, or 0 to estimate it")
    rvec[kf], tvec[kf] = rv, tv
    _repose(tracks, rvec, tvec, np.flatnonzero(posed & ~key), keep, X, K)
    # units: median depth of frame 0's points = 1
    in0 = np.isin(keep, tracks.of(0)[0])
    depth0 = X[in0, 2] if in0.sum() >= MIN_FEATURES else X[:, 2]
    scale = 1.0 / float(np.percentile(depth0[depth0 > 0], 50)) if np.any(depth0 > 0) else 1.0
    w2c = compose(_rodrigues(rvec), tvec * scale)
    w2c[~posed] = np.eye(4)
    c2w = rigid_inverse(w2c)
    c2w[:, :3, :3] = orthonormalize(c2w[:, :3, :3])
    lost |= set(np.flatnonzero(~posed).tolist())
    if lost and not warnings:
        warnings = [f"frames {_ranges(sorted(lost))} could not be posed; their pose is held"]
    return TrackResult(c2w=_interpolate_lost(c2w, lost), fov_deg=float(fov_deg), fov_estimated=False,
                       rotation_only=False, lost=sorted(lost), rms_px=rms, points=len(keep),
                       parallax_px=float(parallax.max()), warnings=warnings)


def _ranges(frames: list[int]) -> str:
    out, start = [], None
    for i, f in enumerate(frames):
        if start is None:
            start = f
        if i + 1 == len(frames) or frames[i + 1] != f + 1:
            out.append(str(start) if start == f else f"{start}-{f}")
            start = None
    return ", ".join(out[:8]) + (" ..." if len(out) > 8 else "")


def estimate_fov(tracks: Tracks, cfg: TrackConfig = TrackConfig(), lo: float = 20.0, hi: float = 120.0,
                 steps: int = 10) -> tuple[float, float]:
    """The horizontal FOV (degrees) whose reconstruction reprojects best, by golden-section search on ``lo..hi``;
    returns ``(fov, rms_px)``. Needs translation with depth variation: a pure rotation returns ``(nan, nan)``."""
    def cost(fov):
        try:
            r = _solve(tracks, fov, cfg)
        except ValueError:
            return float("inf")
        return float("nan") if r.rotation_only else r.rms_px

    g = (np.sqrt(5) - 1) / 2
    a, b = lo, hi
    c, d = b - g * (b - a), a + g * (b - a)
    fc, fd = cost(c), cost(d)
    if np.isnan(fc) or np.isnan(fd):
        return float("nan"), float("nan")
    for _ in range(steps):
        if fc < fd:
            b, d, fd = d, c, fc
            c = b - g * (b - a)
            fc = cost(c)
        else:
            a, c, fc = c, d, fd
            d = a + g * (b - a)
            fd = cost(d)
    return (c, fc) if fc < fd else (d, fd)


def solve_camera(tracks: Tracks, fov_deg: float | None = None, cfg: TrackConfig = TrackConfig()) -> TrackResult:
    """Camera poses from feature tracks (see the module docstring).

    Args:
        tracks: from :func:`track_features`. fov_deg: horizontal FOV in degrees (0 < fov < 180), or None to
            estimate it (:func:`estimate_fov`). cfg: settings.
    Raises:
        ValueError: a bad FOV, a clip that cannot be tracked (no texture, one frame), saying what to do.
    """
    if tracks.frames < 2:
        raise ValueError("a camera needs at least 2 frames to track; the clip has 1")
    if fov_deg is not None:
        if isinstance(fov_deg, bool) or not np.isfinite(fov_deg) or not 1.0 <= float(fov_deg) <= 170.0:
            raise ValueError(f"fov must be a horizontal field of view in degrees, 1..170, got {fov_deg}")
        return _solve(tracks, float(fov_deg), cfg)
    fov, _ = estimate_fov(tracks, cfg)
    if not np.isfinite(fov):
        res = _solve(tracks, DEFAULT_FOV, cfg)
        res.warnings.append(f"the FOV cannot be estimated from a pure rotation; {DEFAULT_FOV:.1f} degrees assumed "
                            "(give --fov)")
        return res
    res = _solve(tracks, fov, cfg)
    res.fov_estimated = True
    return res
