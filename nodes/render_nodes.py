"""Camera Motion Render (2.5D): thin V3 glue over pipelines/render.render_clip."""

from __future__ import annotations

import torch
from comfy_api.latest import io, ui

from ..camera.trajectory import CameraTrajectory
from ..core.frames import check_image_batch, to_even, to_rgb
from ..core.limits import MEMORY_BUDGET_BYTES, MIN_RENDER_SIDE, format_bytes
from ..core.params import RENDER
from ..pipelines.render import reach_fields, render_clip
from ..render.depth import depth_to_image
from .common import compute_device, even_for_video, output_device, progress, release_memory
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
                        "frames, the masks of what the camera newly sees (filled), and the depth used. Images from "
                        f"{MIN_RENDER_SIDE}x{MIN_RENDER_SIDE} px; larger than max_size are downscaled first; an odd "
                        "width or height loses its last column or row (video needs even sizes); a render that "
                        f"would need more than {format_bytes(MEMORY_BUDGET_BYTES)} of memory is refused with the "
                        "estimate (D2V_MEMORY_BUDGET_GB).",
            inputs=[
                io.Image.Input("image", tooltip="The picture seen by the camera at frame 0 (first image of a batch); "
                                                f"at least {MIN_RENDER_SIDE} px a side."),
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
                # optional: API graphs from before they existed still validate (default cap, auto overscan)
                *params_inputs(RENDER, ["max_size"], optional=True),
                *params_inputs(RENDER, ["overscan"], optional=True),
                *params_inputs(RENDER, ["move_cap"], optional=True),
            ],
            outputs=[
                io.Image.Output("frames", display_name="frames",
                                tooltip="The rendered clip (batch of frames) for CreateVideo; width and height "
                                        "even (an odd side loses its last row or column)."),
                io.Mask.Output("holes", display_name="holes",
                               tooltip="1 where the frame shows what the image did not (before filling)."),
                io.Image.Output("depth_used", display_name="depth",
                                tooltip="The depth used, disparity style (bright = near)."),
            ],
        )

    @classmethod
    def execute(cls, image: torch.Tensor, camera: CameraTrajectory, depth_kind: str, fill: str,
                depth_of_field: float, motion_blur: float, max_size: int = RENDER["max_size"].default,
                overscan: float = RENDER["overscan"].default, move_cap: str = RENDER["move_cap"].default,
                depth: torch.Tensor | None = None) -> io.NodeOutput:
        if not isinstance(camera, CameraTrajectory):
            raise ValueError("camera must come from a Cinematic Camera Trajectory node")
        image = check_image_batch(image, "image")
        if depth is not None:
            depth = check_image_batch(depth, "depth")
        dev = compute_device()
        result = render_clip(to_rgb(image[:1])[0].to(dev), camera, depth, depth_kind=depth_kind, fill=fill,
                             depth_of_field=depth_of_field, motion_blur=motion_blur, max_size=max_size,
                             overscan=overscan, move_cap=move_cap,
                             on_progress=progress(camera.frames))
        out = output_device()
        frames = even_for_video(result.frames, "Camera Motion Render")
        holes, _ = to_even(result.holes, channels_last=False)
        depth_img, _ = to_even(depth_to_image(result.depth))
        text = render_notes(result, camera.preset)
        del result
        release_memory()
        return io.NodeOutput(frames.to(out), holes.to(out), depth_img.to(out), ui=ui.PreviewText(text))


def render_notes(result, name: str = "move") -> str:
    """The node's text: worst coverage, overscan, the move cap and the low-coverage warning (render/reach.py)."""
    fields = reach_fields(result, name)
    lines = [f"worst frame {100 * float(result.coverage.min()):.0f} % real pixels before filling"]
    if result.overscan_info is not None:
        lines.append(result.overscan_info.describe())
    lines += [fields["move_note"], "warning: " + fields["coverage_warning"] if fields["coverage_warning"] else ""]
    return "\n".join(line for line in lines if line)


NODES = [CameraMotionRender]
