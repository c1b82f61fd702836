"""SVD Image Encode (with motion): a drop-in for core ``SVD_img2vid_Conditioning`` plus camera guidance.

Glue only: the whole job is ``pipelines/svd.encode_with_motion`` (guidance math in ``conditioning/svd.py``). The
node hands it ComfyUI's objects, ComfyUI's own image resize (so the conditioning is the core node's) and the
progress bar.
"""

from __future__ import annotations

import comfy.utils
import torch
from comfy_api.latest import io

import nodes as comfy_nodes

from ..core.params import SVD
from ..core.recipes import SVD_RECIPES, apply_recipe
from ..pipelines.svd import encode_with_motion
from .common import compute_device, output_device, progress
from .schema import CATEGORY, param_input, params_inputs
from .types import Camera

MODE_TOOLTIP = (
    "Camera guidance (needs a camera; without one the node is the core SVD_img2vid_Conditioning).\n"
    "off: plain SVD; the camera only picks motion_bucket_id (when 0) and video_frames (when 0). "
    "Sampler: KSampler denoise 1.0.\n"
    "init (CamTrol): the 2.5D renders along the camera seed the latent. Sampler: KSampler denoise 0.6-0.85 "
    "(or KSamplerAdvanced add_noise enable, start_at_step 20-40% of steps). strength holds the cells the render "
    "sees toward it for the whole run (0 = renders only seed the start).\n"
    "dual_clock (Time-to-Move): visible cells stay locked to the noised renders until `release`, then everything "
    "denoises freely; holes are generated from the start. Connect `model` and feed the patched MODEL output to the "
    "KSampler. Sampler: KSampler denoise 0.9-1.0, 20-25 steps, cfg 2-3."
)

RECIPE_TOOLTIP = "Motion recipe: sets motion_bucket_id, fps, augmentation_level and video_frames for a kind of " \
    "shot (custom = the inputs as set).\n" + "\n".join(
        f"{name}: bucket {r.motion_bucket_id}, {r.fps} fps, augmentation {r.augmentation_level}, {r.video_frames} "
        f"frames - {r.help}" for name, r in SVD_RECIPES.items())


def comfy_resize(images: torch.Tensor, width: int, height: int) -> torch.Tensor:
    """IMAGE [B, H, W, C] -> [B, height, width, C] exactly as core SVD_img2vid_Conditioning resizes its input
    (``comfy.utils.common_upscale``, bilinear, center crop)."""
    return comfy.utils.common_upscale(images.movedim(-1, 1), width, height, "bilinear", "center").movedim(1, -1)


class SVDImageEncodeWithMotion(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_SVDImageEncodeWithMotion",
            display_name="SVD Image Encode (with motion)",
            category=CATEGORY,
            description="Stable Video Diffusion image conditioning (same as core SVD_img2vid_Conditioning) that "
                        "can follow a camera trajectory: the init image is rendered along the move (2.5D) and the "
                        "renders guide ComfyUI's own samplers through the latent and its noise mask.",
            inputs=[
                io.ClipVision.Input("clip_vision"),
                io.Image.Input("init_image"),
                io.Vae.Input("vae"),
                io.Int.Input("width", default=1024, min=16, max=comfy_nodes.MAX_RESOLUTION, step=8),
                io.Int.Input("height", default=576, min=16, max=comfy_nodes.MAX_RESOLUTION, step=8),
                *params_inputs(SVD, ["video_frames", "motion_bucket_id", "fps", "augmentation_level"], tooltips={
                    "video_frames": "0 = the camera's frame count (14 without a camera). A different count "
                                    "resamples the camera move over that many frames.",
                    "motion_bucket_id": "SVD motion amount. 0 = auto from the camera's image speed (1-50 subtle, "
                                        "51-127 moderate, 128-200 strong, 201-255 violent); 127 without a camera.",
                }),
                Camera.Input("camera", optional=True,
                             tooltip="Camera trajectory (Cinematic Camera Trajectory). Without it the node behaves "
                                     "exactly like core SVD_img2vid_Conditioning."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the init image for the 2.5D renders (built-in estimate "
                                       "when empty). See depth_kind."),
                io.Model.Input("model", optional=True,
                               tooltip="The SVD model. dual_clock patches it (denoise mask function); use the "
                                       "MODEL output in the KSampler."),
                param_input("guidance", SVD["guidance"], optional=True, tooltip=MODE_TOOLTIP),
                *params_inputs(SVD, ["strength", "release", "depth_kind"], optional=True, tooltips={
                    "strength": "How firmly cells the render sees are held to it while guided (noise_mask value "
                                "1 - strength; 1 = locked). init: for the whole run. dual_clock: until release.",
                    "release": "dual_clock: fraction of this run's sampling steps during which visible cells stay "
                               "locked (0 = never, 1 = to the end). Try 0.3-0.6 with denoise 0.9-1.0.",
                    "depth_kind": "What the depth image holds: disparity (bright = near, most depth estimators) "
                                  "or depth (bright = far).",
                }),
                param_input("recipe", SVD["recipe"], optional=True, tooltip=RECIPE_TOOLTIP),
            ],
            outputs=[
                io.Conditioning.Output("positive", display_name="positive"),
                io.Conditioning.Output("negative", display_name="negative"),
                io.Latent.Output("latent", display_name="latent",
                                 tooltip="init/dual_clock: the VAE-encoded renders with a per-frame noise_mask "
                                         "(frame 0 kept, holes free, visible cells guided)."),
                io.Model.Output("model_out", display_name="model",
                                tooltip="dual_clock: the model with the release schedule patched in; otherwise the "
                                        "model input unchanged."),
                io.Image.Output("guide", display_name="guide",
                                tooltip="What SVD is steered toward: renders (holes magenta) above the latent noise "
                                        "mask (black = locked to the render, white = free)."),
            ],
        )

    @classmethod
    def execute(cls, clip_vision, init_image, vae, width, height, video_frames, motion_bucket_id, fps,
                augmentation_level, camera=None, depth=None, model=None, guidance=SVD["guidance"].default,
                strength=SVD["strength"].default, release=SVD["release"].default,
                depth_kind=SVD["depth_kind"].default, recipe=SVD["recipe"].default) -> io.NodeOutput:
        motion_bucket_id, fps, augmentation_level, video_frames = apply_recipe(
            SVD["recipe"].check(recipe, "recipe"), motion_bucket_id, fps, augmentation_level, video_frames)
        result = encode_with_motion(
            clip_vision, vae, init_image, width, height, resize=comfy_resize, video_frames=video_frames,
            motion_bucket_id=motion_bucket_id, fps=fps, augmentation_level=augmentation_level, camera=camera,
            depth=depth, model=model, guidance=guidance, strength=strength, release=release, depth_kind=depth_kind,
            device=compute_device(), output_device=output_device(), on_progress=progress())
        return io.NodeOutput(result.positive, result.negative, result.latent, result.model, result.guide)


NODES = [SVDImageEncodeWithMotion]
