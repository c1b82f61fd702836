"""Exclusive Effects node: one effect per node (chain nodes to stack effects). Glue only; see effects/registry.py."""

from __future__ import annotations

import torch
from comfy_api.latest import io

from ..core import limits
from ..core.frames import check_image_batch, to_rgb
from ..core.params import EFFECT
from ..effects.registry import EFFECTS, apply_effect
from ..pipelines import budget
from .common import compute_device, even_for_video, output_device, progress, release_memory
from .schema import CATEGORY, params_inputs
from .types import Camera

_EFFECT_HELP = "\n".join(
    f"{name}: {spec.description}" + (" [changes the frame count]" if spec.retimes else "")
    for name, spec in EFFECTS.items())




class ExclusiveEffects(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_ExclusiveEffects",
            display_name="Exclusive Effects",
            category=CATEGORY,
            description="Cinematic effects on a clip (frames = the IMAGE batch). One effect per node: chain nodes "
                        "to stack them. intensity 0 returns the clip unchanged; the same seed gives the same "
                        "result. An odd width or height loses its last column or row (video needs even sizes); "
                        f"a run estimated to need more than {limits.format_bytes(limits.MEMORY_BUDGET_BYTES)} of "
                        "memory is refused.\n" + _EFFECT_HELP,
            inputs=[
                io.Image.Input("frames", tooltip="the clip: an IMAGE batch, one image per frame"),
                io.Combo.Input("effect", options=list(EFFECTS), default="color_grade_cinematic",
                               tooltip=_EFFECT_HELP),
                *params_inputs(EFFECT, ["intensity", "seed"], extra={"seed": {"control_after_generate": True}}),
                Camera.Input("camera", optional=True,
                             tooltip="camera trajectory: motion_blur follows its speed, bullet_time its turn, "
                                     "depth_of_field its focus distance, handheld_shake its fps"),
                io.Mask.Input("mask", optional=True,
                              tooltip="region for tenet_reverse, subject for dolly_zoom / bullet_time, "
                                      "in-focus area for depth_of_field"),
                io.Image.Input("depth", optional=True,
                               tooltip="depth map (bright = near, e.g. from Depth Anything) for depth_of_field, "
                                       "dolly_zoom and motion_blur"),
            ],
            outputs=[io.Image.Output("frames_out", display_name="frames")],
        )

    @classmethod
    def execute(cls, frames, effect, intensity, seed, camera=None, mask=None, depth=None) -> io.NodeOutput:
        spec = EFFECTS.get(effect)
        if spec is None:
            raise ValueError(f"unknown effect {effect!r}; choose one of: {', '.join(EFFECTS)}")
        frames = even_for_video(check_image_batch(frames, "frames"), "Exclusive Effects")
        b, h, w, _ = frames.shape
        budget.check_effect(effect, b, h, w, spec.retimes)
        dev = compute_device()
        x = to_rgb(frames).to(device=dev, dtype=torch.float32)
        if mask is not None:
            mask = mask.to(device=dev, dtype=torch.float32)
        if depth is not None:
            depth = depth.to(device=dev, dtype=torch.float32)
        out = apply_effect(effect, x, float(intensity), int(seed), camera=camera, mask=mask, depth=depth,
                           on_progress=progress(x.shape[0]))
        del x
        release_memory()
        return io.NodeOutput(out.to(output_device()))


NODES = [ExclusiveEffects]
