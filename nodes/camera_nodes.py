"""Draw Path Input and Cinematic Camera Trajectory: thin V3 glue over camera/."""

from __future__ import annotations

import numpy as np
import torch
from comfy_api.latest import io, ui

from ..camera.export import tracks_to_json
from ..camera.motion import suggest_motion_bucket
from ..camera.moves import build_trajectory
from ..camera.path import DrawnPath, parse_path
from ..camera.presets import AUTO, PRESETS
from ..camera.preview import blank_canvas, draw_path, trajectory_preview
from ..core.frames import check_image_batch, downscale_to_max, fit_size, to_rgb
from ..core.limits import MAX_POINTS, MAX_PREVIEW_SIDE, MAX_STROKES, check_path_size
from ..core.params import SENSORS_MM, TRAJECTORY
from ..pipelines.render import preview_overscan
from ..render.reach import find_aim
from ..video.write import to_uint8
from .schema import CATEGORY, params_inputs
from .types import Camera, DrawPath

DEFAULT_PATH = ('{"version": 1, "width": 1024, "height": 576, "strokes": [{"role": "camera", "points": '
                '[[0.5, 0.8], [0.5, 0.65], [0.5, 0.5], [0.5, 0.35]]}]}')


def _preview_base(image: torch.Tensor | None, width: int, height: int) -> np.ndarray:
    """What previews are drawn on, uint8 [h, w, 3] at most MAX_PREVIEW_SIDE on the longer side: the first image
    (area-downscaled) or, without one, a blank canvas of the path's aspect."""
    if image is None:
        return blank_canvas(*reversed(fit_size(height, width, MAX_PREVIEW_SIDE)))
    first = to_rgb(check_image_batch(image, "image"))[0]
    return to_uint8(downscale_to_max(first, MAX_PREVIEW_SIDE)[None])[0]


def _to_image(arr: np.ndarray) -> torch.Tensor:
    return torch.from_numpy(arr.astype(np.float32) / 255.0)[None]


def _path_for_image(path: DrawnPath, image: torch.Tensor | None) -> DrawnPath:
    """The drawing keeps its normalized points; only the pixel size follows the connected image."""
    if image is None:
        return path
    h, w = int(image.shape[1]), int(image.shape[2])
    return DrawnPath(width=w, height=h, strokes=path.strokes, warnings=path.warnings)


def _check_path(path: DrawnPath) -> None:
    if not isinstance(path, DrawnPath):
        raise ValueError("path must come from a Draw Path Input node")
    check_path_size(len(path.strokes), sum(len(s.points) for s in path.strokes))


class DrawPathInput(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_DrawPathInput",
            display_name="Draw Path Input",
            category=CATEGORY,
            description="Draw the camera move over the image (canvas widget), or send path JSON from an API client. "
                        f"The preview is drawn at most {MAX_PREVIEW_SIDE} px on the longer side.",
            inputs=[
                io.Image.Input("image", optional=True, tooltip="The image to draw on (first frame of a batch)."),
                io.String.Input("path_json", multiline=True, default=DEFAULT_PATH,
                                tooltip='Drawn path JSON: {"version": 1, "width", "height", "strokes": [{"role": '
                                        '"camera"|"focus"|"path", "points": [[x, y, t_ms, pressure], ...]}]} with '
                                        "x, y in 0..1. Also accepts KJNodes spline coordinates. Limits: "
                                        f"{MAX_STROKES} strokes, {MAX_POINTS} points in all; without an image the "
                                        f"canvas is at most {MAX_PREVIEW_SIDE} px on its longer side."),
            ],
            outputs=[
                # V3 needs output ids distinct from input ids; the socket is still shown as "image".
                io.Image.Output("image_out", display_name="image", tooltip="The input image, passed through."),
                DrawPath.Output("path", display_name="path"),
                io.Image.Output("preview", display_name="preview", tooltip="The strokes drawn over the image."),
                io.String.Output("tracks", display_name="tracks",
                                 tooltip="Pixel tracks of the strokes (KJNodes / ATI JSON, 121 points)."),
            ],
        )

    @classmethod
    def validate_inputs(cls, path_json=None):
        # Only path_json is named (no **kwargs): ComfyUI reports a failed check once for every input the
        # function receives, and skips the min/max checks of all of them when it takes **kwargs.
        if not isinstance(path_json, str):  # linked from another node: checked when it runs
            return True
        try:
            parse_path(path_json, 1024, 576)
        except ValueError as e:
            return str(e)  # ComfyUI shows it as "path_json - <this>"
        return True

    @classmethod
    def execute(cls, path_json: str, image: torch.Tensor | None = None) -> io.NodeOutput:
        path = _path_for_image(parse_path(path_json, 1024, 576), image)  # parse_path checks the stroke/point caps
        base = _preview_base(image, path.width, path.height)
        preview = _to_image(draw_path(base, path))
        passthrough = image if image is not None else _to_image(base)
        return io.NodeOutput(passthrough, path, preview, tracks_to_json(path),
                             ui=ui.PreviewImage(preview, cls=cls))


class CinematicCameraTrajectory(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_CinematicCameraTrajectory",
            display_name="Cinematic Camera Trajectory",
            category=CATEGORY,
            description="Turns the drawn path (or a preset) into a physical 3D camera move.",
            inputs=[
                DrawPath.Input("path", optional=True, tooltip="The drawing; with preset 'auto' it decides the move."),
                io.Image.Input("image", optional=True,
                               tooltip="Background and aspect ratio for the preview (any size from 1x1; the preview "
                                       f"is drawn at most {MAX_PREVIEW_SIDE} px on the longer side)."),
                io.Combo.Input("preset", options=[AUTO, *PRESETS], default=AUTO,
                               tooltip="'auto' reads the camera stroke: loop → orbit, shrinking/growing loop → "
                                       "spiral, straight up/down → dolly in/out, left/right → truck, zig-zag → "
                                       "handheld or whip pan, tap → push in, other curves → follow the path."),
                *params_inputs(TRAJECTORY, ["frames", "fps", "intensity", "easing", "focal_length_mm", "sensor",
                                            "handheld", "seed", "use_drawing_speed"],
                               extra={"seed": {"control_after_generate": False}}),
                *params_inputs(TRAJECTORY, ["camera_body", "lens_kind", "aspect"], optional=True),
            ],
            outputs=[
                Camera.Output("camera", display_name="camera"),
                io.Image.Output("preview", display_name="preview",
                                tooltip="Path, framing at first/middle/last frame, top-down plot."),
                io.String.Output("intent", display_name="intent"),
                io.Int.Output("motion_bucket_id", display_name="motion_bucket_id",
                              tooltip="Suggested SVD motion bucket from the image speed."),
                io.Float.Output("fps_out", display_name="fps", tooltip="Frame rate for CreateVideo."),
            ],
        )

    @classmethod
    def execute(cls, preset: str, frames: int, fps: float, intensity: float, easing: str, focal_length_mm: float,
                sensor: str, handheld: float, seed: int, use_drawing_speed: bool,
                path: DrawnPath | None = None, image: torch.Tensor | None = None, camera_body: str = "custom",
                lens_kind: str = "spherical_prime", aspect: str = "native") -> io.NodeOutput:
        if path is not None:
            _check_path(path)
            path = _path_for_image(path, image)
        sensor = TRAJECTORY["sensor"].check(sensor, "sensor")
        aim = {}
        if image is not None:  # aim at the drawn focus point, else at the subject found in the picture
            found = find_aim(to_rgb(check_image_batch(image, "image")[:1])[0].float(), None,
                             path.focus_point() if path is not None else None)
            aim = {"focus": (found.x, found.y), "subject_depth": found.depth}
        camera = build_trajectory(preset=preset, frames=frames, fps=fps, intensity=intensity, easing=easing,
                                  focal_length_mm=focal_length_mm, sensor_mm=SENSORS_MM[sensor], handheld=handheld,
                                  seed=seed, path=path, use_drawing_speed=use_drawing_speed,
                                  camera_body=camera_body, lens_kind=lens_kind, aspect=aspect, **aim)
        width, height = (path.width, path.height) if path is not None else (1024, 576)
        if image is not None:
            height, width = int(image.shape[1]), int(image.shape[2])
        base = _preview_base(image, width, height)  # (checks the image)
        # the crop the render's automatic overscan will use (built-in depth of the image, else a flat scene)
        first = to_rgb(image[:1])[0] if image is not None else None
        overscan = preview_overscan(camera, width, height, first).factor
        preview = _to_image(trajectory_preview(base, camera, path, overscan))
        bucket = suggest_motion_bucket(camera, width, height)
        return io.NodeOutput(camera, preview, camera.intent, bucket, float(camera.fps),
                             ui=ui.PreviewImage(preview, cls=cls))


NODES = [DrawPathInput, CinematicCameraTrajectory]
