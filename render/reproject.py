"""2.5D camera-motion render: reproject one image with its depth to every frame of a camera trajectory.

Pure torch, the same code on CPU and CUDA (computation happens on the image's device).

Geometry (docs/architecture.md): OpenCV axes, ``c2w`` camera-to-world, horizontal FOV per frame. The source image is
what the *frame-0* camera of the trajectory sees; its depth map is the z-depth in that camera (median 1).
Pixel ``(i, j)`` covers ``[i, i+1) x [j, j+1)``, so its centre has continuous coordinates ``(i + 0.5, j + 0.5)``
and the principal point is ``(W/2, H/2)`` (camera/lens.py).

Per frame (batched over ``chunk_size`` frames):

1. forward-splat the source depth into the target view with a z-buffer (nearest pixel; on a coarser grid when
   the view magnifies the image by more than ~1.8x, so the splat stays crack-free);
2. close cracks: a pixel farther than nearer surfaces on both opposite sides (within 2 px) takes their depth;
3. back-project every target pixel with that depth into the source and sample the colour there (bilinear; nearest
   next to depth edges so foreground and background never blend) -- one source location per pixel, so no
   double images and no splat blur;
4. a pixel is valid only when the depth found in the source at that location agrees with the back-projected
   depth (disparity within 2 % + the local slope); everything else is a hole (disocclusion or outside the source);
5. holes are filled background-first (render/fill.py);
6. optional depth of field (thin lens, focus distance and f-number of the trajectory) and motion blur (along the
   per-pixel image motion to the next frame), both from render/lens.py.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F

from ..camera.geometry import rigid_inverse
from ..camera.overscan import OverscanInfo, border_points, resolve_overscan, zoom_intrinsics
from ..camera.trajectory import CameraTrajectory, subject_point
from ..core.errors import excerpt
from ..core.frames import check_frames
from ..core.params import FILL_MODES
from .depth import check_depth, depth_edges, disparity_slope, sharpen_depth_edges
from .estimate import estimate_depth
from .fill import fill_holes, put_rows
from .lens import (
    anamorphic_streaks,
    blur_along_motion,
    blur_by_radius_oval,
    camera_motion,
    squeeze_of,
    thin_lens_coc,
    thin_lens_radius,
)

EMPTY = 1e30
"""Z-buffer value of a pixel nothing landed on (finite, so the arithmetic below needs no masks: torch.where is
slow on CPU)."""

STRETCH_LIMIT = 2.0
"""Area magnification above which a rendered pixel counts as stretched: a source pixel spread over more than two
output pixels reads as smeared next to the sharp pixels around it."""


@dataclass
class RenderResult:
    """Output of :func:`render_views`; every tensor on the image's device."""

    frames: torch.Tensor
    """[F, H, W, 3] float 0..1."""
    holes: torch.Tensor
    """[F, H, W] float, 1 = hole / disoccluded (before filling)."""
    coverage: torch.Tensor
    """(F,) float, the valid fraction of each frame."""
    depth: torch.Tensor
    """[H, W] the normalized depth used (median ~1; soft occlusion edges snapped to the nearer/farther side, see
    ``sharpen_depth_edges``)."""
    stretched: torch.Tensor | None = None
    """(F,) float, the fraction of each frame's pixels that show a real source pixel magnified by more than
    ``STRETCH_LIMIT`` in area (they look smeared; see :func:`area_magnification`)."""
    frame_depth: torch.Tensor | None = None
    """With ``guide_maps=True`` (and no ``sink``): [F, H, W] the z-depth of every output pixel in its own frame's
    camera (world units; holes take the depth their fill used); otherwise ``[0, H, W]``."""
    magnification: torch.Tensor | None = None
    """With ``guide_maps=True`` (and no ``sink``): [F, H, W] the area magnification of every output pixel (0 in
    holes); otherwise ``[0, H, W]``."""
    overscan: float = 1.0
    """The largest zoom factor a frame was rendered with (1 = none; auto overscan ramps from 1 at frame 0)."""
    overscan_info: OverscanInfo | None = None
    """How the overscan was chosen (camera/overscan.py); ``factors`` has every frame's."""
    move_cap: object | None = None
    """``render/reach.MoveCap`` when the pipeline capped the move (``render_clip``); None from here."""
    camera: CameraTrajectory | None = None
    """The trajectory as rendered (shortened when the move was capped)."""
    timing_ms: dict[str, float] = field(default_factory=dict)
    """Wall time of the stages: ``depth`` (estimate or check, edge sharpening) and ``render`` (overscan and every
    frame, handing them to a ``sink`` included)."""


def render_views(image: torch.Tensor, camera: CameraTrajectory, depth: torch.Tensor | None = None, *,
                 fill: str = "background", depth_of_field: float = 0.0, motion_blur: float = 0.0,
                 overscan: float | str = 1.0, chunk_size: int = 8,
                 on_progress: Callable[[int, int], None] | None = None,
                 sink: Callable[[int, torch.Tensor], None] | None = None,
                 guide_maps: bool = False) -> RenderResult:
    """Render ``image`` along ``camera``.

    Args:
        image: [H, W, 3] float 0..1 tensor on any device (computation runs there).
        camera: the trajectory; frame 0 is the view the image was taken from.
        depth: optional [H, W] z-depth, already normalized (median 1; see ``normalize_depth``/``load_depth``);
            estimated with ``estimate_depth`` when None.
        fill: one of ``FILL_MODES``: "background" (the farther hole border's colours, smoothed past 4 px),
            "stretch" (the farther hole border stretched across, softened past 12 px) or "none" (holes stay black).
        depth_of_field: 0 = off; 1 = physical thin-lens blur for the trajectory's focal length, f-number and focus
            distance (assuming a median scene depth of 3 m); larger values exaggerate it. An anamorphic lens
            (``camera.metadata["squeeze"]`` > 1) blurs into ovals ``squeeze`` times taller than wide and streaks
            its highlights horizontally (``render/lens.py``).
        motion_blur: shutter fraction of the frame interval, 0..1 (0.5 = 180-degree shutter).
        overscan: 1 = off (the exact camera; the default here, so geometry stays exact for callers such as the
            SVD guidance); 0 = auto (the smallest zoom that keeps every frame inside the source image, at most
            ``camera.overscan.AUTO_MAX``); > 1 = that zoom. Every frame's focal length is multiplied by the factor
            about the principal point; the output size is unchanged (camera/overscan.py).
        chunk_size: frames processed at once on CUDA (bounds memory: about 150 bytes per pixel per frame of the
            chunk); on CPU frames are rendered one at a time (faster there), so memory is bounded anyway.
        on_progress: ``on_progress(done, total)`` called after every frame.
        sink: streaming: ``sink(first_index, frames)`` takes each rendered chunk ([b, H, W, 3] float 0..1 on the
            image's device, in order) as it is made, and the result holds no frames and no holes (both
            ``[0, H, W, ...]``): memory does not grow with the number of frames.
        guide_maps: also keep every frame's depth and per-pixel area magnification (``RenderResult.frame_depth``,
            ``.magnification``), what a generative model's guide needs; ignored with ``sink``.
    Returns:
        :class:`RenderResult`.
    Raises:
        ValueError: bad image, depth (size, NaN, zeros), fill mode or parameters.
    """
    img = _check_render_args(image, camera, fill, depth_of_field, motion_blur, chunk_size)
    h, w = img.shape[:2]
    dev = img.device
    t0 = time.perf_counter()
    depth = _render_depth(img, camera, depth)
    t1 = _clock(dev)
    n_frames = camera.frames
    K_src = camera.intrinsics(w, h)  # (F, 3, 3)
    rel = camera.w2c() @ camera.c2w[0]  # frame-0 camera coords -> frame-i camera coords
    info = resolve_overscan(overscan, _border_of(depth, K_src[0]), K_src, rel, w, h)
    zoom = info.per_frame(n_frames)  # auto: a ramp from 1 at frame 0
    radius_inf, focus = thin_lens_coc(camera, w, depth_of_field)
    # the frames' cameras (the source keeps K_src[0]); the zoom magnifies the blur circle too; an anamorphic lens
    # gives oval bokeh (radius = vertical) and horizontal streak flares
    shots = _Shots(K=zoom_intrinsics(K_src, zoom), rel=rel, radius_inf=radius_inf * zoom, focus=focus,
                   squeeze=squeeze_of(camera), depth_of_field=depth_of_field, motion_blur=motion_blur, width=w)
    src = _Source.build(img, depth, K_src[0])
    out = _Outputs.allocate(n_frames, h, w, dev, keep_frames=sink is None, maps=guide_maps and sink is None)
    # GPU: a whole chunk per pass; CPU: one frame at a time (faster there: it stays in cache), written straight
    # into the outputs, so no chunk-sized temporaries exist
    step = int(chunk_size) if dev.type == "cuda" else 1
    for start in range(0, n_frames, step):
        idx = np.arange(start, min(n_frames, start + step))
        colour, valid, zfull, mag = _render_chunk(src, shots.K[idx], rel[idx], fill, full_maps=out.maps)
        for j in np.flatnonzero(_is_source_view(shots.K[idx], rel[idx], src.K0)):
            # the source camera itself (frame 0 of a move, a held pose): exactly the picture, every pixel real
            colour[j], valid[j], zfull[j], mag[j] = src.color[0], True, depth, 1.0
        colour = _lens_and_shutter(colour, zfull, idx, shots)
        if sink is not None:
            sink(int(idx[0]), colour.permute(0, 2, 3, 1))
        out.store(slice(int(idx[0]), int(idx[-1]) + 1), colour, valid, zfull, mag)
        if on_progress is not None:
            for i in idx:
                on_progress(int(i) + 1, n_frames)
    t2 = _clock(dev)
    return RenderResult(frames=out.frames, holes=out.holes, coverage=out.coverage, depth=depth,
                        stretched=out.stretched, frame_depth=out.frame_depth, magnification=out.magnification,
                        overscan=info.factor, camera=camera, overscan_info=info,
                        timing_ms={"depth": 1000.0 * (t1 - t0), "render": 1000.0 * (t2 - t1)})


def _render_depth(img: torch.Tensor, camera: CameraTrajectory, depth: torch.Tensor | None) -> torch.Tensor:
    """The [H, W] depth the render uses: the given one checked (on the image's device), else the built-in estimate
    aimed at the camera's subject; edges sharpened either way."""
    h, w = img.shape[:2]
    if depth is None:
        depth = estimate_depth(img, subject=subject_point(camera, w, h))
    else:
        depth = check_depth(depth.to(img.device), h, w)
    return sharpen_depth_edges(depth)


def _check_render_args(image: torch.Tensor, camera, fill: str, depth_of_field: float, motion_blur: float,
                       chunk_size: int) -> torch.Tensor:
    """The checked [H, W, 3] image; ``ValueError`` for a bad camera, fill mode, blur amount or chunk size."""
    img = _check_image(image)
    if not isinstance(camera, CameraTrajectory):
        raise ValueError(f"camera must be a CameraTrajectory, got {type(camera).__name__}")
    if fill not in FILL_MODES:
        raise ValueError(f"fill must be one of {FILL_MODES}, got {excerpt(fill)}")
    if not (math.isfinite(depth_of_field) and 0.0 <= depth_of_field <= 20.0):
        raise ValueError(f"depth_of_field must be in 0..20, got {depth_of_field}")
    if not (math.isfinite(motion_blur) and 0.0 <= motion_blur <= 1.0):
        raise ValueError(f"motion_blur must be in 0..1 (shutter fraction), got {motion_blur}")
    if int(chunk_size) < 1:
        raise ValueError(f"chunk_size must be >= 1, got {chunk_size}")
    return img


@dataclass(frozen=True)
class _Shots:
    """The frames' cameras and lens, for the per-frame blurs: ``K`` (F, 3, 3) intrinsics after overscan, ``rel``
    (F, 4, 4) frame-0 camera -> frame-i camera, thin-lens ``radius_inf``/``focus`` (F,) (render/lens.py),
    anamorphic ``squeeze``, the render's ``depth_of_field`` and ``motion_blur`` amounts, image ``width`` px."""

    K: np.ndarray
    rel: np.ndarray
    radius_inf: np.ndarray
    focus: np.ndarray
    squeeze: float
    depth_of_field: float
    motion_blur: float
    width: int


def _lens_and_shutter(out: torch.Tensor, zfull: torch.Tensor, idx: np.ndarray, shots: _Shots) -> torch.Tensor:
    """Frames ``idx`` ([B, 3, H, W] colour, [B, H, W] depth) through the lens (depth of field, anamorphic streaks)
    and the shutter (motion blur toward the next frame; away from the previous one for the last frame)."""
    n_frames = len(shots.K)
    sharp = out
    if shots.depth_of_field > 0:
        radius = thin_lens_radius(zfull, shots.focus[idx], shots.radius_inf[idx], 0.04 * shots.width)
        out = blur_by_radius_oval(out, radius, shots.squeeze)
    out = anamorphic_streaks(out, shots.squeeze, source=sharp)
    if shots.motion_blur > 0 and n_frames > 1:
        K, rel = shots.K, shots.rel
        nxt = np.where(idx + 1 < n_frames, idx + 1, np.maximum(idx - 1, 0))
        motion = camera_motion(zfull, K[idx], K[nxt], rel[nxt] @ rigid_inverse(rel[idx]))
        shutter = torch.as_tensor(np.where(idx + 1 < n_frames, shots.motion_blur, -shots.motion_blur),
                                  dtype=out.dtype, device=out.device)
        out = blur_along_motion(out, motion * shutter.view(-1, 1, 1, 1))
    return out


@dataclass
class _Outputs:
    """What :func:`render_views` returns besides the frames' colours being streamed: frames [F', H, W, 3] and holes
    [F', H, W] (F' = 0 when streaming), coverage and stretched fraction (F,), and with ``maps`` every frame's depth
    and magnification [F, H, W] (else [0, H, W])."""

    frames: torch.Tensor
    holes: torch.Tensor
    coverage: torch.Tensor
    stretched: torch.Tensor
    frame_depth: torch.Tensor
    magnification: torch.Tensor
    keep_frames: bool
    maps: bool

    @classmethod
    def allocate(cls, n_frames: int, h: int, w: int, dev: torch.device, keep_frames: bool, maps: bool) -> _Outputs:
        kept, mapped = (n_frames if keep_frames else 0), (n_frames if maps else 0)

        def empty(*shape):
            return torch.empty(shape, dtype=torch.float32, device=dev)

        return cls(frames=empty(kept, h, w, 3), holes=empty(kept, h, w), coverage=empty(n_frames),
                   stretched=empty(n_frames), frame_depth=empty(mapped, h, w), magnification=empty(mapped, h, w),
                   keep_frames=keep_frames, maps=maps)

    def store(self, sl: slice, colour: torch.Tensor, valid: torch.Tensor, zfull: torch.Tensor,
              mag: torch.Tensor) -> None:
        """Write frames ``sl`` ([B, 3, H, W] colour, [B, H, W] valid / depth / magnification)."""
        h, w = valid.shape[-2:]
        if self.keep_frames:
            self.frames[sl] = colour.permute(0, 2, 3, 1)
            self.holes[sl] = valid.logical_not()
        self.coverage[sl] = valid.flatten(1).sum(1) / float(h * w)
        self.stretched[sl] = (mag > STRETCH_LIMIT).flatten(1).float().mean(1)
        if self.maps:
            self.frame_depth[sl] = zfull
            self.magnification[sl] = mag


def _is_source_view(K: np.ndarray, rel: np.ndarray, K0: np.ndarray) -> np.ndarray:
    """(B,) bool: the frames whose camera is the source's (identity relative pose, same intrinsics)."""
    same_pose = np.abs(rel - np.eye(4)).reshape(len(rel), -1).max(1) < 1e-9
    return same_pose & (np.abs(K - K0[None]).reshape(len(K), -1).max(1) < 1e-9)


def _clock(dev: torch.device) -> float:
    """``time.perf_counter()`` once the work queued on ``dev`` is done (CUDA runs asynchronously)."""
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return time.perf_counter()


def _border_of(depth: torch.Tensor, K0: np.ndarray) -> np.ndarray:
    """:func:`camera.overscan.border_points` of a depth tensor (only the border rows and columns leave the
    device)."""
    h, w = depth.shape
    small = torch.zeros((h, w), dtype=torch.float32)
    small[0], small[-1] = depth[0].cpu(), depth[-1].cpu()
    small[:, 0], small[:, -1] = depth[:, 0].cpu(), depth[:, -1].cpu()
    return border_points(small.numpy(), K0)


def _check_image(image) -> torch.Tensor:
    """The source picture ``[H, W, 3]`` (or a batch of one) as float32 in 0..1, at least 2x2 pixels; the checks of
    :func:`core.frames.check_frames`."""
    if isinstance(image, torch.Tensor) and image.ndim == 3:
        image = image[None]
    img = check_frames(image, "image")
    if img.shape[0] != 1:
        raise ValueError(f"image must be one picture [H, W, 3], got a batch of {img.shape[0]}")
    if img.shape[1] < 2 or img.shape[2] < 2:
        raise ValueError(f"image must be at least 2x2 pixels, got {img.shape[2]}x{img.shape[1]}")
    return img[0].float().clamp(0, 1)


@dataclass
class _Source:
    """What every frame needs from the source view, computed once."""

    color: torch.Tensor  # [1, 3, H, W]
    color_rows: torch.Tensor  # [N, 3]
    attrs: torch.Tensor  # [N, 2] disparity (1 / depth) and robust disparity slope (negated on depth edges)
    points: torch.Tensor  # [3, N] camera-0 coordinates of the pixel centres
    K0: np.ndarray

    @classmethod
    def build(cls, img: torch.Tensor, depth: torch.Tensor, K0: np.ndarray) -> _Source:
        h, w = depth.shape
        dev = depth.device
        u = torch.arange(w, device=dev, dtype=torch.float32)[None, :] + 0.5
        v = torch.arange(h, device=dev, dtype=torch.float32)[:, None] + 0.5
        pts = unproject_pixels(u, v, depth, K0).reshape(3, -1)
        slope = disparity_slope(depth)
        slope = torch.where(depth_edges(depth), -slope - 1e-12, slope)  # sign bit = on a depth edge
        color = img.permute(2, 0, 1)[None].contiguous(memory_format=torch.channels_last)  # faster grid_sample
        return cls(color=color, color_rows=img.reshape(-1, 3).contiguous(),
                   attrs=torch.stack([(1.0 / depth).reshape(-1), slope.reshape(-1)], 1).contiguous(),
                   points=pts.contiguous(), K0=K0)


def unproject_pixels(u: torch.Tensor, v: torch.Tensor, depth: torch.Tensor, K0: np.ndarray) -> torch.Tensor:
    """Frame-0 camera coordinates ``[3, *S]`` of image points: continuous pixel coordinates ``u, v`` (a pixel
    centre is ``i + 0.5``) with z-depth ``depth`` (all broadcast to one shape ``S``) seen through the intrinsics
    ``K0`` (3, 3). The render lifts every pixel centre with this; the ATI tracks lift their sample points."""
    k0 = torch.as_tensor(np.asarray(K0), dtype=torch.float32, device=depth.device)
    x = (u - k0[0, 2]) / k0[0, 0]
    y = (v - k0[1, 2]) / k0[1, 1]
    x, y, z = torch.broadcast_tensors(x, y, depth)
    return torch.stack([z * x, z * y, z])


def project_points(points: torch.Tensor, K: np.ndarray, rel: np.ndarray) -> tuple[torch.Tensor, ...]:
    """Where frame-0 camera points land in B other views: the one projection of the render.

    Args:
        points: ``[3, N]`` float32 frame-0 camera coordinates (:func:`unproject_pixels`).
        K: ``(B, 3, 3)`` intrinsics of the views; rel: ``(B, 4, 4)`` frame-0 camera -> view camera transforms.
    Returns:
        ``(u, v, z)``, each ``[B, N]``: continuous pixel coordinates and z-depth in each view; a point at or behind
        the camera plane (z <= 1e-3) gets ``u = v = -10`` (off-screen).
    """
    P = np.asarray(K) @ np.asarray(rel)[:, :3, :]  # (B, 3, 4)
    b = P.shape[0]
    Pt = torch.as_tensor(P, dtype=torch.float32, device=points.device)
    if b == 1:
        q = torch.addmm(Pt[0, :, 3:], Pt[0, :, :3], points)[None]  # (1, 3, N)
    else:
        q = torch.baddbmm(Pt[:, :, 3:], Pt[:, :, :3], points.expand(b, -1, -1))  # (B, 3, N)
    z = q[:, 2]
    front = (z > 1e-3).float()
    zinv = front / z.clamp(min=1e-3)
    off = (front - 1.0) * 10.0  # behind the camera: u = v = -10, off-screen
    u = torch.addcmul(off, q[:, 0], zinv)
    v = torch.addcmul(off, q[:, 1], zinv)
    return u, v, z


def z_buffer(u: torch.Tensor, v: torch.Tensor, z: torch.Tensor, height: int, width: int, cell: int = 1) -> torch.Tensor:
    """The nearest depth ``[B, ceil(H / cell), ceil(W / cell)]`` of points splatted to their nearest cell of
    ``cell`` x ``cell`` pixels (u, v, z: ``[B, N]`` from :func:`project_points`), splat cracks closed; ``EMPTY``
    where nothing landed. The render's step 1 (here for the visibility of the ATI tracks)."""
    return _splat(u, v, z, u.shape[0], height, width, int(cell))


def close_cracks(zbuf: torch.Tensor) -> torch.Tensor:
    """Close splat cracks in a z-buffer [B, H, W] (``EMPTY`` = nothing landed).

    A pixel that is farther (or empty) than nearer surfaces found within 2 px on *both* opposite sides (rows,
    then columns) takes the farther of those two surfaces' depths. Disocclusion holes have a farther background
    on one side, so they are left open (and any wrong closing is caught by the back-projection check).
    """
    zp = _pad2(zbuf, (2, 2, 0, 0))
    far = torch.maximum(torch.minimum(zp[..., :-4], zp[..., 1:-3]), torch.minimum(zp[..., 3:-1], zp[..., 4:]))
    zbuf = torch.minimum(zbuf, far)
    zp = _pad2(zbuf, (0, 0, 2, 2))
    far = torch.maximum(torch.minimum(zp[..., :-4, :], zp[..., 1:-3, :]),
                        torch.minimum(zp[..., 3:-1, :], zp[..., 4:, :]))
    return torch.minimum(zbuf, far)


def _pad2(x: torch.Tensor, pad: tuple[int, int, int, int]) -> torch.Tensor:
    """Pad [B, H, W] by reflection (so a crack on the image border is closed like one inside), or with
    ``EMPTY`` where the image is too small to reflect."""
    if min(x.shape[-2:]) > 2:
        return F.pad(x[:, None], pad, mode="reflect")[:, 0]
    return F.pad(x, pad, value=EMPTY)


def _magnification(u: torch.Tensor, v: torch.Tensor, h: int, w: int) -> np.ndarray:
    """How much the source->target map spreads neighbouring pixels apart along the target axes
    (u, v: [B, H*W] target coordinates, non-finite = behind the camera): robust max of |du/dx|, |dv/dy| and
    sqrt|det J|. A shear (a ground plane under sideways motion) spreads nothing, so it does not count."""
    step = max(1, min(h, w) // 64)
    uu = u.reshape(-1, h, w)[:, ::step, ::step]
    vv = v.reshape(-1, h, w)[:, ::step, ::step]
    ux = (uu[:, :, 1:] - uu[:, :, :-1])[:, :-1, :] / step
    vx = (vv[:, :, 1:] - vv[:, :, :-1])[:, :-1, :] / step
    uy = (uu[:, 1:, :] - uu[:, :-1, :])[:, :, :-1] / step
    vy = (vv[:, 1:, :] - vv[:, :-1, :])[:, :, :-1] / step
    det = (ux * vy - uy * vx).abs().sqrt()
    s = torch.maximum(torch.maximum(ux.abs(), vy.abs()), det).flatten(1)
    s = torch.where(torch.isfinite(s), s, 0.0)  # behind the camera / off-screen: no spread
    return torch.quantile(s.float(), 0.9, dim=1).cpu().numpy()


def area_magnification(sx: torch.Tensor, sy: torch.Tensor, valid: torch.Tensor, step: int = 1) -> torch.Tensor:
    """Area magnification of a backward warp: how many output pixels one source pixel covers around each output pixel.

    Args:
        sx, sy: [B, H, W] source pixel coordinates each output pixel samples.
        valid: [B, H, W] bool, output pixels that show the source.
        step: evaluate on every ``step``-th pixel of every ``step``-th row only (a cheaper estimate of the share of
            stretched pixels; differences are then taken over ``step`` pixels).
    Returns:
        [B, ceil(H/step), ceil(W/step)] float: ``1 / |det J|`` of the output -> source map (1 = same size, 4 = one
        source pixel spread over four output pixels), 0 where the pixel is not valid. Derivatives are one-sided
        differences toward a valid neighbour (forward, else backward), so a hole or a depth edge next door does not
        count as stretch; a pixel with no valid neighbour along an axis gets 0.
    """
    if step > 1:
        sx, sy, valid = (t[:, ::step, ::step] for t in (sx, sy, valid))
        sx, sy = sx * (1.0 / step), sy * (1.0 / step)

    def along(x: torch.Tensor, dim: int) -> torch.Tensor:
        n = x.shape[dim]
        if n < 2:
            return torch.zeros_like(x)
        d = x.diff(dim=dim)
        pair = (valid.narrow(dim, 1, n - 1) & valid.narrow(dim, 0, n - 1))
        zero = torch.zeros_like(d.narrow(dim, 0, 1))
        nope = torch.zeros_like(pair.narrow(dim, 0, 1))
        fwd, fok = torch.cat([d, zero], dim), torch.cat([pair, nope], dim)
        bwd, bok = torch.cat([zero, d], dim), torch.cat([nope, pair], dim)
        return torch.where(fok, fwd, torch.where(bok, bwd, torch.full_like(d.narrow(dim, 0, 1), float("inf"))
                                                .expand_as(fwd)))

    det = (along(sx, 2) * along(sy, 1) - along(sx, 1) * along(sy, 2)).abs()
    mag = torch.where(torch.isfinite(det) & (det > 1e-6), 1.0 / det.clamp(min=1e-6), torch.zeros_like(det))
    return torch.where(valid, mag.clamp(max=1e4), torch.zeros_like(mag))


def _splat(u: torch.Tensor, v: torch.Tensor, z: torch.Tensor, b: int, h: int, w: int, k: int) -> torch.Tensor:
    """Nearest-pixel z-buffer splat of target coordinates (u, v: [B, N]; off-screen = not drawn) with depth z on a
    grid k times coarser; cracks closed. Returns [B, ceil(H/k), ceil(W/k)] with ``EMPTY`` where nothing landed."""
    hk, wk = -(-h // k), -(-w // k)
    # a one-pixel border ring catches everything off-screen, so no bounds masks are needed
    ix = torch.floor(u if k == 1 else u * (1.0 / k)).clamp_(-1, wk)
    iy = torch.floor(v if k == 1 else v * (1.0 / k)).clamp_(-1, hk)
    stride = (hk + 2) * (wk + 2)
    lin = torch.addcmul(ix + 1, iy + 1, torch.tensor(float(wk + 2), device=u.device)).long()
    if b > 1:
        lin += torch.arange(b, device=u.device)[:, None] * stride
    zbuf = torch.full((b * stride,), EMPTY, device=u.device)
    zbuf.scatter_reduce_(0, lin.view(-1), z.reshape(-1), reduce="amin", include_self=True)
    return close_cracks(zbuf.view(b, hk + 2, wk + 2)[:, 1:-1, 1:-1])


def _render_chunk(src: _Source, K: np.ndarray, rel: np.ndarray, fill: str, full_maps: bool = False):
    """Render B frames. Returns (colour [B, 3, H, W], valid [B, H, W] bool, depth [B, H, W] incl. filled holes,
    area magnification, 0 in holes: [B, H, W] with ``full_maps``, else on every second pixel and row)."""
    dev = src.points.device
    _, _, h, w = src.color.shape
    b = K.shape[0]
    # 1. forward splat of the depth ----------------------------------------------------------------------------
    u, v, z = project_points(src.points, K, rel)
    m = _magnification(u, v, h, w)
    zbuf = _splat(u, v, z, b, h, w, 1)
    level = None
    k = 1
    while (m > 1.8 * k).any() and k < 8:  # magnified views: fill what the full-resolution splat left empty
        k *= 2                            # from coarser splats (a pyramid), so no crack survives
        need = torch.as_tensor(m > 0.9 * k, device=dev)[:, None, None]  # per frame, whatever the chunk
        empty = (zbuf >= EMPTY) & need
        if not bool(empty.any()):
            break
        coarse = _splat(u, v, z, b, h, w, k)
        coarse = coarse.repeat_interleave(k, dim=1).repeat_interleave(k, dim=2)[:, :h, :w]
        zbuf = torch.where(empty, coarse, zbuf)
        level = torch.where(empty, float(k), torch.ones_like(zbuf) if level is None else level)
    # 2. back-projection into the source (in grid_sample's normalized coordinates) ------------------------------
    inv = rigid_inverse(rel)  # frame-i camera -> frame-0 camera
    S = np.array([[2.0 / w, 0.0, -1.0], [0.0, 2.0 / h, -1.0], [0.0, 0.0, 1.0]])
    A = S @ src.K0[None] @ inv[:, :3, :3] @ np.linalg.inv(K)  # (B, 3, 3): target pixel -> source ray
    c = S @ src.K0[None] @ inv[:, :3, 3:]  # (B, 3, 1)
    At = torch.as_tensor(A, dtype=torch.float32, device=dev)
    ct = torch.as_tensor(c, dtype=torch.float32, device=dev)[..., None]  # (B, 3, 1, 1)
    px = torch.arange(w, device=dev, dtype=torch.float32) + 0.5
    py = torch.arange(h, device=dev, dtype=torch.float32) + 0.5
    ray_x = At[:, :, 0, None] * px + At[:, :, 2, None]  # (B, 3, W)
    ray_y = At[:, :, 1, None] * py  # (B, 3, H)
    zt = zbuf  # EMPTY pixels give far-off garbage below, masked out by ``has``
    hom = torch.addcmul(ct, ray_x[:, :, None, :] + ray_y[:, :, :, None], zt[:, None])  # (B, 3, H, W)
    z0 = hom[:, 2]
    ok = (zt < EMPTY) & (z0 > 1e-3)
    z0inv = 1.0 / z0.clamp(min=1e-3)
    gx = hom[:, 0] * z0inv
    gy = hom[:, 1] * z0inv
    ok &= (gx.abs() < 1.0) & (gy.abs() < 1.0)
    grid = torch.stack([gx, gy], dim=-1)
    color = F.grid_sample(src.color.expand(b, -1, -1, -1), grid, mode="bilinear", padding_mode="border",
                          align_corners=False)
    # nearest source pixel: its depth (for the visibility check) and whether it lies on a depth edge
    ix = ((gx + 1.0) * (0.5 * w)).clamp_(0, w - 1).long()
    iy = ((gy + 1.0) * (0.5 * h)).clamp_(0, h - 1).long()
    nearest = ix.add_(iy, alpha=w)
    attrs = src.attrs.index_select(0, nearest.view(-1)).view(b, h, w, 2)
    disp_src, slope = attrs[..., 0], attrs[..., 1]
    # visible only if the source sees the same surface there: disparity within 2 % + the local slope over the
    # splat footprint (pixels filled from a coarser splat may be off by more)
    foot = 2.0 if level is None else 1.0 + level
    tol = torch.addcmul(0.02 * disp_src, slope.abs(), torch.as_tensor(foot, device=dev))
    valid = ok & ((z0inv - disp_src).abs() <= tol)
    mag = area_magnification(gx * (0.5 * w), gy * (0.5 * h), valid, step=1 if full_maps else 2)
    # next to depth edges take the nearest source colour so foreground and background never blend
    on_edge = (valid & (slope < 0)).view(-1).nonzero()[:, 0]
    if on_edge.numel():
        put_rows(color, on_edge, src.color_rows[nearest.view(-1)[on_edge]])
    # 3. holes ----------------------------------------------------------------------------------------------------
    color, zfull = fill_holes(color, zt, valid, fill)
    return color, valid, zfull, mag
