"""Video quality metrics for users and benchmarks (numpy or torch frames, float 0..1).

* :func:`warp_error` — E_warp of Lai et al. 2018 ("Learning Blind Video Temporal Consistency", eq. 8):

      E_warp(V) = 1/(T-1) · Σ_{t=1}^{T-1} [ Σ_i M_t(i) ‖V_t(i) − V̂_{t+1}(i)‖²₂ ] / Σ_i M_t(i)

  V̂_{t+1} is frame t+1 backward-warped to frame t with the optical flow F_{t→t+1} computed on the *input*
  video (``flow_frames``; default the frames themselves), M_t is the non-occlusion mask of Ruder et al. 2016
  (forward-backward check plus motion boundaries, thresholds 0.01/0.5 and 0.01/0.002), ‖·‖²₂ runs over the RGB
  values of a pixel (values in 0..1). Lai et al. used FlowNet2; we use OpenCV DIS (medium preset, full
  resolution) — no downloads, so absolute numbers are comparable between runs of this pack, not to the paper.
  Their released code divides by the mask's size times 3 (a 3-channel mask image): ``channel_mean=True``.
* :func:`flicker_index` — mean |Δ mean luma| between consecutive frames (Rec.709 luma, 0..1).
* :func:`psnr`, :func:`ssim` (Wang et al. 2004: 11×11 Gaussian window σ=1.5, K1=0.01, K2=0.03, per channel).
* :func:`hf_energy_ratio` — high-frequency energy (frame minus its Gaussian blur, σ=1.5) of ``frames`` over that of
  ``reference``: < 1 means detail was lost, > 1 detail (or noise) was added.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass

import cv2
import numpy as np

from ..core.frames import luma, to_numpy
from .flow import FlowConfig, backward_warp, dis_flow, occlusion_mask, resize_flow, to_gray_u8

EWARP_FLOW = FlowConfig("medium", 1.0)



def psnr(a, b, data_range: float = 1.0) -> float:
    """Peak signal-to-noise ratio in dB over all values (inf when equal)."""
    a, b = to_numpy(a), to_numpy(b)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    mse = float(np.mean((a.astype(np.float64) - b) ** 2))
    return float("inf") if mse == 0 else 10.0 * np.log10(data_range ** 2 / mse)


def _ssim_2d(x: np.ndarray, y: np.ndarray, data_range: float) -> float:
    c1, c2 = (0.01 * data_range) ** 2, (0.03 * data_range) ** 2
    blur = lambda z: cv2.GaussianBlur(z, (11, 11), 1.5, borderType=cv2.BORDER_REFLECT)  # noqa: E731
    mx, my = blur(x), blur(y)
    sxx = blur(x * x) - mx * mx
    syy = blur(y * y) - my * my
    sxy = blur(x * y) - mx * my
    s = ((2 * mx * my + c1) * (2 * sxy + c2)) / ((mx * mx + my * my + c1) * (sxx + syy + c2))
    return float(s[5:-5, 5:-5].mean()) if min(s.shape) > 10 else float(s.mean())


def ssim(a, b, data_range: float = 1.0) -> float:
    """Mean SSIM of two images (H,W[,C]) or clips (B,H,W,C): averaged over channels and frames."""
    a, b = to_numpy(a).astype(np.float64), to_numpy(b).astype(np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    if a.ndim == 2:
        return _ssim_2d(a, b, data_range)
    if a.ndim == 3:
        return float(np.mean([_ssim_2d(a[..., c], b[..., c], data_range) for c in range(a.shape[2])]))
    return float(np.mean([ssim(x, y, data_range) for x, y in zip(a, b, strict=True)]))



def flicker_index(frames) -> float:
    """Mean absolute change of the mean luma between consecutive frames ([B,H,W,C], 0..1); 0 for one frame."""
    f = to_numpy(frames)
    if f.shape[0] < 2:
        return 0.0
    m = luma(f).reshape(f.shape[0], -1).mean(1)
    return float(np.abs(np.diff(m)).mean())


def hf_energy(frames, sigma: float = 1.5) -> float:
    """Mean squared high-pass (frame − Gaussian blur σ) over a clip [B,H,W,C] or an image [H,W,C]."""
    f = to_numpy(frames)
    f = f[None] if f.ndim == 3 else f
    tot = 0.0
    for fr in f:
        hp = fr - cv2.GaussianBlur(fr, (0, 0), sigma, borderType=cv2.BORDER_REFLECT).reshape(fr.shape)
        tot += float(np.mean(hp.astype(np.float64) ** 2))
    return tot / len(f)


def hf_energy_ratio(frames, reference, sigma: float = 1.5) -> float:
    """hf_energy(frames) / hf_energy(reference): detail kept (1 = same, < 1 = blurred)."""
    return hf_energy(frames, sigma) / max(hf_energy(reference, sigma), 1e-12)


def warp_error(frames, flow_frames=None, channel_mean: bool = False, config: FlowConfig = EWARP_FLOW,
               on_progress: Callable[[int, int], None] | None = None) -> float:
    """E_warp (Lai et al. 2018, see module docstring) of ``frames`` [T,H,W,C] 0..1. Flows and occlusion come from
    ``flow_frames`` (same T; any size — flows are resized) or, when None, from ``frames``. Pairs are streamed
    (one pair's flows in memory). Returns 0.0 for a single frame."""
    f = to_numpy(frames)
    src = f if flow_frames is None else to_numpy(flow_frames)
    if f.ndim != 4 or src.ndim != 4:
        raise ValueError("warp_error needs clips [T,H,W,C]")
    if src.shape[0] != f.shape[0]:
        raise ValueError(f"flow_frames has {src.shape[0]} frames, frames has {f.shape[0]}: they must match")
    T, H, W, C = f.shape
    if T < 2:
        return 0.0
    total = 0.0
    g_next = to_gray_u8(src[0])
    for t in range(T - 1):
        g_cur, g_next = g_next, to_gray_u8(src[t + 1])
        fwd = dis_flow(g_cur, g_next, config)
        bwd = dis_flow(g_next, g_cur, config)
        occ = occlusion_mask(fwd, bwd, motion_boundaries=True)
        if fwd.shape[:2] != (H, W):
            fwd = resize_flow(fwd, (H, W))
            occ = cv2.resize(occ.astype(np.uint8), (W, H), interpolation=cv2.INTER_NEAREST).astype(bool)
        warped = backward_warp(f[t + 1], fwd)
        noc = ~occ
        n = int(noc.sum())
        d2 = ((f[t].astype(np.float64) - warped) ** 2).sum(-1)
        err = float(d2[noc].sum()) if n else float(d2.sum())
        n = n if n else H * W
        total += err / (n * (C if channel_mean else 1))
        if on_progress is not None:
            on_progress(t + 1, T - 1)
    return total / (T - 1)


@dataclass
class QualityReport:
    """Metrics of one clip (and, with a reference, how it compares)."""

    frames: int
    width: int
    height: int
    flicker_index: float
    warp_error: float
    warp_error_reference: float | None = None
    warp_error_ratio: float | None = None
    psnr: float | None = None
    ssim: float | None = None
    hf_energy_ratio: float | None = None

    def to_dict(self) -> dict:
        return asdict(self)

    def format(self) -> str:
        lines = [f"{self.frames} frames {self.width}x{self.height}",
                 f"flicker index (mean |Δ luma|): {self.flicker_index:.5f}",
                 f"E_warp (Lai et al. 2018, DIS flow): {self.warp_error:.6f}"]
        if self.warp_error_reference is not None:
            lines.append(f"E_warp of the reference: {self.warp_error_reference:.6f} "
                         f"(ratio {self.warp_error_ratio:.3f})")
        if self.psnr is not None:
            lines.append(f"PSNR to reference: {self.psnr:.2f} dB, SSIM {self.ssim:.4f}")
            lines.append(f"HF energy ratio (detail kept): {self.hf_energy_ratio:.3f}")
        return "\n".join(lines)


def quality_report(frames, reference=None, on_progress=None) -> QualityReport:
    """Metrics of ``frames`` [T,H,W,C]; with ``reference`` (same shape, e.g. the clip before processing) also
    PSNR/SSIM/HF ratio against it and E_warp of both (flow from the reference, as Lai et al. do)."""
    f = to_numpy(frames)
    if f.ndim != 4 or f.shape[0] == 0:
        raise ValueError(f"frames must be a non-empty clip [T,H,W,C]; got {tuple(f.shape)}")
    T, H, W, _ = f.shape
    rep = QualityReport(frames=T, width=W, height=H, flicker_index=flicker_index(f), warp_error=0.0)
    if reference is None:
        rep.warp_error = warp_error(f, on_progress=on_progress)
        return rep
    r = to_numpy(reference)
    if r.shape != f.shape:
        raise ValueError(f"reference has shape {tuple(r.shape)}, frames {tuple(f.shape)}: they must match")
    rep.warp_error = warp_error(f, r, on_progress=on_progress)
    rep.warp_error_reference = warp_error(r)
    rep.warp_error_ratio = rep.warp_error / max(rep.warp_error_reference, 1e-12)
    rep.psnr = psnr(f, r)
    rep.ssim = ssim(f, r)
    rep.hf_energy_ratio = hf_energy_ratio(f, r)
    return rep
