"""Wan nodes: camera conditioning for core's Wan Fun Camera and Wan ATI graphs, driven by a ``D2V_CAMERA``.

* Wan Camera Embedding (drawn): a drop-in for core ``WanCameraEmbedding``; the embedding is
  ``conditioning/wan.wan_camera_embedding``. Inputs (width, height, length and their ranges) and outputs
  (``WAN_CAMERA_EMBEDDING`` camera_embedding, width, height, length) are core's, so the node replaces core's in any
  Wan Fun Camera graph (``WanCameraImageToVideo.camera_conditions``).
* Camera Tracks (Wan ATI): the ``tracks`` STRING of core ``WanTrackToVideo`` from the picture, its depth and the
  camera (``conditioning/tracks.camera_tracks``), with width, height and length passed on for wiring.
* Render Guide (Wan VACE / Fun Control): the 2.5D render of the move as core ``WanVaceToVideo``'s
  ``control_video`` / ``control_masks`` / ``reference_image`` and a depth video for ``Wan22FunControlToVideo`` /
  ``WanFunControlToVideo``'s ``control_video`` (``pipelines/guide.wan_guide``), with width, height and length.
"""

from __future__ import annotations

import logging

from comfy_api.latest import io

import nodes as comfy_nodes

from ..conditioning.tracks import camera_tracks, draw_tracks
from ..conditioning.wan import check_wan_length, wan_camera_embedding
from ..conditioning.wan_guide import check_guide_length, check_wan_side
from ..core.frames import check_image_batch, to_rgb
from ..core.limits import MAX_TRACKS, MIN_RENDER_SIDE
from ..core.params import TRACKS, WAN, WAN_GUIDE
from ..pipelines.guide import wan_guide
from .common import compute_device, output_device, progress
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


def _check_guide(width=None, height=None, length=None):
    """validate_inputs' answer for the guide's size widgets (any may be linked: None): True, or what to fix."""
    try:
        if length is not None:
            check_guide_length(length)
        for name, v in (("width", width), ("height", height)):
            if v is not None:
                check_wan_side(name, v)
                hi = int(WAN_GUIDE[name].hi)
                if v > hi:
                    return f"{name} must be at most {hi} pixels, got {v}"
    except ValueError as e:
        return str(e)
    return True


class WanRenderGuide(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_WanRenderGuide",
            display_name="Render Guide (Wan VACE / Fun Control)",
            category=CATEGORY,
            description="The picture rendered along the camera (2.5D, exact camera: no overscan) as a guide for a "
                        "video model that repairs what the render cannot know: the rendered frames (control "
                        "video), a generate mask in VACE's convention (1 = generate: the holes and the stretched, "
                        "smeared areas, grown and feathered), the depth through the camera (near = bright, for Fun "
                        "Control's depth control) and the picture as the reference / start image. The picture is "
                        "centre-cropped to width x height first; the camera is resampled to length frames.",
            inputs=[
                io.Image.Input("image", tooltip="The picture at frame 0 (first image of a batch); at least "
                                                f"{MIN_RENDER_SIDE} px a side."),
                Camera.Input("camera", tooltip="The move (Cinematic Camera Trajectory), at least 2 frames; "
                                               "resampled to `length` frames."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the image (read as depth_kind). Without it the "
                                       "render's built-in estimate is used."),
                *params_inputs(WAN_GUIDE, ["width", "height", "length", "grow", "feather", "stretch", "fill",
                                           "depth_kind"]),
            ],
            outputs=[
                io.Image.Output("control_video", display_name="control_video",
                                tooltip="The rendered frames (WanVaceToVideo control_video)."),
                io.Mask.Output("control_masks", display_name="control_masks",
                               tooltip="1 = the model generates here (WanVaceToVideo control_masks)."),
                io.Image.Output("depth_video", display_name="depth_video",
                                tooltip="Depth through each frame's camera, near = bright, one range for the clip "
                                        "(Fun Control control_video)."),
                io.Image.Output("reference_image", display_name="reference_image",
                                tooltip="The picture as the video frames it (VACE reference_image, Fun Control "
                                        "start_image)."),
                io.Int.Output(display_name="width"),
                io.Int.Output(display_name="height"),
                io.Int.Output(display_name="length"),
            ],
        )

    @classmethod
    def validate_inputs(cls, width=None, height=None, length=None):
        return _check_guide(width, height, length)

    @classmethod
    def execute(cls, image, camera, width: int, height: int, length: int, grow: int, feather: float,
                stretch: float, fill: str, depth_kind: str, depth=None) -> io.NodeOutput:
        image = to_rgb(check_image_batch(image, "image")[:1])[0].to(compute_device())
        if depth is not None:
            depth = check_image_batch(depth, "depth")[:1]
        guide = wan_guide(image, camera, depth, width=width, height=height, length=length, grow=grow,
                          feather=feather, stretch=stretch, fill=fill, depth_kind=depth_kind,
                          on_progress=progress(length))
        for note in guide.notes:
            log.info("Render Guide (Wan): %s", note)
        out = output_device()
        return io.NodeOutput(guide.control.to(out), guide.mask.to(out), guide.depth.to(out),
                             guide.reference.to(out), guide.width, guide.height, guide.length)


NODES = [WanCameraEmbedding, CameraTracks, WanRenderGuide]
