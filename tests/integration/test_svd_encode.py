"""D2V_SVDImageEncodeWithMotion in a real ComfyUI, with a randomly initialised checkpoint of the real SVD architecture.

The slow tests (``-m slow``) build (once, cached in ``~/.cache/draw_to_video`` or ``$D2V_CACHE_DIR``) a random-weight
SVD checkpoint that ComfyUI's ``ImageOnlyCheckpointLoader`` loads as SVD (UNet, temporal-decoder VAE, CLIP-ViT-H),
link it into the test server's ``models/checkpoints`` as ``svd_xt.safetensors`` and run the graphs on the CPU at a
tiny size. Peak memory of the server is read from ``/proc/<pid>/status`` (VmHWM) and printed.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
import svd_random_checkpoint  # noqa: E402

NODE = "D2V_SVDImageEncodeWithMotion"
CORE = "SVD_img2vid_Conditioning"
SIZE, FRAMES, STEPS = 256, 4, 2
CACHE = Path(os.environ.get("D2V_CACHE_DIR", Path.home() / ".cache" / "draw_to_video"))


# --- fast: schema ---------------------------------------------------------------------------------------------
def test_schema_is_a_superset_of_the_core_node(object_info):
    assert NODE in object_info, "the node did not load: see the server log for IMPORT FAILED"
    mine, core = object_info[NODE], object_info[CORE]
    for name, spec in core["input"]["required"].items():
        assert name in mine["input"]["required"], f"core input {name} missing"
        assert mine["input"]["required"][name][0] == spec[0], f"input {name} has another type"
    assert mine["output"][:3] == core["output"] == ["CONDITIONING", "CONDITIONING", "LATENT"]
    assert mine["output_name"][:3] == ["positive", "negative", "latent"]
    assert mine["output"][3:] == ["MODEL", "IMAGE"]
    opt = mine["input"]["optional"]
    assert opt["camera"][0] == "D2V_CAMERA" and opt["model"][0] == "MODEL" and opt["depth"][0] == "IMAGE"
    modes = opt["guidance"][1]["options"] if opt["guidance"][0] == "COMBO" else opt["guidance"][0]
    assert set(modes) == {"off", "init", "dual_clock"}
    tip = opt["guidance"][1]["tooltip"]
    assert "denoise" in tip and "KSamplerAdvanced" in tip and "start_at_step" in tip


# --- slow fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def svd_checkpoint(comfy) -> Path:
    """The cached random SVD checkpoint, built by ComfyUI's own classes on first use (~30 s, ~1 GB RAM, 4.5 GB)."""
    path = CACHE / f"svd_random_v{svd_random_checkpoint.FORMAT_VERSION}_seed0.safetensors"
    if not path.exists():
        t0 = time.time()
        subprocess.run([comfy.python, str(HERE / "svd_random_checkpoint.py"), "--comfyui", str(comfy.comfy_dir),
                        "--out", str(path)], check=True, cwd=comfy.comfy_dir)
        print(f"\n[svd fixture] built {path} in {time.time() - t0:.0f}s")
    link = comfy.base_dir / "models" / "checkpoints" / "svd_xt.safetensors"
    link.parent.mkdir(parents=True, exist_ok=True)
    if not link.exists():
        link.symlink_to(path)
    return path


@pytest.fixture(scope="session")
def test_image(comfy) -> str:
    """A textured 320x256 image (not square: the node must center-crop like the core node) in input/."""
    from PIL import Image

    rng = np.random.default_rng(0)
    h, w = 256, 320
    y, x = np.mgrid[0:h, 0:w]
    img = np.stack([(x / w), (y / h), 0.5 + 0.5 * np.sin(x / 9.0) * np.cos(y / 13.0)], -1)
    for _ in range(40):  # blobs give phase correlation something to lock on
        cx, cy, r = rng.uniform(0, w), rng.uniform(0, h), rng.uniform(6, 24)
        img[(x - cx) ** 2 + (y - cy) ** 2 < r * r] = rng.uniform(0, 1, 3)
    Image.fromarray((img * 255).astype(np.uint8)).save(comfy.base_dir / "input" / "d2v_svd_test.png")
    return "d2v_svd_test.png"


def peak_rss_gb(comfy) -> float:
    status = Path(f"/proc/{comfy.proc.pid}/status").read_text()
    kb = int(next(line.split()[1] for line in status.splitlines() if line.startswith("VmHWM")))
    return kb / 1024 ** 2


def load_latent(comfy, entry: dict, node_id: str):
    from safetensors.numpy import load_file

    info = entry["outputs"][node_id]["latents"][0]
    return load_file(str(comfy.base_dir / "output" / info["subfolder"] / info["filename"]))["latent_tensor"]


def base_graph(image: str, encode_inputs: dict, node_type: str = NODE) -> dict:
    return {
        "ckpt": {"class_type": "ImageOnlyCheckpointLoader", "inputs": {"ckpt_name": "svd_xt.safetensors"}},
        "img": {"class_type": "LoadImage", "inputs": {"image": image}},
        "enc": {"class_type": node_type, "inputs": {
            "clip_vision": ["ckpt", 1], "init_image": ["img", 0], "vae": ["ckpt", 2], "width": SIZE,
            "height": SIZE, "video_frames": FRAMES, "motion_bucket_id": 127, "fps": 6, "augmentation_level": 0.0,
            **encode_inputs}},
    }


def ksampler(model, latent_from, denoise=1.0, cfg=1.0, steps=STEPS, seed=7) -> dict:
    return {"class_type": "KSampler", "inputs": {
        "model": model, "positive": ["enc", 0], "negative": ["enc", 1], "latent_image": latent_from, "seed": seed,
        "steps": steps, "cfg": cfg, "sampler_name": "euler", "scheduler": "karras", "denoise": denoise}}


# --- slow: equality with the core node --------------------------------------------------------------------------
@pytest.mark.slow
@pytest.mark.integration
def test_without_camera_equals_core_node(comfy, svd_checkpoint, test_image):
    """Same inputs, no camera: the sampled latent (1 CFG step, seed fixed: positive AND negative evaluated) is
    bit-identical to the core node's, and so is the empty latent."""
    g = base_graph(test_image, {"guidance": "dual_clock"})
    core = base_graph(test_image, {}, node_type=CORE)["enc"]
    core["inputs"] = {k: v for k, v in core["inputs"].items() if k in
                      ("clip_vision", "init_image", "vae", "width", "height", "video_frames", "motion_bucket_id",
                       "fps", "augmentation_level")}
    g["core"] = core
    g["ks_mine"] = ksampler(["ckpt", 0], ["enc", 2], cfg=2.5, steps=1)
    g["ks_core"] = ksampler(["ckpt", 0], ["core", 2], cfg=2.5, steps=1)
    g["ks_core"]["inputs"].update(positive=["core", 0], negative=["core", 1])
    for name, src in (("lat_mine", ["ks_mine", 0]), ("lat_core", ["ks_core", 0]), ("empty_mine", ["enc", 2]),
                      ("empty_core", ["core", 2])):
        g[name] = {"class_type": "SaveLatent", "inputs": {"samples": src, "filename_prefix": f"latents/{name}"}}
    t0 = time.time()
    entry = comfy.run(g, timeout=1800)
    print(f"\n[svd equality] 2 x 1 CFG step, {FRAMES} frames {SIZE}x{SIZE}: {time.time() - t0:.0f}s, "
          f"server peak RSS {peak_rss_gb(comfy):.1f} GB")
    mine, core_lat = load_latent(comfy, entry, "lat_mine"), load_latent(comfy, entry, "lat_core")
    assert mine.shape == (FRAMES, 4, SIZE // 8, SIZE // 8)
    assert np.isfinite(mine).all()
    assert np.array_equal(mine, core_lat)
    assert np.array_equal(load_latent(comfy, entry, "empty_mine"), load_latent(comfy, entry, "empty_core"))
