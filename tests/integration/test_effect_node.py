"""Exclusive Effects in a real ComfyUI: schema, chained effects on frames from core nodes, camera input, retiming."""

from __future__ import annotations

import io as _io

import numpy as np
import pytest
from demo_clip import demo_clip
from PIL import Image

from draw_to_video.effects.looks import letterbox_bars
from draw_to_video.effects.registry import EFFECTS
from draw_to_video.effects.time import speed_ramp_curve, time_map

W, H, N = 160, 96, 6


@pytest.fixture(scope="module")
def source_png(comfy) -> str:
    frame, _ = demo_clip(1, H, W)
    name = "d2v_effects_source.png"
    Image.fromarray((frame[0].numpy() * 255 + 0.5).astype(np.uint8)).save(comfy.base_dir / "input" / name)
    return name


def _load(comfy_out, comfy) -> list[np.ndarray]:
    return [np.asarray(Image.open(_io.BytesIO(comfy.view(im))).convert("RGB"), dtype=np.float32) / 255.0
            for im in comfy_out["images"]]


def _effect(node_frames, effect, intensity=0.8, seed=0, **extra):
    return {"class_type": "D2V_ExclusiveEffects",
            "inputs": {"frames": node_frames, "effect": effect, "intensity": intensity, "seed": seed, **extra}}


def _frames_graph(source_png: str) -> dict:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": source_png}},
        "2": {"class_type": "RepeatImageBatch", "inputs": {"image": ["1", 0], "amount": N}},
    }


def test_effect_node_schema(object_info):
    info = object_info["D2V_ExclusiveEffects"]
    req, opt = info["input"]["required"], info["input"].get("optional", {})
    assert set(req) == {"frames", "effect", "intensity", "seed"}
    assert opt["camera"][0] == "D2V_CAMERA" and opt["mask"][0] == "MASK" and opt["depth"][0] == "IMAGE"
    assert req["effect"][1]["options"] == list(EFFECTS)
    assert req["intensity"][1]["min"] == 0.0 and req["intensity"][1]["max"] == 1.0
    assert info["output"] == ["IMAGE"]
    assert info["category"] == "Draw to Video"


def test_chained_effects_run_through_prompt(comfy, source_png):
    graph = _frames_graph(source_png) | {
        "3": _effect(["2", 0], "film_grain", 0.7, 1),
        "4": _effect(["3", 0], "letterbox_2.39", 1.0),
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "d2v_fx_chain"}},
    }
    entry = comfy.run(graph)
    frames = _load(entry["outputs"]["5"], comfy)
    assert len(frames) == N
    src = np.asarray(Image.open(comfy.base_dir / "input" / source_png).convert("RGB"), dtype=np.float32) / 255.0
    top, bottom, _, _ = letterbox_bars(H, W, 2.39)
    for f in frames:
        assert f.shape == (H, W, 3)
        assert f[:top].max() == 0 and f[H - bottom:].max() == 0  # bars exactly where 2.39:1 puts them
        assert f[top:H - bottom].max() > 0.2
        assert 0.005 < np.abs(f[top:H - bottom] - src[top:H - bottom]).mean() < 0.1  # grain, not a new picture
    assert np.abs(frames[0] - frames[1]).mean() > 0.003  # grain changes from frame to frame


def test_camera_input_drives_motion_blur(comfy, source_png):
    graph = _frames_graph(source_png) | {
        "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "preset": "truck_right", "frames": N, "fps": 12.0, "intensity": 3.0, "easing": "linear",
            "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "4": _effect(["2", 0], "motion_blur", 1.0, 0, camera=["3", 0]),
        "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "d2v_fx_blur"}},
    }
    entry = comfy.run(graph)
    frames = _load(entry["outputs"]["5"], comfy)
    src = np.asarray(Image.open(comfy.base_dir / "input" / source_png).convert("RGB"), dtype=np.float32) / 255.0

    def hgrad(x):
        return float(np.abs(np.diff(x, axis=1)).mean())

    assert len(frames) == N
    assert hgrad(frames[N // 2]) < 0.85 * hgrad(src)  # a sideways move smears along x


def test_retiming_effect_changes_the_frame_count(comfy, source_png):
    graph = _frames_graph(source_png) | {
        "3": _effect(["2", 0], "speed_ramp", 1.0),
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "d2v_fx_ramp"}},
    }
    entry = comfy.run(graph)
    assert len(entry["outputs"]["4"]["images"]) == len(time_map(N, speed_ramp_curve(1.0)))


def test_out_of_range_intensity_is_refused_and_server_survives(comfy, source_png):
    graph = _frames_graph(source_png) | {
        "3": _effect(["2", 0], "vignette", 1.5),
        "4": {"class_type": "SaveImage", "inputs": {"images": ["3", 0], "filename_prefix": "d2v_fx_bad"}},
    }
    err = comfy.error_of(graph)
    assert "intensity" in err
    graph["3"] = _effect(["2", 0], "tenet_reverse", 1.0, mask=["1", 1])  # LoadImage's mask (no alpha: empty)
    entry = comfy.run(graph)
    assert len(entry["outputs"]["4"]["images"]) == N
    assert comfy.get_json("/system_stats")
