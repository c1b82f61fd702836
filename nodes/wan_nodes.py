"""Wan Camera Embedding (drawn): a drop-in for core ``WanCameraEmbedding`` driven by a ``D2V_CAMERA``.

Glue only: the embedding is ``conditioning/wan.wan_camera_embedding``. Inputs (width, height, length and their
ranges) and outputs (``WAN_CAMERA_EMBEDDING`` camera_embedding, width, height, length) are core's, so the node
replaces core's in any Wan Fun Camera graph (``WanCameraImageToVideo.camera_conditions``).
"""

from __future__ import annotations

from comfy_api.latest import io

import nodes as comfy_nodes

from ..conditioning.wan import check_wan_length, wan_camera_embedding
from ..core.params import WAN
from .common import output_device
from .schema import CATEGORY, param_input
from .types import Camera


class WanCameraEmbedding(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_WanCameraEmbedding",
            display_name="Wan Camera Embedding (drawn)",
            category=CATEGORY,
            description="Camera conditioning for Wan Fun Camera models (WanCameraImageToVideo), made from a camera "
                        "trajectory instead of core's nine fixed moves: the move is resampled to `length` frames "
                        "and turned into the same Plücker-ray embedding as core's WanCameraEmbedding.",
            inputs=[
                Camera.Input("camera", tooltip="Camera trajectory (Cinematic Camera Trajectory); it is resampled "
                                               "to `length` frames, its horizontal FOV gives the intrinsics."),
                io.Int.Input("width", default=832, min=16, max=comfy_nodes.MAX_RESOLUTION, step=16),
                io.Int.Input("height", default=480, min=16, max=comfy_nodes.MAX_RESOLUTION, step=16),
                io.Int.Input("length", default=81, min=1, max=comfy_nodes.MAX_RESOLUTION, step=4,
                             tooltip="Frames of the Wan clip: 4n + 1 (81 = 5 s at 16 fps)."),
                param_input("translation_scale", WAN["translation_scale"], optional=True),
            ],
            outputs=[
                io.WanCameraEmbedding.Output(display_name="camera_embedding"),
                io.Int.Output(display_name="width"),
                io.Int.Output(display_name="height"),
                io.Int.Output(display_name="length"),
            ],
        )

    @classmethod
    def validate_inputs(cls, length=None):
        # ComfyUI skips the min/max check of an input validate_inputs receives: the range is checked here.
        if length is None:  # linked: checked when the node runs
            return True
        try:
            if check_wan_length(length) > comfy_nodes.MAX_RESOLUTION:
                return f"length must be at most {comfy_nodes.MAX_RESOLUTION} frames, got {length}"
        except ValueError as e:
            return str(e)
        return True

    @classmethod
    def execute(cls, camera, width: int, height: int, length: int,
                translation_scale: float = WAN["translation_scale"].default) -> io.NodeOutput:
        embedding = wan_camera_embedding(camera, width, height, length, translation_scale)
        return io.NodeOutput(embedding.to(output_device()), width, height, length)


NODES = [WanCameraEmbedding]
