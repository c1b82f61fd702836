"""Shot List: thin V3 glue over pipelines/shots.py (several shots joined by transitions into one clip)."""

from __future__ import annotations

import json

import torch
from comfy_api.latest import io

from ..core.frames import check_image_batch, to_rgb
from ..core.params import TRAJECTORY
from ..pipelines.shots import EXAMPLE_SPEC, MAX_CLIP_INPUTS, TRANSITIONS, parse_shot_list, render_shot_list
from .common import compute_device, even_for_video, output_device, progress, release_memory
from .files import input_file
from .schema import CATEGORY, params_inputs

SPEC_HELP = ('Shot list JSON: {"version": 1, "fps", "width", "height", "shots": [{"image": i (image i of the '
             '"images" batch) | "name.png" (a file in ComfyUI\'s input folder) | "clip": i (the clip_i input), '
             '"preset" | "path" | "camera", "intensity", '
             f'"frames", "transition": {" | ".join(TRANSITIONS)}, "transition_frames": K}}, ...]}}. A transition '
             "joins a shot to the one before; its K frames overlap both, so the clip has sum(frames) - sum(K) "
             "frames.")


class ShotList(io.ComfyNode):
    @classmethod
    def define_schema(cls):
        return io.Schema(
            node_id="D2V_ShotList",
            display_name="Shot List (multi-shot)",
            category=CATEGORY,
            description="Several shots in one clip: each shot is a picture with a camera move (rendered 2.5D) or a "
                        "clip made elsewhere (e.g. by SVD, on clip_0..clip_3), joined by cuts, crossfades, whip pans "
                        "or flow morphs as the spec says. Pictures and clips are scaled to cover the spec's size.",
            inputs=[
                io.String.Input("spec", multiline=True, default=json.dumps(EXAMPLE_SPEC, indent=1),
                                tooltip=SPEC_HELP),
                io.Image.Input("images", optional=True,
                               tooltip='Pictures for shots whose "image" is an index (0 = the first of the batch).'),
                *[io.Image.Input(f"clip_{i}", optional=True,
                                 tooltip=f'Frames for shots with "clip": {i} (e.g. an SVD decode).')
                  for i in range(MAX_CLIP_INPUTS)],
                *params_inputs(TRAJECTORY, ["seed"], tooltips={"seed": "Seed (which way whip pans go)."},
                               extra={"seed": {"control_after_generate": False}}),
            ],
            outputs=[
                io.Image.Output("frames", display_name="frames", tooltip="The whole clip, for CreateVideo."),
                io.Float.Output("fps", display_name="fps", tooltip="The spec's frame rate, for CreateVideo."),
            ],
        )

    @classmethod
    def validate_inputs(cls, spec=None):
        if not isinstance(spec, str):
            return True
        try:
            parse_shot_list(spec, resolve=input_file)
        except ValueError as e:
            return str(e)
        return True

    @classmethod
    def execute(cls, spec: str, seed: int = 0, images: torch.Tensor | None = None, **clips) -> io.NodeOutput:
        shot_list = parse_shot_list(spec, resolve=input_file)
        dev = compute_device()
        pictures = [] if images is None else list(to_rgb(check_image_batch(images, "images")).to(dev))
        clip_list = []
        for i in range(MAX_CLIP_INPUTS):
            c = clips.get(f"clip_{i}")
            clip_list.append(None if c is None else to_rgb(check_image_batch(c, f"clip_{i}")).to(dev))
        frames = render_shot_list(shot_list, pictures, clip_list, seed=seed,
                                  on_progress=progress(len(shot_list.shots)))
        frames = even_for_video(frames, "Shot List").to(output_device())
        release_memory()
        return io.NodeOutput(frames, float(shot_list.fps))


NODES = [ShotList]
