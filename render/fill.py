"""Hole filling for the 2.5D render: background-first, so a disocclusion is filled from the surface behind the
object that uncovered it, never from the object itself.

Shapes: colour [B, 3, H, W], depth [B, H, W] (z-depth, anything finite in holes), valid [B, H, W] bool
(False = hole). Every filler returns (colour with holes filled, depth with holes given the background depth it
chose), so later steps (depth of field, motion blur) see a complete depth map.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F

from ..core.errors import excerpt
from ..core.filters import blur_fast
from ..core.params import FILL_MODES


def fill_holes(color: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor, mode: str = "background"):
    """Fill the holes of a rendered chunk with one of ``FILL_MODES``.

    background: :func:`push_pull_fill` (smooth, fast, from the farther surface only); stretch:
    :func:`stretch_fill` (the farther border stretched across); none: holes black, their depth the farthest
    valid depth of the frame.
    """
    if mode == "background":
        return push_pull_fill(color, depth, valid)
    if mode == "stretch":
        return stretch_fill(color, depth, valid)
    if mode == "none":
        return color * valid[:, None], torch.where(valid, depth, fallback_depth(depth, valid))
    raise ValueError(f"fill must be one of {FILL_MODES}, got {excerpt(mode)}")


BACKGROUND_POWER = 16.0
"""How strongly the fill prefers the farther surface: in the push and the upsampling a cell weighs
``(z / z_far) ** 16`` against the farthest surface beside it (15 % nearer: 7 %; 3 % nearer, a smooth slope: 61 %);
in the pull a cell keeps its own colour against its parent's with twice that power (15 % nearer: 0.6 %). Higher
powers pull the far end of smooth slopes (the top of a sky gradient) into holes as dark bands; lower ones let a
nearer object's colour in."""


def push_pull_fill(color: torch.Tensor, depth: torch.Tensor, valid: torch.Tensor,
                   power: float = BACKGROUND_POWER):
    """Background-only smooth hole filling by push-pull over an image pyramid.

    Push: each coarser cell averages its four children weighted by ``(z / z_far) ** power`` against the farthest
    of them, so a coarse cell describes the background of its area: a nearer object hardly enters it (its weight
    falls with the depth ratio at every level), while a smooth slope still mixes. Pull: from coarse to fine, a
    cell keeps its own colour in proportion to its coverage relative to its parent's, times the depth weight
    (squared) against the parent's surface, so foreground next to a hole takes the parent's background. The
    upsampling is depth-aware too: a coarse cell nearer than its 3x3 neighbourhood's farthest surface spreads
    into its neighbours only with that weight. Hole pixels take the finest pulled level at their position.
    Cost: about 1.5 passes over a 1/16 subsample of the frame.

    Args/returns as :func:`stretch_fill` (``color`` and ``depth`` are updated in place; ``depth`` may hold anything
    finite in holes).
    """
    b, _, h, w = color.shape
    # the pyramid starts from every s-th pixel (a fill is smooth anyway; this makes it s^2 times cheaper)
    st = 4 if min(h, w) >= 256 else (2 if min(h, w) >= 32 else 1)
    wgt = valid[:, None, ::st, ::st].to(color.dtype)
    zd = depth[:, None, ::st, ::st] * wgt
    zmax = zd.flatten(1).amax(1).clamp(min=1e-6)[:, None, None, None]
    levels = [torch.cat([color[:, :, ::st, ::st] * wgt, zd, wgt], 1)]
    while min(levels[-1].shape[-2:]) > 1:
        levels.append(_pool2_farthest(levels[-1], power))
    tiny = 1e-12
    top = levels[-1]
    val = top[:, :4] / top[:, 4:].clamp(min=tiny)
    wl = top[:, 4:]
    for lev in reversed(levels[:-1]):
        up_val, up_w = _upsample_background(val, wl, lev.shape[-2:], power)
        own_w = lev[:, 4:]
        own = lev[:, :4] / own_w.clamp(min=tiny)
        alpha = (own_w / up_w.clamp(min=tiny)).clamp(0, 1)
        # a cell nearer than the background arriving from above is foreground: it takes the background
        alpha = alpha * _depth_weight(own[:, 3:4], up_val[:, 3:4], 2.0 * power)
        val = up_val + (own - up_val) * alpha
        wl = up_w + (own_w - up_w) * alpha
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


def _depth_weight(z: torch.Tensor, z_far: torch.Tensor, power: float) -> torch.Tensor:
    """``(z / z_far) ** power`` in 0..1 (1 where ``z`` is as far as ``z_far`` or farther; 0 for empty cells)."""
    return (z / z_far.clamp(min=1e-12)).clamp(0.0, 1.0).pow(power)


def _pool2_farthest(x: torch.Tensor, power: float) -> torch.Tensor:
    """One push step on [B, 5, H, W] = (colour * w, depth * w, w): each 2x2 block sums (then quarters) its
    children weighted by :func:`_depth_weight` against the block's farthest child (odd sizes: last row/column
    repeated)."""
    if x.shape[-2] % 2:
        x = torch.cat([x, x[..., -1:, :]], -2)
    if x.shape[-1] % 2:
        x = torch.cat([x, x[..., -1:]], -1)
    kids = torch.stack([x[..., ::2, ::2], x[..., 1::2, ::2], x[..., ::2, 1::2], x[..., 1::2, 1::2]])  # (4, B, 5, ..)
    z = kids[:, :, 3:4] / kids[:, :, 4:].clamp(min=1e-12)  # mean depth of each child (0 where empty)
    return (kids * _depth_weight(z, z.amax(0, keepdim=True), power)).sum(0) * 0.25


def _upsample_background(val: torch.Tensor, wl: torch.Tensor, size, power: float):
    """Bilinear upsampling of a pulled level (val [B, 4, h, w] = colour, depth; wl [B, 1, h, w] coverage) to
    ``size``, each coarse cell weighted by :func:`_depth_weight` against the farthest surface of its 3x3
    neighbourhood (plain bilinear where a footprint's weights vanish)."""
    z = val[:, 3:4]
    far = F.max_pool2d(z, 3, stride=1, padding=1)
    m = _depth_weight(z, far, power)
    both = F.interpolate(torch.cat([val * m, wl * m, m, val, wl], 1), size=size, mode="bilinear",
                         align_corners=False)
    norm = both[:, 5:6]
    ok = norm > 1e-6
    up_val = torch.where(ok, both[:, :4] / norm.clamp(min=1e-6), both[:, 6:10])
    up_w = torch.where(ok, both[:, 4:5] / norm.clamp(min=1e-6), both[:, 10:11])
    return up_val, up_w


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
