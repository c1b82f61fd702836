"""D2V_SVDImageEncodeWithMotion in a real ComfyUI, with a randomly initialised checkpoint of the real SVD architecture.

The slow tests (``-m slow``) build (once, cached in ``~/.cache/draw_to_video`` or ``$D2V_CACHE_DIR``) a random-weight
SVD checkpoint that ComfyUI's ``ImageOnlyCheckpointLoader`` loads as SVD (UNet, temporal-decoder VAE, CLIP-ViT-H),
link it into the test server's ``models/checkpoints`` as ``svd_xt.safetensors`` and run the graphs on the CPU at a
tiny size. Peak memory of the server is read from ``/proc/<pid>/status`` (VmHWM) and printed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
sys.path.insert(0, str(HERE.parent))
import svd_random_checkpoint  # noqa: E402
from workflow_check import widget_defaults  # noqa: E402

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


@pytest.mark.parametrize("name", ["svd_image_to_video", "svd_draw_to_video", "text_to_video"])
def test_shipped_workflows_match_the_live_schemas(object_info, name):
    """Every node type, input name and link type of the API twins against this server's /object_info."""
    root = Path(__file__).resolve().parents[2]
    g = json.loads((root / "workflows" / "api" / f"{name}.json").read_text())
    for nid, node in g.items():
        info = object_info.get(node["class_type"])
        assert info is not None, f"{name}: unknown node type {node['class_type']}"
        spec = {**info["input"].get("required", {}), **info["input"].get("optional", {})}
        for inp, val in node["inputs"].items():
            assert inp in spec, f"{name}: {node['class_type']} has no input {inp!r}"
            if isinstance(val, list):
                out_type = object_info[g[val[0]]["class_type"]]["output"][val[1]]
                assert out_type == spec[inp][0], f"{name}: {node['class_type']}.{inp} gets {out_type}"
        missing = set(info["input"].get("required", {})) - set(node["inputs"])
        assert not missing, f"{name}: node {nid} misses {missing}"


# --- slow fixtures ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def svd_checkpoint(request, comfy) -> Path:
    """The cached random SVD checkpoint, built by ComfyUI's own classes on first use (~30 s, ~1 GB RAM, 4.5 GB).

    Opt-in (minutes and ~12 GB RAM on a CPU): run with ``-m slow`` or ``D2V_SLOW=1``.
    """
    if "slow" not in (request.config.getoption("markexpr") or "") and os.environ.get("D2V_SLOW") != "1":
        pytest.skip("slow SVD test: run with -m slow (or D2V_SLOW=1); needs ~12 GB RAM and minutes on a CPU")
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


# --- slow: every mode through the real samplers, and the guide path --------------------------------------------
PAN = {"preset": "pan_right", "frames": FRAMES, "fps": 6.0, "intensity": 0.6}
MODES = {"off": 1.0, "init": 0.7, "dual_clock": 1.0}  # guidance mode -> KSampler denoise


def expected_shift(width: int, height: int) -> np.ndarray:
    """(F, 2) image motion of the frame-0 image centre (at the median depth) along the PAN trajectory, in px."""
    from draw_to_video.camera.moves import build_trajectory
    from draw_to_video.core.params import SENSORS_MM

    cam = build_trajectory(preset=PAN["preset"], frames=FRAMES, fps=PAN["fps"], intensity=PAN["intensity"],
                           easing="auto", focal_length_mm=35.0, sensor_mm=SENSORS_MM["full_frame_36x24"])
    K = cam.intrinsics(width, height)
    world = cam.c2w[0] @ np.array([0.0, 0.0, 1.0, 1.0])
    out = []
    for f in range(FRAMES):
        p = (cam.w2c()[f] @ world)[:3]
        uv = K[f] @ (p / p[2])
        out.append(uv[:2] - np.array([width / 2, height / 2]))
    return np.array(out)


def measured_shift(frames: np.ndarray) -> np.ndarray:
    """(F, 2) global translation of each frame against frame 0 (OpenCV phase correlation, Hann window)."""
    import cv2

    gray = [np.ascontiguousarray(f.mean(-1), dtype=np.float32) for f in frames]
    win = cv2.createHanningWindow(gray[0].shape[::-1], cv2.CV_32F)
    return np.array([cv2.phaseCorrelate(gray[0], g, win)[0] for g in gray])


def latent_as_frames(channel: np.ndarray) -> np.ndarray:
    """[F, h, w] latent channel -> [F, 8h, 8w, 3] pseudo-images (bicubic upsampling, min-max scaled)."""
    import cv2

    lo, hi = channel.min(), channel.max()
    up = [cv2.resize((c - lo) / max(hi - lo, 1e-6), None, fx=8, fy=8, interpolation=cv2.INTER_CUBIC) for c in channel]
    return np.repeat(np.stack(up)[..., None], 3, -1)


def load_images(comfy, entry: dict, node_id: str) -> np.ndarray:
    from PIL import Image

    files = entry["outputs"][node_id]["images"]
    return np.stack([np.asarray(Image.open(comfy.base_dir / "output" / f["subfolder"] / f["filename"]).convert("RGB"),
                                dtype=np.float32) / 255 for f in files])


def modes_graph(object_info, test_image) -> dict:
    """One API graph: the encoder in every guidance mode (each with its KSampler, decode and saved video), plus
    dual clock held to the end (release 1), a zero-denoise KSamplerAdvanced, and the guide images and latents
    saved for the checks below."""
    g = base_graph(test_image, {})
    g["traj"] = {"class_type": "D2V_CinematicCameraTrajectory",
                 "inputs": {**widget_defaults(object_info, "D2V_CinematicCameraTrajectory"), **PAN}}
    for mode, denoise in MODES.items():
        enc = f"enc_{mode}"
        g[enc] = {"class_type": NODE, "inputs": {**g["enc"]["inputs"], "camera": ["traj", 0], "model": ["ckpt", 0],
                                                 "video_frames": 0, "motion_bucket_id": 0, "guidance": mode,
                                                 "strength": 1.0, "release": 0.5}}
        ks = ksampler([enc, 3], [enc, 2], denoise=denoise)
        ks["inputs"].update(positive=[enc, 0], negative=[enc, 1])
        g[f"ks_{mode}"] = ks
        g[f"dec_{mode}"] = {"class_type": "VAEDecode", "inputs": {"samples": [f"ks_{mode}", 0], "vae": ["ckpt", 2]}}
        g[f"vid_{mode}"] = {"class_type": "CreateVideo", "inputs": {"images": [f"dec_{mode}", 0], "fps": 6.0}}
        g[f"save_{mode}"] = {"class_type": "SaveVideo", "inputs": {"video": [f"vid_{mode}", 0],
                                                                  "filename_prefix": f"video/d2v_{mode}",
                                                                  "format": "auto", "codec": "auto"}}
    del g["enc"]
    # dual clock held to the end (release 1): visible cells of the result must equal the guide latent
    g["enc_lock"] = {"class_type": NODE, "inputs": {**g["enc_dual_clock"]["inputs"], "release": 1.0}}
    g["ks_lock"] = ksampler(["enc_lock", 3], ["enc_lock", 2])
    g["ks_lock"]["inputs"].update(positive=["enc_lock", 0], negative=["enc_lock", 1])
    # zero denoising: KSamplerAdvanced starting at the last step returns the guide latent untouched
    g["ks_zero"] = {"class_type": "KSamplerAdvanced", "inputs": {
        "model": ["enc_dual_clock", 3], "add_noise": "enable", "noise_seed": 7, "steps": STEPS, "cfg": 1.0,
        "sampler_name": "euler", "scheduler": "karras", "positive": ["enc_dual_clock", 0],
        "negative": ["enc_dual_clock", 1], "latent_image": ["enc_dual_clock", 2], "start_at_step": STEPS,
        "end_at_step": 10000, "return_with_leftover_noise": "disable"}}
    g["dec_zero"] = {"class_type": "VAEDecode", "inputs": {"samples": ["ks_zero", 0], "vae": ["ckpt", 2]}}
    for name, src in (("img_zero", ["dec_zero", 0]), ("img_guide", ["enc_dual_clock", 4])):
        g[name] = {"class_type": "SaveImage", "inputs": {"images": src, "filename_prefix": name}}
    for name, src in (("lat_guide", ["enc_dual_clock", 2]), ("lat_lock", ["ks_lock", 0]),
                      ("lat_zero", ["ks_zero", 0]), ("lat_dual", ["ks_dual_clock", 0])):
        g[name] = {"class_type": "SaveLatent", "inputs": {"samples": src, "filename_prefix": f"latents/{name}"}}

    return g


@pytest.fixture(scope="module")
def modes_run(comfy, object_info, svd_checkpoint, test_image) -> dict:
    """The history entry of :func:`modes_graph` run once on the server (4 KSampler runs + zero denoise), shared by
    the tests below."""
    if "D2V_CinematicCameraTrajectory" not in object_info:
        pytest.skip("needs D2V_CinematicCameraTrajectory (main)")
    t0 = time.time()
    entry = comfy.run(modes_graph(object_info, test_image), timeout=3600)
    print(f"\n[svd modes] 4 KSampler runs x {STEPS} steps (cfg 1) + zero-denoise, {FRAMES} frames "
          f"{SIZE}x{SIZE}: {time.time() - t0:.0f}s, server peak RSS {peak_rss_gb(comfy):.1f} GB")
    return entry


def guide_and_mask(comfy, entry: dict) -> tuple[np.ndarray, np.ndarray]:
    """The guide renders [F, SIZE, SIZE, 3] and the noise mask at latent resolution [F, SIZE/8, SIZE/8] of the
    dual-clock encoder (its guide image output stacks them)."""
    guide = load_images(comfy, entry, "img_guide")  # [F, 2*SIZE, SIZE, 3]: renders over the noise mask
    assert guide.shape == (FRAMES, 2 * SIZE, SIZE, 3)
    return guide[:, :SIZE], guide[:, SIZE:, :, 0][:, 4::8, 4::8]


@pytest.mark.slow
@pytest.mark.integration
@pytest.mark.parametrize("mode", list(MODES))
def test_the_mode_makes_a_video(comfy, modes_run, mode):
    info = modes_run["outputs"][f"save_{mode}"]["images"][0]
    data = comfy.view(info)
    assert len(data) > 1000, f"{mode}: empty video"
    import av

    path = comfy.base_dir / "output" / info["subfolder"] / info["filename"]
    with av.open(str(path)) as c:
        decoded = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
    assert len(decoded) == FRAMES and decoded[0].shape == (SIZE, SIZE, 3), f"{mode}: {len(decoded)} frames"


@pytest.mark.slow
@pytest.mark.integration
def test_zero_denoise_returns_the_guide_and_the_mask_locks_or_frees_cells(comfy, modes_run):
    guide_latent = load_latent(comfy, modes_run, "lat_guide")
    assert guide_latent.shape == (FRAMES, 4, SIZE // 8, SIZE // 8)
    assert np.array_equal(load_latent(comfy, modes_run, "lat_zero"), guide_latent)
    _, mask = guide_and_mask(comfy, modes_run)
    assert np.all(mask[0] < 0.5), "frame 0 must be kept"
    assert np.all((mask < 0.02) | (mask > 0.98)), "strength 1: cells are either locked or free"
    assert mask[-1].mean() > 0.02, "a pan must open holes at the frame edge"


@pytest.mark.slow
@pytest.mark.integration
def test_dual_clock_locks_visible_cells_until_its_release(comfy, modes_run):
    # release 1: the visible (locked) cells of the sampled latent are the guide latent; free cells are not
    guide_latent = load_latent(comfy, modes_run, "lat_guide")
    _, mask = guide_and_mask(comfy, modes_run)
    locked = load_latent(comfy, modes_run, "lat_lock")
    vis = np.broadcast_to((mask < 0.5)[:, None], locked.shape)
    np.testing.assert_allclose(locked[vis], guide_latent[vis], atol=1e-3)
    assert not np.allclose(locked[~vis], guide_latent[~vis], atol=1e-2)
    dual = load_latent(comfy, modes_run, "lat_dual")  # release 0.5 of 2 steps: the last step ran free
    assert not np.allclose(dual[1:][vis[1:]], guide_latent[1:][vis[1:]], atol=1e-2)


@pytest.mark.slow
@pytest.mark.integration
def test_the_guide_follows_the_camera(comfy, modes_run):
    # image shift of the renders and of the zero-denoise decode vs the trajectory
    # renders: pixel level; guide latent (what KSampler gets at zero denoise; the VAE encoder is convolutional, so
    # even with random weights the latent moves with the image): per channel at 8x upsampling, median over channels;
    # zero-denoise decode through the random *temporal* VAE decoder (it mixes neighbouring frames, so this is the
    # weakest of the three; with an earlier renderer one frame of it missed).
    renders, _ = guide_and_mask(comfy, modes_run)
    guide_latent = load_latent(comfy, modes_run, "lat_guide")
    want = expected_shift(SIZE, SIZE)
    got_renders = measured_shift(renders)
    got_latent = np.median(np.stack([measured_shift(latent_as_frames(guide_latent[:, c])) for c in range(4)]), 0)
    got_decoded = measured_shift(load_images(comfy, modes_run, "img_zero"))
    print(f"[svd modes] centre shift px, trajectory {want[:, 0].round(1).tolist()}, "
          f"renders {got_renders[:, 0].round(1).tolist()}, guide latent x8 {got_latent[:, 0].round(1).tolist()}, "
          f"zero-denoise decode {got_decoded[:, 0].round(1).tolist()}")
    np.testing.assert_allclose(got_renders, want, atol=max(2.0, 0.15 * np.abs(want).max()))
    np.testing.assert_allclose(got_latent, want, atol=max(4.0, 0.15 * np.abs(want).max()))
    np.testing.assert_allclose(got_decoded, want, atol=max(4.0, 0.15 * np.abs(want).max()))


@pytest.mark.slow
@pytest.mark.integration
def test_shipped_draw_to_video_workflow_runs(comfy, object_info, svd_checkpoint, test_image):
    """workflows/api/svd_draw_to_video.json as shipped (drawn path -> camera -> this node in dual_clock ->
    VideoLinearCFGGuidance model -> KSampler cfg 2.5 -> video), shrunk to the test size and 1 step."""
    root = Path(__file__).resolve().parents[2]
    g = json.loads((root / "workflows" / "api" / "svd_draw_to_video.json").read_text())
    for node in g.values():
        ins, ct = node["inputs"], node["class_type"]
        if ct == "LoadImage":
            ins["image"] = test_image
        elif ct == NODE:
            ins.update(width=SIZE, height=SIZE)
        elif ct == "D2V_CinematicCameraTrajectory":
            ins["frames"] = FRAMES
        elif ct == "KSampler":
            ins["steps"] = 1
    t0 = time.time()
    entry = comfy.run(g, timeout=3600)
    print(f"\n[svd workflow] svd_draw_to_video, 1 CFG step: {time.time() - t0:.0f}s, "
          f"server peak RSS {peak_rss_gb(comfy):.1f} GB")
    save_id = next(k for k, v in g.items() if v["class_type"] == "SaveVideo")
    info = entry["outputs"][save_id]["images"][0]
    assert info["type"] == "output" and info["filename"].endswith(".mp4"), info
    import av

    # the workflow ends with Frame Interpolate (xN, no loop): N - 1 new frames between each pair
    mult = next(v["inputs"]["multiplier"] for v in g.values() if v["class_type"] == "D2V_FrameInterpolate")
    with av.open(str(comfy.base_dir / "output" / info["subfolder"] / info["filename"])) as c:
        assert sum(1 for _ in c.decode(video=0)) == (FRAMES - 1) * mult + 1


@pytest.mark.slow
@pytest.mark.integration
def test_bad_input_is_a_clear_error_and_the_server_survives(comfy, object_info, svd_checkpoint, test_image):
    g = base_graph(test_image, {"camera": ["traj", 0], "guidance": "dual_clock"})
    g["traj"] = {"class_type": "D2V_CinematicCameraTrajectory",
                 "inputs": {**widget_defaults(object_info, "D2V_CinematicCameraTrajectory"), **PAN}}
    g["out"] = {"class_type": "SaveLatent", "inputs": {"samples": ["enc", 2], "filename_prefix": "latents/bad"}}
    assert "needs the model input connected" in comfy.error_of(g)
    g["enc"]["inputs"].update(guidance="init", video_frames=4096)
    assert "lower video_frames" in comfy.error_of(g)
    g["enc"]["inputs"]["release"] = 1.5  # out of range: refused by validation
    assert "release" in comfy.error_of(g)
    assert comfy.get_json("/system_stats")["system"]
