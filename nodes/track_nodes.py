"""Camera From Video: thin V3 glue over pipelines/track.py (a clip's camera, tracked without a model)."""

from __future__ import annotations

import json

import numpy as np
import torch
from comfy_api.latest import io, ui

from ..camera.preview import trajectory_preview
from ..core.frames import check_image_batch, downscale_to_max, to_rgb
from ..core.limits import MAX_PREVIEW_SIDE
from ..core.params import TRACK, TRAJECTORY
from ..pipelines.track import track_clip
from ..video.write import to_uint8
from .common import progress
from .schema import CATEGORY, params_inputs
from .types import Camera


class CameraFromVideo(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_CameraFromVideo",
            display_name="Camera From Video",
            category=CATEGORY,
            description="Estimates the camera move of a clip (no model: feature tracks, essential matrix / pure "
                        "rotation, bundle adjustment) as a camera that drives the render, SVD, Wan or tracks like a "
                        "drawn one.",
            inputs=[
                io.Image.Input("frames", tooltip="The clip (e.g. from Load Video's frames); at least 2 frames."),
                *params_inputs(TRACK, ["fov_deg"]),
                *params_inputs(TRAJECTORY, ["fps"], tooltips={"fps": "Frame rate written into the camera."}),
            ],
            outputs=[
                Camera.Output("camera", display_name="camera"),
                io.Image.Output("preview", display_name="preview",
                                tooltip="First frame with the tracked framing and a top view of the path."),
                io.String.Output("report", display_name="report",
                                 tooltip="FOV used, pure rotation or not, lost frames, reprojection error (JSON)."),
            ],
        )

    @classmethod
    def execute(cls, frames: torch.Tensor, fov_deg: float, fps: float) -> io.NodeOutput:
        frames = to_rgb(check_image_batch(frames, "frames"))
        if frames.shape[0] < 2:
            raise ValueError("Camera From Video needs a clip of at least 2 frames; this one has 1 (connect Load "
                             "Video's frames, or an image batch)")
        tracked = track_clip(frames, fov_deg or None, fps, on_progress=progress(frames.shape[0]))
        first = to_uint8(downscale_to_max(frames[0].float().cpu(), MAX_PREVIEW_SIDE)[None])[0]
        preview = torch.from_numpy(trajectory_preview(first, tracked.camera).astype(np.float32) / 255.0)[None]
        report = json.dumps(tracked.summary())
        return io.NodeOutput(tracked.camera, preview, report, ui=ui.PreviewImage(preview, cls=cls))


NODES = [CameraFromVideo]
