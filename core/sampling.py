"""Pixel grids and bilinear sampling in the OpenCV pixel-centre convention: pixel ``(i, j)`` covers
``[i, i+1) x [j, j+1)``, so its centre is at ``(i + 0.5, j + 0.5)``; ``grid_sample`` runs with
``align_corners=False``, which uses the same convention."""

from __future__ import annotations

import torch
import torch.nn.functional as F


def pixel_grid(h: int, w: int, device=None, dtype=torch.float32) -> tuple[torch.Tensor, torch.Tensor]:
    """Pixel-centre coordinates ``(x, y)``, each ``[H, W]``."""
    ys = torch.arange(h, device=device, dtype=dtype) + 0.5
    xs = torch.arange(w, device=device, dtype=dtype) + 0.5
    return xs[None, :].expand(h, w), ys[:, None].expand(h, w)


def norm_grid(h: int, w: int, device=None, dtype=torch.float32) -> torch.Tensor:
    """``[H,W,2]`` grid_sample coordinates (x, y in -1..1) of the pixel centres."""
    xs = (torch.arange(w, device=device, dtype=dtype) + 0.5) * (2.0 / w) - 1.0
    ys = (torch.arange(h, device=device, dtype=dtype) + 0.5) * (2.0 / h) - 1.0
    return torch.stack((xs[None, :].expand(h, w), ys[:, None].expand(h, w)), -1)


def sample(frames_bchw: torch.Tensor, px: torch.Tensor, py: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Bilinear sample ``[B,C,H,W]`` at pixel coordinates ``px, py`` ``[B,h,w]`` → ``[B,C,h,w]``."""
    h, w = frames_bchw.shape[-2:]
    grid = torch.stack((px * (2.0 / w) - 1.0, py * (2.0 / h) - 1.0), dim=-1).to(frames_bchw.dtype)
    return F.grid_sample(frames_bchw, grid, mode="bilinear", padding_mode=padding, align_corners=False)


def sample_norm(frames_bchw: torch.Tensor, grid: torch.Tensor, padding: str = "border") -> torch.Tensor:
    """Bilinear sample ``[B,C,H,W]`` at normalized ``grid`` ``[B,h,w,2]`` → ``[B,C,h,w]``."""
    return F.grid_sample(frames_bchw, grid.to(frames_bchw.dtype), mode="bilinear", padding_mode=padding,
                         align_corners=False)
