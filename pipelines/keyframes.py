"""Keyframe interpolation as a job: two images (and optionally the camera move between them) -> the frames between.

The node ``D2V_KeyframeInterpolate``, the ``keyframes`` command and the Python API call :func:`keyframe_clip`.
"""

from __future__ import annotations

import numpy as np
import torch

from ..camera.trajectory import CameraTrajectory
from ..core import ProgressFn
from ..core.frames import to_rgb
from ..core.params import KEYFRAMES
from ..render.depth import load_depth_input
from ..render.estimate import estimate_depth
from ..video.inbetween import DEFAULT_SETTINGS, KeyframeSettings, camera_flow, check_keyframes, interpolate_keyframes
from . import budget


def keyframe_clip(start, end, frames: int = KEYFRAMES["frames"].default,
                  include_endpoints: bool = KEYFRAMES["include_endpoints"].default,
                  resize: bool = KEYFRAMES["resize"].default, camera: CameraTrajectory | None = None,
                  depth=None, depth_kind: str = "disparity", settings: KeyframeSettings = DEFAULT_SETTINGS,
                  on_progress: ProgressFn = None) -> torch.Tensor:
    """The frames between keyframes ``start`` and ``end`` (IMAGE-like: torch/numpy [H,W,C] or [1,H,W,C] float
    0..1) as a float32 CPU tensor [N,H,W,C]: N = ``frames`` in-betweens, + 2 with ``include_endpoints`` (start
    first, end last, bit-exact).

    ``camera``: the move from the start view (its first pose) to the end view (its last pose); with it the flow
    search starts from the motion the camera induces on the start image's ``depth`` (a map of the start image,
    ``depth_kind`` "disparity" = bright near or "depth"; estimated from the image when None), and the in-between
    frames follow the camera's poses. Without a camera the flow is found from the images alone. ``ValueError`` for
    unusable input (sizes, NaN, ranges)."""
    n = KEYFRAMES["frames"].check(frames, "frames")
    a, b = check_keyframes(start, end, bool(resize))
    budget.check_keyframes(n, *a.shape[:3])
    init = None
    if camera is not None:
        if not isinstance(camera, CameraTrajectory):
            raise ValueError("camera must be a camera trajectory (from Cinematic Camera Trajectory or a camera JSON)")
        h, w = a.shape[:2]
        rgb = to_rgb(torch.from_numpy(a)[None])[0].contiguous()
        z = estimate_depth(rgb) if depth is None else load_depth_input(depth, depth_kind, (h, w), rgb.device)
        zn = z.cpu().numpy()

        def path(t: float) -> np.ndarray:
            return camera_flow(camera, zn, (h, w), t)

        init = path(1.0)
    else:
        path = None
    return interpolate_keyframes(a, b, n, bool(include_endpoints), False, settings, init, on_progress, path)
