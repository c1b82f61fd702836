"""ComfyUI V3 glue: every node module of the pack is listed here.

Only ComfyUI imports this package (through ``comfy_entrypoint``): it needs ``comfy_api``.
Each module exposes ``NODES``, a list of ``io.ComfyNode`` classes. Importing registers nothing: the HTTP routes
are added when ComfyUI loads the extension (:meth:`DrawToVideoExtension.on_load`).
"""

from __future__ import annotations

import logging

import folder_paths
from comfy_api.latest import ComfyExtension, io
from typing_extensions import override

from ..pipelines.inputs import EXAMPLE_CLIP, EXAMPLE_CLIP_NAME, EXAMPLE_INPUT_NAME, provide_example_image
from . import (
    camera_nodes,
    director_nodes,
    effect_nodes,
    keyframe_nodes,
    prompt_check,
    prompt_nodes,
    render_nodes,
    routes,
    shot_nodes,
    svd_nodes,
    track_nodes,
    video_nodes,
    wan_nodes,
)

NODE_MODULES = [
    camera_nodes,
    render_nodes,
    shot_nodes,
    svd_nodes,
    wan_nodes,
    video_nodes,
    keyframe_nodes,
    effect_nodes,
    director_nodes,
    prompt_nodes,
    track_nodes,
]


log = logging.getLogger("draw_to_video")


def _server_start() -> None:
    """What the pack does once per server start: its HTTP routes, and the example photo and clip in ComfyUI's input
    folder under the names the shipped workflows load (never over a user's file), and the whole-prompt check
    (``prompt_check``: /prompt refused up front when over the frame or memory limits). Idempotent."""
    routes.register()
    prompt_check.install_on_running_server()
    input_dir = folder_paths.get_input_directory()
    if provide_example_image(input_dir) == "kept":
        log.info("draw_to_video: input/%s is a different file; the shipped workflows will load it",
                 EXAMPLE_INPUT_NAME)
    if provide_example_image(input_dir, EXAMPLE_CLIP, EXAMPLE_CLIP_NAME) == "kept":
        log.info("draw_to_video: input/%s is a different file; copy_camera_move will load it", EXAMPLE_CLIP_NAME)


class DrawToVideoExtension(ComfyExtension):
    @override
    async def on_load(self) -> None:
        """Add the pack's HTTP routes (POST /draw_to_video/analyze) to the server's table before it serves, and
        the example image the workflows load."""
        _server_start()

    @override
    async def get_node_list(self) -> list[type[io.ComfyNode]]:
        # ComfyUI up to 0.3.64 never calls on_load (later versions call it just before this method); registering
        # is idempotent, so doing it here too serves the routes on both, still before the server starts serving.
        _server_start()
        return [node for module in NODE_MODULES for node in module.NODES]
