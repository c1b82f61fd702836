"""Camera Motion Render (2.5D): thin V3 glue over camera/render.py."""

from __future__ import annotations

import torch
from comfy_api.latest import io

from ..camera.trajectory import CameraTrajectory
from ..render.depth import depth_to_image, load_depth
from ..render.reproject import FILL_MODES, render_views
from .common import compute_device, output_device, progress
from .types import Camera

CATEGORY = "Draw to Video"
DEPTH_KINDS = ["disparity", "depth"]


class CameraMotionRender(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_CameraMotionRender",
            display_name="Camera Motion Render (2.5D)",
            category=CATEGORY,
            description="Moves a virtual camera through one image (depth-based reprojection, no model weights): "
                        "frames, the masks of what the camera newly sees (filled), and the depth used.",
            inputs=[
                io.Image.Input("image", tooltip="The picture seen by the camera at frame 0 (first image of a batch)."),
                Camera.Input("camera", tooltip="The move (Cinematic Camera Trajectory)."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the image (e.g. from a Depth Anything / MiDaS node; "
                                       "resized if the aspect matches). Without it a ground-plane + far-background "
                                       "estimate is built from the image."),
                io.Combo.Input("depth_kind", options=DEPTH_KINDS, default="disparity",
                               tooltip="disparity: bright = near (depth preprocessor nodes). depth: bright = far."),
                io.Combo.Input("fill", options=list(FILL_MODES), default="background",
                               tooltip="What goes where the camera sees behind objects or past the image border: "
                                       "background = smooth inpaint from the farther side; stretch = the farther "
                                       "border stretched across; none = black (see the holes mask)."),
                io.Float.Input("depth_of_field", default=0.0, min=0.0, max=8.0, step=0.1,
                               tooltip="0 = off; 1 = the lens's physical blur (focal length, f-number, focus "
                                       "distance of the trajectory; median scene depth = 3 m); more = stronger."),
                io.Float.Input("motion_blur", default=0.0, min=0.0, max=1.0, step=0.05,
                               tooltip="Shutter as a fraction of the frame interval (0.5 = 180° shutter)."),
            ],
            outputs=[
                io.Image.Output("frames", tooltip="The rendered clip (batch of frames) for CreateVideo."),
                io.Mask.Output("holes", tooltip="1 where the frame shows what the image did not (before filling)."),
                io.Image.Output("depth_used", tooltip="The depth used, disparity style (bright = near)."),
            ],
        )

    @classmethod
    def execute(cls, image: torch.Tensor, camera: CameraTrajectory, depth_kind: str, fill: str,
                depth_of_field: float, motion_blur: float, depth: torch.Tensor | None = None) -> io.NodeOutput:
        if not isinstance(camera, CameraTrajectory):
            raise ValueError("camera must come from a Cinematic Camera Trajectory node")
        if image.ndim != 4 or image.shape[0] < 1 or image.shape[-1] < 3:
            raise ValueError(f"image must be an IMAGE batch [B, H, W, 3], got shape {tuple(image.shape)}")
        dev = compute_device()
        img = image[0, ..., :3].to(dev)
        h, w = img.shape[:2]
        z = None
        if depth is not None:
            if depth.ndim != 4 or depth.shape[0] < 1:
                raise ValueError(f"depth must be an IMAGE [B, H, W, C], got shape {tuple(depth.shape)}")
            z = load_depth(depth[:1].to(dev), depth_kind, size=(h, w))
        result = render_views(img, camera, z, fill=fill, depth_of_field=depth_of_field, motion_blur=motion_blur,
                              on_progress=progress(camera.frames))
        out = output_device()
        return io.NodeOutput(result.frames.to(out), result.holes.to(out), depth_to_image(result.depth).to(out))


NODES = [CameraMotionRender]
