"""Temporal consistency for generated clips (blind: no clean reference exists), with no learned model.

Generated frames flicker at low spatial frequencies (exposure, white balance, soft gain fields) and shimmer or carry
noise in the fine detail. Pipeline for a clip ``I_0..I_{T-1}`` ((H,W,C) float 0..1, or uint8), read once:

1. **On arrival**, per frame: per-channel colour statistics, a scene-cut test against its predecessor (small,
   normalised grays that hardly correlate), a small copy on a coarse grid (long side ``work_size``) and the DIS
   optical flows to its predecessor with a soft forward-backward visibility. The flow sees the high-passed log of
   the frame's small gray (:func:`_flow_gray`), so a smooth gain field or a brightness flicker is not motion.
2. **Colour statistics**: each frame's mean and standard deviation are matched to their Gaussian average over a
   short window (``min(sigma, 2)`` frames) within its shot.
3. **Flow-guided colour correction** (after Bonneel et al. 2015 / Lai et al. 2018): on the grid, every frame is
   compared with the flow-aligned average of its neighbours, a two-sided recursive (exponential) average: each
   side's running sums are carried one frame along the flow (bicubic, so repeated warps do not blur) and decay by
   ``lam`` a frame (the same total weight as a Gaussian over ``sigma`` frames). Past frames are carried forward
   once per frame; the future side is swept backwards once per block of ``K`` frames from ``K`` frames beyond
   the block. The sums stop where the visibility fails (occlusion, frame border) or at a cut, and are
   down-weighted where their average disagrees with the frame after a smooth relative gain is taken out
   (misalignment or real change, not flicker). A smooth per-channel map ``a_t·S_t + b_t`` (weighted local least
   squares, regularised towards a = 1: a guided-filter fit) moves the frame towards that aligned average. Stages 2-3
   run ``passes`` times on the grid (a pass fits the previous pass's result); all passes compose into one affine
   map applied at full resolution, so detail is kept.
4. **Detail** (``detail`` < 1): each corrected frame is mixed with the flow-aligned average of its two corrected
   neighbours, a neighbour's pixel counting by its visibility and by its agreement with the frame measured against
   the frame's own noise level (:data:`DETAIL_GATE`): noise and shimmer average out (temporal denoising), moving
   edges, uncovered background and the frames either side of a cut keep their own pixels.

A frame is written once the frames its correction depends on have arrived (``passes·(2K - 1 + R) + 1`` later: K, R
the reaches of stages 3 and 2), so only that window is held, whatever the clip's length. ``strength`` blends the result
with the input (0 = unchanged, 1 = full correction). Alpha (4th channel) passes through untouched. With ``reference``
(e.g. the 2.5D render or the original frames) the flow comes from the reference.
"""


from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..core import ProgressFn
from ..core.frames import as_numpy_clip
from ..core.params import TEMPORAL as _TP
from .flow import (
    MIN_SIDE,
    FlowConfig,
    backward_warp,
    dis_flow,
    out_of_frame_mask,
    pixel_grid,
    remap,
    resize_flow,
    sampling_map,
)

if TYPE_CHECKING:  # torch only inside the functions that return tensors: the CLI runs without it
    import torch


@dataclass(frozen=True)
class TemporalSettings:
    """Knobs of :func:`temporal_consistency` beyond the user-facing three."""

    gate: float = 0.06           # disagreement (0..1, smooth relative gain removed) that stops trusting a neighbour
    fb_tolerance: float = 5.0    # forward-backward residual (flow pixels) of the soft visibility
    fit_scale: float = 1 / 24    # Gaussian window of the local colour fit, as a fraction of the longer side
    eps: float = 1e-2            # regulariser of the local gain (pulls it towards 1 in flat regions)
    gate_mode: str = "compensated"  # "compensated": gate after removing a smooth relative gain; "raw"
    gate_scale: float = 1 / 16    # window of that smooth relative gain, as a fraction of the longer side
    fit: str = "affine"          # "affine": local regression (guided-filter fit); "gain": log-ratio gain + offset
    delta: float = 0.05          # regulariser of the log ratio (dark pixels)
    work_size: int = 64          # long side of the grid the colour maps are fitted on
    passes: int = 2              # colour passes on the grid (a pass fits the previous pass's result; same flows)
    flow: FlowConfig = FlowConfig("fast", 0.25)
    stats_sigma: float | None = None  # window of the colour-statistics match; None = min(sigma, 2); 0 = off



def _gauss_weights(T: int, sigma: float) -> np.ndarray:
    """(T,T) row-normalised Gaussian temporal weights."""
    idx = np.arange(T)
    w = np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / max(sigma, 1e-3)) ** 2)
    return w / w.sum(1, keepdims=True)


def frame_color_stats(frame: np.ndarray, cc: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation (float64, (cc,) each) of one (H,W,C) frame (float 0..1, or
    uint8 read as 0..1), on every ``max(H,W)//128``-th pixel."""
    H, W = frame.shape[:2]
    step = max(1, int(max(H, W) // 128))
    m, sd = cv2.meanStdDev(np.ascontiguousarray(frame[::step, ::step, :cc]))  # float64 sums, any depth
    k = 1 / 255 if frame.dtype == np.uint8 else 1.0  # uint8 frames: the same statistics of the 0..1 values
    return m.ravel()[:cc] * k, sd.ravel()[:cc] * k + 1e-4


def _channel_mean(frame: np.ndarray, cc: int) -> np.ndarray:
    """(H,W) float32 mean of the first ``cc`` channels of an (H,W,C) float frame (one OpenCV pass)."""
    if cc == 1:
        return np.ascontiguousarray(frame[:, :, 0], dtype=np.float32)
    x = np.ascontiguousarray(frame[:, :, :cc], dtype=np.float32)
    return cv2.transform(x, np.full((1, cc), 1.0 / cc, np.float32)).reshape(frame.shape[:2])


CUT_CORRELATION = 0.3
"""Neighbouring frames whose small grays correlate less than this are a scene cut: statistics do not mix across."""


def frame_thumb(frame: np.ndarray, cc: int) -> np.ndarray:
    """A 64x36 gray of an (H,W,C) frame: log, minus its blur (so gain fields, flicker, drop out), zero mean and unit
    variance, flattened: what :func:`scene_cuts` compares."""
    g = _channel_mean(frame, cc)
    g = np.log(cv2.resize(np.ascontiguousarray(g, dtype=np.float32), (64, 36), interpolation=cv2.INTER_AREA) + 0.05)
    g = (g - cv2.GaussianBlur(g, (0, 0), 4.0)).ravel()  # log, high-passed: a smooth gain field drops out
    return (g - g.mean()) / (g.std() + 1e-4)


def scene_cuts(thumbs: np.ndarray, threshold: float = CUT_CORRELATION) -> np.ndarray:
    """(T-1,) bool: a cut between frames t and t+1, where their :func:`frame_thumb` grays correlate less than
    ``threshold`` (a different picture, not the same one brighter, darker or moved a little)."""
    corr = (thumbs[:-1] * thumbs[1:]).mean(1)
    return corr < threshold


def color_stats_maps(mu: np.ndarray, sd: np.ndarray, sigma: float, cuts: np.ndarray | None = None) -> np.ndarray:
    """(T,C,2) affine maps (scale, shift) that give every frame the Gaussian-smoothed (over ``sigma`` frames)
    mean ``mu`` and standard deviation ``sd`` ((T,C) each, :func:`frame_color_stats`) of its neighbours in the same
    shot (``cuts``: (T-1,) bool, :func:`scene_cuts`; a shot's colours are not pulled towards the next shot's)."""
    wts = _gauss_weights(mu.shape[0], sigma)
    if cuts is not None and cuts.any():
        shot = np.concatenate([[0], np.cumsum(cuts)])
        wts = wts * (shot[:, None] == shot[None, :])
        wts = wts / wts.sum(1, keepdims=True)
    mu_t, sd_t = wts @ mu, wts @ sd
    scale = np.clip(sd_t / sd, 0.5, 2.0)
    shift = mu_t - mu * scale
    return np.stack([scale, shift], -1).astype(np.float32)


def soft_visibility(fwd: np.ndarray, bwd: np.ndarray, tolerance: float) -> np.ndarray:
    """(H,W) float 0..1: how well ``x`` of frame a is matched in frame b, from the forward-backward residual
    ``r = |F_ab + F_ba(x + F_ab)|`` as ``exp(-(r / tolerance)²)``; 0 where ``x + F_ab`` leaves the frame. The low
    band is smooth, so a soft, tolerant check (in flow pixels) suits it better than the binary pixel-exact one."""
    r2 = ((fwd + backward_warp(bwd, fwd)) ** 2).sum(-1)
    v = np.exp(-r2 / (tolerance * tolerance))
    v[out_of_frame_mask(fwd)] = 0.0
    return v.astype(np.float32)


def _up(x: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    H, W = size
    out = cv2.resize(x, (W, H), interpolation=cv2.INTER_LINEAR)
    return out.reshape(H, W, -1)


def _step(num: np.ndarray, den: np.ndarray, fv: np.ndarray, St: np.ndarray, log_t: np.ndarray | None, lam: float,
          s: TemporalSettings, gblur, grid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One step of the recursive (exponential) temporal average on the grid: a neighbour's running sums
    ``num`` (lh,lw,cc) / ``den`` (lh,lw) (its own small frame plus everything behind it on its side, in its
    geometry) brought into frame t's geometry by ``fv`` ((lh,lw,3): the flow from t to the neighbour and the soft
    visibility of t's pixels), weighted by ``lam``, the visibility and the agreement of the neighbour's running
    average with frame t's small image ``St`` (after a smooth relative gain is taken out when ``log_t`` =
    log(St + delta) is given: only misalignment or real change disagrees, not flicker). Returns frame t's share
    ``(num, den)`` from that side."""
    lh, lw, cc = St.shape
    src = np.ascontiguousarray(np.concatenate([num, den[..., None]], -1))
    wp = cv2.remap(src, grid + fv[..., :2], None, cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)
    wn, wd = wp[..., :cc], np.maximum(wp[..., cc], 1e-3)  # cubic (repeated linear warps would blur): no undershoot
    mean = np.maximum(wn / wd[..., None], 0.0)
    vis = fv[..., 2]
    if log_t is not None:
        lr = (np.log(mean + s.delta) - log_t) * vis[..., None]
        bl = gblur(np.concatenate([lr, vis[..., None]], -1))
        g = np.exp(bl[..., :cc] / (bl[..., cc:] + 1e-4))
        d = np.abs(mean - g * St).sum(-1) * (1.0 / cc)
    else:
        d = np.abs(mean - St).sum(-1) * (1.0 / cc)
    w = np.float32(lam) * vis * np.exp(-((d / s.gate) ** 2))
    return wn * w[..., None], wd * w


def _fit_map(St: np.ndarray, A: np.ndarray, den: np.ndarray, s: TemporalSettings, blur) -> np.ndarray:
    """(lh, lw, 2C) smooth colour map (gain a, offset b) that moves the small image ``St`` towards its
    flow-aligned temporal average ``A`` (both (lh,lw,cc)); ``den`` (lh,lw): the average's total weight (1 = the
    frame alone), so the fit trusts the target where the neighbours contributed."""
    lh, lw, cc = St.shape
    wgt = (np.clip(den - 1.0, 0.0, 1.0) + 1e-3)[..., None]
    x, y = St, A
    if s.fit == "affine":
        m = blur(np.concatenate([wgt, wgt * x, wgt * y, wgt * x * y, wgt * x * x], -1))
        m = m[..., 1:] / m[..., :1]
        mx, my, mxy, mxx = m[..., :cc], m[..., cc:2 * cc], m[..., 2 * cc:3 * cc], m[..., 3 * cc:]
        a = np.clip((mxy - mx * my + s.eps) / (mxx - mx * mx + s.eps), 0.5, 2.0)
        b = my - a * mx
    else:  # "gain": smooth gain field from log ratios, then a smooth offset field from what is left
        mw = blur(wgt).reshape(lh, lw, 1)
        lr = np.log((y + s.delta) / (x + s.delta))
        a = np.exp(blur(wgt * lr).reshape(lh, lw, cc) / mw)
        b = blur(wgt * (y - a * x)).reshape(lh, lw, cc) / mw
    return np.concatenate([a, b], -1).astype(np.float32)


def _decay(sigma: float, K: int) -> float:
    """Per-frame decay of the recursive temporal average: the one whose weights (1, lam, lam², ...) add up on
    each side to the same total as a Gaussian window of ``sigma`` frames truncated at ``K``."""
    g = float(np.exp(-0.5 * (np.arange(1, K + 1) / max(sigma, 1e-3)) ** 2).sum())
    return g / (1.0 + g)


def _check_settings(strength: float, sigma: float, detail: float) -> None:
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"strength must be in 0..1, got {strength}")
    if not (math.isfinite(sigma) and 0.0 < sigma <= 1000.0):
        raise ValueError(f"sigma (temporal window in frames) must be in (0, 1000], got {sigma}")
    if not (math.isfinite(detail) and 0.0 <= detail <= 1.0):
        raise ValueError(f"detail must be in 0..1, got {detail}")


def temporal_consistency(frames, strength: float = _TP["strength"].default, sigma: float = _TP["sigma"].default,
                         detail: float = _TP["detail"].default, reference=None,
                         settings: TemporalSettings = TemporalSettings(),
                         on_progress: ProgressFn = None) -> torch.Tensor:
    """Deflicker, denoise and temporally stabilise a clip. frames: torch/numpy [B,H,W,C] float 0..1 (C = 1..4);
    strength 0..1; sigma: temporal window in frames (> 0); detail 0..1 (1 = keep each frame's own fine detail and
    noise; lower = the flow-aligned neighbours' agreeing detail replaces it: temporal denoising);
    reference: optional clip with the same frame count whose flow guides the smoothing (any size).
    Returns a float32 CPU tensor [B,H,W,C]. One frame is returned unchanged. Memory beyond the input and the
    output: a window of frames (:func:`iter_temporal_consistency`), whatever the length of the clip."""
    import torch

    arr = as_numpy_clip(frames, min_side=MIN_SIDE)
    T = arr.shape[0]
    _check_settings(strength, sigma, detail)
    ref = None
    if reference is not None:
        ref = as_numpy_clip(reference, "reference", min_side=MIN_SIDE)
        if ref.shape[0] != T:
            raise ValueError(f"reference has {ref.shape[0]} frames but frames has {T}: give one reference frame "
                             "per frame")
    if T < 2 or strength == 0.0:
        return torch.from_numpy(arr.copy())
    out = np.empty_like(arr)
    frames_out = iter_temporal_consistency(lambda: iter(arr), T, arr.shape[1:], strength, sigma, detail,
                                           None if ref is None else (lambda: iter(ref)), settings, on_progress)
    for t, f in enumerate(frames_out):
        out[t] = f
    return torch.from_numpy(out)


def _as_float(x) -> np.ndarray:
    """A frame as float32 0..1 (uint8 frames are scaled)."""
    x = np.asarray(x)
    if x.dtype == np.uint8:
        return x.astype(np.float32) * np.float32(1 / 255)
    return np.asarray(x, np.float32)


def _stats_corrected(x: np.ndarray, aff_t: np.ndarray, cc: int) -> np.ndarray:
    return x[:, :, :cc] * aff_t[:, 0] + aff_t[:, 1]


def _flow_gray(img: np.ndarray, h: int, w: int) -> np.ndarray:
    """(h, w) uint8 gray of an (H,W,C) float frame for the flow: the log of its small gray minus a wide blur of
    it (a high pass of the log), so that a gain field, a global gain or an offset flicker (smooth in space) does
    not look like motion to the flow, which matches the texture that is left."""
    g = cv2.resize(np.ascontiguousarray(img[:, :, :min(3, img.shape[2])]), (w, h), interpolation=cv2.INTER_AREA)
    g = np.log(_channel_mean(g.reshape(h, w, -1), g.size // (h * w)) + 0.05)
    g -= cv2.GaussianBlur(g, (0, 0), max(2.0, FLOW_HIGHPASS * max(h, w)), borderType=cv2.BORDER_REFLECT)
    return np.clip(g * (255.0 * FLOW_CONTRAST) + 128.5, 0, 255).astype(np.uint8)


FLOW_HIGHPASS = 1 / 32
"""Width of the blur taken off the flow's log gray, as a fraction of its longer side."""
FLOW_CONTRAST = 0.5
"""uint8 levels per unit of that high-passed log gray, over 255."""


DETAIL_GATE = (1.5, 2.5)
"""A flow-aligned neighbour's pixel counts fully in the detail average while its local difference to the frame
(5x5 mean of the channel-mean absolute difference) is below 1.5x the frame's estimated noise level, and not at all
above 2.5x: noise agrees within that band, a misaligned or newly uncovered pixel does not (no ghosting)."""


def _noise_level(diff: np.ndarray, weight: np.ndarray, spread: float = math.sqrt(2)) -> float:
    """Robust noise standard deviation of one frame from its difference to a flow-aligned neighbour
    ((h,w,cc), where ``weight`` (h,w) > 0.9; the caller passes every 8th pixel): 1.4826 · median |diff| /
    ``spread`` (√2 for a neighbour as noisy as the frame); at least 1/255."""
    d = np.abs(diff)[weight > 0.9]
    if d.size < 64:
        return 1 / 255
    return max(1 / 255, float(np.median(d)) * 1.4826 / spread)


PREV_WEIGHT = 2.0
"""Weight of the previous denoised frame (where it agrees) against the frame's own 1."""
PREV_SPREAD = math.sqrt(1 + 1 / (1 + 2 * PREV_WEIGHT))
"""Standard deviation of a frame's difference to the previous denoised frame, in units of the frame's noise:
the denoised frame keeps 1 / (1 + 2 PREV_WEIGHT) of the noise variance."""


def iter_temporal_consistency(source, T: int, shape, strength: float = _TP["strength"].default,
                              sigma: float = _TP["sigma"].default, detail: float = _TP["detail"].default,
                              reference=None, settings: TemporalSettings = TemporalSettings(),
                              on_progress: ProgressFn = None):
    """:func:`temporal_consistency` as a stream: yields the T result frames ((H,W,C) float32, clipped) in order.

    ``source()`` returns an iterator over the clip's T frames ((H,W,C) float 0..1 or uint8, ``shape`` = (H,W,C));
    it is called once. The clip is read once: each frame is analysed on arrival (colour statistics, scene cut,
    a small copy, the flows to its predecessor) and written out once the frames its correction depends on are in,
    about ``2.5·sigma + 8`` frames later; only that window is held (the input frames, their small copies and
    flows), so memory does not grow with T. ``reference``: None, or a function returning an iterator over the
    reference clip's T frames (any size), read alongside. ``on_progress(done, 2·T)``: once per frame analysed and
    once per frame written (the Cancel checkpoint of the node). Every argument as :func:`temporal_consistency`.
    """
    H, W, C = (int(v) for v in shape)
    _check_settings(strength, sigma, detail)
    if T < 2 or strength == 0.0:
        for f in source():
            f = _as_float(f)
            yield np.clip(f, 0.0, 1.0) if strength == 0.0 and T >= 2 else f
        return
    s = settings
    cc = min(C, 3)  # colour channels; a 4th (alpha) passes through
    total, done = 2 * T, 0

    def tick():
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    # working resolution (= flow resolution) and the coarser grid the fits live on (long side <= work_size)
    fh, fw = min(H, max(MIN_SIDE, round(H * s.flow.scale))), min(W, max(MIN_SIDE, round(W * s.flow.scale)))
    k = min(1.0, s.work_size / max(fh, fw))
    lh, lw = max(8, round(fh * k)), max(8, round(fw * k))
    flow_cfg = FlowConfig(s.flow.preset, 1.0, s.flow.refine, s.flow.finest_scale, s.flow.gd_iterations)
    fit_sigma = max(2.0, s.fit_scale * max(lh, lw))
    gate_sigma = max(2.0, s.gate_scale * max(lh, lw))
    blur = lambda z: cv2.GaussianBlur(z, (0, 0), fit_sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    gblur = lambda z: cv2.GaussianBlur(z, (0, 0), gate_sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    K = max(1, min(T - 1, int(math.ceil(2.5 * sigma))))  # reach of the colour fit towards the future
    lam = _decay(sigma, K)
    L = K  # frames whose future side one backward sweep serves
    ssig = min(sigma, 2.0) if s.stats_sigma is None else s.stats_sigma
    R = int(math.ceil(3 * ssig)) if ssig > 0 else 0  # reach of the colour statistics
    D = 1 if detail < 1.0 else 0  # the detail average looks one frame back
    passes = max(1, int(s.passes))
    lag = passes * (L - 1 + K + R)  # frames analysed ahead of the one written
    identity = np.stack([np.ones(cc), np.zeros(cc)], -1).astype(np.float32)

    # What the window holds, by frame index, dropped once behind it (mu, sd, cuts: a few numbers per frame).
    # Pass p fits colour maps to its small frames: pass 0 to the input's, pass p > 0 to pass p-1's results,
    # computed on the grid (the maps are smooth, so correcting the small frame is correcting the frame, then
    # shrinking it); the flows are the same for every pass.
    cuts = np.zeros(T, bool)  # cuts[u]: a scene cut between u and u+1
    xs, corr = {}, {}
    fwd_vis, bwd_vis = {}, {}  # grid (lh,lw,3): F_{u->u+1} / F_{u+1->u} and their soft visibilities
    bfine, vbf = {}, {}  # F_{u+1->u} and its visibility at the flow resolution, for the detail average
    mu = [np.zeros((T, cc)) for _ in range(passes)]
    sd = [np.ones((T, cc)) for _ in range(passes)]
    have_stats = [np.zeros(T, bool) for _ in range(passes)]
    small = [{} for _ in range(passes)]  # (lh,lw,cc) small frame that pass p corrects
    aff = [{} for _ in range(passes)]    # (cc, 2) colour-statistics map of pass p
    maps = [{} for _ in range(passes)]   # (lh,lw,2cc) smooth colour map of pass p (after its statistics)
    coarse = [*small, *aff, *maps, fwd_vis, bwd_vis]

    def get_small(p: int, v: int) -> np.ndarray:
        if v not in small[p]:  # p > 0 (pass 0's come from the frames)
            m = get_map(p - 1, v)
            small[p][v] = _affine(_affine_stats(small[p - 1][v], get_aff(p - 1, v)), m, cc)
        return small[p][v]

    def get_aff(p: int, v: int) -> np.ndarray:
        if v not in aff[p]:
            if ssig <= 0:
                aff[p][v] = identity
            else:
                lo, hi = max(0, v - R), min(T, v + R + 1)
                for w in range(lo, hi):
                    if not have_stats[p][w]:
                        mu[p][w], sd[p][w] = frame_color_stats(get_small(p, w), cc)
                        have_stats[p][w] = True
                aff[p][v] = color_stats_maps(mu[p][lo:hi], sd[p][lo:hi], ssig, cuts[lo:hi - 1])[v - lo]
        return aff[p][v]

    class _Blurred(dict):  # Sb[v]: pass p's small frame after its colour statistics, blurred (what the fit compares)
        def __init__(self, p: int):
            super().__init__()
            self.p = p

        def __missing__(self, v):
            self[v] = b = cv2.GaussianBlur(_affine_stats(get_small(self.p, v), get_aff(self.p, v)), (0, 0),
                                           1.0).reshape(lh, lw, cc)
            return b

    Sb = [_Blurred(p) for p in range(passes)]
    coarse += Sb

    grid = pixel_grid(lh, lw)
    zero = (np.zeros((lh, lw, cc), np.float32), np.zeros((lh, lw), np.float32))
    logs = [{} for _ in range(passes)]   # log(Sb + delta), the compensated gate's
    past = [{} for _ in range(passes)]   # frame v's share (num, den) from frames < v (recursive, in order)
    fut = [{} for _ in range(passes)]    # frame v's share from frames > v (a backward sweep per block of L)
    next_past = [0] * passes
    coarse += [*logs, *past, *fut]

    def get_log(p: int, v: int):
        if s.gate_mode != "compensated":
            return None
        if v not in logs[p]:
            logs[p][v] = np.log(Sb[p][v] + s.delta)
        return logs[p][v]

    def share(p: int, src: int, dst: int, side: dict, flows: dict) -> tuple[np.ndarray, np.ndarray]:
        """Frame dst's share from its neighbour src (= dst -+ 1) and everything behind src on that side."""
        u = min(src, dst)
        if cuts[u] or u not in flows:
            return zero
        n, d = side[src]
        return _step(Sb[p][src] + n, 1.0 + d, flows[u], Sb[p][dst], get_log(p, dst), lam, s, gblur, grid)

    def get_past(p: int, v: int):
        while next_past[p] <= v:
            u = next_past[p]
            past[p][u] = zero if u == 0 else share(p, u - 1, u, past[p], bwd_vis)
            next_past[p] += 1
        return past[p][v]

    def get_fut(p: int, v: int):
        if v not in fut[p]:
            b = v - v % L
            e = min(T - 1, b + L - 1 + K)
            sweep = {e: zero}
            for u in range(e - 1, b - 1, -1):
                sweep[u] = share(p, u + 1, u, sweep, fwd_vis)
            for u in range(b, min(b + L, e + 1)):
                fut[p][u] = sweep[u]
        return fut[p][v]

    def get_map(p: int, v: int) -> np.ndarray:
        if v not in maps[p]:
            (pn, pd), (fn, fd) = get_past(p, v), get_fut(p, v)
            den = 1.0 + pd + fd
            A = (Sb[p][v] + pn + fn) / den[..., None]
            maps[p][v] = _fit_map(Sb[p][v], A, den, s, blur)
        return maps[p][v]

    def get_corr(t: int) -> np.ndarray:
        """Frame t through every pass (statistics and smooth colour map), one affine map applied at full
        resolution (bilinear: the maps are smooth)."""
        if t not in corr:
            m = np.concatenate([np.ones((lh, lw, cc), np.float32), np.zeros((lh, lw, cc), np.float32)], -1)
            for p in range(passes):
                m = _compose(_compose(m, get_aff(p, t)[None, None].transpose(0, 1, 3, 2).reshape(1, 1, 2 * cc), cc),
                             get_map(p, t), cc)
            x = xs[t][:, :, :cc]
            gains = np.ascontiguousarray(m[..., :cc])
            if x.dtype == np.uint8:  # the 1/255 goes into the gains
                gains *= np.float32(1 / 255)
            # uint8 frames multiplied as they are (OpenCV converts on the fly: no float copy of the frame)
            o = cv2.multiply(np.ascontiguousarray(x).reshape(H, W, cc), _up(gains, (H, W)).reshape(H, W, cc),
                             dtype=cv2.CV_32F)
            corr[t] = cv2.add(o, _up(np.ascontiguousarray(m[..., cc:]), (H, W))).reshape(H, W, cc)
        return corr[t]

    avg = {}  # the denoised frame t-1 (the detail average's state)

    def output(t: int) -> np.ndarray:
        c = get_corr(t)
        if D:
            prev = avg.pop(t - 1, None) if t - 1 in bfine else None  # no flow across a cut
            c, avg[t] = _detail_step(c, prev, bfine.get(t - 1), vbf.get(t - 1), detail)
        if C > cc or strength < 1.0:
            x = _as_float(xs[t])
            if C > cc:
                c = np.concatenate([c, x[:, :, cc:]], -1)
            if strength < 1.0:
                c = x + strength * (c - x)
        for d in coarse:  # behind every later fit
            d.pop(t - lag - 2, None)
        for d in (xs, corr, bfine, vbf, avg):  # behind every later output
            d.pop(t - D, None)
        return np.clip(c, 0.0, 1.0, out=c)

    refs = reference() if reference is not None else None
    prev_thumb = prev_g = None
    written = 0
    a = -1
    for a, x in enumerate(source()):
        if a >= T:
            raise ValueError(f"the clip has more frames than announced ({T})")
        x = np.asarray(x)
        if x.shape != (H, W, C):
            raise ValueError(f"frame {a} has shape {x.shape}, expected {(H, W, C)}")
        xs[a] = x  # as it came (uint8 frames stay uint8 until they are written)
        step = max(1, max(H, W) // 128)
        mu[0][a], sd[0][a] = frame_color_stats(x[::step, ::step], cc)
        have_stats[0][a] = True
        # one area resize of the full frame to the flow resolution (in float: uint8 frames then give what the
        # same frames as float give); the rest is taken from it
        mid = cv2.resize(np.ascontiguousarray(_as_float(x[:, :, :cc])), (fw, fh),
                         interpolation=cv2.INTER_AREA).reshape(fh, fw, cc)
        thumb = frame_thumb(mid, cc)
        if prev_thumb is not None:
            cuts[a - 1] = bool(scene_cuts(np.stack([prev_thumb, thumb]))[0])
        prev_thumb = thumb
        small[0][a] = cv2.resize(mid, (lw, lh), interpolation=cv2.INTER_AREA).reshape(lh, lw, cc)
        if refs is not None:
            r = next(refs, None)
            if r is None:
                raise ValueError(f"the reference has fewer frames than the clip ({a} < {T})")
            r = _as_float(r)
            g = _flow_gray(r, min(r.shape[0], max(MIN_SIDE, round(r.shape[0] * s.flow.scale))),
                           min(r.shape[1], max(MIN_SIDE, round(r.shape[1] * s.flow.scale))))
        else:
            g = _flow_gray(mid, fh, fw)
        if prev_g is not None and not cuts[a - 1]:
            u = a - 1
            ff, fb = dis_flow(prev_g, g, flow_cfg, (fh, fw)), dis_flow(g, prev_g, flow_cfg, (fh, fw))
            vf, vb = soft_visibility(ff, fb, s.fb_tolerance), soft_visibility(fb, ff, s.fb_tolerance)
            fwd_vis[u] = np.dstack([resize_flow(ff, (lh, lw)), cv2.resize(vf, (lw, lh), interpolation=cv2.INTER_AREA)])
            bwd_vis[u] = np.dstack([resize_flow(fb, (lh, lw)), cv2.resize(vb, (lw, lh), interpolation=cv2.INTER_AREA)])
            if D:
                bfine[u], vbf[u] = fb, vb
        prev_g = g
        tick()
        while written <= a - lag:
            yield output(written)
            written += 1
            tick()
    if a != T - 1:
        raise ValueError(f"the clip has fewer frames than announced ({a + 1} < {T})")
    while written < T:
        yield output(written)
        written += 1
        tick()


def _affine_stats(x: np.ndarray, aff_t: np.ndarray) -> np.ndarray:
    """(h,w,cc) small frame through a (cc, 2) colour-statistics map (scale, shift per channel)."""
    return x * aff_t[:, 0] + aff_t[:, 1]


def _affine(x: np.ndarray, m: np.ndarray, cc: int) -> np.ndarray:
    """(h,w,cc) through a (h,w,2cc) smooth colour map (gains, then offsets)."""
    return x * m[..., :cc] + m[..., cc:]


def _compose(first: np.ndarray, then: np.ndarray, cc: int) -> np.ndarray:
    """The affine map ``then ∘ first`` (both (h,w,2cc) or broadcastable: gains then offsets)."""
    return np.concatenate([first[..., :cc] * then[..., :cc], first[..., cc:] * then[..., :cc] + then[..., cc:]], -1)


def _detail_step(c: np.ndarray, prev: np.ndarray | None, flow: np.ndarray | None, vis: np.ndarray | None,
                 detail: float) -> tuple[np.ndarray, np.ndarray]:
    """Recursive temporal denoising of one colour-corrected frame ``c`` ((H,W,cc) float): its pixels averaged with
    ``prev``, the previous frame's denoised pixels (same shape; None at a clip's start or after a cut) warped by
    ``flow`` (F_{t->t-1}, any resolution) and weighted by the visibility ``vis`` and by how well they agree with
    the frame, judged against the frame's own noise level (:data:`DETAIL_GATE`): noise and shimmer average out
    (the previous frame weighted :data:`PREV_WEIGHT`: about a five-frame average), while moving edges, uncovered
    background and the frames after a cut keep their own pixels. Returns (output, denoised frame): the output keeps
    ``detail`` of the frame's own pixels; the denoised frame is the next step's ``prev``."""
    if prev is None:
        return c, c
    H, W, cc = c.shape
    wp = remap(prev, sampling_map(flow, (H, W)))
    v = cv2.resize(vis, (W, H), interpolation=cv2.INTER_LINEAR)
    sig = _noise_level(wp[::8, ::8] - c[::8, ::8], v[::8, ::8], PREV_SPREAD)
    lo, hi = DETAIL_GATE[0] * sig, DETAIL_GATE[1] * sig
    d = cv2.blur(cv2.transform(cv2.absdiff(wp, c), np.full((1, cc), 1.0 / cc, np.float32)).reshape(H, W), (5, 5))
    w = np.multiply(d, np.float32(-1.0 / (hi - lo)), out=d)  # 5x5 mean |difference| -> 1 .. 0 over the gate
    w += np.float32(hi / (hi - lo))
    np.clip(w, 0.0, 1.0, out=w)
    w *= v * np.float32(PREV_WEIGHT)
    den = np.ones((H, W), np.float32)
    a = cv2.blendLinear(c, wp, den, w).reshape(H, W, cc)
    out = cv2.addWeighted(a, 1.0 - detail, c, detail, 0.0).reshape(H, W, cc) if detail > 0 else a
    return out, a
