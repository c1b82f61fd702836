"""Depth for the 2.5D renderer: the depth contract (loading, normalization, checks) and depth-edge detection.

The no-model estimate is ``render/estimate.py``.

Conventions (docs/architecture.md): a depth map is a torch tensor [H, W] of *z-depth* (distance along the optical
axis of the frame-0 camera, OpenCV axes), normalized so that its median is 1. All functions here are pure torch
(run on the device of their input) unless they read files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from ..core.errors import excerpt
from ..core.frames import per_frame_map
from ..core.params import DEPTH_KINDS

MAX_DEPTH_RATIO = 50.0
"""Depths are clamped to [median / MAX_DEPTH_RATIO, median * MAX_DEPTH_RATIO] (sky / zero disparity = far)."""


def normalize_depth(depth, kind: str = "depth") -> torch.Tensor:
    """Turn a raw depth or disparity map into normalized z-depth with median 1.

    Args:
        depth: [H, W] (or [1, H, W], [H, W, 1], [H, W, C] whose first channel is used) tensor or array.
            ``kind="depth"``: larger = farther; values <= 0 are "unknown" and become the farthest depth.
            ``kind="disparity"``: larger = nearer (MiDaS / Depth Anything style); 0 means infinitely far.
    Returns:
        float32 [H, W] on the input's device, median 1, values in [1/50, 50].
    Raises:
        ValueError: NaN/inf, all zeros (or no positive value), a constant disparity-free map, wrong rank.
    """
    if kind not in DEPTH_KINDS:
        raise ValueError(f"depth kind must be one of {DEPTH_KINDS}, got {excerpt(kind)}")
    d = torch.as_tensor(depth)
    d = _to_2d(d).float()
    if d.shape[0] < 2 or d.shape[1] < 2:
        raise ValueError(f"depth map must be at least 2x2 pixels, got {tuple(d.shape)}")
    if not bool(torch.isfinite(d).all()):
        raise ValueError("depth map contains NaN or inf: fix the depth source (or leave depth unconnected "
                         "to use the built-in estimate)")
    positive = d > 0
    if not bool(positive.any()):
        raise ValueError(f"{kind} map is all zeros (or has no positive value): it carries no depth; "
                         "check the depth source or leave depth empty")
    valid = d if bool(positive.all()) else d[positive]  # (boolean indexing costs more than the medians)
    if kind == "disparity":
        disp = d.clamp(min=float(valid.median()) / MAX_DEPTH_RATIO)
        z = 1.0 / disp
    else:
        z = torch.where(positive, d, valid.max())
    z = z / z.median()
    return z.clamp(1.0 / MAX_DEPTH_RATIO, MAX_DEPTH_RATIO).contiguous()


def _to_2d(d: torch.Tensor) -> torch.Tensor:
    if d.ndim == 4 and d.shape[0] == 1:  # a ComfyUI IMAGE batch of one [1, H, W, C]
        d = d[0]
    if d.ndim == 3:
        if d.shape[0] == 1:
            d = d[0]
        elif d.shape[-1] in (1, 3, 4):
            d = d[..., 0]
        else:
            raise ValueError(f"depth map must be [H, W] (or one channel of an image), got shape {tuple(d.shape)}")
    if d.ndim != 2:
        raise ValueError(f"depth map must be [H, W] (or one channel of an image), got shape {tuple(d.shape)}")
    return d


def check_depth(depth: torch.Tensor, height: int, width: int) -> torch.Tensor:
    """Validate a normalized depth for an image of ``height`` x ``width``; return it as float32 [H, W]."""
    if not isinstance(depth, torch.Tensor):
        raise ValueError(f"depth must be a torch tensor [H, W], got {type(depth).__name__}")
    if depth.ndim != 2:
        raise ValueError(f"depth must have shape [H, W] = [{height}, {width}], got {tuple(depth.shape)}")
    if tuple(depth.shape) != (height, width):
        raise ValueError(f"depth is {depth.shape[1]}x{depth.shape[0]} but the image is {width}x{height}: "
                         "resize the depth map to the image size")
    if not bool(torch.isfinite(depth).all()):
        raise ValueError("depth contains NaN or inf")
    if not bool((depth > 0).all()):
        raise ValueError("depth must be > 0 everywhere (all zeros or negative values given): pass it "
                         "through normalize_depth(depth, kind) first")
    return depth.float()


def load_depth_input(depth, kind: str, size: tuple[int, int], device) -> torch.Tensor:
    """A caller's depth input normalized by :func:`load_depth` on ``device``: an IMAGE batch ``[B, H, W, C]`` (its
    first map), a tensor or array, or a file path. An empty batch is refused saying what to connect."""
    if isinstance(depth, (torch.Tensor, np.ndarray)) and depth.ndim == 4:
        if depth.shape[0] < 1:
            raise ValueError("depth is an empty IMAGE batch: connect a depth map or leave depth empty")
        depth = depth[:1]
    if isinstance(depth, torch.Tensor):
        depth = depth.to(device)
    return load_depth(depth, kind, size=size).to(device)


def load_depth(path_or_tensor, kind: str = "depth", size: tuple[int, int] | None = None) -> torch.Tensor:
    """Load a depth map and normalize it (median 1).

    Args:
        path_or_tensor: a path to a 16-bit (or 8-bit) PNG / any image Pillow reads, a ``.npy`` array
            (loaded with ``allow_pickle=False``), or a tensor/array (e.g. a ComfyUI IMAGE [1, H, W, C]).
        kind: ``"depth"`` (larger = farther) or ``"disparity"`` (larger = nearer; most monocular depth
            models and ComfyUI depth preprocessors output this).
        size: optional ``(height, width)``; the map is resized (bilinear) when it differs and the aspect ratios
            agree within 2 %, otherwise ``ValueError``.
    Returns:
        float32 [H, W] tensor, median 1 (on the tensor's device; CPU for files).
    """
    if isinstance(path_or_tensor, (str, Path)):
        p = Path(path_or_tensor)
        if not p.is_file():
            raise FileNotFoundError(f"depth file not found: {p}")
        if p.suffix.lower() == ".npy":
            try:
                arr = np.load(p, allow_pickle=False)
            except ValueError as e:
                raise ValueError(f"cannot read {p.name} as a numeric .npy array: {e}") from None
            if not np.issubdtype(arr.dtype, np.number):
                raise ValueError(f"{p.name} does not hold numbers (dtype {arr.dtype})")
            t = torch.from_numpy(np.asarray(arr, dtype=np.float32))
        else:
            from PIL import Image, UnidentifiedImageError

            try:
                with Image.open(p) as im:
                    if im.mode in ("I;16", "I;16B", "I;16L", "I"):
                        arr = np.asarray(im, dtype=np.float32)
                    else:
                        arr = np.asarray(im.convert("L"), dtype=np.float32)
            except UnidentifiedImageError:
                raise ValueError(f"cannot read {p.name} as an image: use a 16-bit PNG or a .npy file") from None
            t = torch.from_numpy(arr)
    else:
        t = torch.as_tensor(path_or_tensor)
    z = normalize_depth(t, kind)
    if size is not None and tuple(z.shape) != tuple(size):
        h, w = size
        if abs((z.shape[1] / z.shape[0]) / (w / h) - 1.0) > 0.02:
            raise ValueError(f"depth map is {z.shape[1]}x{z.shape[0]} but the image is {w}x{h} "
                             "(different aspect ratio): give a depth map of the image's size")
        z = F.interpolate(z[None, None], size=(h, w), mode="bilinear", align_corners=False)[0, 0]
        z = z / z.median()
    return z


def depth_to_image(depth: torch.Tensor) -> torch.Tensor:
    """[H, W] normalized z-depth -> IMAGE [1, H, W, 3], disparity style (bright = near) like ComfyUI depth
    preprocessors. Scaled by the nearest point only (``disparity / max``), so fed back as a ``disparity`` depth
    input it gives the same depth again (no offset that would push the background to infinity)."""
    disp = 1.0 / depth.float()
    v = disp / disp.max().clamp(min=1e-8)
    return v[None, ..., None].expand(1, -1, -1, 3).contiguous()


# --------------------------------------------------------------------------------------------------------------
# Depth edges
# --------------------------------------------------------------------------------------------------------------

def depth_edges(depth: torch.Tensor, threshold: float = 0.04) -> torch.Tensor:
    """Occlusion edges of a depth map: bool [H, W], True on both sides of a depth discontinuity.

    A plane has disparity linear in the pixel coordinates, so slanted surfaces (a ground plane near the
    horizon) are not edges; a pixel is an edge where the disparity's second difference, relative to the
    disparity, exceeds ``threshold`` (horizontally or vertically).
    """
    disp = 1.0 / depth
    edge = torch.zeros_like(disp, dtype=torch.bool)
    d2x = (disp[:, 2:] - 2 * disp[:, 1:-1] + disp[:, :-2]).abs() / disp[:, 1:-1]
    d2y = (disp[2:] - 2 * disp[1:-1] + disp[:-2]).abs() / disp[1:-1]
    ex = d2x > threshold
    ey = d2y > threshold
    edge[:, 1:-1] |= ex
    edge[:, 2:] |= ex
    edge[:, :-2] |= ex
    edge[1:-1] |= ey
    edge[2:] |= ey
    edge[:-2] |= ey
    return edge


def disparity_slope(depth: torch.Tensor) -> torch.Tensor:
    """Robust local disparity slope per pixel [H, W]: |gx| + |gy| where each g is the smaller of the two
    one-sided differences (so a depth edge next to a pixel does not count as slope)."""
    disp = 1.0 / depth
    dx = (disp[:, 1:] - disp[:, :-1]).abs()
    dy = (disp[1:] - disp[:-1]).abs()
    inf = torch.full_like(disp[:, :1], float("inf"))
    left = torch.cat([inf, dx], 1)
    right = torch.cat([dx, inf], 1)
    gx = torch.minimum(left, right)
    inf_r = torch.full_like(disp[:1], float("inf"))
    up = torch.cat([inf_r, dy], 0)
    down = torch.cat([dy, inf_r], 0)
    gy = torch.minimum(up, down)
    return torch.nan_to_num(gx, posinf=0.0) + torch.nan_to_num(gy, posinf=0.0)


def sharpen_depth_edges(depth: torch.Tensor, radius: int = 2, threshold: float = 0.04) -> torch.Tensor:
    """Snap soft occlusion edges to the nearer or the farther side: [H, W] -> [H, W].

    Depth from estimators (and the heuristic) ramps over a few pixels where one object occludes another; a
    reprojection would turn those intermediate depths into a "rubber sheet" stretched across the disocclusion.
    Within ``radius`` px of a detected depth edge, each pixel on the ramp takes the local minimum or maximum depth,
    whichever is closer in disparity. A pixel is on the ramp when it continues no surface: its disparity steps by
    more than ``threshold`` (relative) to *both* neighbours along a row or a column (``disparity_slope``). Pixels
    of a surface that runs up to the edge keep their depth, so an already sharp depth map (a sensor's, a stereo
    ground truth) passes unchanged, slanted surfaces included. Smooth surfaces (no edge) are untouched.
    """
    near = _window_max(depth_edges(depth, threshold).float(), radius) > 0
    lo = -_window_max(-depth, radius)
    hi = _window_max(depth, radius)
    disp, dlo, dhi = 1.0 / depth, 1.0 / lo, 1.0 / hi
    snapped = torch.where((disp - dhi).abs() < (dlo - disp).abs(), hi, lo)
    # snapping a surface pixel to the window's extreme would bend a slanted surface next to every edge
    # (on the Middlebury pair's true depth: 27.7 -> 28.5 dB by leaving them, benchmarks/bench_stereo.py)
    on_ramp = disparity_slope(depth) > threshold * disp
    return torch.where(near & on_ramp, snapped, depth)


def _window_max(x: torch.Tensor, r: int) -> torch.Tensor:
    """Max over a (2r+1)^2 window of [H, W] (edges replicated), separable, by shifted maxima (fast on CPU)."""
    out = x
    for dim in (0, 1):
        n = x.shape[dim]
        pad = [0, 0, 0, 0]
        pad[2 * (1 - dim)] = pad[2 * (1 - dim) + 1] = r
        xp = F.pad(out[None, None], pad, mode="replicate")[0, 0]
        acc = xp.narrow(dim, 0, n)
        for i in range(1, 2 * r + 1):
            acc = torch.maximum(acc, xp.narrow(dim, i, n))
        out = acc
    return out


def depth_frames(depth, b: int, h: int, w: int, device, dtype=torch.float32, kind: str = "disparity") -> torch.Tensor:
    """Depth maps for a clip of ``b`` frames of ``h`` x ``w``: ``[B, H, W]`` z-depth, each map normalized by
    :func:`normalize_depth` (median 1).

    ``depth``: ``[H, W]``, ``[N, H, W]`` or an IMAGE ``[N, H, W, C]`` (channels averaged), any size (resized
    bilinearly); frame ``i`` uses map ``min(i, N - 1)``. ``kind``: as in :func:`normalize_depth`; "disparity"
    (bright = near) is what ComfyUI depth estimators output.
    """
    raw = per_frame_map(depth, b, h, w, "depth", device)
    n = min(b, 1 if depth.ndim == 2 else int(depth.shape[0]))  # frames >= n repeat the last map
    z = torch.stack([normalize_depth(raw[i], kind) for i in range(n)])
    return z[torch.arange(b, device=z.device).clamp(max=n - 1)].to(dtype)


def nearness(depth: torch.Tensor) -> torch.Tensor:
    """``[..., H, W]`` z-depth -> nearness in 0..1 per map (1 = the nearest pixel, 0 = the farthest): the disparity
    ``1 / z`` rescaled to its range."""
    disp = 1.0 / depth
    lo = disp.amin(dim=(-2, -1), keepdim=True)
    hi = disp.amax(dim=(-2, -1), keepdim=True)
    return ((disp - lo) / (hi - lo).clamp_min(1e-6)).clamp(0.0, 1.0)
