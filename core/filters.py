"""Image filters on ``[B,C,H,W]`` (or ``[..., H, W]``) tensors: Gaussian, fast large-radius and box blurs, the guided
filter. Padding reflects where the image is large enough, else replicates."""

from __future__ import annotations

import math

import torch
import torch.nn.functional as F

from .frames import centre_crop_box


def _gauss_taps(sigma: float) -> list[float]:
    """Normalized Gaussian taps over ±ceil(3 sigma)."""
    r = max(1, int(math.ceil(3.0 * sigma)))
    k = torch.exp(-0.5 * (torch.arange(-r, r + 1, dtype=torch.float64) / sigma) ** 2)
    return (k / k.sum()).tolist()


def gaussian_blur(x_bchw: torch.Tensor, sigma: float) -> torch.Tensor:
    """Separable Gaussian blur of ``[B,C,H,W]`` with reflect padding (replicate where the image is too small)."""
    if sigma <= 0.05:
        return x_bchw
    k = _gauss_taps(sigma)
    r = len(k) // 2
    h, w = x_bchw.shape[-2:]
    mode = "reflect" if (r < h and r < w) else "replicate"
    # shifted multiply-adds: on CPU several times faster than a depthwise conv2d, the same sums
    y = F.pad(x_bchw, (r, r, 0, 0), mode=mode)
    acc = y[..., 0:w] * k[0]
    for i in range(1, 2 * r + 1):
        acc.add_(y[..., i:i + w], alpha=k[i])
    y = F.pad(acc, (0, 0, r, r), mode=mode)
    acc = y[..., 0:h, :] * k[0]
    for i in range(1, 2 * r + 1):
        acc.add_(y[..., i:i + h, :], alpha=k[i])
    return acc


def resize(x_bchw: torch.Tensor, size: tuple[int, int], mode: str = "bilinear",
           antialias: bool = False) -> torch.Tensor:
    """Resize ``[B,C,H,W]`` to ``size`` = (h, w): "bilinear" (pixel centres, ``align_corners=False``; ``antialias``
    for a triangle prefilter when shrinking) or "area" (cell means). Channels are folded into the batch: PyTorch's
    CPU kernels are about 3x faster on one-channel images, and the result is the same."""
    b, c, h, w = x_bchw.shape
    flat = x_bchw.reshape(b * c, 1, h, w)
    if mode == "area":
        out = F.interpolate(flat, size=size, mode="area")
    else:
        out = F.interpolate(flat, size=size, mode=mode, antialias=antialias, align_corners=False)
    return out.view(b, c, *out.shape[-2:])


def blur_fast(x_bchw: torch.Tensor, sigma: float) -> torch.Tensor:
    """Gaussian-like blur of ``[B,C,H,W]`` whose cost does not grow with ``sigma``: below sigma 4 the exact
    :func:`gaussian_blur`, above it a Gaussian at 1/(sigma/2) of the resolution, upsampled bilinearly. The pack's one
    large blur (a disc of radius R has the spread of sigma = R/2: inpainting, soft masks, smooth fills)."""
    h, w = x_bchw.shape[-2:]
    f = int(max(1, min(sigma / 2.0, min(h, w) / 4.0)))
    if f <= 1:
        return gaussian_blur(x_bchw, sigma)
    small = resize(x_bchw, (max(1, h // f), max(1, w // f)), "area")
    small = gaussian_blur(small, sigma / f)
    return resize(small, (h, w))


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


def box_mean(x: torch.Tensor, r: int) -> torch.Tensor:
    """Mean over a (2r+1)^2 window of [..., H, W] (edges replicated), via cumulative sums (O(1) in r)."""
    if r <= 0:
        return x
    shape = x.shape
    x = x.reshape(-1, 1, *shape[-2:])
    x = F.pad(x, (r + 1, r, r + 1, r), mode="replicate")
    c = x.double().cumsum(-1).cumsum(-2)
    k = 2 * r + 1
    s = c[..., k:, k:] - c[..., :-k, k:] - c[..., k:, :-k] + c[..., :-k, :-k]
    return (s / (k * k)).to(x.dtype).reshape(shape)


def _guided_coefficients(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float
                         ) -> tuple[torch.Tensor, torch.Tensor]:
    """The window-averaged linear coefficients (a, b) of a gray-guided filter: output = a * guide + b. [H, W]."""
    mean_i, mean_p = box_mean(guide, r), box_mean(src, r)
    cov = box_mean(guide * src, r) - mean_i * mean_p
    var = box_mean(guide * guide, r) - mean_i * mean_i
    a = cov / (var + eps)
    b = mean_p - a * mean_i
    return box_mean(a, r), box_mean(b, r)


def guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """Edge-preserving guided filter (He et al. 2010) with a gray guide: both [H, W]."""
    a, b = _guided_coefficients(guide, src, r, eps)
    return a * guide + b


def fast_guided_filter(guide: torch.Tensor, src: torch.Tensor, r: int, eps: float) -> torch.Tensor:
    """The fast guided filter (He & Sun 2015): the coefficients of :func:`guided_filter` computed on a copy ``k``
    times smaller (k ~ r / 2), upsampled bilinearly and applied at full resolution. [H, W] -> [H, W]."""
    k = max(1, r // 2)
    if k == 1:
        return guided_filter(guide, src, r, eps)
    h, w = guide.shape
    gi = F.avg_pool2d(guide[None, None], k, ceil_mode=True)[0, 0]
    sp = F.avg_pool2d(src[None, None], k, ceil_mode=True)[0, 0]
    a, b = _guided_coefficients(gi, sp, max(1, r // k), eps)
    ab = F.interpolate(torch.stack([a, b])[None], size=(h, w), mode="bilinear", align_corners=False)[0]
    return ab[0] * guide + ab[1]


def crop_to(image: torch.Tensor, width: int, height: int, clamp: bool = True) -> torch.Tensor:
    """[H, W, C] -> [height, width, C]: centre crop to the aspect (:func:`.frames.centre_crop_box`), then an
    antialiased bilinear resize (the image itself, untouched, when it already has that size); ``clamp`` to 0..1
    (off for depth maps). The generative backends' picture and depth (SVD, the Wan guide)."""
    h, w = image.shape[:2]
    if (h, w) == (height, width):
        return image
    top, left, ch, cw = centre_crop_box(h, w, (width, height))
    image = image[top:top + ch, left:left + cw]
    out = resize(image.permute(2, 0, 1)[None], (height, width), antialias=True)[0].permute(1, 2, 0)
    return (out.clamp(0, 1) if clamp else out).contiguous()
