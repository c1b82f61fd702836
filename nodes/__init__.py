"""ComfyUI V3 glue: every node module of the pack is listed here.

Only ComfyUI imports this package (through ``comfy_entrypoint``): it needs ``comfy_api``.
Each module exposes ``NODES``, a list of ``io.ComfyNode`` classes.
"""

from __future__ import annotations

from comfy_api.latest import ComfyExtension, io
from typing_extensions import override

from . import camera_nodes, effect_nodes, render_nodes, routes, svd_nodes, video_nodes

routes.register()  # POST /draw_to_video/analyze (the Draw Path widget's live readout)

NODE_MODULES = [
    camera_nodes,
    render_nodes,
    svd_nodes,
    video_nodes,
    effect_nodes,
]


class DrawToVideoExtension(ComfyExtension):
    @override
    async def get_node_list(self) -> list[type[io.ComfyNode]]:
        return [node for module in NODE_MODULES for node in module.NODES]
