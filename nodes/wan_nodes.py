"""Wan nodes: camera conditioning for core's Wan Fun Camera and Wan ATI graphs, driven by a ``D2V_CAMERA``.

* Wan Camera Embedding (drawn): a drop-in for core ``WanCameraEmbedding``; the embedding is
  ``conditioning/wan.wan_camera_embedding``. Inputs (width, height, length and their ranges) and outputs
  (``WAN_CAMERA_EMBEDDING`` camera_embedding, width, height, length) are core's, so the node replaces core's in any
  Wan Fun Camera graph (``WanCameraImageToVideo.camera_conditions``).
* Camera Tracks (Wan ATI): the ``tracks`` STRING of core ``WanTrackToVideo`` from the picture, its depth and the
  camera (``conditioning/tracks.camera_tracks``), with width, height and length passed on for wiring.
"""

from __future__ import annotations

import logging

from comfy_api.latest import io

import nodes as comfy_nodes

from ..conditioning.tracks import camera_tracks, draw_tracks
from ..conditioning.wan import check_wan_length, wan_camera_embedding
from ..core.frames import check_image_batch, to_rgb
from ..core.limits import MAX_TRACKS, MIN_RENDER_SIDE
from ..core.params import TRACKS, WAN
from .common import compute_device, output_device
from .schema import CATEGORY, param_input, params_inputs
from .types import Camera, DrawPath

log = logging.getLogger("draw_to_video")


def _check_length(length):
    """validate_inputs' answer for a Wan ``length`` widget: True, or what to fix."""
    # ComfyUI skips the min/max check of an input validate_inputs receives: the range is checked here.
    if length is None:  # linked: checked when the node runs
        return True
    try:
        if check_wan_length(length) > comfy_nodes.MAX_RESOLUTION:
            return f"length must be at most {comfy_nodes.MAX_RESOLUTION} frames, got {length}"
    except ValueError as e:
        return str(e)
    return True


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
        return _check_length(length)

    @classmethod
    def execute(cls, camera, width: int, height: int, length: int,
                translation_scale: float = WAN["translation_scale"].default) -> io.NodeOutput:
        embedding = wan_camera_embedding(camera, width, height, length, translation_scale)
        return io.NodeOutput(embedding.to(output_device()), width, height, length)


class CameraTracks(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_CameraTracks",
            display_name="Camera Tracks (Wan ATI)",
            category=CATEGORY,
            description="Point tracks for Wan ATI (core WanTrackToVideo's `tracks`) made from a camera move instead "
                        "of drawn by hand: a seeded grid of scene points is moved by the camera through the depth "
                        "(the 2.5D render's geometry); a track ends where its point leaves the frame or is hidden. "
                        "Drawn `path` strokes are added as tracks of their own. Coordinates are in the video's "
                        "pixels after WanTrackToVideo's centre crop of the start image.",
            inputs=[
                io.Image.Input("image", tooltip="The start image (the same one WanTrackToVideo gets as "
                                                f"start_image); at least {MIN_RENDER_SIDE} px a side."),
                Camera.Input("camera", tooltip="The move (Cinematic Camera Trajectory); frame 0 is the image. Its "
                                               "frames are spread over the 121 samples of each track."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the image (Depth Anything, Lotus...; read as "
                                       "depth_kind). Without it the render's built-in estimate is used."),
                DrawPath.Input("path", optional=True,
                               tooltip="Optional drawing: its `path` strokes become tracks too (as drawn)."),
                io.Int.Input("width", default=832, min=16, max=comfy_nodes.MAX_RESOLUTION, step=16,
                             tooltip="The video's width (WanTrackToVideo width)."),
                io.Int.Input("height", default=480, min=16, max=comfy_nodes.MAX_RESOLUTION, step=16,
                             tooltip="The video's height (WanTrackToVideo height)."),
                io.Int.Input("length", default=81, min=1, max=comfy_nodes.MAX_RESOLUTION, step=4,
                             tooltip="Frames of the Wan clip (4n + 1), passed on; tracks always have 121 "
                                     "samples, which core spreads over the clip."),
                *params_inputs(TRACKS, ["count", "seed", "depth_kind"], tooltips={
                    "count": f"Scene points tracked (a seeded, jittered grid), 0..{MAX_TRACKS} with the path "
                             "strokes; 0 = only the drawn path strokes. Wan ATI was trained on sparse tracks.",
                }, extra={"seed": {"control_after_generate": False}}),
            ],
            outputs=[
                io.String.Output(display_name="tracks",
                                 tooltip="JSON list of tracks of {x, y} pixel samples (WanTrackToVideo tracks)."),
                io.Int.Output(display_name="width"),
                io.Int.Output(display_name="height"),
                io.Int.Output(display_name="length"),
                io.Image.Output(display_name="preview",
                                tooltip="The start image as the video frames it, each track drawn from its start "
                                        "(dot) to its end; drawn strokes in white."),
            ],
        )

    @classmethod
    def validate_inputs(cls, length=None):
        return _check_length(length)

    @classmethod
    def execute(cls, image, camera, width: int, height: int, length: int, count: int, seed: int, depth_kind: str,
                depth=None, path=None) -> io.NodeOutput:
        check_wan_length(length)
        image = to_rgb(check_image_batch(image, "image")[:1]).to(compute_device())
        if depth is not None:
            depth = check_image_batch(depth, "depth")[:1]
        tracks = camera_tracks(image, camera, depth, width=width, height=height, count=count, seed=seed,
                               depth_kind=depth_kind, path=path)
        for w in tracks.warnings:
            log.warning("Camera Tracks: %s", w)
        preview = draw_tracks(image, tracks).to(output_device())
        return io.NodeOutput(tracks.to_json(), width, height, length, preview)


NODES = [WanCameraEmbedding, CameraTracks]
