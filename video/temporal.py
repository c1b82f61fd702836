"""Temporal consistency for generated clips (blind: no clean reference exists), with no learned model.

Generated frames flicker at low spatial frequencies (exposure, white balance, soft gain fields) and shimmer in the
fine detail. Pipeline for a clip ``I_0..I_{T-1}`` ((H,W,C) float 0..1):

1. **Colour statistics**: each frame's per-channel mean and standard deviation are matched to their Gaussian
   average over a short temporal window (``min(sigma, 2)`` frames) within its shot (scene cuts: neighbours whose
   small, normalised grays hardly correlate) — removes most global gain/offset flicker.
2. **Flow-guided colour correction** (after Bonneel et al. 2015 / Lai et al. 2018): on a coarse grid (long side
   ``work_size``), every frame is compared with its neighbours aligned by DIS optical flow (flows composed along
   the chain; Gaussian weights over ``sigma`` frames, both time directions). A chain stops where the soft
   forward-backward check fails (occlusion, frame border) and a neighbour's pixel is down-weighted where it
   disagrees with the frame after a smooth relative gain is taken out (misalignment or real change, not flicker).
   A smooth per-channel map ``a_t·S_t + b_t`` (weighted local least squares in a Gaussian window, regularised
   towards a = 1: a guided-filter fit) moves the frame towards that aligned average; it is applied at full
   resolution, so detail is kept. Stages 1–2 run ``passes`` times (the second pass sees a calmer clip). With
   ``reference`` (e.g. the 2.5D render or the original frames) the flow comes from the reference.
3. **Detail** (optional, ``detail`` < 1): the result is mixed with the visibility-weighted, flow-aligned average
   of its neighbours to calm residual shimmer and noise (``detail`` = 1 keeps every frame's own detail).

``strength`` blends the result with the input (0 = unchanged, 1 = full correction). Alpha (4th channel) passes
through untouched. Flows are computed at ``flow.scale`` of the resolution; per-frame state lives on the coarse
grid, so a long clip costs memory mainly for its output.
"""


from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import TYPE_CHECKING

import cv2
import numpy as np

from ..core import ProgressFn
from ..core.frames import as_numpy_clip
from .flow import (
    MIN_SIDE,
    FlowConfig,
    backward_warp,
    dis_flow,
    out_of_frame_mask,
    remap,
    resize_flow,
    sampling_map,
    to_gray_u8,
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
    work_size: int = 128         # long side of the grid the colour maps are fitted on
    passes: int = 2              # run stages 1-2 again on the corrected clip (fresh flows, gates and fits)
    flow: FlowConfig = FlowConfig("medium", 0.25)
    stats_sigma: float | None = None  # window of the colour-statistics match; None = min(sigma, 2); 0 = off



def _gauss_weights(T: int, sigma: float) -> np.ndarray:
    """(T,T) row-normalised Gaussian temporal weights."""
    idx = np.arange(T)
    w = np.exp(-0.5 * ((idx[:, None] - idx[None, :]) / max(sigma, 1e-3)) ** 2)
    return w / w.sum(1, keepdims=True)


def frame_color_stats(frame: np.ndarray, cc: int) -> tuple[np.ndarray, np.ndarray]:
    """Per-channel mean and standard deviation (float64, (cc,) each) of one (H,W,C) frame, on every
    ``max(H,W)//128``-th pixel."""
    H, W = frame.shape[:2]
    step = max(1, int(max(H, W) // 128))
    small = frame[::step, ::step, :cc].reshape(-1, cc).astype(np.float64)
    return small.mean(0), small.std(0) + 1e-4


CUT_CORRELATION = 0.3
"""Neighbouring frames whose small grays correlate less than this are a scene cut: statistics do not mix across."""


def frame_thumb(frame: np.ndarray, cc: int) -> np.ndarray:
    """A 64x36 gray of an (H,W,C) frame: log, minus its blur (so gain fields, flicker, drop out), zero mean and unit
    variance, flattened: what :func:`scene_cuts` compares."""
    g = frame[:, :, :cc].mean(-1) if cc > 1 else frame[:, :, 0]
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


def _fit_frame(t, Sb, fwd, bwd, vis_f, vis_b, wk, K, s, blur, gblur, cuts=None) -> np.ndarray:
    """(lh, lw, 2C) smooth colour map (gain a, offset b) that moves frame t's small image Sb[t] towards the
    flow-aligned, occlusion-aware Gaussian-in-time average of its neighbours."""
    T, lh, lw, cc = Sb.shape
    num = Sb[t].copy()
    den = np.ones((lh, lw), np.float32)
    for direction in (1, -1):
        comp = np.zeros((lh, lw, 2), np.float32)  # F_{t -> t+k}
        trust = np.ones((lh, lw), np.float32)
        for k in range(1, K + 1):
            u = t + direction * (k - 1)
            v = u + direction
            if not 0 <= v < T or (cuts is not None and cuts[min(u, v)]):  # the clip's end, or a scene cut
                break
            step = fwd[u] if direction > 0 else bwd[v]
            vis = vis_f[u] if direction > 0 else vis_b[v]
            smap = sampling_map(comp)
            trust = np.minimum(trust, remap(vis, smap, border=cv2.BORDER_CONSTANT))
            comp = comp + remap(step, smap)
            sk = remap(Sb[v], sampling_map(comp)).reshape(lh, lw, cc)
            if s.gate_mode == "compensated":
                # flicker-invariant agreement: compare after a smooth relative gain (fitted over a wide
                # window) is taken out, so only misalignment / real change makes a pixel disagree
                lr = np.log((sk + s.delta) / (Sb[t] + s.delta)) * trust[..., None]
                g = np.exp(gblur(lr).reshape(lh, lw, cc) / (gblur(trust).reshape(lh, lw, 1) + 1e-4))
                d = np.abs(sk - g * Sb[t]).mean(-1)
            else:
                d = np.abs(sk - Sb[t]).mean(-1)
            w = wk[k] * trust * np.exp(-((d / s.gate) ** 2))
            num += w[..., None] * sk
            den += w
            if float(trust.max()) < 1e-3:
                break
    A = num / den[..., None]
    # confidence of the target: how much the neighbours contributed (0 when only the frame itself)
    conf = np.clip(den - 1.0, 0.0, 1.0)
    wgt = conf + 1e-3
    mw = blur(wgt).reshape(lh, lw, 1)
    x, y = Sb[t], A
    if s.fit == "affine":
        mx = blur(wgt[..., None] * x).reshape(lh, lw, cc) / mw
        my = blur(wgt[..., None] * y).reshape(lh, lw, cc) / mw
        cxy = blur(wgt[..., None] * x * y).reshape(lh, lw, cc) / mw - mx * my
        cxx = blur(wgt[..., None] * x * x).reshape(lh, lw, cc) / mw - mx * mx
        a = np.clip((cxy + s.eps) / (cxx + s.eps), 0.5, 2.0)
        b = my - a * mx
    else:  # "gain": smooth gain field from log ratios, then a smooth offset field from what is left
        lr = np.log((y + s.delta) / (x + s.delta))
        a = np.exp(blur(wgt[..., None] * lr).reshape(lh, lw, cc) / mw)
        b = blur(wgt[..., None] * (y - a * x)).reshape(lh, lw, cc) / mw
    return np.concatenate([a, b], -1).astype(np.float32)


def _check_settings(strength: float, sigma: float, detail: float) -> None:
    if not (math.isfinite(strength) and 0.0 <= strength <= 1.0):
        raise ValueError(f"strength must be in 0..1, got {strength}")
    if not (math.isfinite(sigma) and 0.0 < sigma <= 1000.0):
        raise ValueError(f"sigma (temporal window in frames) must be in (0, 1000], got {sigma}")
    if not (math.isfinite(detail) and 0.0 <= detail <= 1.0):
        raise ValueError(f"detail must be in 0..1, got {detail}")


def temporal_consistency(frames, strength: float = 1.0, sigma: float = 6.0, detail: float = 1.0,
                         reference=None, settings: TemporalSettings = TemporalSettings(),
                         on_progress: ProgressFn = None) -> torch.Tensor:
    """Deflicker and temporally stabilise a clip. frames: torch/numpy [B,H,W,C] float 0..1 (C = 1..4);
    strength 0..1; sigma: temporal window in frames (> 0); detail 0..1 (1 = keep each frame's own fine detail);
    reference: optional clip with the same frame count whose flow guides the smoothing (any size).
    Returns a float32 CPU tensor [B,H,W,C]. One frame is returned unchanged. The whole clip is held in memory;
    :func:`iter_temporal_consistency` streams a clip that is read again for every pass instead."""
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
                                           None if ref is None else (lambda: iter(ref)), settings, on_progress,
                                           keep=True)
    for t, f in enumerate(frames_out):
        out[t] = f
    return torch.from_numpy(out)


@dataclass
class _Pass:
    """What one pass learned: colour-statistics maps (T,cc,2), smooth colour maps (T,lh,lw,2cc) on the coarse
    grid, and the coarse flows and soft visibilities between neighbours ((T-1,lh,lw,2) / (T-1,lh,lw))."""

    aff: np.ndarray
    maps: np.ndarray
    fwd: np.ndarray | None
    bwd: np.ndarray | None
    vis_f: np.ndarray | None
    vis_b: np.ndarray | None


def _stats_corrected(x: np.ndarray, aff_t: np.ndarray, cc: int) -> np.ndarray:
    return x[:, :, :cc] * aff_t[:, 0] + aff_t[:, 1]


def _apply_pass(x: np.ndarray, t: int, p: _Pass, cc: int) -> np.ndarray:
    """Frame ``t`` ((H,W,C) float32) through a learned pass: colour statistics, then the smooth colour map at full
    resolution (bilinear upsampling: the maps are smooth). A 4th channel (alpha) passes through."""
    H, W = x.shape[:2]
    o = _stats_corrected(x, p.aff[t], cc)
    up = _up(p.maps[t], (H, W))
    o *= up[..., :cc]
    o += up[..., cc:]
    if x.shape[2] > cc:
        o = np.concatenate([o, x[:, :, cc:]], -1)
    return o


def iter_temporal_consistency(source, T: int, shape, strength: float = 1.0, sigma: float = 6.0,
                              detail: float = 1.0, reference=None, settings: TemporalSettings = TemporalSettings(),
                              on_progress: ProgressFn = None, keep: bool = False):
    """:func:`temporal_consistency` as a stream: yields the T result frames ((H,W,C) float32, clipped) in order.

    ``source()`` returns a fresh iterator over the clip's T frames ((H,W,C) float 0..1, ``shape`` = (H,W,C)); it
    is called ``2·passes + 1`` times (statistics and fit of every pass, then the output), so a clip on disk is read
    again instead of held: memory is the coarse per-frame state plus a few frames, whatever T. ``reference``: None,
    or a function returning a fresh iterator over the reference clip's T frames (any size). ``keep`` = hold each
    pass's result in memory (T frames) instead of recomputing it from the source: faster for in-memory clips.
    Every argument as :func:`temporal_consistency`, which checks them.
    """
    H, W, C = (int(v) for v in shape)
    _check_settings(strength, sigma, detail)
    if T < 2 or strength == 0.0:
        for f in source():
            yield np.clip(f, 0.0, 1.0) if strength == 0.0 and T >= 2 else f
        return
    s = settings
    cc = min(C, 3)  # colour channels; a 4th (alpha) passes through
    passes = max(1, int(s.passes))
    total = passes * 2 * T + T
    done = 0

    def tick():
        nonlocal done
        done += 1
        if on_progress is not None:
            on_progress(done, total)

    learned: list[_Pass] = []
    cuts: np.ndarray | None = None  # scene cuts, found in the first pass's statistics
    held: np.ndarray | None = None  # keep=True: the result of the passes so far

    def staged():
        """The clip through every pass learned so far, frame by frame."""
        if held is not None:
            yield from held
            return
        for t, x in enumerate(source()):
            x = np.asarray(x, dtype=np.float32)
            for p in learned:
                x = _apply_pass(x, t, p, cc)
            yield x

    # working resolution (= flow resolution) and the coarser grid the fits live on (long side <= work_size)
    fh, fw = min(H, max(MIN_SIDE, round(H * s.flow.scale))), min(W, max(MIN_SIDE, round(W * s.flow.scale)))
    k = min(1.0, s.work_size / max(fh, fw))
    lh, lw = max(8, round(fh * k)), max(8, round(fw * k))
    flow_cfg = FlowConfig(s.flow.preset, 1.0, s.flow.refine, s.flow.finest_scale, s.flow.gd_iterations)

    fit_sigma = max(2.0, s.fit_scale * max(lh, lw))
    gate_sigma = max(2.0, s.gate_scale * max(lh, lw))
    blur = lambda z: cv2.GaussianBlur(z, (0, 0), fit_sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    gblur = lambda z: cv2.GaussianBlur(z, (0, 0), gate_sigma, borderType=cv2.BORDER_REFLECT)  # noqa: E731

    def small(img: np.ndarray, h: int, w: int) -> np.ndarray:
        return cv2.resize(np.ascontiguousarray(img), (w, h), interpolation=cv2.INTER_AREA).reshape(h, w, -1)

    def ref_gray(img: np.ndarray) -> np.ndarray:
        rh, rw = img.shape[:2]
        rh, rw = min(rh, max(MIN_SIDE, round(rh * s.flow.scale))), min(rw, max(MIN_SIDE, round(rw * s.flow.scale)))
        return to_gray_u8(small(np.asarray(img, np.float32)[:, :, :min(3, img.shape[2])], rh, rw))

    for _ in range(passes):  # a second pass starts from a clip with less flicker: better flows, gates and fits
        # 1. colour statistics
        ssig = min(sigma, 2.0) if s.stats_sigma is None else s.stats_sigma
        if ssig > 0:
            stats, thumbs = [], []
            for x in staged():
                stats.append(frame_color_stats(x, cc))
                if cuts is None:
                    thumbs.append(frame_thumb(x, cc))
                tick()
            if cuts is None:
                cuts = scene_cuts(np.stack(thumbs))
            aff = color_stats_maps(np.stack([m for m, _ in stats]), np.stack([d for _, d in stats]), ssig, cuts)
        else:
            aff = np.zeros((T, cc, 2), np.float32)
            aff[..., 0] = 1.0
            for _t in range(T):
                tick()
        # small frames S_t and flows between neighbours, streamed pairwise
        S = np.empty((T, lh, lw, cc), np.float32)
        fwd = np.empty((T - 1, lh, lw, 2), np.float32)  # F_{t->t+1}
        bwd = np.empty((T - 1, lh, lw, 2), np.float32)  # F_{t+1->t}
        vis_f = np.empty((T - 1, lh, lw), np.float32)    # pixel of t visible in t+1 (soft)
        vis_b = np.empty((T - 1, lh, lw), np.float32)    # pixel of t+1 visible in t
        refs = reference() if reference is not None else None
        g_prev = None
        t = -1
        for t, x in enumerate(staged()):
            if t >= T:
                raise ValueError(f"the clip has more frames than announced ({T})")
            c = _stats_corrected(x, aff[t], cc)
            S[t] = small(c, lh, lw)
            if refs is not None:
                r = next(refs, None)
                if r is None:
                    raise ValueError(f"the reference has fewer frames than the clip ({t} < {T})")
                g = ref_gray(r)
            else:
                g = to_gray_u8(small(c, fh, fw))
            if g_prev is not None:
                ff = dis_flow(g_prev, g, flow_cfg)
                fb = dis_flow(g, g_prev, flow_cfg)
                vis_f[t - 1] = cv2.resize(soft_visibility(ff, fb, s.fb_tolerance), (lw, lh),
                                          interpolation=cv2.INTER_AREA)
                vis_b[t - 1] = cv2.resize(soft_visibility(fb, ff, s.fb_tolerance), (lw, lh),
                                          interpolation=cv2.INTER_AREA)
                fwd[t - 1] = resize_flow(ff, (lh, lw))
                bwd[t - 1] = resize_flow(fb, (lh, lw))
            g_prev = g
            tick()
        if t != T - 1:
            raise ValueError(f"the clip has fewer frames than announced ({t + 1} < {T})")
        # 2. for every frame t: the flow-aligned, occlusion-aware Gaussian-in-time average A_t of its neighbours
        #    (flows composed along the chain, every frame sampled once), then a smooth local affine colour map
        #    A_t ≈ a_t·S_t + b_t fitted per channel by weighted Gaussian-window least squares (a guided-filter fit,
        #    regularised towards a = 1). Flicker fields are smooth, so a, b are smooth too; applied at full
        #    resolution they correct brightness/colour without touching the detail.
        K = max(1, min(T - 1, int(math.ceil(2.5 * sigma))))
        wk = np.exp(-0.5 * (np.arange(K + 1) / sigma) ** 2)
        Sb = np.stack([cv2.GaussianBlur(x, (0, 0), 1.0).reshape(lh, lw, cc) for x in S])
        maps = np.stack([_fit_frame(t, Sb, fwd, bwd, vis_f, vis_b, wk, K, s, blur, gblur, cuts)
                         for t in range(T)])
        p = _Pass(aff, maps, fwd, bwd, vis_f, vis_b)
        if keep:  # 3. apply at full resolution, held for the next pass
            new = np.empty((T, H, W, C), np.float32)
            for t, x in enumerate(staged()):
                new[t] = _apply_pass(x, t, p, cc)
            held = new
        for old in learned:  # applying an earlier pass needs only its colour maps: its flows go
            old.fwd = old.bwd = old.vis_f = old.vis_b = None
        learned.append(p)

    last = learned[-1]
    originals = source() if strength < 1.0 else None

    def finish(t: int, o: np.ndarray) -> np.ndarray:
        if originals is not None:
            a = np.asarray(next(originals), np.float32)
            o = a + strength * (o - a)
        return np.clip(np.asarray(o, np.float32), 0.0, 1.0)

    # 4. optional flow-aligned averaging of the detail (residual shimmer): three result frames at a time
    frames = staged()
    prev, cur = None, next(frames)
    for t, nxt in enumerate(itertools.chain(frames, [None])):
        out = cur if detail >= 1.0 else _smooth_detail(prev, cur, nxt, t, last, detail, cc)
        yield finish(t, out)
        tick()
        prev, cur = cur, nxt


def _smooth_detail(prev, cur, nxt, t: int, p: _Pass, detail: float, cc: int) -> np.ndarray:
    """Frame ``cur`` (index t) mixed with the visibility-weighted, flow-aligned average of its neighbours
    ``prev``/``nxt`` (None at the ends): ``detail`` of its own detail is kept. Alpha passes through."""
    H, W = cur.shape[:2]
    acc = cur[:, :, :cc].copy()
    wsum = np.ones((H, W, 1), np.float32)
    if prev is not None:
        wv = _up(p.vis_b[t - 1], (H, W))
        acc += wv * remap(prev[:, :, :cc], sampling_map(p.bwd[t - 1], (H, W)))
        wsum += wv
    if nxt is not None:
        wv = _up(p.vis_f[t], (H, W))
        acc += wv * remap(nxt[:, :, :cc], sampling_map(p.fwd[t], (H, W)))
        wsum += wv
    out = cur.copy()
    out[:, :, :cc] = detail * cur[:, :, :cc] + (1.0 - detail) * (acc / wsum)
    return out
