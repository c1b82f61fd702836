"""SVD Image Encode (with motion): a drop-in for core ``SVD_img2vid_Conditioning`` plus camera guidance.

Glue only: the guidance math lives in ``camera/guidance.py``, the 2.5D renders in ``camera/render.py``.
"""

from __future__ import annotations

import comfy.utils
import torch
from comfy_api.latest import io

import nodes as comfy_nodes

from ..camera.trajectory import resample_trajectory
from ..conditioning import svd as gd
from .common import compute_device, output_device, progress
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


class SVDImageEncodeWithMotion(io.ComfyNode):
    @classmethod
    def define_schema(cls) -> io.Schema:
        return io.Schema(
            node_id="D2V_SVDImageEncodeWithMotion",
            display_name="SVD Image Encode (with motion)",
            category="Draw to Video",
            description="Stable Video Diffusion image conditioning (same as core SVD_img2vid_Conditioning) that "
                        "can follow a camera trajectory: the init image is rendered along the move (2.5D) and the "
                        "renders guide ComfyUI's own samplers through the latent and its noise mask.",
            inputs=[
                io.ClipVision.Input("clip_vision"),
                io.Image.Input("init_image"),
                io.Vae.Input("vae"),
                io.Int.Input("width", default=1024, min=16, max=comfy_nodes.MAX_RESOLUTION, step=8),
                io.Int.Input("height", default=576, min=16, max=comfy_nodes.MAX_RESOLUTION, step=8),
                io.Int.Input("video_frames", default=0, min=0, max=4096,
                             tooltip="0 = the camera's frame count (14 without a camera). A different count "
                                     "resamples the camera move over that many frames."),
                io.Int.Input("motion_bucket_id", default=0, min=0, max=1023,
                             tooltip="SVD motion amount. 0 = auto from the camera's image speed (1-50 subtle, "
                                     "51-127 moderate, 128-200 strong, 201-255 violent); 127 without a camera."),
                io.Int.Input("fps", default=6, min=1, max=1024),
                io.Float.Input("augmentation_level", default=0.0, min=0.0, max=10.0, step=0.01),
                Camera.Input("camera", optional=True,
                             tooltip="Camera trajectory (Cinematic Camera Trajectory). Without it the node behaves "
                                     "exactly like core SVD_img2vid_Conditioning."),
                io.Image.Input("depth", optional=True,
                               tooltip="Optional depth map of the init image for the 2.5D renders (built-in estimate "
                                       "when empty). See depth_kind."),
                io.Model.Input("model", optional=True,
                               tooltip="The SVD model. dual_clock patches it (denoise mask function); use the "
                                       "MODEL output in the KSampler."),
                io.Combo.Input("guidance", options=list(gd.GUIDANCE_MODES), default="dual_clock", optional=True,
                               tooltip=MODE_TOOLTIP),
                io.Float.Input("strength", default=1.0, min=0.0, max=1.0, step=0.01, optional=True,
                               tooltip="How firmly cells the render sees are held to it while guided (noise_mask "
                                       "value 1 - strength; 1 = locked). init: for the whole run. dual_clock: "
                                       "until release."),
                io.Float.Input("release", default=0.4, min=0.0, max=1.0, step=0.01, optional=True,
                               tooltip="dual_clock: fraction of this run's sampling steps during which visible cells "
                                       "stay locked (0 = never, 1 = to the end). Try 0.3-0.6 with denoise 0.9-1.0."),
                io.Combo.Input("depth_kind", options=["disparity", "depth"], default="disparity", optional=True,
                               tooltip="What the depth image holds: disparity (bright = near, most depth "
                                       "estimators) or depth (bright = far)."),
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
                augmentation_level, camera=None, depth=None, model=None, guidance="dual_clock", strength=1.0,
                release=0.4, depth_kind="disparity") -> io.NodeOutput:
        mode, g = guidance, gd
        if mode not in g.GUIDANCE_MODES:
            raise ValueError(f"guidance must be one of {g.GUIDANCE_MODES}, got {mode!r}")
        if init_image is None or init_image.ndim != 4 or init_image.shape[0] < 1:
            raise ValueError("init_image must be an IMAGE batch [B, H, W, C] with at least one image")
        if camera is not None and mode == "dual_clock" and model is None:
            raise ValueError("guidance 'dual_clock' needs the model input connected (and the node's MODEL output "
                             "going to the KSampler); connect it, or choose guidance 'init'")
        frames = g.resolve_frames(video_frames, camera)
        bucket = g.resolve_motion_bucket(motion_bucket_id, camera, width, height)

        # --- exactly the core node's computation -------------------------------------------------------------
        output = clip_vision.encode_image(init_image)
        pooled = output.image_embeds.unsqueeze(0)
        pixels = comfy.utils.common_upscale(init_image.movedim(-1, 1), width, height, "bilinear", "center")
        pixels = pixels.movedim(1, -1)
        clean = pixels[:1, :, :, :3].clone()
        encode_pixels = pixels[:, :, :, :3]
        if augmentation_level > 0:
            encode_pixels += torch.randn_like(pixels) * augmentation_level
        t = vae.encode(encode_pixels)
        positive, negative = g.svd_conditioning(pooled, t, bucket, fps, augmentation_level)
        latent = g.empty_latent(frames, width, height)
        # ------------------------------------------------------------------------------------------------------
        if camera is None:
            return io.NodeOutput(positive, negative, latent, model, clean.to(output_device()))

        g.check_guide_size(frames, width, height)
        cam = resample_trajectory(camera.relative_to_first(), frames)
        renders, holes = _render(clean[0], cam, depth, depth_kind, width, height)
        if mode == "off":
            preview = g.guide_preview(renders, holes, None)
            return io.NodeOutput(positive, negative, latent, model, preview.to(output_device()))

        renders[0] = clean[0].to(renders.device, renders.dtype)  # frame 0 is the init image itself
        samples = vae.encode(renders.to(output_device()))
        h, w = samples.shape[-2:]
        holes_latent = g.latent_holes(holes.float().cpu(), (h, w))
        holes_latent[0] = 0.0
        noise_mask = g.guidance_noise_mask(holes_latent, strength)
        latent = {"samples": samples, "noise_mask": noise_mask}
        if mode == "dual_clock":
            model = model.clone()
            previous = model.model_options.get("denoise_mask_function")  # e.g. Differential Diffusion: chained
            model.set_model_denoise_mask_function(g.DualClockMask(release=float(release), frames=frames,
                                                                  then=previous))
        preview = g.guide_preview(renders.float().cpu(), holes.float().cpu(), noise_mask)
        return io.NodeOutput(positive, negative, latent, model, preview.to(output_device()))


def _render(image: torch.Tensor, camera, depth, depth_kind: str, width: int, height: int):
    """2.5D renders of ``image`` [H, W, 3] along ``camera`` -> (frames [F, H, W, 3], holes [F, H, W])."""
    from ..render.reproject import render_views

    depth_map = None
    if depth is not None:
        from ..render.depth import normalize_depth

        d = comfy.utils.common_upscale(depth[:1].movedim(-1, 1), width, height, "bilinear", "center").movedim(1, -1)
        depth_map = normalize_depth(d[0].to(compute_device()), kind=depth_kind)
    result = render_views(image.to(compute_device()), camera, depth_map, fill="background",
                          on_progress=progress(camera.frames))
    return result.frames, result.holes


NODES = [SVDImageEncodeWithMotion]
