"""Custom ComfyUI socket types of the pack."""

from comfy_api.latest import io

DrawPath = io.Custom("D2V_PATH")
"""A parsed drawing (:class:`draw_to_video.camera.path.DrawnPath`)."""

Camera = io.Custom("D2V_CAMERA")
"""A camera trajectory (:class:`draw_to_video.camera.trajectory.CameraTrajectory`)."""
