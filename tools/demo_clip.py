"""A procedural test scene with known depth, for tests, benchmarks and the contact sheet (no files, no network).

:func:`demo_clip` renders a small landscape — sky with a sun, two mountain ranges, a striped field, a white post
and a red ball rolling across — seen by a camera that pans slowly, every layer moving with parallax.
"""

from __future__ import annotations

import math

import torch


def demo_clip(frames: int = 12, height: int = 144, width: int = 256, pan: float = 0.08,
              device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """``(frames [B,H,W,3], nearness [B,H,W])`` float32 in 0..1 (nearness: 1 = nearest, the depth convention of the
    effects). ``pan`` is the nearest layer's horizontal travel over the clip as a fraction of the width."""
    b, h, w = int(frames), int(height), int(width)
    ys = (torch.arange(h, device=device, dtype=torch.float32) + 0.5) / h
    xs = (torch.arange(w, device=device, dtype=torch.float32) + 0.5) / w
    aspect = w / h
    t = torch.linspace(0.0, 1.0, b, device=device) if b > 1 else torch.zeros(1, device=device)
    Y = ys.view(1, h, 1).expand(b, h, w)
    X0 = xs.view(1, 1, w).expand(b, h, w)
    T = t.view(b, 1, 1)

    def layer_x(near):  # parallax: nearer layers slide further
        return X0 + pan * near * (T - 0.5)

    # sky
    sky_top = torch.tensor([0.18, 0.36, 0.68], device=device)
    sky_hor = torch.tensor([0.98, 0.72, 0.50], device=device)
    k = (Y / 0.55).clamp(0, 1)[..., None] ** 1.4
    img = sky_top * (1 - k) + sky_hor * k
    xs_sky = layer_x(0.02)
    sun = ((xs_sky - 0.74) * aspect) ** 2 + (Y - 0.28) ** 2
    img = img + torch.tensor([1.0, 0.85, 0.55], device=device) * torch.exp(-sun / 0.0025)[..., None] * 0.9
    near = torch.full((b, h, w), 0.02, device=device)
    # far mountains
    xm = layer_x(0.15)
    ridge = 0.47 - 0.07 * torch.sin(xm * 9.0 + 1.0) * torch.sin(xm * 3.1) - 0.02 * torch.sin(xm * 41.0)
    m = (Y > ridge)
    img = torch.where(m[..., None], torch.tensor([0.36, 0.40, 0.55], device=device) * (1.1 - 0.4 * (Y - ridge)
                      .clamp(0, 1)[..., None]), img)
    near = torch.where(m, torch.full_like(near, 0.15), near)
    # near hills
    xh = layer_x(0.35)
    hill = 0.58 - 0.04 * torch.sin(xh * 6.0 + 2.0) - 0.012 * torch.sin(xh * 37.0)
    m = Y > hill
    img = torch.where(m[..., None], torch.tensor([0.22, 0.42, 0.20], device=device) * (1.0 + 0.15 * torch.sin(
        xh * 90.0)[..., None]), img)
    near = torch.where(m, torch.full_like(near, 0.35), near)
    # field: perspective stripes, nearness grows toward the bottom
    horizon = 0.64
    m = Y > horizon
    depth_row = ((Y - horizon) / (1 - horizon)).clamp(0, 1)
    nf = 0.4 + 0.6 * depth_row
    xf = layer_x(nf)
    persp = (xf - 0.5) / (0.05 + depth_row)
    stripes = 0.5 + 0.5 * torch.sin(persp * 6.0)
    rows = 0.5 + 0.5 * torch.sin(1.0 / (0.02 + depth_row) * 2.0)
    field = torch.stack([0.55 + 0.25 * stripes, 0.50 + 0.15 * rows, 0.18 + 0.08 * stripes], -1)
    img = torch.where(m[..., None], field * (0.6 + 0.4 * depth_row[..., None]), img)
    near = torch.where(m, nf, near)
    # white post (sharp edges for lens effects)
    xp = layer_x(0.8)
    post = ((xp - 0.2).abs() * aspect < 0.012) & (Y > 0.35) & (Y < 0.92)
    img = torch.where(post[..., None], torch.tensor([0.96, 0.96, 0.93], device=device), img)
    near = torch.where(post, torch.full_like(near, 0.8), near)
    # red ball rolling left to right (the subject), shaded
    bx = 0.3 + 0.4 * T + pan * 0.9 * (T - 0.5)
    by = 0.78
    r = 0.11
    dx, dy = (X0 - bx) * aspect, Y - by
    d2 = (dx * dx + dy * dy) / (r * r)
    ball = d2 < 1.0
    nz = torch.sqrt((1 - d2).clamp(min=0))
    light = (0.25 + 0.75 * (-0.5 * dx / r - 0.6 * dy / r + 0.62 * nz).clamp(min=0))[..., None]
    band = (torch.sin((dx / r) * 5.0 + T * 6.0 * math.pi) > 0.6)[..., None]
    colour = torch.where(band, torch.tensor([0.95, 0.9, 0.8], device=device),
                         torch.tensor([0.85, 0.12, 0.10], device=device))
    img = torch.where(ball[..., None], colour * light + 0.35 * nz[..., None] ** 20, img)
    near = torch.where(ball, torch.full_like(near, 0.9), near)
    return img.clamp(0, 1).contiguous(), near.clamp(0, 1).contiguous()
