"""Render-guided Wan 2.1 VACE on diffusers' ``WanVACEPipeline``, outside ComfyUI.

The guide is the node's (``pipelines/guide.wan_guide``): the 2.5D render along the camera as VACE's control
``video``, its generate mask (1 = generate: holes and stretched pixels, grown and feathered) as ``mask``, and the
picture as the reference image. diffusers' pipeline does the rest unchanged (text encoding, VACE context, flow
matching sampler, decode), so with ``guide="none"`` a call here is exactly ``WanVACEPipeline(prompt=...)`` for the
same seed (the unit tier checks it bit for bit). Notes on conventions:

* diffusers takes the video and mask in 0..1 (it maps them to -1..1 itself) as ``[B, F, C, H, W]`` tensors, the
  reference as a PIL image; it splits the control at ``mask > 0.5`` (core's ``WanVaceToVideo`` uses the soft mask),
  so the feathered rim counts as "keep" beyond its midpoint.
* The initial noise comes from a CPU generator seeded with ``seed``: the same seed gives the same noise on CPU and
  CUDA.

diffusers 0.34 added ``WanVACEPipeline`` / ``WanVACETransformer3DModel`` (the floor in pyproject.toml).
"""

from __future__ import annotations

import json
from pathlib import Path

import torch

from ..conditioning.wan_guide import WanGuide, check_guide_length, check_wan_size
from ..core import ProgressFn, params
from ..core.errors import excerpt

_V, _G = params.WAN_VACE, params.GENERATE

COMPONENTS = {
    "transformer": "WanVACETransformer3DModel",
    "vae": "AutoencoderKLWan",
    "text_encoder": "UMT5EncoderModel",
    "tokenizer": None,
    "scheduler": None,
}
"""The sub-folders a diffusers Wan VACE folder must have (model_index.json names each one's class)."""
PIPELINE_CLASS = "WanVACEPipeline"


def check_model_folder(path) -> Path:
    """``path`` as a Path when it is a diffusers Wan VACE folder; ``ValueError`` / ``FileNotFoundError`` saying
    what is missing otherwise (before anything heavy is imported)."""
    folder = Path(path).expanduser()
    if not folder.is_dir():
        raise FileNotFoundError(f"Wan VACE model folder not found: {folder} (a local diffusers folder, e.g. "
                                f"Wan2.1-VACE-1.3B-diffusers)")
    index = folder / "model_index.json"
    if not index.is_file():
        raise ValueError(f"{folder} has no model_index.json: give the folder of a diffusers Wan VACE model "
                         f"(e.g. Wan2.1-VACE-1.3B-diffusers)")
    try:
        info = json.loads(index.read_text())
    except (OSError, ValueError) as e:
        raise ValueError(f"{index} is not readable JSON: {excerpt(str(e))}") from None
    if info.get("_class_name") != PIPELINE_CLASS:
        raise ValueError(f"{folder} holds a {excerpt(info.get('_class_name'))}, not a {PIPELINE_CLASS}: give a "
                         f"Wan VACE model folder")
    missing = [c for c in COMPONENTS if not (folder / c).is_dir()]
    if missing:
        raise ValueError(f"{folder} lacks {', '.join(missing)}/: a diffusers Wan VACE folder has "
                         f"{', '.join(c + '/' for c in COMPONENTS)}")
    return folder


def load_wan_vace(path, device: torch.device, cpu_offload: bool = False):
    """diffusers' ``WanVACEPipeline`` from a local folder (no download): bfloat16 on CUDA (the VAE in float32, as
    diffusers recommends), float32 on the CPU; ``cpu_offload`` keeps each part on the CPU until it runs."""
    folder = check_model_folder(path)
    for module in ("accelerate", "ftfy"):  # diffusers loads Wan's transformer through the first, cleans prompts with
        try:                               # the second
            __import__(module)
        except ImportError:
            raise ValueError(f"backend 'wan_vace' needs the {module} package: pip install accelerate ftfy "
                             f"(or pip install draw-to-video[wan])") from None
    import warnings

    from diffusers import WanVACEPipeline

    cuda = torch.device(device).type == "cuda"
    dtype = {"default": torch.bfloat16, "vae": torch.float32} if cuda else torch.float32
    with warnings.catch_warnings():  # newer diffusers call it `dtype` and warn; the floor (0.34) knows only this
        warnings.filterwarnings("ignore", message=".*torch_dtype.*", category=FutureWarning)
        pipe = WanVACEPipeline.from_pretrained(str(folder), torch_dtype=dtype, local_files_only=True)
    if cpu_offload and cuda:
        pipe.enable_model_cpu_offload(device=device)
    else:
        pipe.to(device)
    pipe.set_progress_bar_config(disable=True)
    return pipe


def guide_inputs(guide: WanGuide) -> dict:
    """The guide as ``WanVACEPipeline`` call arguments: ``video`` [1, F, 3, H, W] and ``mask`` [1, F, 3, H, W]
    float 0..1 on the CPU, ``reference_images`` [PIL image] (the picture, 8-bit), ``height``, ``width``,
    ``num_frames``."""
    from PIL import Image

    video = guide.control.detach().float().cpu().clamp(0, 1).permute(0, 3, 1, 2)[None].contiguous()
    mask = guide.mask.detach().float().cpu().clamp(0, 1)[None, :, None].expand(-1, -1, 3, -1, -1).contiguous()
    ref = (guide.reference[0].detach().float().cpu().clamp(0, 1) * 255).round().to(torch.uint8).numpy()
    return {"video": video, "mask": mask, "reference_images": [Image.fromarray(ref)], "height": guide.height,
            "width": guide.width, "num_frames": guide.length}


def sample_wan_vace(pipe, guide: WanGuide | None, *, prompt: str, negative_prompt: str = "", width: int,
                    height: int, length: int, steps: int = _G["steps"].default,
                    guidance_scale: float = _V["guidance_scale"].default,
                    conditioning_scale: float = _V["conditioning_scale"].default, seed: int = 0,
                    on_progress: ProgressFn = None) -> torch.Tensor:
    """Run ``pipe`` (a loaded ``WanVACEPipeline``) with the guide; frames float32 [F, H, W, 3] in 0..1 on the CPU.

    ``guide`` None: no control video, mask or reference (diffusers' defaults: grey video, generate everywhere).
    ``on_progress(done, steps)`` after every denoising step (raise in it to stop).
    """
    width, height = check_wan_size(width, height)
    length = check_guide_length(length)
    steps = int(_G["steps"].check(steps, "steps"))
    guidance_scale = float(_V["guidance_scale"].check(guidance_scale, "guidance_scale"))
    conditioning_scale = float(_V["conditioning_scale"].check(conditioning_scale, "conditioning_scale"))
    seed = int(_G["seed"].check(seed, "seed"))
    if not isinstance(prompt, str):
        raise ValueError(f"prompt must be text, got {type(prompt).__name__}")
    kwargs = {"height": height, "width": width, "num_frames": length}
    if guide is not None:
        kwargs = guide_inputs(guide)
        if (kwargs["width"], kwargs["height"], kwargs["num_frames"]) != (width, height, length):
            raise ValueError(f"the guide is {guide.width}x{guide.height}, {guide.length} frames; the video is "
                             f"{width}x{height}, {length} frames: make the guide at the video's size")

    def on_step_end(_pipe, i, _t, _tensors):
        if on_progress is not None:
            on_progress(i + 1, steps)
        return {}

    out = pipe(prompt=prompt, negative_prompt=negative_prompt or None, conditioning_scale=conditioning_scale,
               num_inference_steps=steps, guidance_scale=guidance_scale,
               generator=torch.Generator(device="cpu").manual_seed(seed), output_type="np",
               callback_on_step_end=on_step_end, **kwargs)
    return torch.from_numpy(out.frames[0]).float().contiguous()
