"""Seconds per sampling step and peak GPU memory of the two render-guided Wan graphs, on random weights.

Non-stdlib modules imported: torch, numpy (this script and the pack's guide); through ComfyUI's own modules also
safetensors, einops, transformers, tokenizers, sentencepiece, PIL (pillow), av, torchsde, scipy, psutil, yaml,
tqdm, requests is NOT needed (no server, no network). The pack's render needs opencv (cv2).

    python benchmarks/gpu_wan_guide.py --comfyui /path/to/ComfyUI [--device cuda] [--dtype bf16] [--steps 3]
    python benchmarks/gpu_wan_guide.py --comfyui /path/to/ComfyUI --device cpu --tiny   # a quick check, no GPU

What runs, for each graph, in one process and without a server (ComfyUI's own classes, as its nodes call them):

* ``vace``: Wan 2.1 VACE 1.3B (``comfy.supported_models.WAN21_Vace``: dim 1536, 30 blocks, 15 VACE blocks,
  ``vace_in_dim`` 96) and the Wan 2.1 VAE; the guide (``pipelines/guide.wan_guide``: the example photo along
  ``orbit_left``) goes through core's ``WanVaceToVideo`` (control video, generate mask, reference image), then
  ``comfy.sample.sample`` (uni_pc, cfg 5: two model passes a step) and ``VAEDecode``'s decode. Default
  832x480, 81 frames (core's 1.3B 480p setting).
* ``fun_control``: Wan 2.2 Fun Control 5B (``WAN22_T2V`` with 148 input channels: control 48 + mask 4 + start
  image 48 + noise 48, and ``ref_conv`` for the reference latent; dim 3072, 30 blocks) and the Wan 2.2 VAE; the
  guide's depth video as ``control_video`` and the picture as ``ref_image`` of core's ``Wan22FunControlToVideo``
  (its inputs in 0.3.64, wired as the template wires them). Default 704x704, 121 frames (core's template).

Weights are seeded random (normal, 1/sqrt(fan-in); norms 1, biases 0), made straight on the device in the chosen
dtype with the real key names and shapes (the classes are built on the meta device first), then loaded with
``comfy.sd.load_diffusion_model_state_dict`` / ``comfy.sd.VAE`` like ``UNETLoader`` / ``VAELoader`` do. The text
conditioning is a seeded random [1, 512, 4096] tensor (umt5-xxl's width and padded length). Random weights make
noise: the figures are speed and memory, not quality.

Everything runs under ``torch.inference_mode()`` as ComfyUI's executor runs nodes (without it autograd keeps every
activation: the first GPU run ran out of 139 GiB that way), with ``PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True``
unless set. A graph that fails is reported and the other still runs. After each stage the allocated CUDA memory is
printed. Printed per graph (and as one JSON line at the end): guide seconds (render on the device), conditioning seconds
(the node's VAE encodes), first step seconds (includes moving the model to the device), median seconds per later
step, decode seconds, peak allocated and reserved GPU memory (CUDA only).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _pkg import ROOT, import_package  # noqa: E402

VACE_1_3B = {"image_model": "wan2.1", "model_type": "vace", "dim": 1536, "out_dim": 16, "num_heads": 12,
             "ffn_dim": 8960, "num_layers": 30, "patch_size": (1, 2, 2), "freq_dim": 256, "window_size": (-1, -1),
             "qk_norm": True, "cross_attn_norm": True, "eps": 1e-6, "in_dim": 16, "vace_in_dim": 96,
             "vace_layers": 15}
"""What comfy.model_detection reads from wan2.1_vace_1.3B_fp16.safetensors."""
FUN_CONTROL_5B = {"image_model": "wan2.1", "model_type": "t2v", "dim": 3072, "out_dim": 48, "num_heads": 24,
                  "ffn_dim": 14336, "num_layers": 30, "patch_size": (1, 2, 2), "freq_dim": 256,
                  "window_size": (-1, -1), "qk_norm": True, "cross_attn_norm": True, "eps": 1e-6, "in_dim": 148,
                  "in_dim_ref_conv": 48}
"""What comfy.model_detection reads from wan2.2_fun_control_5B_bf16.safetensors (Wan 2.2 TI2V 5B layout)."""
TINY = {"dim": 256, "num_heads": 2, "ffn_dim": 512, "num_layers": 2}
"""--tiny: the same classes and channel layout with 2 blocks of width 256 (a CPU check of the script)."""
VAE21 = {"dim": 96, "z_dim": 16, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_scales": [],
         "temperal_downsample": [False, True, True], "dropout": 0.0}
VAE22 = {"dim": 160, "z_dim": 48, "dec_dim": 256, "dim_mult": [1, 2, 4, 4], "num_res_blocks": 2, "attn_scales": [],
         "temperal_downsample": [False, True, True], "dropout": 0.0}


def random_state_dict(shapes: dict, device, dtype, seed: int) -> dict:
    """Seeded random weights of the given shapes (key -> tensor) on ``device``."""
    import torch

    gen = torch.Generator(device=device).manual_seed(seed)
    sd = {}
    for name, shape in shapes.items():
        leaf = name.rsplit(".", 1)[-1]
        if leaf in ("gamma",) or (leaf == "weight" and len(shape) == 1 and "norm" in name):
            t = torch.ones(shape, device=device, dtype=dtype)
        elif leaf == "bias" or len(shape) == 0:
            t = torch.zeros(shape, device=device, dtype=dtype)
        elif "modulation" in name:
            t = torch.randn(shape, generator=gen, device=device, dtype=torch.float32).mul_(0.02).to(dtype)
        else:
            fan_in = math.prod(shape[1:]) if len(shape) > 1 else shape[0]
            t = torch.randn(shape, generator=gen, device=device, dtype=torch.float32)
            t = t.mul_(1.0 / math.sqrt(max(1, fan_in))).to(dtype)
        sd[name] = t
    return sd


def model_shapes(config_cls, unet_config: dict) -> dict:
    import torch

    config = config_cls(dict(unet_config))
    config.set_inference_dtype(torch.float16, None)
    sd = config.get_model({}, device=torch.device("meta")).diffusion_model.state_dict()
    return {k: tuple(v.shape) for k, v in sd.items()}


def vae_shapes(module, cfg: dict) -> dict:
    import torch

    with torch.device("meta"):
        sd = module.WanVAE(**cfg).state_dict()
    return {k: tuple(v.shape) for k, v in sd.items()}


def _mem(torch, dev, stage: str, row: dict) -> None:
    """Print (and keep in ``row["memory_gib"]``) the allocated CUDA memory after a stage."""
    if dev.type != "cuda":
        return
    torch.cuda.synchronize(dev)
    gib = round(torch.cuda.memory_allocated(dev) / 2**30, 2)
    row.setdefault("memory_gib", {})[stage] = gib
    print(f"  [{row['graph']}] after {stage}: {gib} GiB allocated, "
          f"{round(torch.cuda.max_memory_allocated(dev) / 2**30, 2)} GiB peak", flush=True)


def run_graph(kind: str, args, d2v, torch, comfy) -> dict:
    """Build the ``kind`` graph ("vace" or the 5B Fun Control) on random weights, run guide -> conditioning ->
    sampling -> decode, and return (and print as one JSON line) the row of sizes, timings and memory."""
    import comfy.model_management as mm

    dev = torch.device(args.device)
    if dev.type == "cuda":
        mm.soft_empty_cache()
        torch.cuda.reset_peak_memory_stats(dev)
    vace = kind == "vace"
    row = {"graph": kind}
    model, vae, built = _build_models(kind, args, torch, dev)
    _mem(torch, dev, "build", row)
    width, height, length = (args.width, args.height, args.length) if args.width else (
        (64, 64, 5) if args.tiny else ((832, 480, 81) if vace else (704, 704, 121)))
    guide, guide_s = _make_guide(d2v, torch, dev, width, height, length)
    _mem(torch, dev, "guide", row)
    positive, negative, latent, trim, cond_s = _condition(vace, vae, guide, torch, width, height, length)
    _mem(torch, dev, "conditioning", row)
    samples = latent["samples"]
    out, steps = _sample(model, samples, positive, negative, args.steps, torch, dev)
    _mem(torch, dev, "sampling", row)
    if trim:
        out = out[:, :, trim:]
    t1 = time.perf_counter()
    video = vae.decode(out)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    decode_s = time.perf_counter() - t1
    _mem(torch, dev, "decode", row)
    row |= built | {
        "dtype": args.dtype, "device": str(dev),
        "width": width, "height": height, "length": length, "latent": list(samples.shape), "steps": args.steps,
        "guide_s": round(guide_s, 2), "conditioning_s": round(cond_s, 2),
        "first_step_s": round(steps[0], 3) if steps else None,
        "step_s_median": round(statistics.median(steps[1:]), 3) if len(steps) > 1 else None,
        "decode_s": round(decode_s, 2), "video": list(video.shape),
        "mask_share": round(float(guide["mask"].mean()), 4),
    }
    if dev.type == "cuda":
        row["peak_allocated_gib"] = round(torch.cuda.max_memory_allocated(dev) / 2**30, 2)
        row["peak_reserved_gib"] = round(torch.cuda.max_memory_reserved(dev) / 2**30, 2)
        row["gpu"] = torch.cuda.get_device_name(dev)
    print(json.dumps(row), flush=True)
    del model, vae
    mm.unload_all_models()
    mm.soft_empty_cache()
    return row


def _build_models(kind: str, args, torch, dev) -> tuple[object, object, dict]:
    """ComfyUI's model (from a random state dict of the graph's shapes, ``--tiny``: a few narrow blocks) and Wan
    VAE; with the row fields ``detected`` (the model config ComfyUI recognised), ``parameters``, ``build_s``."""
    import comfy.ldm.wan.vae
    import comfy.ldm.wan.vae2_2
    import comfy.sd
    import comfy.supported_models

    vace = kind == "vace"
    dtype = {"bf16": torch.bfloat16, "fp16": torch.float16, "fp32": torch.float32}[args.dtype]
    unet = dict(VACE_1_3B if vace else FUN_CONTROL_5B)
    if args.tiny:
        unet.update(TINY)
        if vace:
            unet["vace_layers"] = 1
    cls = comfy.supported_models.WAN21_Vace if vace else comfy.supported_models.WAN22_T2V
    t0 = time.perf_counter()
    sd = random_state_dict(model_shapes(cls, unet), dev, dtype, seed=1)
    params = sum(v.numel() for v in sd.values())
    model = comfy.sd.load_diffusion_model_state_dict(sd, model_options={"dtype": dtype})
    if model is None:
        raise SystemExit(f"ComfyUI did not recognise the random {kind} state dict")
    detected = type(model.model.model_config).__name__
    del sd
    vae_module, vae_cfg = (comfy.ldm.wan.vae, VAE21) if vace else (comfy.ldm.wan.vae2_2, VAE22)
    vae = comfy.sd.VAE(sd=random_state_dict(vae_shapes(vae_module, vae_cfg), dev, torch.float32, seed=2))
    built = {"detected": detected, "parameters": params, "build_s": round(time.perf_counter() - t0, 2)}
    return model, vae, built


def _make_guide(d2v, torch, dev, width: int, height: int, length: int) -> tuple[dict, float]:
    """The pack's Wan guide of the example photo orbited left, on the CPU as the nodes hand it on (``control``,
    ``mask``, ``depth``, ``reference``), and the seconds it took."""
    picture = d2v.pipelines.generate.as_image(ROOT / "assets" / "example.jpg")
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.pipelines.guide import wan_guide

    cam = build_trajectory(preset="orbit_left", frames=length, fps=16.0, intensity=1.0, path=None)
    t0 = time.perf_counter()
    guide = wan_guide(picture.to(dev), cam, width=width, height=height, length=length)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    guide_s = time.perf_counter() - t0
    # the nodes hand their outputs on on the CPU (intermediate device)
    return {k: getattr(guide, k).cpu() for k in ("control", "mask", "depth", "reference")}, guide_s


def _condition(vace: bool, vae, guide: dict, torch, width: int, height: int, length: int):
    """Core's WanVaceToVideo (control video, masks, reference) or Wan22FunControlToVideo (reference, depth as the
    control) on random text conditioning: (positive, negative, latent, frames to trim, seconds)."""
    from comfy_extras.nodes_wan import Wan22FunControlToVideo, WanVaceToVideo

    gen = torch.Generator().manual_seed(3)
    positive = [[torch.randn(1, 512, 4096, generator=gen), {}]]
    negative = [[torch.randn(1, 512, 4096, generator=gen), {}]]
    t0 = time.perf_counter()
    if vace:
        out = WanVaceToVideo.execute(positive, negative, vae, width, height, length, 1, 1.0,
                                     control_video=guide["control"], control_masks=guide["mask"],
                                     reference_image=guide["reference"]).args
        positive, negative, latent, trim = out
    else:
        out = Wan22FunControlToVideo.execute(positive, negative, vae, width, height, length, 1,
                                             ref_image=guide["reference"], control_video=guide["depth"]).args
        positive, negative, latent = out
        trim = 0
    return positive, negative, latent, trim, time.perf_counter() - t0


def _sample(model, samples, positive, negative, steps: int, torch, dev) -> tuple[object, list[float]]:
    """Core's sampler (uni_pc, simple, cfg 5, seed 0) from ``samples``: the latents and each step's seconds."""
    import comfy.sample

    stamps = []

    def callback(step, x0, x, total):
        if dev.type == "cuda":
            torch.cuda.synchronize(dev)
        stamps.append(time.perf_counter())

    noise = comfy.sample.prepare_noise(samples, 0)
    t0 = time.perf_counter()
    out = comfy.sample.sample(model, noise, steps, 5.0, "uni_pc", "simple", positive, negative, samples,
                              callback=callback, disable_pbar=True, seed=0)
    if dev.type == "cuda":
        torch.cuda.synchronize(dev)
    return out, [b - a for a, b in zip([t0] + stamps[:-1], stamps)]


def _without_torchvision() -> None:
    """``comfy.sd`` imports the Stable Cascade and Cosmos modules, which import torchvision at module level though
    Wan never calls it. Where torchvision is missing (or is a build that does not load with this torch) an empty
    placeholder module is registered so the import succeeds; anything that really used it would fail loudly."""
    import types

    try:
        import torchvision  # noqa: F401
        return
    except Exception:  # missing, or a build that does not match this torch
        for name in [m for m in sys.modules if m == "torchvision" or m.startswith("torchvision.")]:
            del sys.modules[name]
    import importlib.machinery

    import transformers  # noqa: F401  (first: it decides once whether torchvision exists, and must see it missing)

    tv = types.ModuleType("torchvision")
    tv.__spec__ = importlib.machinery.ModuleSpec("torchvision", None)
    tv.transforms = types.ModuleType("torchvision.transforms")
    tv.__path__ = []
    sys.modules["torchvision"] = tv
    sys.modules["torchvision.transforms"] = tv.transforms
    print("note: torchvision unavailable; an empty placeholder stands in (Wan does not use it)", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--comfyui", required=True, help="a ComfyUI checkout (0.3.64)")
    ap.add_argument("--device", default="cuda", choices=("cuda", "cpu"))
    ap.add_argument("--dtype", default="bf16", choices=("bf16", "fp16", "fp32"))
    ap.add_argument("--steps", type=int, default=3, help="sampling steps (the first includes loading)")
    ap.add_argument("--graphs", default="vace,fun_control", help="comma list of vace, fun_control")
    ap.add_argument("--tiny", action="store_true", help="2 narrow blocks, 64x64, 5 frames (check the script on CPU)")
    ap.add_argument("--width", type=int, default=0, help="override the size (both width and height and length)")
    ap.add_argument("--height", type=int, default=0)
    ap.add_argument("--length", type=int, default=0)
    args = ap.parse_args(argv)
    if args.width and not (args.height and args.length):
        ap.error("--width needs --height and --length")
    graphs = [g.strip() for g in args.graphs.split(",") if g.strip()]
    if not graphs or any(g not in ("vace", "fun_control") for g in graphs):
        ap.error(f"--graphs takes vace and/or fun_control, got {args.graphs!r}")
    comfy_dir = str(Path(args.comfyui).resolve())
    os.environ.setdefault("PYTORCH_CUDA_ALLOC_CONF", "expandable_segments:True")  # before torch starts CUDA
    sys.path.insert(0, comfy_dir)
    import comfy.cli_args

    comfy.cli_args.args.cpu = args.device == "cpu"
    import torch

    _without_torchvision()

    if args.device == "cuda" and not torch.cuda.is_available():
        ap.error("--device cuda but torch sees no CUDA device")
    import comfy  # noqa: F401

    d2v = import_package()
    import draw_to_video.pipelines.generate  # noqa: F401

    rows = []
    for g in graphs:  # inference mode, as ComfyUI's executor runs nodes: no autograd graph is kept
        try:
            with torch.inference_mode():
                rows.append(run_graph(g, args, d2v, torch, comfy))
        except Exception as e:  # one graph failing (e.g. out of memory) still lets the other run and report
            print(f"{g} FAILED: {type(e).__name__}: {str(e).splitlines()[0][:300]}", flush=True)
            rows.append({"graph": g, "error": f"{type(e).__name__}: {str(e).splitlines()[0][:300]}"})
            import comfy.model_management as mm

            mm.unload_all_models()
            mm.soft_empty_cache()
    print("RESULT " + json.dumps(rows))
    return 0 if all("error" not in r for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
