"""Time per denoising step and peak memory of the diffusers SVD backend (pipelines/svd_diffusers.py).

Cases, each measured in this run: diffusers' own ``StableVideoDiffusionPipeline`` (the reference, no guidance), our
sampler with guidance off (the same computation), and with the camera guidance (init, dual_clock). Models:

* tiny: the random tiny SVD of the tests (tools/svd_tiny.py) at 96x64, 6 frames, on the CPU (1 thread);
* xt: the full SVD-XT architecture with random weights (random weights cost what trained ones do) at 1024x576,
  25 frames, fp16, on CUDA; skipped with a message when no GPU is present.

Per-step time: the median gap between progress reports (the first step excluded as warm-up); peak memory: CUDA
``max_memory_allocated`` on a GPU, the growth of the process's peak RSS on the CPU (a coarse upper bound).

    python benchmarks/bench_svd_diffusers.py [--model tiny|xt|both] [--steps 4]
"""

from __future__ import annotations

import argparse
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import torch

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent / "tools"))  # the random-weight SVD builder, shared with the tests
from _pkg import import_package  # noqa: E402

import_package()
from svd_tiny import build_svd_folder, svd_components  # noqa: E402

from draw_to_video.camera.moves import build_trajectory  # noqa: E402
from draw_to_video.pipelines import svd_diffusers as sd  # noqa: E402


def peak_mb(device: torch.device) -> float:
    if device.type == "cuda":
        return torch.cuda.max_memory_allocated(device) / 2**20
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: kB


def reset_peak(device: torch.device) -> float:
    if device.type == "cuda":
        torch.cuda.synchronize(device)
        torch.cuda.reset_peak_memory_stats(device)
        return torch.cuda.memory_allocated(device) / 2**20
    return peak_mb(device)


def picture(width: int, height: int) -> torch.Tensor:
    from PIL import Image
    from skimage import data

    pil = Image.fromarray(data.astronaut()).resize((width, height), Image.LANCZOS)
    return torch.from_numpy(np.asarray(pil).astype(np.float32) / 255.0)


def run_case(name, fn, device) -> dict:
    stamps = []
    base = reset_peak(device)
    t0 = time.perf_counter()
    fn(lambda done, total: stamps.append(time.perf_counter()))
    if device.type == "cuda":
        torch.cuda.synchronize(device)
    total = time.perf_counter() - t0
    gaps = np.diff([t0, *stamps])[1:] if len(stamps) > 1 else np.diff([t0, *stamps])
    step = statistics.median(gaps) if len(gaps) else float("nan")
    return {"case": name, "step_s": step, "total_s": total, "peak_mb": peak_mb(device) - base}


def bench(model: sd.SVDModel, pipe, width: int, height: int, frames: int, steps: int) -> list[dict]:
    img = picture(width, height)
    cam = build_trajectory(preset="orbit_left", frames=frames, fps=7.0)
    dev = model.device
    kw = dict(frames=frames, steps=steps, seed=0, decode_chunk_size=8)
    cases = []
    if pipe is not None:
        from PIL import Image

        pil = Image.fromarray((img.numpy() * 255).round().astype(np.uint8))

        def reference(cb):
            pipe(pil, height=height, width=width, num_frames=frames, num_inference_steps=steps,
                 generator=torch.Generator().manual_seed(0), decode_chunk_size=8, output_type="pt",
                 callback_on_step_end=lambda p, i, t, kw_: (cb(i + 1, steps), {})[1])

        cases.append(run_case("diffusers StableVideoDiffusionPipeline", reference, dev))
    cases.append(run_case("ours, guidance off", lambda cb: sd.sample_svd(model, img, on_progress=cb, **kw), dev))
    for mode in ("init", "dual_clock"):
        cases.append(run_case(f"ours, guidance {mode}", lambda cb, mode=mode: sd.sample_svd(
            model, img, camera=cam, guidance=mode, on_progress=cb, **kw), dev))
    return cases


def print_cases(title: str, cases: list[dict]) -> None:
    print(f"\n{title}")
    print(f"{'case':42s} {'s/step':>9s} {'total s':>9s} {'peak MiB':>10s}")
    for c in cases:
        print(f"{c['case']:42s} {c['step_s']:9.3f} {c['total_s']:9.2f} {c['peak_mb']:10.0f}")


def tiny(steps: int) -> None:
    from diffusers import StableVideoDiffusionPipeline

    torch.set_num_threads(1)
    with tempfile.TemporaryDirectory() as tmp:
        folder = build_svd_folder(Path(tmp) / "tiny")
        model = sd.load_svd(folder, "cpu")
        pipe = StableVideoDiffusionPipeline.from_pretrained(folder)
        pipe.set_progress_bar_config(disable=True)
        cases = bench(model, pipe, 96, 64, 6, steps)
    print_cases(f"tiny random SVD, 96x64, 6 frames, {steps} steps, CPU fp32, 1 thread", cases)


def xt(steps: int) -> None:
    if not torch.cuda.is_available():
        print("\nSVD-XT architecture (1024x576, 25 frames): skipped, no CUDA GPU here (it needs ~10 GB of GPU memory "
              "in fp16; run this on a machine with one)")
        return
    dev = torch.device("cuda")
    t0 = time.perf_counter()
    parts = svd_components("xt", seed=0, dtype=torch.float16, device=dev)
    model = sd.SVDModel(unet=parts["unet"], vae=parts["vae"], image_encoder=parts["image_encoder"],
                        scheduler_config=dict(parts["scheduler"].config), feature_extractor=parts["feature_extractor"],
                        device=dev, dtype=torch.float16)
    print(f"\nbuilt the random SVD-XT on the GPU in {time.perf_counter() - t0:.0f} s "
          f"(UNet {sum(p.numel() for p in model.unet.parameters()) / 1e9:.2f} B parameters)")
    from diffusers import StableVideoDiffusionPipeline

    pipe = StableVideoDiffusionPipeline(**parts)
    pipe.set_progress_bar_config(disable=True)
    cases = bench(model, pipe, 1024, 576, 25, steps)
    print_cases(f"SVD-XT architecture, random weights, 1024x576, 25 frames, {steps} steps, "
                f"{torch.cuda.get_device_name(dev)} fp16", cases)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--model", choices=["tiny", "xt", "both"], default="both")
    ap.add_argument("--steps", type=int, default=4)
    args = ap.parse_args()
    print(f"torch {torch.__version__}; timings on a shared machine are noisy")
    if args.model in ("tiny", "both"):
        tiny(args.steps)
    if args.model in ("xt", "both"):
        xt(args.steps)


if __name__ == "__main__":
    main()
