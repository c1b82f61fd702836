"""Director Style node: the non-camera parts of a director style (retiming, jump cuts, grade). Glue only; see
pipelines/director.py."""

from __future__ import annotations

import torch
from comfy_api.latest import io

from ..core.frames import check_image_batch, to_rgb
from ..pipelines.director import DIRECTOR_STYLES, apply_director_style, get_style
from .common import compute_device, output_device, progress, release_memory
from .schema import CATEGORY

_STYLE_HELP = "\n".join(f"{name}: {style.description}" for name, style in DIRECTOR_STYLES.items())


class DirectorStyle(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_DirectorStyle",
            display_name="Director Style",
            category=CATEGORY,
            description="The parts of a director style that are not camera motion: retiming (speed ramp, reversed "
                        "section), jump cuts and colour grade, on a rendered clip. Pair it with the same preset "
                        "on Cinematic Camera Trajectory (the camera part: move, lens, shake). The frame count is "
                        "kept.\n" + _STYLE_HELP,
            inputs=[
                io.Image.Input("frames", tooltip="the clip: an IMAGE batch, one image per frame"),
                io.Combo.Input("style", options=list(DIRECTOR_STYLES), default="hitchcock", tooltip=_STYLE_HELP),
            ],
            outputs=[io.Image.Output("frames_out", display_name="frames")],
        )

    @classmethod
    def execute(cls, frames, style) -> io.NodeOutput:
        style = get_style(style)
        frames = check_image_batch(frames, "frames")
        b = frames.shape[0]  # apply_director_style checks its memory budget (pipelines/budget.py)
        x = to_rgb(frames).to(device=compute_device(), dtype=torch.float32)
        out = apply_director_style(x, style, on_progress=progress(b))
        del x
        release_memory()
        return io.NodeOutput(out.to(output_device()))


NODES = [DirectorStyle]
