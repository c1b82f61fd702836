"""Dense optical flow (OpenCV DIS), forward-backward occlusion masks and backward warping.

Conventions (all numpy, float32 unless noted):

* an image is ``(H, W, C)`` float in 0..1 (``C`` = 1..4) or ``(H, W)``;
* a flow ``F_ab`` is ``(H, W, 2)`` in pixels, ``(dx, dy)``: pixel ``x`` of frame *a* is seen at ``x + F_ab(x)``
  in frame *b*;
* :func:`backward_warp` ``(img_b, F_ab)`` samples ``img_b`` at ``x + F_ab(x)``, i.e. brings frame *b* into the
  geometry of frame *a*;
* masks are ``(H, W)`` bool, ``True`` = occluded / outside.

No model weights: DIS (Kroeger et al. 2016) ships with OpenCV.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

import cv2
import numpy as np

from ..core.errors import excerpt
from ..core.frames import luma

MIN_SIDE = 16
"""Smallest image side flow is computed at (DIS itself needs at least 12 px)."""

DIS_PRESETS = {
    "ultrafast": cv2.DISOPTICAL_FLOW_PRESET_ULTRAFAST,
    "fast": cv2.DISOPTICAL_FLOW_PRESET_FAST,
    "medium": cv2.DISOPTICAL_FLOW_PRESET_MEDIUM,
}


@dataclass(frozen=True)
class FlowConfig:
    """How to compute flow: DIS ``preset``, ``scale`` (compute at this fraction of the resolution, then upsample;
    1.0 = full resolution) and ``refine`` (variational refinement iterations; ``None`` = the preset's own)."""

    preset: str = "medium"
    scale: float = 1.0
    refine: int | None = None
    finest_scale: int | None = None  # DIS pyramid level the flow stops at (0 = full res); None = preset's
    gd_iterations: int | None = None

    def __post_init__(self):
        if self.preset not in DIS_PRESETS:
            raise ValueError(f"unknown DIS preset {excerpt(self.preset)}; use one of {sorted(DIS_PRESETS)}")
        if not (0.05 <= float(self.scale) <= 1.0):
            raise ValueError(f"flow scale must be in 0.05..1, got {self.scale}")


@dataclass
class FlowPair:
    """Flows and masks between frames *a* and *b*, all at the resolution they were asked for.

    fwd: ``F_ab`` (H,W,2); bwd: ``F_ba``; occ_fwd: pixels of *a* not visible in *b* (forward-backward check);
    occ_bwd: pixels of *b* not visible in *a*; oof_fwd: ``x + F_ab(x)`` falls outside *b*; oof_bwd likewise.
    """

    fwd: np.ndarray
    bwd: np.ndarray
    occ_fwd: np.ndarray
    occ_bwd: np.ndarray
    oof_fwd: np.ndarray
    oof_bwd: np.ndarray

    @property
    def shape(self) -> tuple[int, int]:
        return self.fwd.shape[:2]


def to_gray_u8(img: np.ndarray) -> np.ndarray:
    """(H,W,C) or (H,W) float 0..1 -> (H,W) uint8 luma (Rec.709, see core/frames), what DIS consumes."""
    img = np.asarray(img)
    if img.ndim == 3:
        img = luma(img)
    return np.clip(img * 255.0 + 0.5, 0, 255).astype(np.uint8)


@lru_cache(maxsize=8)
def _grid(h: int, w: int) -> tuple[np.ndarray, np.ndarray]:
    gx, gy = np.meshgrid(np.arange(w, dtype=np.float32), np.arange(h, dtype=np.float32))
    gx.flags.writeable = False
    gy.flags.writeable = False
    return gx, gy


def backward_warp(img: np.ndarray, flow: np.ndarray, interpolation: int = cv2.INTER_LINEAR,
                  border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """Sample ``img`` at ``x + flow(x)``. img (H,W[,C]) with C ≤ 4, flow (H,W,2) -> same shape as img."""
    h, w = flow.shape[:2]
    gx, gy = _grid(h, w)
    mx = gx + flow[..., 0]
    my = gy + flow[..., 1]
    out = cv2.remap(np.ascontiguousarray(img), mx, my, interpolation, borderMode=border)
    if img.ndim == 3 and out.ndim == 2:  # OpenCV drops a trailing singleton channel
        out = out[..., None]
    return out


def sampling_map(flow: np.ndarray, size: tuple[int, int] | None = None) -> np.ndarray:
    """The (H,W,2) float32 absolute sampling map ``x + flow(x)`` for ``cv2.remap(img, map, None, ...)``.
    With ``size`` = (H, W) different from the flow's, the flow is upsampled (bilinear) and scaled first."""
    h, w = flow.shape[:2]
    H, W = size or (h, w)
    gx, gy = _grid(h, w)
    if (H, W) == (h, w):
        return np.dstack([gx + flow[..., 0], gy + flow[..., 1]])
    # the vectors scaled at the low resolution (bilinear resizing is linear), then one add of the pixel grid
    up = cv2.resize(flow * np.array([W / w, H / h], np.float32), (W, H), interpolation=cv2.INTER_LINEAR)
    return cv2.add(up, pixel_grid(H, W))


@lru_cache(maxsize=4)
def pixel_grid(h: int, w: int) -> np.ndarray:
    """(h,w,2) float32 pixel coordinates (x, y) of every pixel (a remap map for no motion), cached, read-only."""
    g = np.dstack(_grid(h, w))
    g.flags.writeable = False
    return g


def remap(img: np.ndarray, smap: np.ndarray, interpolation: int = cv2.INTER_LINEAR,
          border: int = cv2.BORDER_REPLICATE) -> np.ndarray:
    """``cv2.remap`` with a map from :func:`sampling_map`, keeping a trailing channel axis."""
    out = cv2.remap(np.ascontiguousarray(img), smap, None, interpolation, borderMode=border)
    if img.ndim == 3 and out.ndim == 2:
        out = out[..., None]
    return out


def resize_flow(flow: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Resize a flow field to ``size`` = (H, W), scaling its vectors accordingly."""
    h, w = flow.shape[:2]
    H, W = size
    if (h, w) == (H, W):
        return flow
    out = cv2.resize(flow, (W, H), interpolation=cv2.INTER_LINEAR)
    out[..., 0] *= W / w
    out[..., 1] *= H / h
    return out




def dis_flow(gray_a: np.ndarray, gray_b: np.ndarray, config: FlowConfig = FlowConfig(),
             out_size: tuple[int, int] | None = None) -> np.ndarray:
    """DIS flow ``F_ab`` from uint8 grays (H,W). Computed at ``config.scale`` of the resolution and returned at
    ``out_size`` (H, W; default: the input size)."""
    h, w = gray_a.shape[:2]
    if gray_b.shape[:2] != (h, w):
        raise ValueError(f"frames differ in size: {gray_a.shape[:2]} vs {gray_b.shape[:2]}")
    size = out_size or (h, w)
    sh, sw = max(8, round(h * config.scale)), max(8, round(w * config.scale))
    if (sh, sw) != (h, w):
        gray_a = cv2.resize(gray_a, (sw, sh), interpolation=cv2.INTER_AREA)
        gray_b = cv2.resize(gray_b, (sw, sh), interpolation=cv2.INTER_AREA)
    dis = cv2.DISOpticalFlow_create(DIS_PRESETS[config.preset])
    if config.refine is not None:
        dis.setVariationalRefinementIterations(int(config.refine))
    if config.finest_scale is not None:
        dis.setFinestScale(int(config.finest_scale))
    if config.gd_iterations is not None:
        dis.setGradientDescentIterations(int(config.gd_iterations))
    flow = dis.calc(gray_a, gray_b, None)
    return resize_flow(flow, size)


def _sq(f: np.ndarray) -> np.ndarray:
    return f[..., 0] * f[..., 0] + f[..., 1] * f[..., 1]


def occlusion_mask(fwd: np.ndarray, bwd: np.ndarray, motion_boundaries: bool = True) -> np.ndarray:
    """Pixels of frame *a* that are occluded in *b* (Sundaram et al. 2010 / Ruder et al. 2016, as in the
    evaluation code of Lai et al. 2018): the forward-backward check

        |F_ab + F_ba(x + F_ab)|² > 0.01 (|F_ab|² + |F_ba(x + F_ab)|²) + 0.5

    or (``motion_boundaries``) a motion boundary ``|∇u|² + |∇v|² > 0.01 |F_ab|² + 0.002``
    (forward differences). fwd = ``F_ab``, bwd = ``F_ba`` (H,W,2) -> (H,W) bool in *a*'s geometry."""
    bwd_w = backward_warp(bwd, fwd)
    s = fwd + bwd_w
    mag_f = _sq(fwd)
    mask = _sq(s) > 0.01 * (mag_f + _sq(bwd_w)) + 0.5
    if motion_boundaries:
        du = np.zeros_like(fwd)
        dv = np.zeros_like(fwd)
        du[:, :-1] = fwd[:, :-1] - fwd[:, 1:]
        dv[:-1, :] = fwd[:-1, :] - fwd[1:, :]
        grad = _sq(du) + _sq(dv)
        mask |= grad > 0.01 * mag_f + 0.002
    return mask


def out_of_frame_mask(flow: np.ndarray) -> np.ndarray:
    """(H,W) bool: ``x + flow(x)`` lies outside the image."""
    h, w = flow.shape[:2]
    gx, gy = _grid(h, w)
    x = gx + flow[..., 0]
    y = gy + flow[..., 1]
    return (x < 0) | (x > w - 1) | (y < 0) | (y > h - 1)


def flow_pair(a: np.ndarray, b: np.ndarray, config: FlowConfig = FlowConfig(),
              out_size: tuple[int, int] | None = None, motion_boundaries: bool = False) -> FlowPair:
    """Both flows between images ``a`` and ``b`` (H,W[,C] float 0..1, or uint8 grays) with their occlusion and
    out-of-frame masks, returned at ``out_size`` (default: the images' size)."""
    ga = a if a.dtype == np.uint8 and a.ndim == 2 else to_gray_u8(a)
    gb = b if b.dtype == np.uint8 and b.ndim == 2 else to_gray_u8(b)
    fwd = dis_flow(ga, gb, config, out_size)
    bwd = dis_flow(gb, ga, config, out_size)
    return FlowPair(
        fwd=fwd, bwd=bwd,
        occ_fwd=occlusion_mask(fwd, bwd, motion_boundaries),
        occ_bwd=occlusion_mask(bwd, fwd, motion_boundaries),
        oof_fwd=out_of_frame_mask(fwd), oof_bwd=out_of_frame_mask(bwd),
    )
