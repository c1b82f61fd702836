"""Hole filling for the 2.5D render: background-first, so a disocclusion is filled from the surface behind the
object that uncovered it, never from the object itself.

Shapes: colour [B, 3, H, W], depth [B, H, W] (z-depth, anything finite in holes), valid [B, H, W] bool
(False = hole). Every filler returns (colour with holes filled, depth with holes given the background depth it
chose), so later steps (depth of field, motion blur) see a complete depth map.
"""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from ..core.errors import excerpt
from ..core.filters import blur_fast
from ..core.params import FILL_MODES


def fill_holes(color: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor, mode: str = "background"):
    """Fill the holes of a rendered chunk with one of ``FILL_MODES``.

    background: :func:`push_pull_fill` (smooth, fast); stretch: :func:`stretch_fill` (the farther border
    stretched across); none: holes black, their depth the farthest valid depth of the frame.
    """
    if mode == "background":
        return push_pull_fill(color, depth, valid)
    if mode == "stretch":
        return stretch_fill(color, depth, valid)
    if mode == "none":
        return color * valid[:, None], torch.where(valid, depth, fallback_depth(depth, valid))
    raise ValueError(f"fill must be one of {FILL_MODES}, got {excerpt(mode)}")


def push_pull_fill(color: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor, power: int = 8):
    """Background-first smooth hole filling by push-pull over an image pyramid.

    Push: each coarser level averages the finer one with weights ``(z / z_max) ** power`` (valid pixels only), so a
    cell that sees both foreground and background takes the background's colour. Pull: from coarse to fine, a cell
    keeps its own colour in proportion to its weight relative to its parent's; a cell that holds only a nearer
    surface (foreground next to a hole) has a tiny relative weight and takes the parent's background colour
    instead. Hole pixels take the bilinear pull of the level above them. Cost: about 1.4 full-resolution passes.

    Args/returns as :func:`stretch_fill` (``color`` and ``depth`` are updated in place; ``depth`` may hold anything
    finite in holes).
    """
    b, _, h, w = color.shape
    # the pyramid starts from every s-th pixel (a fill is smooth anyway; this makes it s^2 times cheaper)
    st = 4 if min(h, w) >= 256 else (2 if min(h, w) >= 32 else 1)
    zd = depth[:, None, ::st, ::st] * valid[:, None, ::st, ::st]
    zmax = zd.flatten(1).amax(1).clamp(min=1e-6)[:, None, None, None]
    wgt = zd / zmax
    for _ in range(int(math.log2(power))):
        wgt = wgt * wgt
    levels = [torch.cat([color[:, :, ::st, ::st] * wgt, zd * wgt, wgt], 1)]
    while min(levels[-1].shape[-2:]) > 1:
        levels.append(_pool2(levels[-1]))
    tiny = 1e-30
    top = levels[-1]
    val = top[:, :4] / top[:, 4:].clamp(min=tiny)
    wl = top[:, 4:]
    for lev in reversed(levels[:-1]):
        up = F.interpolate(torch.cat([val, wl], 1), size=lev.shape[-2:], mode="bilinear", align_corners=False)
        own_w = lev[:, 4:]
        alpha = (own_w / up[:, 4:].clamp(min=tiny)).clamp(0, 1)
        own = lev[:, :4] / own_w.clamp(min=tiny)
        val = up[:, :4] + (own - up[:, :4]) * alpha
        wl = up[:, 4:] + (own_w - up[:, 4:]) * alpha
    # hole pixels: the finest pulled level at their position (nearest; it is smooth)
    lin = (~valid).view(-1).nonzero()[:, 0]
    hl, wl1 = val.shape[-2:]
    dev = color.device
    cmap = ((torch.arange(h, device=dev) // st) * wl1)[:, None] + (torch.arange(w, device=dev) // st)[None, :]
    if b == 1:
        cell = cmap.view(-1)[lin]
        far = zmax.view(())
    else:
        bi = lin // (h * w)
        cell = cmap.view(-1)[lin - bi * (h * w)] + bi * (hl * wl1)
        far = zmax.view(-1)[bi]
    sample = val.permute(0, 2, 3, 1).reshape(-1, 4)[cell]
    put_rows(color, lin, sample[:, :3])
    zs = sample[:, 3]
    zfull = depth.contiguous()
    zfull.view(-1).index_copy_(0, lin, torch.where(zs > 0, zs, far))
    return color, zfull


def put_rows(color: torch.Tensor, lin: torch.Tensor, rows: torch.Tensor) -> None:
    """In place: ``color[b, :, y, x] = rows[i]`` for the flat pixel indices ``lin = (b*H + y)*W + x`` of a
    contiguous [B, C, H, W] tensor (per channel, so no channels-last copy is needed)."""
    b, c, h, w = color.shape
    hw = h * w
    base = lin if b == 1 else (lin // hw) * (c * hw) + lin % hw  # flat index of channel 0
    flat = color.view(-1)
    for ch in range(c):
        flat.index_copy_(0, base + ch * hw, rows[:, ch].contiguous())


def _pool2(x: torch.Tensor) -> torch.Tensor:
    """2x2 mean of [B, C, H, W] (odd sizes: the last row/column is repeated)."""
    if x.shape[-2] % 2:
        x = torch.cat([x, x[..., -1:, :]], -2)
    if x.shape[-1] % 2:
        x = torch.cat([x, x[..., -1:]], -1)
    return (x[..., ::2, ::2] + x[..., 1::2, ::2] + x[..., ::2, 1::2] + x[..., 1::2, 1::2]) * 0.25


def fallback_depth(zt: torch.Tensor, valid: torch.Tensor) -> torch.Tensor:
    """Per frame, the farthest valid depth (at least 1), broadcast to [B, H, W]."""
    far = (zt * valid).flatten(1).amax(1).clamp(min=1.0)
    return far[:, None, None].expand_as(zt)


def _nearest_valid(valid: torch.Tensor, dim: int):
    """Indices of the nearest valid pixel before/at and after/at each pixel along ``dim`` (-1 / n when none)."""
    n = valid.shape[dim]
    shape = [1] * valid.ndim
    shape[dim] = n
    pos = torch.arange(n, device=valid.device).view(shape).expand_as(valid)
    before = torch.cummax(torch.where(valid, pos, torch.full_like(pos, -1)), dim=dim).values
    after = torch.cummin(torch.where(valid, pos, torch.full_like(pos, n)).flip(dim), dim=dim).values.flip(dim)
    return pos, before, after


def stretch_fill(color: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor):
    """Background-first stretch: along the row or the column (whichever crosses the hole in fewer pixels) the
    farther of the two hole borders is stretched in, then blended (over 12 px from the border) into a smooth
    normalized-convolution inpaint of those background colours.

    Args:
        color: [B, 3, H, W]; depth: [B, H, W] (anything finite in holes); valid: [B, H, W] bool.
    Returns:
        (colour [B, 3, H, W] with holes filled, depth [B, H, W] with holes given the chosen background depth).
    """
    b, _, h, w = color.shape
    big = float(4 * (h + w))
    choice = []
    for dim, n in ((-1, w), (-2, h)):
        pos, lo, hi = _nearest_valid(valid, dim)
        has_lo, has_hi = lo >= 0, hi < n
        d_lo = torch.gather(depth, dim, lo.clamp(0, n - 1))
        d_hi = torch.gather(depth, dim, hi.clamp(0, n - 1))
        d_lo = torch.where(has_lo, d_lo, torch.full_like(d_lo, -1.0))
        d_hi = torch.where(has_hi, d_hi, torch.full_like(d_hi, -1.0))
        take_hi = d_hi > d_lo  # the farther border (background first); missing borders have depth -1
        idx = torch.where(take_hi, hi, lo)
        dist = (idx - pos).abs().float()
        span = torch.where(has_lo & has_hi, (hi - lo).float(), big + dist)
        span = torch.where(has_lo | has_hi, span, torch.full_like(span, 2 * big))
        choice.append((idx, dist, span, torch.maximum(d_lo, d_hi)))
    (ix, dx, sx, zx), (iy, dy, sy, zy) = choice
    use_row = sx <= sy
    rows = torch.arange(h, device=color.device).view(1, h, 1)
    cols = torch.arange(w, device=color.device).view(1, 1, w)
    lin = torch.where(use_row, rows * w + ix.clamp(0, w - 1), iy.clamp(0, h - 1) * w + cols)
    dist = torch.where(use_row, dx, dy)
    zfill = torch.where(use_row, zx, zy)
    nothing = (sx >= 2 * big) & (sy >= 2 * big)  # a frame with no valid pixel at all
    flat = color.flatten(2)
    stretched = torch.gather(flat, 2, lin.flatten(1)[:, None].expand(-1, 3, -1)).view_as(color)
    hole = ~valid
    inpaint = _smooth_inpaint(stretched, hole)
    alpha = (dist / 12.0).clamp(0, 1)[:, None]
    filled = stretched + (inpaint - stretched) * alpha
    filled = torch.where(nothing[:, None], torch.zeros_like(filled), filled)
    out = torch.where(hole[:, None], filled, color)
    zfill = torch.where(nothing | (zfill <= 0), fallback_depth(depth, valid), zfill)
    return out, torch.where(valid, depth, zfill)


def _smooth_inpaint(stretched: torch.Tensor, hole: torch.Tensor) -> torch.Tensor:
    """Normalized-convolution blur of the stretched background colours over the holes only (Gaussian, sigma 2 %
    of the short side)."""
    m = hole[:, None].to(stretched.dtype)
    cm = blur_fast(torch.cat([stretched * m, m], 1), max(1.0, min(stretched.shape[-2:]) / 50.0))
    return cm[:, :3] / cm[:, 3:].clamp(min=1e-4)
