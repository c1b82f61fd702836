"""Wan ATI conditioning: scene points moved by a camera trajectory through the depth, as core's point tracks.

Core ComfyUI's ``WanTrackToVideo`` (comfy_extras/nodes_wan.py) reads its ``tracks`` STRING as JSON: a list of tracks,
each a list of ``{"x": px, "y": px}`` samples in the pixels of its ``width x height`` video. Each track is padded or
cut to 121 samples spread evenly over the clip (sample ``i`` is clip time ``i / 120``; core resamples them to the
clip's ``length``). Every listed sample counts as visible; the samples padded after a short track's end count as
invisible. So a track cannot become visible again once it is hidden, and the convention here is: **a track ends
at its first sample where the point is off-screen, behind the camera or occluded** (the later samples are not
written).

How the points move (the same geometry as the 2.5D render, render/reproject.py, one implementation):

* the picture is downscaled to at most ``MAX_TRACK_SIDE`` a side (the working frame); its depth is the given map
  (``load_depth``, normalized to median 1) or the built-in estimate, edge-sharpened like the render's;
* each tracked point is a pixel centre of the working frame, lifted with its depth (``unproject_pixels``) and
  projected into the trajectory's frames (resampled to 121) with ``project_points``; the camera is exact
  (no overscan), because frame 0 must be the start image itself;
* visibility: inside the video frame, in front of the camera, and not behind nearer scene points: the working
  pixels are splatted into the frame's z-buffer (``z_buffer``, the render's splat; on cells of k x k pixels so the
  buffer has at most ``OCCLUSION_SIDE`` cells a side) and a point whose disparity is more than 2 % + 2k times its
  local disparity slope below the nearest surface in its cell is occluded (the render's visibility test);
* pixels map to the video as core's ``WanTrackToVideo`` resizes the start image (``common_upscale(..., "center")``:
  the picture is centre-cropped to the video's aspect, whole pixels off each side, then scaled).

Drawn ``path`` strokes become tracks as drawn (image motion hints, not moved by the camera), resampled evenly
along their length to 121 samples and cut where they leave the video frame.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field

import numpy as np
import torch

from ..camera.path import DrawnPath, resample
from ..camera.trajectory import CameraTrajectory, resample_trajectory, subject_point
from ..core import limits
from ..core.frames import check_frames, downscale_to_max, fit_size
from ..core.params import TRACKS
from ..core.rng import rng
from ..render.depth import disparity_slope, load_depth_input, sharpen_depth_edges
from ..render.estimate import estimate_depth
from ..render.reproject import EMPTY, project_points, unproject_pixels, z_buffer

ATI_SAMPLES = 121
"""Samples per track core's WanTrackToVideo reads (its FIXED_LENGTH): sample i is clip time i / 120."""
GRID_MARGIN = 0.04
"""Fraction of the video frame's sides kept free of grid points (points at the very border leave at once)."""
OCCLUSION_TOLERANCE = 0.02
"""Relative disparity by which a nearer surface must exceed the point to hide it (the render's 2 %)."""
FRAMES_PER_PASS = 8
"""Trajectory samples projected at once (bounds memory: about 48 bytes x occluder points x this)."""
OCCLUSION_SIDE = 256
"""The occlusion z-buffer has at most this many cells a side (every k-th working pixel is an occluder, splatted on
k x k pixel cells): 121 splats of a megapixel would take seconds on a CPU for sparse tracks."""


@dataclass(frozen=True)
class CenterCrop:
    """How a ``src_width x src_height`` picture maps onto a ``width x height`` video: core's centre crop (``x0``,
    ``y0`` whole pixels off the left/right and top/bottom) then a scale. ``to_video`` maps picture pixel
    coordinates (continuous, pixel centre = i + 0.5) to the video's."""

    src_width: int
    src_height: int
    width: int
    height: int
    x0: int
    y0: int

    @classmethod
    def fit(cls, src_width: int, src_height: int, width: int, height: int) -> CenterCrop:
        old, new = src_width / src_height, width / height
        x0 = round((src_width - src_width * (new / old)) / 2) if old > new else 0
        y0 = round((src_height - src_height * (old / new)) / 2) if old < new else 0
        if src_width - 2 * x0 < 1 or src_height - 2 * y0 < 1:
            raise ValueError(f"a {width}x{height} video crops the whole {src_width}x{src_height} picture away "
                             "(WanTrackToVideo centre-crops the start image to the video's aspect): use a width and "
                             "height closer to the picture's aspect")
        return cls(src_width, src_height, width, height, int(x0), int(y0))

    def to_video(self, xy: np.ndarray) -> np.ndarray:
        """(..., 2) picture pixels -> (..., 2) video pixels."""
        sx = self.width / (self.src_width - 2 * self.x0)
        sy = self.height / (self.src_height - 2 * self.y0)
        return (np.asarray(xy, dtype=np.float64) - [self.x0, self.y0]) * [sx, sy]

    def region(self) -> tuple[float, float, float, float]:
        """The part of the picture the video shows: (x_min, y_min, x_max, y_max) in picture pixels."""
        return float(self.x0), float(self.y0), float(self.src_width - self.x0), float(self.src_height - self.y0)


@dataclass
class CameraTracks:
    """Point tracks for Wan ATI.

    xy: (121, N, 2) float64 video pixel coordinates of N tracks at the 121 clip samples; samples past a track's
    end are NaN. lengths: (N,) visible samples of each track (>= 1; the track's first ``lengths[n]`` samples).
    kinds: (N,) "scene" (a point moved by the camera) or "path" (a drawn stroke). width, height: the video size.
    dropped: drawn strokes left out because they start outside the video frame.
    """

    xy: np.ndarray
    lengths: np.ndarray
    kinds: tuple[str, ...]
    width: int
    height: int
    dropped: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_list(self) -> list[list[dict]]:
        """Core's track list: per track its visible samples as ``{"x": px, "y": px}`` (2 decimals)."""
        return [[{"x": round(float(x), 2), "y": round(float(y), 2)} for x, y in self.xy[: int(n), i]]
                for i, n in enumerate(self.lengths)]

    def to_json(self) -> str:
        """The ``tracks`` STRING of core's ``WanTrackToVideo``."""
        return json.dumps(self.to_list(), separators=(",", ":"))


def grid_pixels(region: tuple[float, float, float, float], count: int, seed: int) -> np.ndarray:
    """``count`` distinct pixel indices (N, 2) int (x, y) spread over ``region`` (x_min, y_min, x_max, y_max in
    pixels, the margin already taken off): the region is cut into about ``count`` cells of its aspect, ``count``
    cells are drawn (seeded) and each gets one point jittered inside the middle 70 % of its cell."""
    x_min, y_min, x_max, y_max = region
    rw, rh = max(x_max - x_min, 1.0), max(y_max - y_min, 1.0)
    if count <= 0:
        return np.zeros((0, 2), dtype=np.int64)
    cols = max(1, round(math.sqrt(count * rw / rh)))
    rows = max(1, math.ceil(count / cols))
    g = rng(seed, salt=0x7A1)
    cells = np.sort(g.choice(rows * cols, size=count, replace=False))
    r, c = np.divmod(cells, cols)
    jitter = g.uniform(-0.35, 0.35, size=(count, 2))
    x = x_min + (c + 0.5 + jitter[:, 0]) * rw / cols
    y = y_min + (r + 0.5 + jitter[:, 1]) * rh / rows
    px = np.stack([np.floor(x), np.floor(y)], 1).astype(np.int64)
    px[:, 0] = np.clip(px[:, 0], math.ceil(x_min), max(math.ceil(x_min), math.floor(x_max - 1e-9)))
    px[:, 1] = np.clip(px[:, 1], math.ceil(y_min), max(math.ceil(y_min), math.floor(y_max - 1e-9)))
    _, first = np.unique(px[:, 1] * 1_000_003 + px[:, 0], return_index=True)
    return px[np.sort(first)]


def visible_prefix(visible: np.ndarray) -> np.ndarray:
    """(T, N) bool -> (N,) the number of leading True samples of each column (core's tracks cannot reappear)."""
    hidden = ~np.asarray(visible, dtype=bool)
    first = np.where(hidden.any(0), hidden.argmax(0), hidden.shape[0])
    return first.astype(np.int64)


def move_pixels(pixels: np.ndarray, depth: torch.Tensor, camera: CameraTrajectory,
                samples: int = ATI_SAMPLES) -> tuple[np.ndarray, np.ndarray]:
    """Move picture pixels with the camera through the depth.

    Args:
        pixels: (N, 2) int pixel indices (x, y) of the working frame (the point is the pixel centre).
        depth: [H, W] normalized z-depth of the working frame (median 1), as the render uses it.
        camera: the move; resampled to ``samples`` frames over the same duration.
    Returns:
        ``(xy, visible)``: (samples, N, 2) float64 working-frame pixel coordinates, (samples, N) bool: in front of
        the camera and not occluded by nearer scene points (the frame bounds are the caller's: they depend on
        the video's crop). Sample 0 is the pixel centre itself and always visible.
    """
    h, w = depth.shape
    dev = depth.device
    cam = resample_trajectory(camera, samples)
    K = cam.intrinsics(w, h)
    rel = cam.w2c() @ cam.c2w[0]  # frame-0 camera -> frame-i camera (as the render)
    px = torch.as_tensor(pixels, dtype=torch.long, device=dev)
    ix, iy = px[:, 0], px[:, 1]
    z_pts = depth[iy, ix]
    pts = unproject_pixels(ix.float() + 0.5, iy.float() + 0.5, z_pts, K[0])  # [3, N]
    slope = disparity_slope(depth)[iy, ix]
    # the occluders: every cell-th pixel, splatted on a grid of cell x cell pixels (cheap; a point counts as
    # hidden only behind a surface that covers its whole cell)
    cell = max(1, math.ceil(max(h, w) / OCCLUSION_SIDE))
    ys = torch.arange(0, h, cell, device=dev)
    xs = torch.arange(0, w, cell, device=dev)
    scene = unproject_pixels(xs.float()[None, :] + 0.5, ys.float()[:, None] + 0.5, depth[ys][:, xs],
                             K[0]).reshape(3, -1)
    wc = -(-w // cell)
    xy = np.empty((samples, len(pixels), 2))
    visible = np.empty((samples, len(pixels)), dtype=bool)
    for start in range(0, samples, FRAMES_PER_PASS):
        sl = slice(start, min(samples, start + FRAMES_PER_PASS))
        u, v, z = project_points(pts, K[sl], rel[sl])  # [B, N]
        su, sv, sz = project_points(scene, K[sl], rel[sl])
        zbuf = z_buffer(su, sv, sz, h, w, cell)  # [B, H / cell, W / cell]
        inside = (u >= 0) & (u < w) & (v >= 0) & (v < h) & (z > 1e-3)
        cx = (u.floor().long() // cell).clamp(0, wc - 1)
        cy = (v.floor().long() // cell).clamp(0, zbuf.shape[1] - 1)
        nearest = torch.gather(zbuf.flatten(1), 1, cy * wc + cx)  # [B, N]
        disp_pt = 1.0 / z.clamp(min=1e-3)
        disp_near = torch.where(nearest < EMPTY, 1.0 / nearest.clamp(min=1e-3), disp_pt)
        unoccluded = disp_near - disp_pt <= OCCLUSION_TOLERANCE * disp_pt + 2.0 * cell * slope.abs()
        xy[sl] = torch.stack([u, v], -1).double().cpu().numpy()
        visible[sl] = ((z > 1e-3) & (~inside | unoccluded)).cpu().numpy()
    visible[0] = True
    return xy, visible


def stroke_tracks(path: DrawnPath, src_width: int, src_height: int, samples: int = ATI_SAMPLES) -> np.ndarray:
    """(samples, S, 2) picture pixel coordinates of the path's ``path``-role strokes, each resampled evenly along
    its length (a one-point stroke stays put)."""
    strokes = [s for s in path.strokes if s.role == "path"]
    out = np.empty((samples, len(strokes), 2))
    for i, s in enumerate(strokes):
        xy = s.xy if len(s.xy) > 1 else np.repeat(s.xy, 2, axis=0)
        out[:, i] = resample(xy, samples) * [src_width, src_height]
    return out


def camera_tracks(image: torch.Tensor, camera: CameraTrajectory, depth=None, *, width: int, height: int,
                  count: int = TRACKS["count"].default, seed: int = TRACKS["seed"].default,
                  depth_kind: str = TRACKS["depth_kind"].default, path: DrawnPath | None = None) -> CameraTracks:
    """Wan ATI tracks of ``image`` seen along ``camera``, for a ``width x height`` video.

    Args:
        image: the start picture, [H, W, C] or a ComfyUI IMAGE [B, H, W, C] (the first is used), float 0..1.
        camera: the move (frame 0 = the picture); any frame count, resampled to 121 samples.
        depth: None (the built-in estimate, as the 2.5D render makes it) or a depth map as the render takes it
            (IMAGE batch, [H, W] tensor or array; read as ``depth_kind``, resized to the picture).
        width, height: the video's size (WanTrackToVideo's width and height); the picture is centre-cropped to it.
        count: scene points (``core/params.TRACKS``); 0 = only the drawn strokes.
        seed: the grid jitter. path: optional drawing whose ``path`` strokes are added as tracks (first).
    Returns:
        :class:`CameraTracks` (``to_json()`` is the tracks STRING).
    Raises:
        ValueError: bad picture, camera, depth, sizes or counts, or more than ``MAX_TRACKS`` tracks. No tracks at
            all (count 0, no stroke inside the frame) is not an error: the JSON is ``[]``, which core's
            WanTrackToVideo turns into plain image-to-video.
    """
    count, seed, depth_kind, width, height, n_strokes = _check_track_args(camera, count, seed, depth_kind, width,
                                                                          height, path)
    if count + n_strokes == 0:  # core's WanTrackToVideo then makes a plain image-to-video clip
        return CameraTracks(xy=np.zeros((ATI_SAMPLES, 0, 2)), lengths=np.zeros(0, np.int64), kinds=(), width=int(width),
                            height=int(height), warnings=["count is 0 and the drawing has no path strokes: no tracks "
                                                          "(WanTrackToVideo then ignores the camera)"])
    (src_h, src_w), z = _working_depth(image, camera, depth, depth_kind)
    h, w = z.shape[:2]
    crop = CenterCrop.fit(src_w, src_h, width, height)
    x_min, y_min, x_max, y_max = crop.region()
    sx, sy = w / src_w, h / src_h  # picture pixels -> working pixels
    mx, my = GRID_MARGIN * (x_max - x_min), GRID_MARGIN * (y_max - y_min)
    region = ((x_min + mx) * sx, (y_min + my) * sy, (x_max - mx) * sx, (y_max - my) * sy)
    pixels = grid_pixels(region, count, seed)
    parts, vis_parts, kinds = [], [], []
    if n_strokes:
        strokes = stroke_tracks(path, src_w, src_h)
        parts.append(crop.to_video(strokes))
        vis_parts.append(np.ones(strokes.shape[:2], dtype=bool))
        kinds += ["path"] * n_strokes
    if len(pixels):
        moved, vis = move_pixels(pixels, z, camera)
        parts.append(crop.to_video(moved / [sx, sy]))
        vis_parts.append(vis)
        kinds += ["scene"] * len(pixels)
    return _cut_at_first_hidden(np.concatenate(parts, 1), np.concatenate(vis_parts, 1), kinds, width, height)


def _check_track_args(camera, count, seed, depth_kind, width, height, path) -> tuple[int, int, str, int, int, int]:
    """:func:`camera_tracks`'s checked settings: (count, seed, depth_kind, width, height, drawn path strokes);
    ``ValueError`` for a bad camera, size, drawing or too many tracks."""
    if not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a camera trajectory (Cinematic Camera Trajectory), got "
                         f"{type(camera).__name__}")
    count = int(TRACKS["count"].check(count, "count"))
    seed = int(TRACKS["seed"].check(seed, "seed"))
    depth_kind = TRACKS["depth_kind"].check(depth_kind, "depth_kind")
    for name, v in (("width", width), ("height", height)):
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or not 1 <= int(v) <= limits.MAX_SIDE:
            raise ValueError(f"{name} must be a whole number of pixels in 1..{limits.MAX_SIDE}, got {v!r}")
    if path is not None and not isinstance(path, DrawnPath):
        raise ValueError(f"path must be a drawing (Draw Path Input), got {type(path).__name__}")
    n_strokes = 0 if path is None else sum(s.role == "path" for s in path.strokes)
    limits.check_count(count + n_strokes, limits.MAX_TRACKS, "tracks (count + drawn path strokes)",
                       "lower count or draw fewer path strokes")
    return count, seed, depth_kind, int(width), int(height), n_strokes


def _working_depth(image, camera: CameraTrajectory, depth, depth_kind: str) -> tuple[tuple[int, int], torch.Tensor]:
    """The picture's size (H, W) and the edge-sharpened depth [h, w] of the working frame (the picture downscaled to
    at most ``MAX_TRACK_SIDE`` a side): the given map read as ``depth_kind``, else the built-in estimate."""
    img = check_frames(image if not isinstance(image, torch.Tensor) or image.ndim == 4 else image[None], "image")
    img = img[0, ..., :3].float().clamp(0, 1)
    src_h, src_w = img.shape[:2]
    if min(src_h, src_w) < limits.MIN_RENDER_SIDE:
        raise ValueError(f"the image is {src_w}x{src_h} pixels; camera tracks need at least "
                         f"{limits.MIN_RENDER_SIDE}x{limits.MIN_RENDER_SIDE}: upscale it first")
    h, w = fit_size(src_h, src_w, limits.MAX_TRACK_SIDE)
    work = downscale_to_max(img[None], limits.MAX_TRACK_SIDE)[0]
    limits.check_budget(h * w * (64 + 48 * FRAMES_PER_PASS), f"camera tracks of a {w}x{h} picture",
                        "use a smaller picture")
    if depth is None:
        z = estimate_depth(work, subject=subject_point(camera, w, h))
    else:
        z = load_depth_input(depth, depth_kind, (h, w), work.device)
    return (src_h, src_w), sharpen_depth_edges(z)


def _cut_at_first_hidden(xy: np.ndarray, visible: np.ndarray, kinds: list[str], width: int,
                         height: int) -> CameraTracks:
    """Tracks (``ATI_SAMPLES``, N, 2) video pixels ended at their first sample hidden or outside the video (NaN
    after it); the ones hidden from their first sample are left out (counted in ``dropped``, with a warning)."""
    inside = (xy[..., 0] >= 0) & (xy[..., 0] < width) & (xy[..., 1] >= 0) & (xy[..., 1] < height)
    lengths = visible_prefix(visible & inside)
    keep = lengths > 0
    warnings = []
    dropped = int((~keep).sum())
    if dropped:
        warnings.append(f"{dropped} drawn path stroke(s) start outside the {width}x{height} video frame and were "
                        "left out")
    xy = xy[:, keep]
    lengths = lengths[keep]
    xy[np.arange(ATI_SAMPLES)[:, None] >= lengths[None, :]] = np.nan
    return CameraTracks(xy=xy, lengths=lengths, kinds=tuple(k for k, kk in zip(kinds, keep) if kk), width=width,
                        height=height, dropped=dropped, warnings=warnings)


def draw_tracks(image: torch.Tensor, tracks: CameraTracks, max_side: int = 1024) -> torch.Tensor:
    """A preview ``[1, h, w, 3]`` float 0..1: the start picture as the video frames it (core's centre crop, scaled
    to at most ``max_side`` a side) with each track drawn as a line from its start (dot) to where it ends (scene
    tracks in a hue by start position, drawn strokes in white)."""
    import cv2

    img = check_frames(image if image.ndim == 4 else image[None], "image")[0, ..., :3].float().clamp(0, 1)
    src_h, src_w = img.shape[:2]
    crop = CenterCrop.fit(src_w, src_h, tracks.width, tracks.height)
    scale = min(1.0, max_side / max(tracks.width, tracks.height))
    w, h = max(1, round(tracks.width * scale)), max(1, round(tracks.height * scale))
    rgb = (img[crop.y0: src_h - crop.y0, crop.x0: src_w - crop.x0].cpu().numpy() * 255).astype(np.uint8)
    canvas = np.ascontiguousarray(cv2.resize(rgb, (w, h), interpolation=cv2.INTER_AREA) // 2 + 40)
    thick = max(1, round(max(w, h) / 400))
    for i, kind in enumerate(tracks.kinds):
        pts = tracks.xy[: int(tracks.lengths[i]), i] * scale
        if kind == "path":
            color = (255, 255, 255)
        else:
            hue = int(179 * (pts[0, 0] / max(w, 1) * 0.5 + pts[0, 1] / max(h, 1) * 0.5)) % 180
            color = tuple(int(c) for c in cv2.cvtColor(np.uint8([[[hue, 220, 255]]]), cv2.COLOR_HSV2RGB)[0, 0])
        poly = np.round(pts * 16).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [poly], False, color, thick, cv2.LINE_AA, shift=4)
        cv2.circle(canvas, tuple(int(v) for v in np.round(pts[0] * 16)), 3 * thick, color, -1, cv2.LINE_AA, shift=4)
    return torch.from_numpy(canvas).float()[None] / 255
