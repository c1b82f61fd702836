"""Camera Motion Render (2.5D): thin V3 glue over pipelines/render.render_clip."""

from __future__ import annotations

import torch
from comfy_api.latest import io

from ..camera.trajectory import CameraTrajectory
from ..core.frames import check_image_batch, to_rgb
from ..core.params import RENDER
from ..pipelines.render import render_clip
from ..render.depth import depth_to_image
from .common import compute_device, output_device, progress
from .schema import CATEGORY, params_inputs
from .types import Camera


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
                *params_inputs(RENDER, ["depth_kind", "fill", "depth_of_field", "motion_blur"], tooltips={
                    "fill": "What goes where the camera sees behind objects or past the image border: "
                            "background = smooth inpaint from the farther side; stretch = the farther "
                            "border stretched across; none = black (see the holes mask).",
                    "depth_of_field": "0 = off; 1 = the lens's physical blur (focal length, f-number, focus "
                                      "distance of the trajectory; median scene depth = 3 m); more = stronger.",
                }),
                # optional, so graphs and API clients written before it existed still validate (default: auto)
                *params_inputs(RENDER, ["overscan"], optional=True),
            ],
            outputs=[
                io.Image.Output("frames", display_name="frames",
                                tooltip="The rendered clip (batch of frames) for CreateVideo."),
                io.Mask.Output("holes", display_name="holes",
                               tooltip="1 where the frame shows what the image did not (before filling)."),
                io.Image.Output("depth_used", display_name="depth",
                                tooltip="The depth used, disparity style (bright = near)."),
            ],
        )

    @classmethod
    def execute(cls, image: torch.Tensor, camera: CameraTrajectory, depth_kind: str, fill: str,
                depth_of_field: float, motion_blur: float, overscan: float = RENDER["overscan"].default,
                depth: torch.Tensor | None = None) -> io.NodeOutput:
        if not isinstance(camera, CameraTrajectory):
            raise ValueError("camera must come from a Cinematic Camera Trajectory node")
        image = check_image_batch(image, "image")
        if depth is not None:
            depth = check_image_batch(depth, "depth")
        dev = compute_device()
        result = render_clip(to_rgb(image[:1])[0].to(dev), camera, depth, depth_kind=depth_kind, fill=fill,
                             depth_of_field=depth_of_field, motion_blur=motion_blur, overscan=overscan,
                             on_progress=progress(camera.frames))
        out = output_device()
        return io.NodeOutput(result.frames.to(out), result.holes.to(out), depth_to_image(result.depth).to(out))


NODES = [CameraMotionRender]
