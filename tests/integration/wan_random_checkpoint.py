"""Write randomly initialised Wan 2.1 Fun Camera 1.3B weights and a Wan 2.1 VAE with the REAL architectures.

Key names and shapes come from ComfyUI's own classes built on the ``meta`` device (nothing allocated): the diffusion
model is ``comfy.supported_models.WAN21_Camera`` with the configuration ComfyUI's model detection derives from
the real ``wan2.1_fun_camera_v1.1_1.3B`` file (dim 1536, 30 blocks, 12 heads, FFN 8960, 32 input channels: noise +
start-image latent, a 24-channel camera adapter, the CLIP image projection), written unprefixed as ``UNETLoader``
reads ``models/diffusion_models`` files; the VAE is ``comfy.ldm.wan.vae.WanVAE`` with the configuration
``comfy.sd.VAE`` picks for a Wan 2.1 VAE file. Weights are seeded random float16, streamed tensor by tensor
(``svd_random_checkpoint.write_random_checkpoint``).

Parts for the render-guided graphs (test_wan_guide_workflows.py): ``vace_diffusion_model`` is
``comfy.supported_models.WAN21_Vace`` with the configuration ComfyUI derives from ``wan2.1_vace_1.3B_fp16``
(dim 1536, 30 blocks, 15 VACE blocks, ``vace_in_dim`` 96); ``fun_control22_diffusion_model`` is the Wan 2.2 Fun
Control 5B layout (``WAN22_T2V``: 148 input channels, 48 out, ``ref_conv`` for the reference latent) with 2 blocks
of width 256 instead of 30 of 3072 (ComfyUI reads width and depth from the file; the channel layout is what the
graph exercises); ``vae22`` is ``comfy.ldm.wan.vae2_2.WanVAE`` as ``comfy.sd.VAE`` builds it for a Wan 2.2 VAE.

Run with ComfyUI's interpreter::

    python tests/integration/wan_random_checkpoint.py --comfyui /path/to/ComfyUI --part diffusion_model --out X

Nothing is downloaded; the files are test fixtures, never committed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
import svd_random_checkpoint  # noqa: E402

FORMAT_VERSION = 1  # bump when the generated files change (cache key)

FUN_CAMERA_1_3B = {
    "image_model": "wan2.1", "model_type": "camera", "dim": 1536, "out_dim": 16, "num_heads": 12, "ffn_dim": 8960,
    "num_layers": 30, "patch_size": (1, 2, 2), "freq_dim": 256, "window_size": (-1, -1), "qk_norm": True,
    "cross_attn_norm": True, "eps": 1e-6, "in_dim": 32,
}
"""What comfy.model_detection reads from the real Wan 2.1 Fun Camera v1.1 1.3B file (its ``head.modulation``,
``control_adapter`` and ``img_emb`` keys make it ``WAN21_Camera``)."""

WAN21_VAE = {"dim": 96, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_scales": [],
             "temperal_downsample": [False, True, True], "dropout": 0.0}
"""The Wan 2.1 VAE configuration comfy.sd.VAE uses for a file with ``decoder.middle.0.residual.0.gamma``."""

VACE_1_3B = {
    "image_model": "wan2.1", "model_type": "vace", "dim": 1536, "out_dim": 16, "num_heads": 12, "ffn_dim": 8960,
    "num_layers": 30, "patch_size": (1, 2, 2), "freq_dim": 256, "window_size": (-1, -1), "qk_norm": True,
    "cross_attn_norm": True, "eps": 1e-6, "in_dim": 16, "vace_in_dim": 96, "vace_layers": 15,
}
"""What comfy.model_detection reads from wan2.1_vace_1.3B_fp16.safetensors."""

FUN_CONTROL22_NARROW = {
    "image_model": "wan2.1", "model_type": "t2v", "dim": 256, "out_dim": 48, "num_heads": 2, "ffn_dim": 512,
    "num_layers": 2, "patch_size": (1, 2, 2), "freq_dim": 256, "window_size": (-1, -1), "qk_norm": True,
    "cross_attn_norm": True, "eps": 1e-6, "in_dim": 148, "in_dim_ref_conv": 48,
}
"""wan2.2_fun_control_5B's layout (noise 48 + control 48 + mask 4 + start image 48 in, 48 out, a reference-latent
conv) with 2 blocks of width 256."""

WAN22_VAE = {"dim": 160, "z_dim": 48, "dec_dim": 256, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2,
             "attn_scales": [], "temperal_downsample": [False, True, True], "dropout": 0.0}
"""The Wan 2.2 VAE configuration (comfy.sd.VAE: a file with decoder.upsamples.0.upsamples.0.residual.2.weight)."""

PARTS = ("diffusion_model", "vae", "vace_diffusion_model", "fun_control22_diffusion_model", "vae22")


def architecture_shapes(comfy_dir: str, part: str) -> dict[str, tuple[int, ...]]:
    """Key -> shape of one part, from ComfyUI's own classes on the meta device."""
    if part not in PARTS:
        raise ValueError(f"part must be one of {PARTS}, got {part!r}")
    sys.path.insert(0, comfy_dir)
    import comfy.cli_args
    import torch

    comfy.cli_args.args.cpu = True
    meta = torch.device("meta")
    if part.endswith("diffusion_model"):
        import comfy.supported_models

        cls, cfg = {"diffusion_model": (comfy.supported_models.WAN21_Camera, FUN_CAMERA_1_3B),
                    "vace_diffusion_model": (comfy.supported_models.WAN21_Vace, VACE_1_3B),
                    "fun_control22_diffusion_model": (comfy.supported_models.WAN22_T2V, FUN_CONTROL22_NARROW)}[part]
        config = cls(dict(cfg))
        config.set_inference_dtype(torch.float16, None)
        sd = config.get_model({}, device=meta).diffusion_model.state_dict()
    elif part == "vae22":
        import comfy.ldm.wan.vae2_2

        with meta:
            sd = comfy.ldm.wan.vae2_2.WanVAE(**WAN22_VAE).state_dict()
    else:
        import comfy.ldm.wan.vae

        with meta:
            sd = comfy.ldm.wan.vae.WanVAE(**WAN21_VAE).state_dict()
    return {k: tuple(v.shape) for k, v in sd.items()}


def _init(name: str, shape: tuple[int, ...], gen):
    """As the SVD fixture, plus: RMS-norm scales (``gamma``) are ones, Wan's ``modulation`` tables small."""
    import torch

    leaf = name.rsplit(".", 1)[-1]
    if leaf == "gamma":
        return torch.ones(shape, dtype=torch.float16)
    return svd_random_checkpoint._init(name, shape, gen)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comfyui", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", required=True, choices=PARTS)
    args = ap.parse_args()
    shapes = architecture_shapes(os.path.abspath(args.comfyui), args.part)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    svd_random_checkpoint.write_random_checkpoint(shapes, out, args.seed, init=_init,
                                                  label=f"random Wan 2.1 {args.part} v{FORMAT_VERSION}")
    params = sum(math.prod(s) for s in shapes.values())
    print(json.dumps({"path": str(out), "tensors": len(shapes), "parameters": params}))


if __name__ == "__main__":
    main()
