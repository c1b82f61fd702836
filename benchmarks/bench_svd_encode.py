"""Time and memory of D2V_SVDImageEncodeWithMotion vs core SVD_img2vid_Conditioning, same server, same run.

Runs a real ComfyUI (``COMFYUI_DIR``, ``COMFYUI_PYTHON``) with the pack loaded and random-weight (seeded) CLIP-ViT-H
vision and SVD temporal-decoder VAE files of the real architectures (built once by
``tests/integration/svd_random_checkpoint.py`` into ``~/.cache/draw_to_video``; random weights cost the same time as
trained ones). Each graph is LoadImage -> encode node -> SaveLatent at 1024x576; each case runs ``--repeats`` times
(a fresh fps value defeats ComfyUI's cache) and reports the fastest wall time (``execution_start`` ->
``execution_success`` of /history) and the peak RSS growth of the server during the prompt (sampled every 50 ms).

    COMFYUI_DIR=/path/to/ComfyUI COMFYUI_PYTHON=/path/to/python python benchmarks/bench_svd_encode.py

The reference (core node) is measured in the same run, so the ratio stays meaningful on a loaded machine.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent / "tests" / "integration"))
from comfy_server import ComfyServer, find_comfyui  # noqa: E402

CACHE = Path(os.environ.get("D2V_CACHE_DIR", Path.home() / ".cache" / "draw_to_video"))


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return int(line.split()[1])
    return 0


def ensure_part(server: ComfyServer, part: str, folder: str) -> str:
    path = CACHE / f"svd_random_{part}_seed0.safetensors"
    if not path.exists():
        subprocess.run([server.python, str(HERE.parent / "tests" / "integration" / "svd_random_checkpoint.py"),
                        "--comfyui", str(server.comfy_dir), "--out", str(path), "--part", part], check=True,
                       cwd=server.comfy_dir)
    dest = server.base_dir / "models" / folder / path.name
    dest.parent.mkdir(parents=True, exist_ok=True)
    if not dest.exists():
        dest.symlink_to(path)
    return path.name


def graph(node: str, frames: int, fps: int, extra: dict, vae: str, clip: str) -> dict:
    g = {
        "vae": {"class_type": "VAELoader", "inputs": {"vae_name": vae}},
        "clip": {"class_type": "CLIPVisionLoader", "inputs": {"clip_name": clip}},
        "img": {"class_type": "LoadImage", "inputs": {"image": "bench_1024x576.png"}},
        "enc": {"class_type": node, "inputs": {"clip_vision": ["clip", 0], "init_image": ["img", 0], "vae": ["vae", 0],
                                               "width": 1024, "height": 576, "video_frames": frames,
                                               "motion_bucket_id": 127, "fps": fps, "augmentation_level": 0.0,
                                               **extra}},
        "out": {"class_type": "SaveLatent", "inputs": {"samples": ["enc", 2], "filename_prefix": "latents/bench"}},
    }
    if "camera" in extra:
        g["traj"] = {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "preset": "orbit_left", "frames": frames, "fps": 6.0, "intensity": 1.0, "easing": "auto",
            "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}}
    return g


def timed(server: ComfyServer, prompt: dict) -> tuple[float, float]:
    """(seconds from execution_start to execution_success, peak RSS growth in GB during the prompt)."""
    base = rss_kb(server.proc.pid)
    peak = [base]
    stop = threading.Event()

    def sample():
        while not stop.is_set():
            peak[0] = max(peak[0], rss_kb(server.proc.pid))
            time.sleep(0.05)

    th = threading.Thread(target=sample, daemon=True)
    th.start()
    try:
        entry = server.run(prompt, timeout=3600)
    finally:
        stop.set()
        th.join()
    stamps = {m[0]: m[1]["timestamp"] for m in entry["status"]["messages"] if isinstance(m[1], dict)}
    return (stamps["execution_success"] - stamps["execution_start"]) / 1000.0, (peak[0] - base) / 1024 ** 2


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--frames", type=int, nargs="+", default=[14, 25])
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--modes", nargs="+", default=["init", "off"],
                    help="modes to time with a camera (dual_clock = init's work + a model clone; it needs a MODEL, "
                         "which this benchmark does not load)")
    args = ap.parse_args()
    comfy_dir = find_comfyui()
    if comfy_dir is None:
        sys.exit("set COMFYUI_DIR (and COMFYUI_PYTHON) to a ComfyUI checkout")
    server = ComfyServer(comfy_dir).start()
    try:
        vae, clip = ensure_part(server, "vae", "vae"), ensure_part(server, "clip_vision", "clip_vision")
        from PIL import Image

        rng = np.random.default_rng(0)
        Image.fromarray(rng.integers(0, 255, (576, 1024, 3), dtype=np.uint8)).save(
            server.base_dir / "input" / "bench_1024x576.png")
        server.run(graph("SVD_img2vid_Conditioning", 1, 1, {}, vae, clip))  # load the models once
        cases = [("core SVD_img2vid_Conditioning", "SVD_img2vid_Conditioning", {}),
                 ("D2V, no camera", "D2V_SVDImageEncodeWithMotion", {})]
        cases += [(f"D2V, camera, {m}", "D2V_SVDImageEncodeWithMotion", {"camera": ["traj", 0], "guidance": m})
                  for m in args.modes]
        fps = 2
        rows = []
        for frames in args.frames:
            for label, node, extra in cases:
                best_t, best_m = float("inf"), 0.0
                for _ in range(args.repeats):
                    fps += 1
                    t, m = timed(server, graph(node, frames, fps, extra, vae, clip))
                    best_t, best_m = min(best_t, t), max(best_m, m)
                rows.append((frames, label, best_t, best_m))
                print(f"{frames:3d} frames  {label:34s} {best_t:8.2f} s   +{best_m:5.2f} GB peak RSS", flush=True)
        print("\n1024x576, random-weight CLIP-ViT-H + SVD temporal VAE (fp32 on CPU), ComfyUI 0.3.64 --cpu; "
              f"{os.cpu_count()} CPU cores, shared and loaded machine: compare rows of the same run only.")
        ref = {f: t for f, label, t, _ in rows if label.startswith("core")}
        for frames, label, t, _m in rows:
            print(f"{frames:3d} frames  {label:34s} {t / ref[frames]:6.2f}x core time")
        print(json.dumps([{"frames": f, "case": lab, "seconds": round(t, 2), "peak_rss_growth_gb": round(m, 2)}
                          for f, lab, t, m in rows]))
    finally:
        server.cleanup()


if __name__ == "__main__":
    main()
