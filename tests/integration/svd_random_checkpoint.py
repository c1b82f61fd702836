"""Write a randomly initialised Stable Video Diffusion checkpoint with the REAL SVD architecture.

The key names and shapes come from ComfyUI's own model classes (instantiated on the ``meta`` device, so no
memory is spent on them): the SVD UNet (``comfy.supported_models.SVD_img2vid``), the VAE with the temporal
decoder (``comfy.sd.VAE``), and the CLIP-ViT-H vision tower (``comfy.clip_model``), each under the prefix
ComfyUI's ``ImageOnlyCheckpointLoader`` expects (``model_config.state_dict_for_saving``). Weights are random
(seeded), written tensor by tensor into a ``.safetensors`` file so that peak memory stays at one tensor.

Run with ComfyUI's interpreter::

    python tests/integration/svd_random_checkpoint.py --comfyui /path/to/ComfyUI --out ~/.cache/x.safetensors

Nothing is downloaded; the file is a test fixture, never committed.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import struct
import sys
from pathlib import Path

FORMAT_VERSION = 1  # bump when the generated file changes (cache key)

# The full UNet config ComfyUI's model detection derives from a real SVD / SVD-XT checkpoint.
SVD_UNET_CONFIG = {
    "use_checkpoint": False, "image_size": 32, "use_spatial_transformer": True, "legacy": False,
    "num_classes": "sequential", "adm_in_channels": 768, "in_channels": 8, "out_channels": 4,
    "model_channels": 320, "num_res_blocks": [2, 2, 2, 2], "channel_mult": [1, 2, 4, 4],
    "transformer_depth": [1, 1, 1, 1, 1, 1, 0, 0], "transformer_depth_output": [1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0],
    "transformer_depth_middle": 1, "use_linear_in_transformer": True, "context_dim": 1024,
    "extra_ff_mix_layer": True, "use_spatial_context": True, "merge_strategy": "learned_with_images",
    "merge_factor": 0.0, "video_kernel_size": [3, 1, 1], "use_temporal_resblock": True,
    "use_temporal_attention": True, "disable_temporal_crossattention": False,
}


def architecture_shapes(comfy_dir: str) -> dict[str, tuple[int, ...]]:
    """Checkpoint key -> shape, from ComfyUI's own classes (meta device: nothing allocated)."""
    sys.path.insert(0, comfy_dir)
    import logging

    import torch

    logging.disable(logging.WARNING)  # ComfyUI's "missing keys" notes are expected for the shape-only VAE
    import comfy.cli_args

    comfy.cli_args.args.cpu = True  # shapes only: never look for a GPU
    import comfy.clip_model
    import comfy.ops
    import comfy.sd
    import comfy.supported_models

    meta = torch.device("meta")
    model_config = comfy.supported_models.SVD_img2vid(dict(SVD_UNET_CONFIG))
    model_config.set_inference_dtype(torch.float16, None)
    model = model_config.get_model({}, device=meta)

    with open(os.path.join(comfy_dir, "comfy", "clip_vision_config_h.json")) as f:
        vision_config = json.load(f)
    vision = comfy.clip_model.CLIPVisionModelProjection(vision_config, torch.float16, meta, comfy.ops.manual_cast)

    # comfy.sd.VAE picks the temporal-decoder autoencoder from this key; it is small enough to build for real
    vae = comfy.sd.VAE(sd={"decoder.mid.block_1.mix_factor": torch.zeros(1)})
    sd = model.state_dict_for_saving(None, vae.get_sd(), vision.state_dict())
    return {k: tuple(v.shape) for k, v in sd.items()}


PARTS = {"checkpoint": "", "vae": "first_stage_model.",
         "clip_vision": "conditioner.embedders.0.open_clip.model.visual."}
"""What to write: the whole ImageOnly checkpoint, or one component alone (its prefix stripped) for the core
``VAELoader`` / ``CLIPVisionLoader``."""


def select_part(shapes: dict[str, tuple[int, ...]], part: str) -> dict[str, tuple[int, ...]]:
    if part not in PARTS:
        raise ValueError(f"part must be one of {sorted(PARTS)}, got {part!r}")
    prefix = PARTS[part]
    return {k[len(prefix):]: v for k, v in shapes.items() if k.startswith(prefix)}


def _init(name: str, shape: tuple[int, ...], gen):
    """Seeded random tensor (float16) for one parameter: scaled normal for matrices/kernels (variance-preserving,
    so activations stay finite through the deep net), ones for norm scales, zeros for biases and mix factors."""
    import torch

    leaf = name.rsplit(".", 1)[-1]
    n = math.prod(shape) if shape else 1
    if leaf == "bias" or "mix_factor" in name or n == 0:
        t = torch.zeros(shape)
    elif len(shape) <= 1 and leaf == "weight":
        t = torch.ones(shape)
    elif len(shape) >= 2 and leaf == "weight":
        fan_in = n // shape[0]
        t = torch.randn(shape, generator=gen) / math.sqrt(max(1, fan_in))
    else:  # embeddings, class token, projections stored as plain parameters
        t = torch.randn(shape, generator=gen) * 0.02
    return t.to(torch.float16).contiguous()


def write_random_checkpoint(shapes: dict[str, tuple[int, ...]], out: Path, seed: int = 0, init=_init,
                            label: str = f"random SVD v{FORMAT_VERSION}") -> None:
    """Stream a safetensors file (header, then one tensor at a time) with seeded random weights from
    ``init(name, shape, generator)`` (a float16 tensor); ``label`` goes into the file's metadata."""
    import torch

    gen = torch.Generator().manual_seed(seed)
    header, offset = {}, 0
    names = sorted(shapes)
    for k in names:
        nbytes = math.prod(shapes[k]) * 2
        header[k] = {"dtype": "F16", "shape": list(shapes[k]), "data_offsets": [offset, offset + nbytes]}
        offset += nbytes
    header["__metadata__"] = {"format": "pt", "d2v_fixture": f"{label} seed {seed}"}
    blob = json.dumps(header, separators=(",", ":")).encode()
    blob += b" " * (-len(blob) % 8)
    tmp = out.with_suffix(".partial")
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(blob)))
        f.write(blob)
        for k in names:
            f.write(init(k, shapes[k], gen).numpy().tobytes())
    tmp.replace(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comfyui", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--part", default="checkpoint", choices=sorted(PARTS))
    args = ap.parse_args()
    shapes = select_part(architecture_shapes(os.path.abspath(args.comfyui)), args.part)
    out = Path(args.out).expanduser()
    out.parent.mkdir(parents=True, exist_ok=True)
    write_random_checkpoint(shapes, out, args.seed)
    params = sum(math.prod(s) for s in shapes.values())
    print(json.dumps({"path": str(out), "tensors": len(shapes), "parameters": params}))


if __name__ == "__main__":
    main()
