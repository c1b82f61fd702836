"""The no-model depth estimate of the 2.5D renderer: a piecewise-planar z-depth from the picture alone.

A background plane receding upward and one subject plane standing on it (the subject from ``render/segment.py``).
The depth contract (normalization, checks, loading, depth edges) is ``render/depth.py``; the result here follows it:
``[H, W]`` float32 z-depth of the frame-0 camera, median 1. Pure torch on the image's device, except the
segmentation (numpy on a ``WORK_SIZE`` copy).
"""

from __future__ import annotations

import math

import cv2
import numpy as np
import torch
import torch.nn.functional as F

from ..core.filters import fast_guided_filter
from ..core.frames import downscale_to_max, luma
from .depth import MAX_DEPTH_RATIO
from .lines import long_segments, near_vertical
from .segment import segment_subject

WORK_SIZE = 128
"""Longer side (px) of the picture the subject is segmented on; the result is upsampled edge-aware."""

D_FAR, D_BOTTOM = 0.4, 1.0
"""Relative disparity of the background plane at the top and at the bottom edge of the picture."""

MAX_STEP = 0.06
"""Largest disparity step at the subject's outline, as a fraction of the disparity behind it (a move of the camera
by B reveals a gap of about ``MAX_STEP * f * B`` pixels there)."""


STAND_BAND = 0.012
"""Half-width of the band a standing structure takes around each of its segments, as a fraction of the longer side."""

STAND_JOIN = 0.05
"""Bands closer than this share of the picture's width (across) or height (along) belong to one structure."""

STAND_MAX_AREA = 0.2
"""A group of segments covering more than this share of the picture is texture, not a standing structure."""

LINE_BAND = 3
"""Width (px) of the band along a long segment that is kept on one side of the subject's outline (wider bands put
their own outline within reach of the render's depth-edge snapping, which bent the lines they were to keep straight)."""

STAND_MIN_HEIGHT = 0.4
"""A group shorter than this share of the picture's height is not taken for a standing structure (a strap, a
fold, an edge of a box: too little evidence to stand the background upright behind it)."""

MIN_FOOT = 0.5
"""A group whose lowest row is above this normalized row is not seen standing on the ground (its foot is hidden, or
it hangs from something): it stays in the receding background."""

MAX_CONTACT = 0.9
"""Lowest normalized row the background's contact line may take (below it the ground plane always recedes)."""

CONTACT_SEARCH = 0.15
"""How far above the structures' lowest foot (normalized rows) the contact row may move to cross fewer lines."""

STAND_HULL = 0.5
"""Rows (a share of the structure's own height) over which a standing structure's leftmost and rightmost band
pixels are carried up and down to make its region, so a structure whose two edges were found over different heights
(a rocket's left edge high up, its right edge low down) stands whole rather than in halves."""


def background_disparity(y, contact: float = 0.0):
    """Relative disparity of the scene without a subject at normalized rows ``y`` (0 = top, 1 = bottom; a tensor,
    array or float): a ground plane that recedes upward, ``D_BOTTOM`` at the bottom edge toward ``D_FAR`` at the
    top, up to the ``contact`` row, and above it an upright (fronto-parallel) plane standing on the ground there:
    ``D_FAR + (D_BOTTOM - D_FAR) * max(y, contact)``. ``contact = 0`` (no standing structure found) is one plane.
    Each part is a plane (disparity affine in the pixel coordinates), so every straight line that does not cross
    the contact row stays straight in every view, and whatever stands above it stays upright."""
    if isinstance(y, torch.Tensor):
        return D_FAR + (D_BOTTOM - D_FAR) * y.clamp(min=contact)
    return D_FAR + (D_BOTTOM - D_FAR) * np.maximum(y, contact)


def estimate_depth(image: torch.Tensor, subject: tuple[float, float] | None = None,
                   segmentation=None) -> torch.Tensor:
    """A piecewise-planar depth from the image alone (no model): a background (a ground plane, and an upright plane
    above the contact row of the standing structures when there are some) and one subject plane.

    Assumptions (also in docs/how-it-works.md and the README):

    - the scene is a ground plane receding upward (``background_disparity``: the ground toward the bottom, farther
      things toward the top), so straight lines stay straight under every move;
    - things stand on the ground upright: when the picture has tall standing structures (groups of long
      near-vertical segments, :func:`standing_structures`, with their foot in its lower half), the background stops
      receding at their contact row (:func:`contact_row`) and stands fronto-parallel above it, so towers, poles and
      what stands beside them stay upright (``render/straightness.lean_deg``) with no depth step; a structure whose
      foot lies below that row stands on the ground in front (:func:`stand_below_contact`); a structure that ends
      on the subject goes on behind it (:func:`feet_hidden`: its foot is taken at least as low as the subject's);
    - the picture has one subject: grown with GrabCut (``render/segment.py``, on a copy ``WORK_SIZE`` px long)
      from the drawn focus point ``subject`` when there is one, else from the saliency peak near the centre; holes
      in its region (eyes, mouth) are filled, so it is one plane with no step inside (a face stays whole);
    - the subject stands on the background at its lowest point (its contact line) and rises from there as upright
      as the step at its outline allows: fronto-parallel when it is short, leaning back with the background just
      enough that its top stands at most ``MAX_STEP`` in front of what is behind it when it is tall
      (:func:`_subject_plane`), so a camera move shows parallax but reveals only narrow gaps;
    - depth steps lie only on the subject's outline, snapped to the image's own edges (guided filter), and every
      long straight segment lies wholly on one side of it (:func:`_lines_on_one_side`);
    - where the evidence is weak (no region found, one that is tiny, fills most of the picture or runs along the
      top edge) the subject fades into the background plane, so parallax shrinks instead of tearing.

    Everything is planar between the outline's steps and away from the contact row (the row in reach that the
    fewest long lines cross), so the long straight edges of the picture stay straight in every view
    (``render/straightness.py`` measures it). Deterministic (GrabCut's RNG is seeded). Portraits, close-ups and
    top-down shots are still a guess: connect a real depth map for true parallax.

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

    scale = min(1.0, WORK_SIZE / max(h, w))
    small = downscale_to_max(img, WORK_SIZE)
    seg = segment_subject(small.cpu().numpy(), subject) if segmentation is None else segmentation
    if seg.mask.shape != tuple(small.shape[:2]):
        raise ValueError(f"segmentation is {seg.mask.shape[1]}x{seg.mask.shape[0]}, not this picture's "
                         f"{small.shape[1]}x{small.shape[0]} working copy: segment downscale_to_max(image, WORK_SIZE)")
    lines = long_segments(img)
    vertical = near_vertical(lines)
    # the subject has its own plane: the lines mostly on it neither stand nor cross the contact row
    outside = _share_in(lines, seg.mask, (h, w)) < 0.5 if seg.confidence > 0 else np.ones(len(lines), bool)
    labels, feet = standing_structures(lines[outside & vertical], (h, w))
    if seg.confidence > 0:  # a structure that ends on the subject goes on behind it, at least as low as it
        subject_foot = mask_rows(seg.mask)[1]
        feet = np.where(feet_hidden(labels, feet, seg.mask), np.maximum(feet, subject_foot), feet)
    contact = contact_row(feet, lines[outside & ~vertical], h)
    disp = stand_below_contact(background_disparity(yf, contact)[:, None].expand(h, w), labels, feet, contact)
    if seg.confidence > 0:
        plane = _subject_plane(seg.mask, yf, contact)[:, None].expand(h, w)
        alpha = F.interpolate(torch.from_numpy(seg.mask.astype(np.float32))[None, None].to(dev), size=(h, w),
                              mode="bilinear", align_corners=False)[0, 0]
        alpha = _lines_on_one_side(_crisp(img, alpha, max(1, round(1.5 / scale))), lines, outside)
        disp = disp + seg.confidence * alpha * (plane - disp)
    z = 1.0 / disp
    return (z / z.median()).clamp(1.0 / MAX_DEPTH_RATIO, MAX_DEPTH_RATIO).contiguous()


def mask_rows(mask: np.ndarray) -> tuple[float, float]:
    """Normalized rows (0 = top, 1 = bottom) of the top edge of the first row and the bottom edge of the last row
    of a non-empty region ``mask`` [h, w] bool."""
    rows = np.flatnonzero(mask.any(1))
    return rows[0] / mask.shape[0], (rows[-1] + 1) / mask.shape[0]


def _subject_plane(mask: np.ndarray, y: torch.Tensor, contact: float = 0.0) -> torch.Tensor:
    """The subject's disparity at normalized rows ``y`` ``[H]`` for its region ``mask`` [h, w] bool (any size), on
    the background of :func:`background_disparity` with ``contact``: the background's disparity at its lowest row
    (where it stands), rising from there with the slope ``max(0, (foot - (1 + MAX_STEP) * behind its top) /
    height)`` -- upright when that is 0 (always where the background stands upright behind it), else leaning back
    with the ground just enough that the step at its top is ``MAX_STEP`` of the disparity of what lies behind it
    there (the step shrinks toward its foot, where it stands on the background)."""
    top, bottom = mask_rows(mask)
    foot = float(background_disparity(bottom, contact))
    behind_top = float(background_disparity(top, contact))
    slope = max(0.0, (foot - (1.0 + MAX_STEP) * behind_top) / max(1e-3, bottom - top))
    return foot - slope * (bottom - y)


def _crisp(img: torch.Tensor, alpha: torch.Tensor, radius: int) -> torch.Tensor:
    """A soft mask ``alpha`` [H, W] made to follow the picture's own edges: guided filter on the luma of ``img``
    [H, W, 3] with ``radius`` px, then steepened (x4 around 0.5) and clamped to 0..1."""
    alpha = fast_guided_filter(luma(img), alpha, radius, 1e-3)
    return ((alpha - 0.5) * 4.0 + 0.5).clamp(0, 1)


def standing_structures(segments: np.ndarray, size: tuple[int, int]) -> tuple[np.ndarray, np.ndarray]:
    """The picture's standing structures: ``(labels, feet)``, ``labels`` [H, W] int32 (0 = none, k = structure k)
    and ``feet`` ``(n,)`` float64, the normalized row (0 = top, 1 = bottom) of each one's lowest pixel, its foot
    (``feet[0]`` = -1 for the rest of the picture).

    A structure is a connected group of the picture's long near-vertical ``segments`` (``(S, 4)``, pixel
    coordinates of a picture of ``size`` = (H, W); ``render/lines.long_segments`` / ``near_vertical``): each
    segment drawn as a band ``STAND_BAND`` of the longer side to each side, bands closer than ``STAND_JOIN`` (the
    two edges of one tower, the pieces of one pole) joined. Groups larger than ``STAND_MAX_AREA`` of the picture
    (texture, not a structure), shorter than ``STAND_MIN_HEIGHT`` or whose foot is above ``MIN_FOOT`` are left
    out."""
    h, w = size
    band = np.zeros((h, w), np.uint8)
    thick = max(1, round(2 * STAND_BAND * max(h, w)))
    for x0, y0, x1, y1 in segments:
        cv2.line(band, (round(x0 - 0.5), round(y0 - 0.5)), (round(x1 - 0.5), round(y1 - 0.5)), 1, thick)
    join = cv2.getStructuringElement(cv2.MORPH_RECT, (max(1, round(STAND_JOIN * w)), max(1, round(STAND_JOIN * h))))
    band = cv2.morphologyEx(band, cv2.MORPH_CLOSE, join)
    n, labels, stats, _ = cv2.connectedComponentsWithStats(band, connectivity=8)
    feet = (stats[:, cv2.CC_STAT_TOP] + stats[:, cv2.CC_STAT_HEIGHT]) / h
    keep = (stats[:, cv2.CC_STAT_AREA] <= STAND_MAX_AREA * h * w) & (np.arange(n) > 0) & (feet >= MIN_FOOT)
    keep &= stats[:, cv2.CC_STAT_HEIGHT] >= STAND_MIN_HEIGHT * h
    return np.where(keep[labels], labels, 0).astype(np.int32), np.where(keep, feet, -1.0)


FOOT_LOOK = 0.03
"""How far below a structure's foot (a share of the picture's height) the subject is looked for: a structure that
ends on the subject is cut off by it, not standing there."""


def feet_hidden(labels: np.ndarray, feet: np.ndarray, mask: np.ndarray) -> np.ndarray:
    """``(n,)`` bool: which standing structures (``labels`` [H, W], ``feet`` ``(n,)`` as :func:`standing_structures`
    returns them) end on the subject ``mask`` [h, w] bool (any size): most of the columns of a structure's lowest
    rows have the subject within ``FOOT_LOOK`` of the height below its foot. Such a foot is the subject's outline
    in front of it (a car's window pillar behind a passenger's shoulder), not where it stands on the ground."""
    h, w = labels.shape
    mh, mw = mask.shape
    hidden = np.zeros(len(feet), bool)
    look = max(1, round(FOOT_LOOK * mh))
    for k in np.flatnonzero(feet >= 0):
        ys, xs = np.nonzero(labels == k)
        foot = ys.max()
        cols = np.unique(xs[ys >= foot - max(1, round(0.01 * h))] * mw // w)  # its lowest 1 % of rows
        my = min(mh - 1, (foot + 1) * mh // h)
        below = mask[my:my + look + 1][:, cols].any(0)
        hidden[k] = below.mean() > 0.5
    return hidden


def contact_row(feet: np.ndarray, others: np.ndarray, height: int) -> float:
    """Where the background stops receding and stands up (normalized row, 0 = top): 0 (one receding plane) when
    there is no standing structure (``feet`` as :func:`standing_structures` returns them), else the row within
    ``CONTACT_SEARCH`` above their lowest foot (itself at most ``MAX_CONTACT``) that the fewest of the picture's
    other long segments ``others`` (``(S, 4)`` pixel coordinates, ``height`` px picture) cross, the lowest of
    those: a line that crosses the contact row bends there; the structures whose foot is below it stand on the
    ground in front of the upright background (:func:`stand_below_contact`)."""
    if not np.any(feet >= 0):
        return 0.0
    lowest = min(MAX_CONTACT, float(np.max(feet)))
    rows = np.linspace(lowest, max(0.0, lowest - CONTACT_SEARCH), 16)
    y0, y1 = (np.minimum(others[:, 1], others[:, 3]) / height, np.maximum(others[:, 1], others[:, 3]) / height)
    crossed = ((y0[None, :] < rows[:, None]) & (y1[None, :] > rows[:, None])).sum(1)
    return float(rows[int(np.argmin(crossed))])


def stand_below_contact(base: torch.Tensor, labels: np.ndarray, feet: np.ndarray, contact: float) -> torch.Tensor:
    """The background disparity ``base`` [H, W] (:func:`background_disparity` with ``contact``) with each standing
    structure whose foot lies below the contact row standing on the ground in front of the upright background.

    Each such structure (``labels`` [H, W] and ``feet`` as :func:`standing_structures` returns them) is one plane
    over its region (:func:`structure_region`): the ground's disparity at its foot (it stands there, no step) up to
    the contact row's at its top (it meets the upright background there, no step), linear in the row between, so
    its straight lines stay straight and it leans back only as far as the foot lies below the contact row (at most
    ``CONTACT_SEARCH`` + ``1 - MAX_CONTACT`` rows). The region only approximates the object (its long segments may
    cover part of it, or stop short of its top), so a step at its top would split the object in any other view;
    the step left at its sides grows from 0 at the top to at most the ground's rise over those rows at the foot.
    """
    low = np.flatnonzero(feet > contact)
    if len(low) == 0:
        return base
    h = labels.shape[0]
    rows = (np.arange(h) + 0.5) / h
    behind = float(background_disparity(contact, contact))
    stand = np.zeros(labels.shape, np.float32)
    for k in low:
        region, top = structure_region(labels == k)
        foot = float(background_disparity(feet[k], contact))
        plane = behind + (foot - behind) * np.clip((rows - top) / max(1e-3, feet[k] - top), 0.0, 1.0)
        stand = np.where(region, np.maximum(stand, plane[:, None]), stand)
    return torch.maximum(base, torch.from_numpy(stand.astype(np.float32)).to(base.device))


def structure_region(band: np.ndarray) -> tuple[np.ndarray, float]:
    """The region of one standing structure from its band ``band`` [H, W] bool: on every row from the band's top
    to its foot, everything between the leftmost and the rightmost band pixel found within ``STAND_HULL`` of the
    band's height (so a structure whose edges were found over different heights is whole); with the band's top as a
    normalized row (0 = top)."""
    h, w = band.shape
    x = np.arange(w)
    rows = np.flatnonzero(band.any(1))
    reach = max(1, round(STAND_HULL * (rows[-1] - rows[0] + 1)))
    window = np.ones((2 * reach + 1, 1), np.uint8)  # running min / max down the rows (edges replicated)
    left = cv2.erode(np.where(band, x, w).min(1).astype(np.float32)[:, None], window,
                     borderType=cv2.BORDER_REPLICATE)[:, 0]
    right = cv2.dilate(np.where(band, x, -1).max(1).astype(np.float32)[:, None], window,
                       borderType=cv2.BORDER_REPLICATE)[:, 0]
    spans = np.zeros(h, bool)
    spans[rows[0]:rows[-1] + 1] = True
    region = spans[:, None] & (x[None, :] >= left[:, None]) & (x[None, :] <= right[:, None])
    return region, rows[0] / h


def _lines_on_one_side(alpha: torch.Tensor, lines: np.ndarray, outside: np.ndarray) -> torch.Tensor:
    """The subject's mask ``alpha`` [H, W] with every long segment of ``lines`` ``(S, 4)`` (pixel coordinates) on one
    side of its outline: a band ``LINE_BAND`` px wide along each segment set to 0 where ``outside`` ``(S,)`` says it
    lies mostly off the subject, to 1 where it lies mostly on it. A straight edge that straddled the outline would
    lie on two planes and bend in every other view."""
    h, w = alpha.shape
    if len(lines) == 0:
        return alpha
    bands = [np.zeros((h, w), np.uint8) for _ in range(2)]
    for (x0, y0, x1, y1), off in zip(lines, outside):
        cv2.line(bands[int(off)], (round(x0 - 0.5), round(y0 - 0.5)), (round(x1 - 0.5), round(y1 - 0.5)), 1, LINE_BAND)
    on, off = (torch.from_numpy(b.astype(bool)).to(alpha.device) for b in bands)
    return torch.where(off, 0.0, torch.where(on, 1.0, alpha))


def _share_in(segments: np.ndarray, mask: np.ndarray, size: tuple[int, int]) -> np.ndarray:
    """Share of 16 points along each of ``segments`` (S, 4) (pixel coordinates of a ``size`` = (H, W) picture) that
    fall in ``mask`` [h, w] bool (any size): ``(S,)``."""
    t = np.linspace(0.0, 1.0, 16)[None, :]
    x = segments[:, :1] + (segments[:, 2:3] - segments[:, :1]) * t
    y = segments[:, 1:2] + (segments[:, 3:4] - segments[:, 1:2]) * t
    mh, mw = mask.shape
    xi = np.clip((x * mw / size[1]).astype(int), 0, mw - 1)
    yi = np.clip((y * mh / size[0]).astype(int), 0, mh - 1)
    return mask[yi, xi].mean(1)
