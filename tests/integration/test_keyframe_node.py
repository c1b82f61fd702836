"""Keyframe Interpolate through a real ComfyUI /prompt: two loaded images -> start, in-betweens, end."""

import io
import sys
from pathlib import Path

import numpy as np
from PIL import Image

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "support"))
from video_clips import translating_clip  # noqa: E402


def _load(comfy, img: np.ndarray, name: str) -> dict:
    Image.fromarray((img * 255 + 0.5).astype(np.uint8)).save(comfy.base_dir / "input" / name)
    return {"class_type": "LoadImage", "inputs": {"image": name}}


def test_schema(object_info):
    info = object_info["D2V_KeyframeInterpolate"]
    declared = {**info["input"].get("required", {}), **info["input"].get("optional", {})}
    assert set(declared) == {"start", "end", "frames", "include_endpoints", "resize", "camera", "depth", "depth_kind"}
    assert info["output"] == ["IMAGE"] and info["category"] == "Draw to Video"


def test_keyframes_between_two_images(comfy):
    clip = translating_clip(9, 4.0, 1.0, h=96, w=128, seed=3)  # 32 px between the first and the last frame
    g = {"A": _load(comfy, clip[0], "d2v_kf_a.png"), "B": _load(comfy, clip[-1], "d2v_kf_b.png")}
    g["K"] = {"class_type": "D2V_KeyframeInterpolate", "inputs": {
        "start": ["A", 0], "end": ["B", 0], "frames": 3, "include_endpoints": True, "resize": False}}
    g["S"] = {"class_type": "SaveImage", "inputs": {"images": ["K", 0], "filename_prefix": "d2v_kf"}}
    images = comfy.run(g)["outputs"]["S"]["images"]
    assert len(images) == 5
    first = np.asarray(Image.open(io.BytesIO(comfy.view(images[0]))))[..., :3]
    source = np.asarray(Image.open(comfy.base_dir / "input" / "d2v_kf_a.png").convert("RGB"))
    assert np.array_equal(first, source)  # the start keyframe passes through exactly


def test_different_sizes_are_refused_in_one_line(comfy):
    clip = translating_clip(2, 4.0, h=96, w=128, seed=3)
    g = {"A": _load(comfy, clip[0], "d2v_kf_c.png"), "B": _load(comfy, clip[1][:64, :64], "d2v_kf_d.png")}
    g["K"] = {"class_type": "D2V_KeyframeInterpolate", "inputs": {
        "start": ["A", 0], "end": ["B", 0], "frames": 1, "include_endpoints": True, "resize": False}}
    g["S"] = {"class_type": "PreviewImage", "inputs": {"images": ["K", 0]}}
    msg = comfy.error_of(g)
    assert "same size" in msg and "turn on resize" in msg and "Traceback" not in msg
