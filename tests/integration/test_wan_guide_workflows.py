"""Render Guide (Wan VACE / Fun Control) and the workflows wan_vace_draw / wan22_fun_control_draw on a real ComfyUI.

Fast: the node through ``/prompt`` (sizes, legal lengths, what it refuses, in one line, with the server up); each
workflow refused without its model files naming them, and with empty placeholders of those names validated and
stopped at a loader.

Slow (``-m slow`` or ``D2V_SLOW=1``; several GB of RAM, minutes of CPU): the shipped graphs end to end on random
weights with ComfyUI's own classes (``wan_random_checkpoint.py``: Wan 2.1 VACE 1.3B; the Wan 2.2 Fun Control 5B
layout with 2 narrow blocks; the Wan 2.1 and 2.2 VAEs), a seeded random CONDITIONING node for the umt5 text encoder,
the smallest legal size (64x64), 5 frames, 2 steps. A test-only probe node (comfy_test_nodes/d2v_test_probe.py)
between the conditioning node and the sampler writes what the model receives, and the test checks it against the
guide: VACE's frames are the render outside the mask (the encoded inactive / reactive split of exactly the guide's
frames and mask) and its mask is the guide's mask in core's 8x8-cell layout; Fun Control's control latent is the
encoded depth video. The saved video has the clip's frames at the workflow's fps.
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import av
import pytest
from comfy_server import (
    ComfyServer,
    check_refused_until_models_exist,
    find_comfyui,
    link_random_fixtures,
    with_random_text,
)

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
CACHE = Path(os.environ.get("D2V_CACHE_DIR", Path.home() / ".cache" / "draw_to_video"))
LOADERS = ("UNETLoader", "CLIPLoader", "VAELoader")
NAMES = ["wan_vace_draw", "wan22_fun_control_draw"]


def guide_graph(**settings) -> dict:
    inputs = {"width": 64, "height": 48, "length": 5, "grow": 4, "feather": 2.0, "stretch": 2.0,
              "fill": "background", "depth_kind": "disparity"} | settings
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": "d2v_example.jpg"}},
        "2": {"class_type": "D2V_CinematicCameraTrajectory",
              "inputs": {"preset": "orbit_left", "frames": 9, "fps": 16.0, "intensity": 1.0, "easing": "auto",
                         "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
                         "use_drawing_speed": False}},
        "3": {"class_type": "D2V_WanRenderGuide", "inputs": {"image": ["1", 0], "camera": ["2", 0], **inputs}},
        "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 0]}},
        "5": {"class_type": "PreviewImage", "inputs": {"images": ["3", 2]}},
        "6": {"class_type": "MaskToImage", "inputs": {"mask": ["3", 1]}},
        "7": {"class_type": "PreviewImage", "inputs": {"images": ["6", 0]}},
    }


def test_guide_node_makes_the_clip_and_refuses_bad_sizes(comfy):
    entry = comfy.run(guide_graph(), timeout=300)
    for nid in ("4", "5", "7"):
        assert len(entry["outputs"][nid]["images"]) == 5  # control, depth video, mask: 5 frames each
    for settings, message in [({"length": 8}, "4n + 1"), ({"length": 125}, "at most"),
                              ({"width": 50}, "multiple of 16")]:
        err = comfy.error_of(guide_graph(**settings))
        assert message in err, err
    # a camera of 1 frame: an execution error of one line, and the server stays up
    g = guide_graph()
    g["2"]["inputs"]["frames"] = 1
    err = comfy.error_of(g)
    assert "1 frame: a guide needs a move" in err, err
    assert comfy.get_json("/system_stats")


@pytest.mark.parametrize("name", NAMES)
def test_workflow_is_refused_without_its_models_and_validates_with_them(comfy, name):
    graph = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    files = check_refused_until_models_exist(comfy, graph, LOADERS)
    assert len(files) == 3  # model, text encoder, VAE


# --- slow: the graphs end to end on random weights -------------------------------------------------------------
GEN = "wan_random_checkpoint.py"
FIXTURES = {  # models/ folder, file name in the workflow -> (generator, args, cached file)
    ("diffusion_models", "wan2.1_vace_1.3B_fp16.safetensors"):
        (GEN, ["--part", "vace_diffusion_model"], "wan21_vace_1.3B_random_v1_seed0"),
    ("diffusion_models", "wan2.2_fun_control_5B_bf16.safetensors"):
        (GEN, ["--part", "fun_control22_diffusion_model"], "wan22_fun_control_narrow_random_v1_seed0"),
    ("vae", "wan_2.1_vae.safetensors"): (GEN, ["--part", "vae"], "wan21_vae_random_v1_seed0"),
    ("vae", "wan2.2_vae.safetensors"): (GEN, ["--part", "vae22"], "wan22_vae_random_v1_seed0"),
}
SIZE, LENGTH, STEPS = 64, 5, 2


@pytest.fixture(scope="module")
def guide_server(request):
    """A server of its own (the test nodes linked into its custom_nodes) with the random models."""
    if "slow" not in (request.config.getoption("markexpr") or "") and os.environ.get("D2V_SLOW") != "1":
        pytest.skip("slow Wan render-guide end-to-end test: run with -m slow or D2V_SLOW=1 (several GB of RAM, "
                    "minutes of CPU)")
    comfy_dir = find_comfyui()
    if comfy_dir is None:
        pytest.skip("no ComfyUI: set COMFYUI_DIR")
    server = ComfyServer(comfy_dir)
    link_random_fixtures(server, comfy_dir, FIXTURES, CACHE, HERE)
    for node in ("d2v_test_conditioning.py", "d2v_test_probe.py"):
        (server.base_dir / "custom_nodes" / node).symlink_to(HERE / "comfy_test_nodes" / node)
    (server.base_dir / "input" / "d2v_example.jpg").write_bytes((ROOT / "assets" / "example.jpg").read_bytes())
    server.start()
    yield server
    server.stop()
    server.cleanup()


def tiny_graph(name: str) -> tuple[dict, str]:
    """The shipped graph at 64x64, 5 frames, 2 steps; the text encoder replaced by random conditioning; the probe
    between the conditioning node and the sampler. Returns the graph and the probe's file name."""
    g = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    kind = {nid: v["class_type"] for nid, v in g.items()}
    cond_id = next(nid for nid, k in kind.items() if k in ("WanVaceToVideo", "Wan22FunControlToVideo"))
    guide_id = next(nid for nid, k in kind.items() if k == "D2V_WanRenderGuide")
    vae_id = next(nid for nid, k in kind.items() if k == "VAELoader")
    with_random_text(g, {"D2V_WanRenderGuide": {"width": SIZE, "height": SIZE, "length": LENGTH},
                         "D2V_CinematicCameraTrajectory": {"preset": "orbit_left", "frames": LENGTH},
                         "KSampler": {"steps": STEPS}})
    sampler = next(node for node in g.values() if node["class_type"] == "KSampler")
    vace = kind[cond_id] == "WanVaceToVideo"
    probe = {"positive": [cond_id, 0], "vae": [vae_id, 0], "images": [guide_id, 0 if vace else 2],
             "name": f"probe_{name}"}
    if vace:
        probe["masks"] = [guide_id, 1]
    g["900"] = {"class_type": "D2VTest_ConditioningProbe", "inputs": probe}
    sampler["inputs"]["positive"] = ["900", 0]
    return g, f"probe_{name}"


def _video(server, entry: dict, graph: dict) -> tuple[int, float, tuple[int, int]]:
    """Frame count, frame rate and (height, width) of the graph's Save Video output."""
    save_id = next(nid for nid, node in graph.items() if node["class_type"] == "SaveVideo")
    info = (entry["outputs"][save_id].get("images") or entry["outputs"][save_id].get("videos"))[0]
    with av.open(str(server.base_dir / info["type"] / info["subfolder"] / info["filename"])) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        rate = float(c.streams.video[0].average_rate)
    return len(frames), rate, frames[0].shape[:2]


def _core_vace_mask(masks):
    """The guide's mask [L, H, W] in WanVaceToVideo's layout: [64, latent frames, H / 8, W / 8] (8x8 cells as
    channels, nearest-exact in time)."""
    import torch

    length, h, w = masks.shape
    m = masks.view(length, h // 8, 8, w // 8, 8).permute(2, 4, 0, 1, 3).reshape(64, length, h // 8, w // 8)
    return torch.nn.functional.interpolate(m[None], size=((length - 1) // 4 + 1, h // 8, w // 8),
                                           mode="nearest-exact")[0]


@pytest.mark.slow
def test_vace_graph_feeds_the_guide_to_the_model(guide_server):
    import torch
    from safetensors.torch import load_file

    t0 = time.time()
    graph, probe = tiny_graph("wan_vace_draw")
    entry = guide_server.run(graph, timeout=3600)
    print(f"\n[wan vace e2e] {time.time() - t0:.0f}s")
    got = load_file(str(guide_server.base_dir / "output" / f"{probe}.safetensors"))
    images, masks = got["images"], got["masks"]
    assert images.shape == (LENGTH, SIZE, SIZE, 3) and masks.shape == (LENGTH, SIZE, SIZE)
    assert float(masks.max()) == 1.0 and float(masks.min()) == 0.0  # the orbit reveals something, not everything
    frames = got["vace_frames"]  # [1, 32, 1 reference + 2 clip latent frames, 8, 8]
    assert frames.shape == (1, 32, 3, SIZE // 8, SIZE // 8)
    # the clip part: exactly the guide's frames split at its mask (the render where the mask is 0, grey to fill)
    assert torch.equal(frames[:, :16, 1:], got["encoded_inactive"])
    assert torch.equal(frames[:, 16:, 1:], got["encoded_reactive"])
    mask = got["vace_mask"]  # [1, 64, 1 + 2, 8, 8]; the reference frame's cells are 0 (keep)
    assert mask.shape == (1, 64, 3, SIZE // 8, SIZE // 8)
    assert float(mask[0, :, 0].abs().max()) == 0.0
    assert torch.equal(mask[0, :, 1:], _core_vace_mask(masks))
    assert _video(guide_server, entry, graph) == (LENGTH, 16.0, (SIZE, SIZE))


@pytest.mark.slow
def test_fun_control_graph_feeds_the_depth_video_to_the_model(guide_server):
    import torch
    from safetensors.torch import load_file

    t0 = time.time()
    graph, probe = tiny_graph("wan22_fun_control_draw")
    entry = guide_server.run(graph, timeout=3600)
    print(f"\n[wan fun control e2e] {time.time() - t0:.0f}s")
    got = load_file(str(guide_server.base_dir / "output" / f"{probe}.safetensors"))
    depth = got["images"]
    assert depth.shape == (LENGTH, SIZE, SIZE, 3) and torch.equal(depth[..., 0], depth[..., 2])
    concat = got["concat_latent_image"]  # [1, 96, 2, 4, 4]: control latent (48), then the start image's (zeros)
    assert concat.shape == (1, 96, 2, SIZE // 16, SIZE // 16)
    assert torch.equal(concat[:, :48], got["encoded_images"])
    assert _video(guide_server, entry, graph) == (LENGTH, 24.0, (SIZE, SIZE))
