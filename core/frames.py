"""Frames as the pack passes them around: validation, layout, dtype and luma.

A clip is ``[B, H, W, C]`` float in 0..1 (ComfyUI's IMAGE layout: the frames are the batch), torch or numpy.
Luma follows one standard everywhere: Rec.709 (the sRGB primaries), ``Y = 0.2126 R + 0.7152 G + 0.0722 B``.
"""

from __future__ import annotations

import sys
from typing import TYPE_CHECKING, NamedTuple

import numpy as np

from .limits import MAX_SIDE  # the limit lives in core/limits.py

if TYPE_CHECKING:
    import torch

# torch is imported inside the functions that need it: the numpy paths (video I/O, flow, interpolation from the
# CLI) then start without torch's 1-2 s of imports.


def _is_tensor(x) -> bool:
    """``isinstance(x, torch.Tensor)`` without importing torch (no tensor can exist before torch is imported)."""
    torch = sys.modules.get("torch")
    return torch is not None and isinstance(x, torch.Tensor)

LUMA_WEIGHTS = (0.2126, 0.7152, 0.0722)
"""Rec.709 luma weights of (R, G, B)."""


def check_frames(frames, name: str = "frames") -> torch.Tensor:
    """Validate an RGB batch ``[B,H,W,3]`` (B ≥ 1, float, finite) and return it as a floating tensor.

    Raises ``ValueError`` that says what to fix (one image without a batch axis, empty batch, wrong channels,
    integer dtype, NaN/inf, absurd size).
    """
    import torch

    if isinstance(frames, np.ndarray):
        frames = torch.from_numpy(frames)
    if not isinstance(frames, torch.Tensor):
        raise ValueError(f"{name} must be a torch tensor [B,H,W,3], got {type(frames).__name__}")
    if frames.ndim == 3:
        raise ValueError(f"{name} must be a batch [B,H,W,3]; got one image {tuple(frames.shape)} — add a batch axis")
    if frames.ndim != 4 or frames.shape[-1] != 3:
        raise ValueError(f"{name} must have shape [B,H,W,3] (RGB), got {tuple(frames.shape)}")
    b, h, w, _ = frames.shape
    if b < 1:
        raise ValueError(f"{name} is an empty batch: give at least 1 frame")
    if h < 1 or w < 1 or h > MAX_SIDE or w > MAX_SIDE:
        raise ValueError(f"{name}: frame size {w}x{h} is out of range (1..{MAX_SIDE} pixels a side)")
    if not frames.is_floating_point():
        raise ValueError(f"{name} must be float in 0..1, got dtype {frames.dtype} (divide uint8 frames by 255)")
    if not bool(torch.isfinite(frames.sum())) and not bool(torch.isfinite(frames).all()):  # fast path: one sum
        raise ValueError(f"{name} contain NaN or inf")
    return frames


def check_image_batch(images, name: str = "image") -> torch.Tensor:
    """Validate a ComfyUI IMAGE ``[B,H,W,C]`` with B ≥ 1 and 1..4 channels (any content); returns it."""
    if not _is_tensor(images) or images.ndim != 4 or images.shape[0] < 1:
        shape = tuple(images.shape) if _is_tensor(images) else type(images).__name__
        raise ValueError(f"{name} must be an IMAGE batch [B,H,W,C] with at least one image, got {shape}")
    if not 1 <= images.shape[-1] <= 4:
        raise ValueError(f"{name} must have 1..4 channels (grey, RGB or RGBA), got {images.shape[-1]}")
    return images


def to_rgb(images: torch.Tensor) -> torch.Tensor:
    """IMAGE ``[B,H,W,C]`` with 1, 3 or 4 channels → ``[B,H,W,3]`` (alpha dropped, grey repeated)."""
    c = images.shape[-1]
    if c == 3:
        return images
    if c == 4:
        return images[..., :3]
    if c == 1:
        return images.expand(*images.shape[:-1], 3)
    raise ValueError(f"frames must have 1, 3 or 4 channels, got {c}")


def to_numpy(x, name: str = "frames") -> np.ndarray:
    """torch or numpy, any shape → float32 numpy (no copy when it already is one); ``ValueError`` on NaN/inf."""
    if _is_tensor(x):
        x = x.detach().to("cpu", sys.modules["torch"].float32).numpy()
    arr = np.asarray(x, dtype=np.float32)
    if not np.isfinite(arr).all():
        raise ValueError(f"{name} contain NaN or infinity")
    return arr


def as_numpy_clip(frames, name: str = "frames", min_side: int = 1) -> np.ndarray:
    """A clip as contiguous float32 numpy ``[B,H,W,C]`` (C = 1..4), validated.

    Accepts torch or numpy ``[B,H,W,C]`` / ``[B,H,W]`` or a list of ``[H,W,C]`` frames of one size.
    """
    if isinstance(frames, (list, tuple)):
        if not frames:
            raise ValueError(f"no {name} given: pass at least one frame")
        arrs = [to_numpy(f, name) for f in frames]
        shapes = {a.shape for a in arrs}
        if len(shapes) > 1:
            raise ValueError(f"all {name} must have the same size and channels; got {sorted(shapes)} "
                             "(resize them first, e.g. with ImageScale)")
        arr = np.stack(arrs)
    else:
        arr = to_numpy(frames, name)
    if arr.ndim == 3:
        arr = arr[..., None]
    if arr.ndim != 4 or arr.shape[0] == 0:
        raise ValueError(f"{name} must be a non-empty clip [B,H,W,C]; got shape {tuple(arr.shape)}")
    if not 1 <= arr.shape[3] <= 4:
        raise ValueError(f"{name} must have 1..4 channels (grey, RGB or RGBA); got {arr.shape[3]}")
    if arr.shape[1] < min_side or arr.shape[2] < min_side:
        raise ValueError(f"{name} are too small: {arr.shape[2]}x{arr.shape[1]} (at least {min_side}x{min_side})")
    return np.ascontiguousarray(arr, dtype=np.float32)


def luma(x):
    """Rec.709 luma of ``[..., C]`` (torch or numpy; C ≥ 3 uses RGB, fewer channels: the first) → ``[...]``."""
    if x.shape[-1] < 3:
        return x[..., 0]
    r, g, b = LUMA_WEIGHTS
    return x[..., 0] * r + x[..., 1] * g + x[..., 2] * b


def to_bchw(x: torch.Tensor) -> torch.Tensor:
    """``[B,H,W,C]`` → contiguous ``[B,C,H,W]``."""
    return x.permute(0, 3, 1, 2).contiguous()


def to_bhwc(x: torch.Tensor) -> torch.Tensor:
    """``[B,C,H,W]`` → contiguous ``[B,H,W,C]``."""
    return x.permute(0, 2, 3, 1).contiguous()


def per_frame_map(x, b: int, h: int, w: int, name: str, device, dtype=None) -> torch.Tensor:
    """A map given as ``[H,W]``, ``[N,H,W]`` or an IMAGE ``[N,H,W,C]`` (channels averaged) as ``[B,H,W]``:
    resized bilinearly to ``h`` x ``w``; frame i uses map ``min(i, N-1)``. ``dtype``: torch dtype (float32 when
    None)."""
    import torch
    import torch.nn.functional as F

    dtype = torch.float32 if dtype is None else dtype
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


def prepare_mask(mask, b: int, h: int, w: int, device, dtype=None) -> torch.Tensor:
    """A MASK (``[H,W]`` or ``[N,H,W]``, any size; 1 = selected) as ``[B,H,W]`` in 0..1."""
    return per_frame_map(mask, b, h, w, "mask", device, dtype).clamp(0.0, 1.0)


# --- sizes ------------------------------------------------------------------------------------------------------

def fit_size(height: int, width: int, max_size: int | None) -> tuple[int, int]:
    """``(height, width)`` scaled down (aspect kept, rounded, each at least 1) so that the longer side is at most
    ``max_size``; unchanged when it already fits or ``max_size`` is None / 0 (no cap)."""
    h, w = int(height), int(width)
    if not max_size or max(h, w) <= max_size:
        return h, w
    s = max_size / max(h, w)
    return max(1, round(h * s)), max(1, round(w * s))


def downscale_to_max(images: torch.Tensor, max_size: int | None) -> torch.Tensor:
    """Area-downscale ``[H,W,C]`` or ``[B,H,W,C]`` so its longer side is at most ``max_size`` (see
    :func:`fit_size`); returns the input itself when it already fits. Area averaging: no aliasing, no ringing."""
    h, w = images.shape[-3], images.shape[-2]
    size = fit_size(h, w, max_size)
    if size == (h, w):
        return images
    import torch.nn.functional as F

    batch = images if images.ndim == 4 else images[None]
    out = F.interpolate(to_bchw(batch.float()), size=size, mode="area")
    out = to_bhwc(out)
    return out if images.ndim == 4 else out[0]


class CropBox(NamedTuple):
    """A crop of a picture: rows ``top:top + height``, columns ``left:left + width`` (unpacks as a tuple)."""

    top: int
    left: int
    height: int
    width: int


def centre_crop_box(height: int, width: int, aspect: float | tuple[int, int] | None, *,
                    even: bool = False) -> CropBox:
    """The centred crop of a ``height`` x ``width`` picture to ``aspect`` (width / height): full width and fewer
    rows when the picture is wider than asked, else full height and fewer columns; ``None`` = the whole picture.

    ``aspect`` is a float ratio, or a size ``(w, h)`` in whole pixels (then compared and divided exactly: the crop of
    a picture for a ``w x h`` video). ``even``: both sides even (video encoders need it) and at least 2, else at
    least 1. The offsets are ``(side - crop) // 2``. The one centre crop of the pack (the cinema aspects, the
    generative backends' picture, the shot list's cover resize through :func:`cover_fit`)."""
    if aspect is None:
        return CropBox(0, 0, height, width)
    if isinstance(aspect, tuple):
        aw, ah = aspect
        wider, cw, ch = width * ah > height * aw, height * aw / ah, width * ah / aw
    else:
        wider, cw, ch = width / height > aspect, height * aspect, width / aspect
    least = 2 if even else 1

    def snap(v: float) -> int:
        return int(round(v / 2)) * 2 if even else round(v)

    if wider:
        cw = min(max(least, snap(cw)), width)
        return CropBox(0, (width - cw) // 2, height, cw)
    ch = min(max(least, snap(ch)), height)
    return CropBox((height - ch) // 2, 0, ch, width)


class CoverFit(NamedTuple):
    """How a picture covers a ``width`` x ``height`` frame: scaled by ``scale`` to ``scaled_hw`` (each side at least
    the frame's), then ``box`` (the frame's size, centred) is cut from the scaled picture."""

    scale: float
    scaled_hw: tuple[int, int]
    box: CropBox


def cover_fit(height: int, width: int, out_height: int, out_width: int) -> CoverFit:
    """Scale a ``height`` x ``width`` picture to cover ``out_height`` x ``out_width`` (the larger of the two side
    ratios), then crop centrally: the box's offsets are ``(scaled - out) // 2`` (:func:`centre_crop_box`'s rule)."""
    s = max(out_width / width, out_height / height)
    nw, nh = max(out_width, round(width * s)), max(out_height, round(height * s))
    return CoverFit(s, (nh, nw), CropBox((nh - out_height) // 2, (nw - out_width) // 2, out_height, out_width))


def even_size(height: int, width: int) -> tuple[int, int]:
    """The even size a clip is cut to for video (H.264 / yuv420p needs even sides): an odd side loses its last
    row or column; a side of 1 becomes 2 (the one row or column repeated)."""
    def even(n: int) -> int:
        return 2 if n == 1 else n - n % 2
    return even(int(height)), even(int(width))


def to_even(x, channels_last: bool = True):
    """A clip ``[B,H,W,C]`` (``channels_last``) or mask ``[B,H,W]`` (torch or numpy) cut to :func:`even_size`:
    the last row / column of an odd side is dropped (one pixel at the bottom / right edge: nothing the eye
    misses, no invented border that would show as a line in the video); a side of 1 is repeated to 2. Returns
    ``(clip, note)`` where note is "" when nothing changed, else e.g. "cropped 95x97 to 94x96 (video needs even
    sizes)"."""
    hd, wd = (-3, -2) if channels_last else (-2, -1)
    h, w = int(x.shape[hd]), int(x.shape[wd])
    eh, ew = even_size(h, w)
    if (eh, ew) == (h, w):
        return x, ""
    def cat(x, dim):
        return sys.modules["torch"].cat([x, x], dim=dim) if _is_tensor(x) else np.concatenate([x, x], axis=dim)

    if h == 1:
        x = cat(x, hd)
    if w == 1:
        x = cat(x, wd)
    idx = [slice(None)] * x.ndim
    idx[hd], idx[wd] = slice(0, eh), slice(0, ew)
    verb = "padded" if 1 in (h, w) else "cropped"
    return x[tuple(idx)], f"{verb} {w}x{h} to {ew}x{eh} (video needs even sizes)"
