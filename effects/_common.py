"""Shared plumbing of the effect library: input checks, seeded randomness, chunked batch maps, blurs, sampling.

Every frame tensor here is ``[B, H, W, 3]`` float in 0..1 (ComfyUI IMAGE layout) on any device. Helpers never
touch global RNG state: randomness comes from ``np.random.default_rng`` / ``torch.Generator`` seeded by
``(seed, salt)``, generated on the CPU (so CPU and CUDA give the same draws) and moved to the frames' device.
"""

from __future__ import annotations

import functools
import inspect
import math
from collections.abc import Callable

import numpy as np
import torch
import torch.nn.functional as F

ProgressFn = Callable[[int, int], None]

MAX_SIDE = 16384
CHUNK = 8


# --- checks ---------------------------------------------------------------------------------------------------
def check_frames(frames) -> torch.Tensor:
    """Validate an IMAGE batch ``[B,H,W,3]`` (B ≥ 1), finite; returns it as a floating tensor."""
    if isinstance(frames, np.ndarray):
        frames = torch.from_numpy(frames)
    if not isinstance(frames, torch.Tensor):
        raise ValueError(f"frames must be a torch tensor [B,H,W,3], got {type(frames).__name__}")
    if frames.ndim == 3:
        raise ValueError(f"frames must be a batch [B,H,W,3]; got one image {tuple(frames.shape)} — add a batch axis")
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"frames must have shape [B,H,W,3] (RGB), got {tuple(frames.shape)}")
    b, h, w, _ = frames.shape
    if b < 1:
        raise ValueError("frames is an empty batch: give at least 1 frame")
    if h < 1 or w < 1 or h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError(f"frame size {w}x{h} is out of range (1..{MAX_SIDE} pixels a side)")
    if not frames.is_floating_point():
        raise ValueError(f"frames must be float in 0..1, got dtype {frames.dtype} (divide uint8 frames by 255)")
    if not bool(torch.isfinite(frames.sum())) and not bool(torch.isfinite(frames).all()):  # fast path: one sum
        raise ValueError("frames contain NaN or inf")
    return frames


def check_intensity(intensity) -> float:
    try:
        v = float(intensity)
    except (TypeError, ValueError):
        raise ValueError(f"intensity must be a number in 0..1, got {intensity!r}") from None
    if not math.isfinite(v) or v < 0.0 or v > 1.0:
        raise ValueError(f"intensity must be in 0..1, got {intensity!r}")
    return v


def check_seed(seed) -> int:
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise ValueError(f"seed must be an integer, got {seed!r}")
    seed = int(seed)
    if seed < 0 or seed > 2**64 - 1:
        raise ValueError(f"seed must be in 0..2^64-1, got {seed}")
    return seed


def effect(fn):
    """Decorate an effect ``fn(frames, intensity, seed, **kw)``: validate the common arguments, return an exact
    copy at intensity 0, drop keyword arguments ``fn`` does not take (so every effect accepts the same
    ``camera=, mask=, depth=, on_progress=``), and clamp the result to 0..1."""
    accepted = set(inspect.signature(fn).parameters)

    @functools.wraps(fn)
    def wrapper(frames, intensity: float = 1.0, seed: int = 0, **kw):
        frames = check_frames(frames)
        intensity = check_intensity(intensity)
        seed = check_seed(seed)
        if intensity == 0.0:
            return frames.clone()
        kw = {k: v for k, v in kw.items() if k in accepted}
        out = fn(frames, intensity, seed, **kw)
        return out.clamp_(0.0, 1.0)

    wrapper.accepts = frozenset(accepted)
    return wrapper


# --- randomness ------------------------------------------------------------------------------------------------
def rng(seed: int, salt: int = 0) -> np.random.Generator:
    """A numpy generator for ``(seed, salt)``; independent streams per salt."""
    return np.random.default_rng(np.random.SeedSequence([int(seed) & (2**64 - 1), int(salt)]))


def torch_generator(seed: int, salt: int = 0) -> torch.Generator:
    """A CPU ``torch.Generator`` for ``(seed, salt)``."""
    state = int(np.random.SeedSequence([int(seed) & (2**64 - 1), int(salt)]).generate_state(1, np.uint64)[0])
    return torch.Generator(device="cpu").manual_seed(state)


# --- batch iteration -------------------------------------------------------------------------------------------
def map_chunks(frames: torch.Tensor, fn: Callable[[torch.Tensor, torch.Tensor], torch.Tensor],
               on_progress: ProgressFn | None = None, chunk: int = CHUNK) -> torch.Tensor:
    """Apply ``fn(chunk [b,H,W,C], idx (b,) long frame indices)`` to the batch in chunks (bounded memory,
    progress after each chunk); results are written into one output tensor."""
    b = frames.shape[0]
    if b <= chunk:  # one chunk: no copy into a separate output
        res = fn(frames, torch.arange(b, device=frames.device))
        if on_progress is not None:
            on_progress(b, b)
        return res
    out = None
    for start in range(0, b, chunk):
        stop = min(b, start + chunk)
        idx = torch.arange(start, stop, device=frames.device)
        res = fn(frames[start:stop], idx)
        if out is None:
            out = torch.empty((b, *res.shape[1:]), dtype=res.dtype, device=res.device)
        out[start:stop] = res
        if on_progress is not None:
            on_progress(stop, b)
    return out


PIXEL_BLOCK = 1024 * 576 * 4
"""Pixels per block for per-pixel effects (about 4 frames of 1024x576: bounded memory, few Python round trips)."""


def map_pixels(frames: torch.Tensor, fn: Callable[[torch.Tensor], torch.Tensor],
               on_progress: ProgressFn | None = None, block: int | None = None) -> torch.Tensor:
    """Apply a per-pixel ``fn(flat [N,3]) -> [N,3]`` over the batch in cache-sized blocks (the whole batch at once
    on GPUs); progress is reported per frame."""
    b = frames.shape[0]
    flat = frames.reshape(-1, 3)
    if block is None:
        block = flat.shape[0] if frames.device.type != "cpu" else PIXEL_BLOCK
    if block >= flat.shape[0]:
        res = fn(flat)
        if on_progress is not None:
            on_progress(b, b)
        return res.view(frames.shape)
    out = torch.empty_like(flat)
    per_frame = flat.shape[0] // b
    next_report = per_frame
    for start in range(0, flat.shape[0], block):
        stop = min(flat.shape[0], start + block)
        out[start:stop] = fn(flat[start:stop])
        if on_progress is not None and stop >= next_report:
            on_progress(stop // per_frame, b)
            next_report = (stop // per_frame + 1) * per_frame
    return out.view(frames.shape)


def frame_times(b: int) -> np.ndarray:
    """Normalized clip time of each frame, 0 at the first and 1 at the last (0.5 for a single frame)."""
    return np.full(1, 0.5) if b == 1 else np.linspace(0.0, 1.0, b)


# --- small math ------------------------------------------------------------------------------------------------
def smoothstep(e0: float, e1: float, x):
    if isinstance(x, torch.Tensor):
        t = ((x - e0) / max(e1 - e0, 1e-12)).clamp(0.0, 1.0)
    else:
        t = np.clip((np.asarray(x, dtype=np.float64) - e0) / max(e1 - e0, 1e-12), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def luma(x: torch.Tensor) -> torch.Tensor:
    """Rec.709 luma ``[..., 1]`` of ``[..., 3]``."""
    w = torch.tensor([[0.2126], [0.7152], [0.0722]], dtype=x.dtype, device=x.device)
    return x @ w


def to_bchw(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 3, 1, 2).contiguous()


def to_bhwc(x: torch.Tensor) -> torch.Tensor:
    return x.permute(0, 2, 3, 1).contiguous()


def pixel_grid(h: int, w: int, device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates ``(x, y)`` each ``[H, W]`` (OpenCV convention: centres at integer + 0.5)."""
    ys = torch.arange(h, device=device, dtype=dtype) + 0.5
    xs = torch.arange(w, device=device, dtype=dtype) + 0.5
    return xs[None, :].expand(h, w), ys[:, None].expand(h, w)


def sample(frames_bchw: torch.Tensor, px: torch.Tensor, py: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Bilinear sample ``[B,C,H,W]`` at pixel coordinates ``px, py`` ``[B,h,w]`` (OpenCV centres) → ``[B,C,h,w]``."""
    h, w = frames_bchw.shape[-2:]
    grid = torch.stack((px * (2.0 / w) - 1.0, py * (2.0 / h) - 1.0), dim=-1).to(frames_bchw.dtype)
    return F.grid_sample(frames_bchw, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def norm_grid(h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """``[H,W,2]`` grid_sample coordinates (x, y in -1..1, align_corners=False) of the pixel centres."""
    xs = (torch.arange(w, device=device, dtype=dtype) + 0.5) * (2.0 / w) - 1.0
    ys = (torch.arange(h, device=device, dtype=dtype) + 0.5) * (2.0 / h) - 1.0
    return torch.stack((xs[None, :].expand(h, w), ys[:, None].expand(h, w)), -1)


def sample_norm(frames_bchw: torch.Tensor, grid: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Bilinear sample ``[B,C,H,W]`` at normalized ``grid`` ``[B,h,w,2]`` → ``[B,C,h,w]``."""
    return F.grid_sample(frames_bchw, grid.to(frames_bchw.dtype), mode="bilinear", padding_mode=padding,
                         align_corners=False)


def _gauss_kernel(sigma: float, dtype, device) -> torch.Tensor:
    r = max(1, int(math.ceil(3.0 * sigma)))
    k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=torch.float64) / sigma) ** 2)
    return (k / k.sum()).to(dtype=dtype, device=device)


def gaussian_blur(x_bchw: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``[B,C,H,W]`` with reflect padding (replicate where the image is too small)."""
    if sigma <= 0.05:
        return x_bchw
    k = _gauss_kernel(sigma, x_bchw.dtype, x_bchw.device)
    r = k.numel() // 2
    c = x_bchw.shape[1]
    h, w = x_bchw.shape[-2:]
    mode = "reflect" if (r < h and r < w) else "replicate"
    y = F.pad(x_bchw, (r, r, 0, 0), mode=mode)
    y = F.conv2d(y, k.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    y = F.pad(y, (0, 0, r, r), mode=mode)
    return F.conv2d(y, k.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def blur_fast(x_bchw: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian-like blur whose cost does not grow with ``sigma``: blur at a reduced resolution and upsample."""
    h, w = x_bchw.shape[-2:]
    f = int(max(1, min(sigma / 2.0, min(h, w) / 4.0)))
    if f <= 1:
        return gaussian_blur(x_bchw, sigma)
    small = F.interpolate(x_bchw, size=(max(1, h // f), max(1, w // f)), mode="area")
    small = gaussian_blur(small, sigma / f)
    return F.interpolate(small, size=(h, w), mode="bilinear", align_corners=False)


def box_blur_x(x_bchw: torch.Tensor, radius: torch.Tensor) -> torch.Tensor:
    """Horizontal box blur with a per-image radius ``(B,)`` in pixels (fractional radii interpolate between the two
    nearest integer boxes), edges replicated; prefix sums make the cost independent of the radius."""
    b, c, h, w = x_bchw.shape
    rad = [max(0.0, float(r)) for r in radius.reshape(-1).tolist()]
    rmax = int(math.ceil(max(rad))) + 1
    pad = F.pad(x_bchw, (rmax + 1, rmax, 0, 0), mode="replicate")
    cs = pad.cumsum(-1)  # cs[k] = sum of padded pixels 0..k
    off = rmax + 1  # padded index of pixel 0
    out = torch.empty_like(x_bchw)
    for i, r in enumerate(rad):
        r0 = int(math.floor(r))
        frac = r - r0

        def box(rr, i=i):  # mean over [x − rr, x + rr]
            return (cs[i, :, :, off + rr: off + rr + w] - cs[i, :, :, off - rr - 1: off - rr - 1 + w]) / (2 * rr + 1)

        out[i] = box(r0) if frac < 1e-6 else torch.lerp(box(r0), box(r0 + 1), frac)
    return out


# --- optional inputs -------------------------------------------------------------------------------------------
def _per_frame_map(x, b: int, h: int, w: int, name: str, device, dtype) -> torch.Tensor:
    """Bring a map given as [H,W], [N,H,W] or [N,H,W,C] to ``[B,H,W]`` (resized, frame i uses map min(i, N-1))."""
    if isinstance(x, np.ndarray):
        x = torch.from_numpy(x)
    if not isinstance(x, torch.Tensor):
        raise ValueError(f"{name} must be a tensor, got {type(x).__name__}")
    x = x.to(device=device, dtype=dtype)
    if x.ndim == 2:
        x = x[None]
    elif x.ndim == 4:
        x = x[..., :3].mean(-1)
    if x.ndim != 3 or x.shape[0] < 1 or x.shape[1] < 1 or x.shape[2] < 1:
        raise ValueError(f"{name} must have shape [H,W], [N,H,W] or [N,H,W,C], got {tuple(x.shape)}")
    if not bool(torch.isfinite(x).all()):
        raise ValueError(f"{name} contains NaN or inf")
    if x.shape[1:] != (h, w):
        x = F.interpolate(x[:, None], size=(h, w), mode="bilinear", align_corners=False)[:, 0]
    idx = torch.arange(b, device=device).clamp(max=x.shape[0] - 1)
    return x[idx]


def prepare_mask(mask, b: int, h: int, w: int, device, dtype=torch.float32) -> torch.Tensor:
    """A MASK (``[H,W]`` or ``[N,H,W]``, any size; 1 = selected) as ``[B,H,W]`` in 0..1."""
    return _per_frame_map(mask, b, h, w, "mask", device, dtype).clamp(0.0, 1.0)


def prepare_depth(depth, b: int, h: int, w: int, device, dtype=torch.float32) -> torch.Tensor:
    """A depth map as ``[B,H,W]`` *nearness* in 0..1 (1 = nearest), normalized per frame.

    Convention (that of ComfyUI depth estimators such as Depth Anything / MiDaS): the depth IMAGE is bright
    where the scene is near. Give ``[H,W]``, ``[N,H,W]`` or an IMAGE ``[N,H,W,C]`` (channels averaged).
    """
    d = _per_frame_map(depth, b, h, w, "depth", device, dtype)
    lo = d.amin(dim=(1, 2), keepdim=True)
    hi = d.amax(dim=(1, 2), keepdim=True)
    return ((d - lo) / (hi - lo).clamp_min(1e-6)).clamp(0.0, 1.0)


# --- camera ----------------------------------------------------------------------------------------------------
def camera_frames(camera, b: int):
    """The camera's ``(c2w (B,4,4), fov_deg (B,), focus_distance (B,))`` resampled to ``b`` frames (numpy).

    When the trajectory has a different frame count than the clip, positions/fov/focus are interpolated
    linearly over normalized time and rotations taken from the nearest frame."""
    f = camera.frames
    if f == b:
        return camera.c2w.copy(), camera.fov_deg.copy(), camera.focus_distance.copy()
    src = np.linspace(0.0, f - 1, b) if b > 1 else np.zeros(1)
    grid = np.arange(f)
    c2w = camera.c2w[np.clip(np.rint(src).astype(int), 0, f - 1)].copy()
    for i in range(3):
        c2w[:, i, 3] = np.interp(src, grid, camera.c2w[:, i, 3])
    return c2w, np.interp(src, grid, camera.fov_deg), np.interp(src, grid, camera.focus_distance)


def project_look_at(camera, w: int, h: int) -> tuple[float, float] | None:
    """Pixel position of the camera's ``look_at`` point in its first frame, or None when absent or behind."""
    if camera is None or camera.look_at is None:
        return None
    w2c = camera.w2c()[0]
    p = w2c @ np.array([*camera.look_at, 1.0])
    if p[2] <= 1e-6:
        return None
    K = camera.intrinsics(w, h)[0]
    u = K[0, 0] * p[0] / p[2] + K[0, 2]
    v = K[1, 1] * p[1] / p[2] + K[1, 2]
    return float(np.clip(u, 0, w)), float(np.clip(v, 0, h))


def mask_centroid(mask: torch.Tensor) -> tuple[float, float] | None:
    """Pixel centroid of the mean of a ``[B,H,W]`` mask, or None when it is empty."""
    m = mask.float().mean(0)
    total = float(m.sum())
    if total <= 1e-6:
        return None
    xs, ys = pixel_grid(m.shape[0], m.shape[1], device=m.device)
    return float((m * xs).sum() / total), float((m * ys).sum() / total)
