"""The no-model depth estimate of the 2.5D renderer: a piecewise-planar z-depth from the picture alone.

A background plane receding upward and one subject plane standing on it (the subject from ``render/segment.py``).
The depth contract (normalization, checks, loading, depth edges) is ``render/depth.py``; the result here follows it:
``[H, W]`` float32 z-depth of the frame-0 camera, median 1. Pure torch on the image's device, except the
segmentation (numpy on a ``WORK_SIZE`` copy).
"""

from __future__ import annotations

import math

import numpy as np
import torch
import torch.nn.functional as F

from ..core.filters import fast_guided_filter
from ..core.frames import downscale_to_max, luma
from .depth import MAX_DEPTH_RATIO
from .segment import segment_subject

WORK_SIZE = 128
"""Longer side (px) of the picture the subject is segmented on; the result is upsampled edge-aware."""

D_FAR, D_BOTTOM = 0.4, 1.0
"""Relative disparity of the background plane at the top and at the bottom edge of the picture."""

MAX_STEP = 0.06
"""Largest disparity step at the subject's outline, as a fraction of the disparity behind it (a move of the camera
by B reveals a gap of about ``MAX_STEP * f * B`` pixels there)."""


def background_disparity(y: torch.Tensor) -> torch.Tensor:
    """Relative disparity of the scene without a subject at normalized rows ``y`` (0 = top, 1 = bottom): one plane
    that recedes upward, ``D_BOTTOM`` at the bottom edge to ``D_FAR`` at the top. A plane has a disparity affine in
    the pixel coordinates and keeps every straight line straight in every view: no horizon kink for standing things
    to bend at."""
    return D_FAR + (D_BOTTOM - D_FAR) * y


def estimate_depth(image: torch.Tensor, subject: tuple[float, float] | None = None,
                   segmentation=None) -> torch.Tensor:
    """A piecewise-planar depth from the image alone (no model): a background plane and one subject plane.

    Assumptions (also in docs/how-it-works.md and the README):

    - the scene is a plane receding upward (``background_disparity``: the ground toward the bottom, farther things
      toward the top), so straight lines stay straight under every move;
    - the picture has one subject: grown with GrabCut (``render/segment.py``, on a copy ``WORK_SIZE`` px long)
      from the drawn focus point ``subject`` when there is one, else from the saliency peak near the centre; holes
      in its region (eyes, mouth) are filled, so it is one plane with no step inside (a face stays whole);
    - the subject stands on the background at its lowest point (its contact line) and rises from there as upright
      as the step at its outline allows: fronto-parallel when it is short, leaning back with the background just
      enough that its top stands at most ``MAX_STEP`` in front of what is behind it when it is tall
      (:func:`_subject_plane`), so a camera move shows parallax but reveals only narrow gaps;
    - depth steps lie only on the subject's outline, snapped to the image's own edges (guided filter);
    - where the evidence is weak (no region found, one that is tiny, fills most of the picture or runs along the
      top edge) the subject fades into the background plane, so parallax shrinks instead of tearing.

    Everything is planar between the outline's steps, so every long straight edge of the picture stays straight in
    every view (``render/straightness.py`` measures it). Deterministic (GrabCut's RNG is seeded). Portraits,
    close-ups and top-down shots are still a guess: connect a real depth map for true parallax.

    Args:
        image: [H, W, 3] float 0..1 (any device), H, W >= 1.
        subject: optional (x, y) of the subject, normalized 0..1 (origin top-left), e.g. the drawn focus point.
        segmentation: optional ``render/segment.Subject`` already found on this picture's ``WORK_SIZE`` copy
            (``segment_subject(downscale_to_max(image, WORK_SIZE))``, e.g. by ``render/reach.find_aim``): used
            instead of segmenting again (``subject`` is then not read).
    Returns:
        float32 [H, W] z-depth with median 1 on the image's device.
    """
    if image.ndim != 3 or image.shape[-1] != 3 or image.shape[0] < 1 or image.shape[1] < 1:
        raise ValueError(f"image must be [H, W, 3] with H, W >= 1, got {tuple(image.shape)}")
    if subject is not None:
        sx, sy = (float(v) for v in subject)
        if not (math.isfinite(sx) and math.isfinite(sy)):
            raise ValueError(f"subject must be a finite (x, y) normalized to 0..1, got {subject}")
        subject = (min(1.0, max(0.0, sx)), min(1.0, max(0.0, sy)))
    img = image.float().clamp(0, 1)
    h, w = img.shape[:2]
    dev = img.device
    yf = (torch.arange(h, device=dev, dtype=torch.float32) + 0.5) / h
    base = background_disparity(yf)[:, None].expand(h, w)

    scale = min(1.0, WORK_SIZE / max(h, w))
    small = downscale_to_max(img, WORK_SIZE)
    seg = segment_subject(small.cpu().numpy(), subject) if segmentation is None else segmentation
    if seg.mask.shape != tuple(small.shape[:2]):
        raise ValueError(f"segmentation is {seg.mask.shape[1]}x{seg.mask.shape[0]}, not this picture's "
                         f"{small.shape[1]}x{small.shape[0]} working copy: segment downscale_to_max(image, WORK_SIZE)")
    disp = base
    if seg.confidence > 0:
        plane = _subject_plane(seg.mask, yf)[:, None].expand(h, w)
        alpha = F.interpolate(torch.from_numpy(seg.mask.astype(np.float32))[None, None].to(dev), size=(h, w),
                              mode="bilinear", align_corners=False)[0, 0]
        # the outline follows the picture's own edges: guided filter of the upsampled mask, then made crisp
        alpha = fast_guided_filter(luma(img), alpha, max(1, round(1.5 / scale)), 1e-3)
        alpha = ((alpha - 0.5) * 4.0 + 0.5).clamp(0, 1)
        disp = base + seg.confidence * alpha * (plane - base)
    z = 1.0 / disp
    return (z / z.median()).clamp(1.0 / MAX_DEPTH_RATIO, MAX_DEPTH_RATIO).contiguous()


def _subject_plane(mask: np.ndarray, y: torch.Tensor) -> torch.Tensor:
    """The subject's disparity at normalized rows ``y`` ``[H]`` for its region ``mask`` [h, w] bool (any size):
    the background's disparity at its lowest row (where it stands), rising from there with the slope
    ``max(0, background slope - MAX_STEP * background at its top / height)`` -- upright when that is 0, else
    leaning back with the background just enough that the step at its top is ``MAX_STEP`` of the disparity of what
    lies behind it there (the step shrinks toward its foot, where it stands on the background)."""
    rows = np.flatnonzero(mask.any(1))
    h = mask.shape[0]
    top, bottom = rows[0] / h, (rows[-1] + 1) / h
    foot = float(background_disparity(torch.tensor(bottom)))
    behind_top = float(background_disparity(torch.tensor(top)))
    slope = max(0.0, (D_BOTTOM - D_FAR) - MAX_STEP * behind_top / max(1e-3, bottom - top))
    return foot - slope * (bottom - y)
