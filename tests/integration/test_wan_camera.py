"""D2V_WanCameraEmbedding against core WanCameraEmbedding in a real ComfyUI."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from comfy_server import find_comfyui

MOVES = ["Static", "Pan Up", "Pan Down", "Pan Left", "Pan Right", "Zoom In", "Zoom Out", "Anti Clockwise (ACW)",
         "ClockWise (CW)"]
SIZES = [(64, 48, 9, 90.0), (96, 48, 5, 100.0), (160, 96, 1, 90.0), (832, 480, 13, 90.0)]
"""(width, height, length, horizontal FOV): 4:3, 2:1, 5:3 and Wan's own 832x480; FOVs for which core's normalized
fx, fy inputs stay inside its 0..1 range."""


def _equivalence(cases: list[dict]) -> list[dict]:
    python = os.environ.get("COMFYUI_PYTHON") or sys.executable
    script = Path(__file__).with_name("wan_core_equivalence.py")
    res = subprocess.run([python, str(script), json.dumps(cases)], cwd=find_comfyui(), capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-4000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_embedding_equals_core_for_its_nine_moves():
    cases = [{"move": m, "width": w, "height": h, "length": n, "fov": fov}
             for i, m in enumerate(MOVES) for (w, h, n, fov) in (SIZES[i % len(SIZES)], SIZES[(i + 1) % len(SIZES)])]
    results = _equivalence(cases)
    assert len(results) == len(cases)
    for r in results:
        c = r["case"]
        assert all(0 <= v <= 1 for v in r["core_intrinsics"]), r  # inputs core's widgets accept
        assert r["core_shape"] == [1, 24, (c["length"] - 1) // 4 + 1, c["height"], c["width"]], r
        assert r["ours_shape"] == r["core_shape"], r
        assert r["max_abs_diff"] <= 1e-4, r
        if c["move"] != "Static" and c["length"] > 1:
            assert r["core_abs_max"] > 0.5, r  # rays really differ between frames: not a trivially equal case


def _graph(length: int) -> dict:
    return {
        "1": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "preset": "orbit_left", "frames": 14, "fps": 16.0, "intensity": 1.0, "easing": "auto",
            "focal_length_mm": 24.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "2": {"class_type": "D2V_WanCameraEmbedding",
              "inputs": {"camera": ["1", 0], "width": 64, "height": 48, "length": length}},
        "3": {"class_type": "PreviewAny", "inputs": {"source": ["2", 0]}},
        "4": {"class_type": "PreviewAny", "inputs": {"source": ["2", 3]}},
    }


def test_node_runs_in_server_and_plugs_into_wan_camera_image_to_video(comfy, object_info):
    ours, core = object_info["D2V_WanCameraEmbedding"], object_info["WanCameraEmbedding"]
    assert ours["output"] == core["output"] and ours["output_name"] == core["output_name"]
    for name in ("width", "height", "length"):
        kind, opts = ours["input"]["required"][name]
        assert [kind, {k: v for k, v in opts.items() if k != "tooltip"}] == core["input"]["required"][name]
    wan_i2v = object_info["WanCameraImageToVideo"]["input"]["optional"]["camera_conditions"][0]
    assert ours["output"][0] == wan_i2v
    entry = comfy.run(_graph(17))
    assert entry["outputs"]["4"]["text"] == ["17"]
    assert entry["outputs"]["3"]["text"][0].strip(), entry["outputs"]["3"]  # the embedding reached an output


def test_wrong_length_is_refused_with_the_fix(comfy):
    err = comfy.error_of(_graph(16))
    assert "4n + 1" in err and "use 13 or 17" in err
