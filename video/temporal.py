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
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..core import ProgressFn
from ..core.frames import as_numpy_clip
from ..core.params import TEMPORAL as _TP
from .flow import (
    MIN_SIDE,
    FlowConfig,
    dis_flow,
    pixel_grid,
    resize_flow,
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
    work_size: int = 48          # long side of the grid the colour maps are fitted on (64: 2.43x -> 2.49x E_warp)
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
    h, w = fwd.shape[:2]
    smap = cv2.add(fwd, pixel_grid(h, w))  # x + F_ab
    r = cv2.add(fwd, cv2.remap(bwd, smap, None, cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE))
    rx, ry = cv2.split(r)
    v = cv2.exp(cv2.addWeighted(cv2.multiply(rx, rx), -1.0 / (tolerance * tolerance), cv2.multiply(ry, ry),
                                -1.0 / (tolerance * tolerance), 0.0))
    v[cv2.inRange(smap, (0.0, 0.0), (w - 1.0, h - 1.0)) == 0] = 0.0
    return v


def _up(x: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """``x`` (h,w[,c]) resized (bilinear) into ``dst`` (H,W[,c], float32, contiguous); returns ``dst``."""
    H, W = dst.shape[:2]
    cv2.resize(x, (W, H), dst=dst.reshape(H, W, -1) if dst.ndim == 3 and dst.shape[2] > 1 else dst.reshape(H, W),
               interpolation=cv2.INTER_LINEAR)
    return dst


def _step(src: np.ndarray, smap: np.ndarray, vis: np.ndarray, St: np.ndarray, log_t: np.ndarray | None,
          lam: float, s: TemporalSettings, gblur) -> np.ndarray:
    """One step of the recursive (exponential) temporal average on the grid. ``src`` (lh,lw,cc+1): a neighbour's
    running sums (colour sums, then their weight: its own small frame plus everything behind it on its side, in
    its geometry), brought into frame t's geometry by ``smap`` ((lh,lw,2) sampling map of the flow from t to the
    neighbour) and weighted by ``lam``, by ``vis`` ((lh,lw): the soft visibility of t's pixels) and by the
    agreement of the neighbour's running average with frame t's small image ``St`` (lh,lw,cc) (after a smooth
    relative gain is taken out when ``log_t`` = log(St + delta) is given: only misalignment or real change
    disagrees, not flicker). Returns frame t's share from that side ((lh,lw,cc+1), the same layout)."""
    cc = St.shape[2]
    # cubic (repeated linear warps would blur); the weight clamped where cubic undershoots
    wp = cv2.remap(src, smap, None, cv2.INTER_CUBIC, borderMode=cv2.BORDER_CONSTANT)
    wd = np.maximum(wp[..., cc:], 1e-3, out=wp[..., cc:])
    mean = wp[..., :cc] / wd
    np.maximum(mean, 0.0, out=mean)
    if log_t is not None:
        buf = np.empty_like(wp)  # [log ratio · visibility, visibility], blurred: the smooth relative gain
        np.log(mean + s.delta, out=buf[..., :cc])
        buf[..., :cc] -= log_t
        buf[..., :cc] *= vis[..., None]
        buf[..., cc] = vis
        bl = gblur(buf)
        g = np.exp(bl[..., :cc] / (bl[..., cc:] + 1e-4))
        g *= St
        mean -= g
    else:
        mean -= St
    d = np.abs(mean, out=mean).sum(-1)
    d *= 1.0 / (cc * s.gate)
    w = np.exp(-(d * d))
    w *= vis
    w *= np.float32(lam)
    wp *= w[..., None]
    return wp


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
    _check_settings(strength, sigma, detail)
    if T < 2 or strength == 0.0:
        yield from _passed_through(source(), T, strength)
        return
    run = _Run.start(T, _plan(T, shape, sigma, detail, settings), settings, strength, detail)
    tick = _ticker(on_progress, 2 * T)
    refs = reference() if reference is not None else None
    written, a = 0, -1
    for a, x in enumerate(source()):
        with _cv_threads(STREAM_CV_THREADS):
            run.analyse(a, _checked_frame(x, a, T, run.plan), _next_reference(refs, a, T))
        tick()
        while written <= a - run.plan.lag:
            with _cv_threads(STREAM_CV_THREADS):
                out = run.output(written)
            yield out
            written += 1
            tick()
    if a != T - 1:
        raise ValueError(f"the clip has fewer frames than announced ({a + 1} < {T})")
    while written < T:
        with _cv_threads(STREAM_CV_THREADS):
            out = run.output(written)
        yield out
        written += 1
        tick()


STREAM_CV_THREADS = 1
"""OpenCV threads of the stream's own work (set around each frame's analysis and output, restored before every
yield): the images are small and the calls many, so more threads mostly add hand-over cost, and the decoding and
encoding threads of a reader or writer beside the stream have the other cores."""


@contextmanager
def _cv_threads(n: int):
    """OpenCV on ``n`` threads inside the block, its previous setting restored after."""
    before = cv2.getNumThreads()
    cv2.setNumThreads(n)
    try:
        yield
    finally:
        cv2.setNumThreads(before)


def _passed_through(frames, T: int, strength: float):
    """The frames as float32 0..1 (clipped when the run is a no-op because strength is 0): one frame or none."""
    for f in frames:
        f = _as_float(f)
        yield np.clip(f, 0.0, 1.0) if strength == 0.0 and T >= 2 else f


def _ticker(on_progress: ProgressFn, total: int):
    """A function that reports one more step of ``total`` to ``on_progress`` (or does nothing without one)."""
    done = 0

    def tick():
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)
    return tick


def _checked_frame(x, a: int, T: int, plan: _Plan) -> np.ndarray:
    """Frame ``a`` of the stream as an array, after checking there are not more than ``T`` and its shape."""
    if a >= T:
        raise ValueError(f"the clip has more frames than announced ({T})")
    x = np.asarray(x)
    if x.shape != (plan.H, plan.W, plan.C):
        raise ValueError(f"frame {a} has shape {x.shape}, expected {(plan.H, plan.W, plan.C)}")
    return x


def _next_reference(refs, a: int, T: int) -> np.ndarray | None:
    """The reference's frame ``a`` as float 0..1 (None without a reference); a clear error if it ran out."""
    if refs is None:
        return None
    r = next(refs, None)
    if r is None:
        raise ValueError(f"the reference has fewer frames than the clip ({a} < {T})")
    return _as_float(r)


@dataclass(frozen=True)
class _Plan:
    """Sizes and reaches of one streamed run (from the clip's shape, sigma, detail and the settings).

    (H, W, C): the frames; cc: colour channels (a 4th, alpha, passes through); (fh, fw): the flow's resolution;
    (lh, lw): the grid the colour maps are fitted on (long side <= ``work_size``); K: reach of the colour fit
    towards the future, in frames (one backward sweep serves L = K frames); lam: per-frame decay of the recursive
    average; ssig, R: window and reach of the colour statistics; D: 1 where the detail average looks one frame
    back; passes: colour passes; fit_sigma, gate_sigma: the fit's and the gate's blurs, in grid pixels."""

    H: int
    W: int
    C: int
    cc: int
    fh: int
    fw: int
    lh: int
    lw: int
    K: int
    lam: float
    ssig: float
    R: int
    D: int
    passes: int
    fit_sigma: float
    gate_sigma: float

    @property
    def L(self) -> int:
        return self.K

    @property
    def lag(self) -> int:
        """Frames analysed ahead of the one written."""
        return self.passes * (self.L - 1 + self.K + self.R)


def _plan(T: int, shape, sigma: float, detail: float, s: TemporalSettings) -> _Plan:
    """The :class:`_Plan` of a run over T frames of ``shape`` (H,W,C)."""
    H, W, C = (int(v) for v in shape)
    fh, fw = min(H, max(MIN_SIDE, round(H * s.flow.scale))), min(W, max(MIN_SIDE, round(W * s.flow.scale)))
    k = min(1.0, s.work_size / max(fh, fw))
    lh, lw = max(8, round(fh * k)), max(8, round(fw * k))
    K = max(1, min(T - 1, int(math.ceil(2.5 * sigma))))
    ssig = min(sigma, 2.0) if s.stats_sigma is None else s.stats_sigma
    return _Plan(H, W, C, min(C, 3), fh, fw, lh, lw, K, _decay(sigma, K), ssig,
                 int(math.ceil(3 * ssig)) if ssig > 0 else 0, 1 if detail < 1.0 else 0, max(1, int(s.passes)),
                 max(2.0, s.fit_scale * max(lh, lw)), max(2.0, s.gate_scale * max(lh, lw)))


@dataclass
class _Pass:
    """What colour pass p holds, by frame index, dropped once behind the window. Pass 0 fits colour maps to the
    input's small frames, pass p > 0 to pass p-1's results, on the grid (the maps are smooth, so correcting the
    small frame is correcting the frame, then shrinking it); the flows are the same for every pass."""

    mu: np.ndarray          # (T, cc) per-channel means of the small frames the pass corrects
    sd: np.ndarray          # (T, cc) their standard deviations
    have_stats: np.ndarray  # (T,) bool: mu, sd known
    small: dict = field(default_factory=dict)    # (lh,lw,cc) small frame the pass corrects
    aff: dict = field(default_factory=dict)      # (cc,2) colour-statistics map
    maps: dict = field(default_factory=dict)     # (lh,lw,2cc) smooth colour map (after the statistics)
    blurred: dict = field(default_factory=dict)  # small frame after its statistics, blurred (what the fit compares)
    logs: dict = field(default_factory=dict)     # log(blurred + delta), the compensated gate's
    past: dict = field(default_factory=dict)     # frame v's share (lh,lw,cc+1) from frames < v (in order)
    fut: dict = field(default_factory=dict)      # frame v's share from frames > v (a backward sweep per block of L)
    next_past: int = 0

    def windowed(self) -> tuple[dict, ...]:
        return self.small, self.aff, self.maps, self.blurred, self.logs, self.past, self.fut


@dataclass
class _Run:
    """The state of one streamed run of :func:`iter_temporal_consistency`: what its window holds by frame index
    (input frames, corrected frames, flows on the grid and at the flow resolution, the detail average's previous
    frame, each pass's :class:`_Pass`) and the constants of the run. Its methods compute on demand and cache."""

    T: int
    plan: _Plan
    s: TemporalSettings
    strength: float
    detail: float
    passes: list[_Pass]
    grid: np.ndarray       # (lh,lw,2) pixel grid of the coarse remaps
    zero: np.ndarray       # (lh,lw,cc+1) a share with no weight
    identity: np.ndarray   # (cc,2) colour-statistics map that changes nothing
    flow_cfg: FlowConfig
    cuts: np.ndarray       # (T,) bool: cuts[u], a scene cut between u and u+1
    scratch: _Scratch      # full-resolution work arrays, reused every frame
    xs: dict = field(default_factory=dict)       # input frames as they came (uint8 stays uint8)
    fwd_vis: dict = field(default_factory=dict)  # grid: sampling map (lh,lw,2) of F_{u->u+1}, its visibility (lh,lw)
    bwd_vis: dict = field(default_factory=dict)  # grid: the same of F_{u+1->u}
    bfine: dict = field(default_factory=dict)    # F_{u+1->u} at the flow resolution, for the detail average
    vbf: dict = field(default_factory=dict)      # its visibility
    avg: dict = field(default_factory=dict)      # the denoised frame t-1 (the detail average's state)
    prev_thumb: np.ndarray | None = None
    prev_gray: np.ndarray | None = None

    @classmethod
    def start(cls, T: int, plan: _Plan, s: TemporalSettings, strength: float, detail: float) -> _Run:
        cc, lh, lw = plan.cc, plan.lh, plan.lw
        passes = [_Pass(np.zeros((T, cc)), np.ones((T, cc)), np.zeros(T, bool)) for _ in range(plan.passes)]
        return cls(T, plan, s, strength, detail, passes, pixel_grid(lh, lw),
                   np.zeros((lh, lw, cc + 1), np.float32),
                   np.stack([np.ones(cc), np.zeros(cc)], -1).astype(np.float32),
                   FlowConfig(s.flow.preset, 1.0, s.flow.refine, s.flow.finest_scale, s.flow.gd_iterations),
                   np.zeros(T, bool), _Scratch.of(plan.H, plan.W, cc))

    def blur(self, z: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(z, (0, 0), self.plan.fit_sigma, borderType=cv2.BORDER_REFLECT)

    def gblur(self, z: np.ndarray) -> np.ndarray:
        return cv2.GaussianBlur(z, (0, 0), self.plan.gate_sigma, borderType=cv2.BORDER_REFLECT)

    def small(self, p: int, v: int) -> np.ndarray:
        """Pass p's small frame v (pass 0's come from the frames; pass p > 0's are pass p-1's results)."""
        ps = self.passes[p]
        if v not in ps.small:
            ps.small[v] = _affine(_affine_stats(self.small(p - 1, v), self.aff(p - 1, v)), self.colour_map(p - 1, v),
                                  self.plan.cc)
        return ps.small[v]

    def aff(self, p: int, v: int) -> np.ndarray:
        """Pass p's (cc,2) colour-statistics map of frame v (its neighbours' smoothed mean and spread)."""
        ps, pl = self.passes[p], self.plan
        if v not in ps.aff:
            if pl.ssig <= 0:
                ps.aff[v] = self.identity
            else:
                lo, hi = max(0, v - pl.R), min(self.T, v + pl.R + 1)
                for w in range(lo, hi):
                    if not ps.have_stats[w]:
                        ps.mu[w], ps.sd[w] = frame_color_stats(self.small(p, w), pl.cc)
                        ps.have_stats[w] = True
                ps.aff[v] = color_stats_maps(ps.mu[lo:hi], ps.sd[lo:hi], pl.ssig, self.cuts[lo:hi - 1])[v - lo]
        return ps.aff[v]

    def blurred(self, p: int, v: int) -> np.ndarray:
        """Pass p's small frame v after its colour statistics, blurred (what the fit compares), with a channel
        of ones after its cc colours ((lh,lw,cc+1): the frame's own term in the running sums)."""
        ps, pl = self.passes[p], self.plan
        if v not in ps.blurred:
            b = np.ones((pl.lh, pl.lw, pl.cc + 1), np.float32)
            b[..., :pl.cc] = cv2.GaussianBlur(_affine_stats(self.small(p, v), self.aff(p, v)), (0, 0),
                                              1.0).reshape(pl.lh, pl.lw, pl.cc)
            ps.blurred[v] = b
        return ps.blurred[v]

    def log(self, p: int, v: int) -> np.ndarray | None:
        """log(blurred + delta) for the compensated gate; None with the raw gate."""
        if self.s.gate_mode != "compensated":
            return None
        ps = self.passes[p]
        if v not in ps.logs:
            ps.logs[v] = np.log(self.blurred(p, v)[..., :self.plan.cc] + self.s.delta)
        return ps.logs[v]

    def share(self, p: int, src: int, dst: int, side: dict, flows: dict) -> np.ndarray:
        """Frame dst's share ((lh,lw,cc+1): colour sums, weight) from its neighbour src (= dst -+ 1) and
        everything behind src on that side."""
        u = min(src, dst)
        if self.cuts[u] or u not in flows:
            return self.zero
        smap, vis = flows[u]
        return _step(self.blurred(p, src) + side[src], smap, vis, self.blurred(p, dst)[..., :self.plan.cc],
                     self.log(p, dst), self.plan.lam, self.s, self.gblur)

    def past(self, p: int, v: int) -> np.ndarray:
        """Frame v's share from the frames before it (carried forward one frame at a time, in order)."""
        ps = self.passes[p]
        while ps.next_past <= v:
            u = ps.next_past
            ps.past[u] = self.zero if u == 0 else self.share(p, u - 1, u, ps.past, self.bwd_vis)
            ps.next_past += 1
        return ps.past[v]

    def fut(self, p: int, v: int) -> np.ndarray:
        """Frame v's share from the frames after it: one backward sweep per block of L frames, from K beyond."""
        ps, pl = self.passes[p], self.plan
        if v not in ps.fut:
            b = v - v % pl.L
            e = min(self.T - 1, b + pl.L - 1 + pl.K)
            sweep = {e: self.zero}
            for u in range(e - 1, b - 1, -1):
                sweep[u] = self.share(p, u + 1, u, sweep, self.fwd_vis)
            for u in range(b, min(b + pl.L, e + 1)):
                ps.fut[u] = sweep[u]
        return ps.fut[v]

    def colour_map(self, p: int, v: int) -> np.ndarray:
        """Pass p's (lh,lw,2cc) smooth colour map of frame v, fitted towards its flow-aligned temporal average."""
        ps = self.passes[p]
        if v not in ps.maps:
            cc, b = self.plan.cc, self.blurred(p, v)
            tot = b + self.past(p, v)
            tot += self.fut(p, v)
            den = tot[..., cc]
            ps.maps[v] = _fit_map(b[..., :cc], tot[..., :cc] / tot[..., cc:], den, self.s, self.blur)
        return ps.maps[v]

    def corrected(self, t: int) -> np.ndarray:
        """Frame t through every pass (statistics and smooth colour map), one affine map applied at full
        resolution (bilinear: the maps are smooth). A new (H,W,cc) float32 array (it becomes the output)."""
        pl = self.plan
        H, W, cc = pl.H, pl.W, pl.cc
        gains, offsets = np.float32(1.0), np.float32(0.0)
        for p in range(pl.passes):  # each pass: its statistics (per channel), then its smooth colour map
            a, m = self.aff(p, t), self.colour_map(p, t)
            gains = gains * a[:, 0] * m[..., :cc]
            offsets = (offsets * a[:, 0] + a[:, 1]) * m[..., :cc] + m[..., cc:]
        x = self.xs[t][:, :, :cc]
        if x.dtype == np.uint8:  # the 1/255 goes into the gains
            gains *= np.float32(1 / 255)
        sc = self.scratch
        # uint8 frames multiplied as they are (OpenCV converts on the fly: no float copy of the frame)
        c = cv2.multiply(np.ascontiguousarray(x).reshape(H, W, cc), _up(gains, sc.gains), dtype=cv2.CV_32F)
        return cv2.add(c, _up(offsets, sc.offsets), dst=c).reshape(H, W, cc)

    def output(self, t: int) -> np.ndarray:
        """Result frame t ((H,W,C) float32, clipped, a new array); drops what no later frame needs."""
        pl = self.plan
        c = self.corrected(t)
        if pl.D:
            prev = self.avg.pop(t - 1, None) if t - 1 in self.bfine else None  # no flow across a cut
            c, self.avg[t] = _detail_step(c, prev, self.bfine.get(t - 1), self.vbf.get(t - 1), self.detail,
                                          self.scratch, t % 2)
        if pl.C > pl.cc or self.strength < 1.0:
            x = _as_float(self.xs[t])
            if pl.C > pl.cc:
                c = np.concatenate([c, x[:, :, pl.cc:]], -1)
            if self.strength < 1.0:
                c = x + self.strength * (c - x)
        for ps in self.passes:  # behind every later fit
            for d in ps.windowed():
                d.pop(t - pl.lag - 2, None)
        for d in (self.fwd_vis, self.bwd_vis):
            d.pop(t - pl.lag - 2, None)
        for d in (self.xs, self.bfine, self.vbf, self.avg):  # behind every later output
            d.pop(t - pl.D, None)
        return np.clip(c, 0.0, 1.0, out=c)

    def analyse(self, a: int, x: np.ndarray, r: np.ndarray | None) -> None:
        """Frame a on arrival: colour statistics, scene cut, small copy, the flows to its predecessor (from the
        reference frame ``r`` when given)."""
        pl, s = self.plan, self.s
        H, W, cc, fh, fw = pl.H, pl.W, pl.cc, pl.fh, pl.fw
        self.xs[a] = x  # as it came (uint8 frames stay uint8 until they are written)
        step = max(1, max(H, W) // 128)
        p0 = self.passes[0]
        p0.mu[a], p0.sd[a] = frame_color_stats(x[::step, ::step], cc)
        p0.have_stats[a] = True
        # one area resize of the full frame to the flow resolution (in float: uint8 frames then give what the
        # same frames as float give; their 1/255 applied after it); the rest is taken from it
        mid = cv2.resize(np.ascontiguousarray(x[:, :, :cc], dtype=np.float32), (fw, fh),
                         interpolation=cv2.INTER_AREA).reshape(fh, fw, cc)
        if x.dtype == np.uint8:
            mid *= np.float32(1 / 255)
        thumb = frame_thumb(mid, cc)
        if self.prev_thumb is not None:
            self.cuts[a - 1] = bool(scene_cuts(np.stack([self.prev_thumb, thumb]))[0])
        self.prev_thumb = thumb
        p0.small[a] = cv2.resize(mid, (pl.lw, pl.lh), interpolation=cv2.INTER_AREA).reshape(pl.lh, pl.lw, cc)
        if r is not None:
            g = _flow_gray(r, min(r.shape[0], max(MIN_SIDE, round(r.shape[0] * s.flow.scale))),
                           min(r.shape[1], max(MIN_SIDE, round(r.shape[1] * s.flow.scale))))
        else:
            g = _flow_gray(mid, fh, fw)
        if self.prev_gray is not None and not self.cuts[a - 1]:
            self.add_flows(a - 1, self.prev_gray, g)
        self.prev_gray = g

    def add_flows(self, u: int, ga: np.ndarray, gb: np.ndarray) -> None:
        """The flows between frames u and u+1 (their flow grays ``ga``, ``gb``) and their soft visibilities, on
        the grid and (for the detail average) the backward one at the flow resolution."""
        pl, s = self.plan, self.s
        ff, fb = dis_flow(ga, gb, self.flow_cfg, (pl.fh, pl.fw)), dis_flow(gb, ga, self.flow_cfg, (pl.fh, pl.fw))
        vf, vb = soft_visibility(ff, fb, s.fb_tolerance), soft_visibility(fb, ff, s.fb_tolerance)
        size = (pl.lh, pl.lw)
        self.fwd_vis[u] = (cv2.add(resize_flow(ff, size), self.grid),
                           cv2.resize(vf, size[::-1], interpolation=cv2.INTER_AREA))
        self.bwd_vis[u] = (cv2.add(resize_flow(fb, size), self.grid),
                           cv2.resize(vb, size[::-1], interpolation=cv2.INTER_AREA))
        if pl.D:
            self.bfine[u], self.vbf[u] = fb, vb



def _affine_stats(x: np.ndarray, aff_t: np.ndarray) -> np.ndarray:
    """(h,w,cc) small frame through a (cc, 2) colour-statistics map (scale, shift per channel)."""
    return x * aff_t[:, 0] + aff_t[:, 1]


def _affine(x: np.ndarray, m: np.ndarray, cc: int) -> np.ndarray:
    """(h,w,cc) through a (h,w,2cc) smooth colour map (gains, then offsets)."""
    return x * m[..., :cc] + m[..., cc:]


@dataclass
class _Scratch:
    """Full-resolution float32 work arrays of one run, reused every frame (no per-frame temporaries):
    gains, offsets (H,W,cc): the upsampled colour map; smap (H,W,2): the detail average's sampling map; warped
    (H,W,cc): the previous denoised frame warped; diff (H,W,cc); vis, weight (H,W); state: two (H,W,cc) denoised
    frames, used in turn (frame t's is the next frame's ``prev``)."""

    gains: np.ndarray
    offsets: np.ndarray
    smap: np.ndarray
    warped: np.ndarray
    diff: np.ndarray
    vis: np.ndarray
    weight: np.ndarray
    ones: np.ndarray
    state: tuple[np.ndarray, np.ndarray]

    @classmethod
    def of(cls, H: int, W: int, cc: int) -> _Scratch:
        def e(*shape):
            return np.empty((H, W, *shape), np.float32)
        return cls(e(cc), e(cc), e(2), e(cc), e(cc), e(), e(), np.ones((H, W), np.float32), (e(cc), e(cc)))


def _detail_step(c: np.ndarray, prev: np.ndarray | None, flow: np.ndarray | None, vis: np.ndarray | None,
                 detail: float, sc: _Scratch, slot: int) -> tuple[np.ndarray, np.ndarray]:
    """Recursive temporal denoising of one colour-corrected frame ``c`` ((H,W,cc) float): its pixels averaged with
    ``prev``, the previous frame's denoised pixels (same shape; None at a clip's start or after a cut) warped by
    ``flow`` (F_{t->t-1}, any resolution) and weighted by the visibility ``vis`` and by how well they agree with
    the frame, judged against the frame's own noise level (:data:`DETAIL_GATE`): noise and shimmer average out
    (the previous frame weighted :data:`PREV_WEIGHT`: about a five-frame average), while moving edges, uncovered
    background and the frames after a cut keep their own pixels. Returns (output, denoised frame): the output keeps
    ``detail`` of the frame's own pixels (written into ``c`` when detail > 0); the denoised frame is the next
    step's ``prev``, written into ``sc.state[slot]`` when detail > 0 (else a new array, the output itself)."""
    if prev is None:
        return c, c
    H, W, cc = c.shape
    wp = cv2.remap(prev, _sampling_map_into(flow, sc.smap), None, cv2.INTER_LINEAR, dst=sc.warped,
                   borderMode=cv2.BORDER_REPLICATE).reshape(H, W, cc)
    v = _up(vis, sc.vis)
    sig = _noise_level(wp[::8, ::8] - c[::8, ::8], v[::8, ::8], PREV_SPREAD)
    lo, hi = DETAIL_GATE[0] * sig, DETAIL_GATE[1] * sig
    cv2.absdiff(wp, c, dst=sc.diff)
    d = cv2.transform(sc.diff, np.full((1, cc), 1.0 / cc, np.float32), dst=sc.weight).reshape(H, W)
    w = cv2.blur(d, (5, 5), dst=d)  # 5x5 mean |difference| -> 1 .. 0 over the gate
    w *= np.float32(-1.0 / (hi - lo))
    w += np.float32(hi / (hi - lo))
    np.clip(w, 0.0, 1.0, out=w)
    w *= v
    w *= np.float32(PREV_WEIGHT)
    if detail <= 0:
        a = cv2.blendLinear(c, wp, sc.ones, w).reshape(H, W, cc)
        return a, a
    a = cv2.blendLinear(c, wp, sc.ones, w, dst=sc.state[slot]).reshape(H, W, cc)
    return cv2.addWeighted(a, 1.0 - detail, c, detail, 0.0, dst=c).reshape(H, W, cc), a


def _sampling_map_into(flow: np.ndarray, dst: np.ndarray) -> np.ndarray:
    """:func:`~.flow.sampling_map` of ``flow`` ((h,w,2), any resolution) at ``dst``'s size (H,W,2), written into
    ``dst``: the flow upsampled (bilinear) with its vectors scaled, plus the pixel grid."""
    H, W = dst.shape[:2]
    h, w = flow.shape[:2]
    if (h, w) != (H, W):  # the vectors scaled at the flow's resolution (bilinear resizing is linear)
        flow = cv2.multiply(flow, (W / w, H / h, 0, 0))
    cv2.resize(flow, (W, H), dst=dst, interpolation=cv2.INTER_LINEAR)
    return cv2.add(dst, pixel_grid(H, W), dst=dst)
