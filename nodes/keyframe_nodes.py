"""Keyframe Interpolate: thin V3 glue over pipelines/keyframes.py."""

from __future__ import annotations

from comfy_api.latest import io

from ..camera.trajectory import CameraTrajectory
from ..core.frames import check_image_batch
from ..core.params import KEYFRAMES, RENDER
from ..pipelines.keyframes import keyframe_clip
from ..video.flow import MIN_SIDE
from .common import even_for_video, output_device, progress, release_memory
from .schema import CATEGORY, params_inputs
from .types import Camera


class KeyframeInterpolate(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_KeyframeInterpolate",
            display_name="Keyframe Interpolate",
            category=CATEGORY,
            description="The frames between a start and an end image of the same scene, made for large motion "
                        "(DIS flow at up to 480 px, forward-backward occlusion, bidirectional warping, crossfade "
                        "only where neither image explains a pixel). With a camera (and optionally the start "
                        "image's depth) the flow starts from the camera's motion and the in-betweens follow its "
                        "poses. Output: start, the in-betweens, end (frames + 2 images) unless include_endpoints "
                        f"is off. Images at least {MIN_SIDE}x{MIN_SIDE} px, the first image of each batch; an odd "
                        "width or height loses its last column or row (video needs even sizes).",
            inputs=[
                io.Image.Input("start", tooltip="The first keyframe (first image of the batch)."),
                io.Image.Input("end", tooltip="The last keyframe: the same scene, same size as start (or turn "
                                              "on resize)."),
                *params_inputs(KEYFRAMES, ["frames", "include_endpoints", "resize"]),
                Camera.Input("camera", optional=True,
                             tooltip="Optional: the camera move from the start view (first pose) to the end view "
                                     "(last pose), e.g. from Cinematic Camera Trajectory."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the start image, used with the camera (estimated "
                                       "from the image when not connected)."),
                *params_inputs(RENDER, ["depth_kind"], optional=True),
            ],
            outputs=[io.Image.Output("frames_out", display_name="frames",
                                     tooltip="The clip from start to end (batch of frames) for CreateVideo.")],
        )

    @classmethod
    def execute(cls, start, end, frames, include_endpoints, resize, camera=None, depth=None,
                depth_kind=RENDER["depth_kind"].default) -> io.NodeOutput:
        if camera is not None and not isinstance(camera, CameraTrajectory):
            raise ValueError("camera must come from a Cinematic Camera Trajectory node")
        start = check_image_batch(start, "start")[:1]
        end = check_image_batch(end, "end")[:1]
        n = KEYFRAMES["frames"].check(frames, "frames")
        # keyframe_clip checks its memory budget (pipelines/budget.py)
        total = n + (2 if include_endpoints else 0)
        out = keyframe_clip(start.cpu(), end.cpu(), n, bool(include_endpoints), bool(resize), camera,
                            None if depth is None else check_image_batch(depth, "depth").cpu(),
                            RENDER["depth_kind"].check(depth_kind, "depth_kind"), on_progress=progress(total))
        out = even_for_video(out, "Keyframe Interpolate")
        release_memory()
        return io.NodeOutput(out.to(output_device()))


NODES = [KeyframeInterpolate]
