"""Director Style in a real ComfyUI: schema, a style on a rendered clip (frame count kept, frames retimed and
graded as pipelines/director.py says), a bad style refused."""

from __future__ import annotations

import io as _io

import numpy as np
import pytest
import torch
from demo_clip import demo_clip
from PIL import Image

from draw_to_video.pipelines.director import DIRECTOR_STYLES, apply_director_style

W, H, N = 96, 64, 10


@pytest.fixture(scope="module")
def clip_pngs(comfy) -> list[str]:
    frames, _ = demo_clip(N, H, W)
    names = []
    for i, f in enumerate(frames):
        name = f"d2v_director_{i:02d}.png"
        Image.fromarray((f.numpy() * 255 + 0.5).astype(np.uint8)).save(comfy.base_dir / "input" / name)
        names.append(name)
    return names


def test_director_node_schema(object_info):
    info = object_info["D2V_DirectorStyle"]
    req = info["input"]["required"]
    assert set(req) == {"frames", "style"}
    assert req["style"][1]["options"] == list(DIRECTOR_STYLES)
    assert info["output"] == ["IMAGE"] and info["category"] == "Draw to Video"


def test_nolan_style_retimes_and_grades_a_clip(comfy, clip_pngs):
    graph = {f"l{i}": {"class_type": "LoadImage", "inputs": {"image": n}} for i, n in enumerate(clip_pngs)}
    prev = ["l0", 0]
    for i in range(1, N):
        graph[f"b{i}"] = {"class_type": "ImageBatch", "inputs": {"image1": prev, "image2": [f"l{i}", 0]}}
        prev = [f"b{i}", 0]
    graph["d"] = {"class_type": "D2V_DirectorStyle", "inputs": {"frames": prev, "style": "christopher_nolan"}}
    graph["s"] = {"class_type": "SaveImage", "inputs": {"images": ["d", 0], "filename_prefix": "d2v_director"}}
    entry = comfy.run(graph)
    got = np.stack([np.asarray(Image.open(_io.BytesIO(comfy.view(im))).convert("RGB"), dtype=np.float32) / 255.0
                    for im in entry["outputs"]["s"]["images"]])
    src = np.stack([np.asarray(Image.open(comfy.base_dir / "input" / n).convert("RGB"), dtype=np.float32) / 255.0
                    for n in clip_pngs])
    want = apply_director_style(torch.from_numpy(src), "christopher_nolan").numpy()
    assert got.shape == (N, H, W, 3)
    assert np.abs(got - want).max() < 2.5 / 255  # the same frames in the same order, graded (8-bit rounding)


def test_unknown_style_is_refused(comfy, clip_pngs):
    graph = {"l": {"class_type": "LoadImage", "inputs": {"image": clip_pngs[0]}},
             "d": {"class_type": "D2V_DirectorStyle", "inputs": {"frames": ["l", 0], "style": "kubrick"}},
             "s": {"class_type": "SaveImage", "inputs": {"images": ["d", 0], "filename_prefix": "d2v_director_bad"}}}
    assert "style" in comfy.error_of(graph)
