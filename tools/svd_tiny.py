"""Randomly initialised Stable Video Diffusion components built with diffusers' and transformers' own classes.

``build_svd_folder(path)`` writes a tiny model (small channel counts, two-layer CLIP vision tower) in diffusers'
folder layout (model_index.json, unet/, vae/, image_encoder/, scheduler/, feature_extractor/) in a second;
``svd_components("xt")`` gives the full SVD-XT architecture (random weights) for the benchmark. Seeded.
"""

from __future__ import annotations

from pathlib import Path

import torch

SVD_SCHEDULER = dict(num_train_timesteps=1000, beta_start=0.00085, beta_end=0.012, beta_schedule="scaled_linear",
                     prediction_type="v_prediction", interpolation_type="linear", use_karras_sigmas=True,
                     sigma_min=0.002, sigma_max=700.0, timestep_spacing="leading", timestep_type="continuous",
                     steps_offset=1, final_sigmas_type="zero")
"""stabilityai/stable-video-diffusion-img2vid-xt's scheduler_config.json values (the EDM Euler schedule)."""


def svd_components(size: str = "tiny", seed: int = 0, dtype=torch.float32, device="cpu") -> dict:
    """unet, vae, image_encoder, scheduler, feature_extractor with random weights (``torch.manual_seed(seed)``).

    tiny: UNet 2 blocks (32, 64), VAE 3 blocks of 32 (4 px per latent cell), CLIP 2 layers of 32 at 224 px /
    patch 32: width and height must be multiples of 8. xt: SVD-XT's own configs (UNet 1.5 B parameters).
    """
    from diffusers import AutoencoderKLTemporalDecoder, EulerDiscreteScheduler, UNetSpatioTemporalConditionModel
    from transformers import CLIPImageProcessor, CLIPVisionConfig, CLIPVisionModelWithProjection

    torch.manual_seed(seed)
    with torch.device(device):
        if size == "tiny":
            unet = UNetSpatioTemporalConditionModel(
                sample_size=16, in_channels=8, out_channels=4, block_out_channels=(32, 64),
                down_block_types=("CrossAttnDownBlockSpatioTemporal", "DownBlockSpatioTemporal"),
                up_block_types=("UpBlockSpatioTemporal", "CrossAttnUpBlockSpatioTemporal"),
                addition_time_embed_dim=8, projection_class_embeddings_input_dim=24, layers_per_block=1,
                cross_attention_dim=32, num_attention_heads=(2, 4), num_frames=6)
            vae = AutoencoderKLTemporalDecoder(block_out_channels=(32, 32, 32), layers_per_block=1,
                                               down_block_types=("DownEncoderBlock2D",) * 3, latent_channels=4,
                                               sample_size=64)
            clip = CLIPVisionConfig(hidden_size=32, intermediate_size=37, projection_dim=32, num_hidden_layers=2,
                                    num_attention_heads=4, image_size=224, patch_size=32)
        elif size == "xt":
            unet = UNetSpatioTemporalConditionModel(num_frames=25)  # the defaults are SVD's
            vae = AutoencoderKLTemporalDecoder(block_out_channels=(128, 256, 512, 512), layers_per_block=2,
                                               down_block_types=("DownEncoderBlock2D",) * 4, latent_channels=4,
                                               sample_size=768, force_upcast=True)
            clip = CLIPVisionConfig(hidden_size=1280, intermediate_size=5120, projection_dim=1024,
                                    num_hidden_layers=32, num_attention_heads=16, image_size=224, patch_size=14,
                                    hidden_act="gelu")
        else:
            raise ValueError(f"size is tiny or xt, got {size}")
        encoder = CLIPVisionModelWithProjection(clip)
    parts = {"unet": unet, "vae": vae, "image_encoder": encoder}
    for m in parts.values():
        m.eval().requires_grad_(False)
        if dtype != torch.float32:
            m.to(dtype)
    parts["scheduler"] = EulerDiscreteScheduler(**SVD_SCHEDULER)
    parts["feature_extractor"] = CLIPImageProcessor(crop_size=224, size={"shortest_edge": 224})
    return parts


def build_svd_folder(path: str | Path, seed: int = 0) -> Path:
    """Save the tiny random SVD as diffusers' StableVideoDiffusionPipeline folder at ``path``; returns it."""
    from diffusers import StableVideoDiffusionPipeline

    pipe = StableVideoDiffusionPipeline(**svd_components("tiny", seed))
    pipe.save_pretrained(path)
    return Path(path)
