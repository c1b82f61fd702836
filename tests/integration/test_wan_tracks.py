"""D2V_CameraTracks read by core WanTrackToVideo in a real ComfyUI, and the node in a running server."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from comfy_server import find_comfyui

DRAWING = {"version": 1, "width": 384, "height": 256, "strokes": [
    {"role": "camera", "points": [[0.2, 0.5], [0.5, 0.5]]},
    {"role": "path", "points": [[0.4, 0.4], [0.5, 0.45], [0.6, 0.6]]}]}


def _core_reads(cases: list[dict]) -> list[dict]:
    python = os.environ.get("COMFYUI_PYTHON") or sys.executable
    script = Path(__file__).with_name("wan_core_tracks.py")
    res = subprocess.run([python, str(script), json.dumps(cases)], cwd=find_comfyui(), capture_output=True,
                         text=True, timeout=900)
    assert res.returncode == 0, res.stderr[-4000:]
    return json.loads(res.stdout.strip().splitlines()[-1])


def test_core_parses_processes_and_applies_our_tracks():
    cases = [{"preset": "orbit_left", "width": 64, "height": 48, "length": 9, "count": 8},
             {"preset": "dolly_in", "width": 832, "height": 480, "length": 81, "count": 24, "path": DRAWING},
             {"preset": "truck_right", "width": 480, "height": 832, "length": 33, "count": 40}]
    for r in _core_reads(cases):
        c = r["case"]
        expected = c["count"] + (1 if c.get("path") else 0)
        assert r["passed"] == [c["width"], c["height"], c["length"]], r
        assert r["ours"] == r["parsed"] == expected, r  # core sees every track, none merged or lost
        assert r["processed_shape"] == [c["length"], expected, 4], r
        assert r["first_diff"] < 1e-4, r  # core's normalized start points are ours
        # a track that ended (left the frame / hidden) is invisible at the clip's end in core's reading
        assert abs(r["visible_last"] - (1 - r["hidden_counted"] / expected)) < 1e-6, r
        lat = [1, 16, (c["length"] - 1) // 4 + 1, c["height"] // 8, c["width"] // 8]
        assert r["latent_shape"] == lat and r["mask_shape"] == [1, 4] + lat[2:], r
        assert r["mask_moved"] > 1.0, r  # the tracks placed motion features in the later latent frames
    moving = _core_reads([cases[2]])[0]
    assert moving["hidden_counted"] > 0, moving  # trucking right, points on the left leave the frame


def _graph(length: int = 33, count: int = 12) -> dict:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": "d2v_example.jpg"}},
        "2": {"class_type": "D2V_DrawPathInput", "inputs": {"image": ["1", 0], "path_json": json.dumps(DRAWING)}},
        "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "path": ["2", 1], "preset": "dolly_in", "frames": 25, "fps": 16.0, "intensity": 1.0, "easing": "auto",
            "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "4": {"class_type": "D2V_CameraTracks", "inputs": {
            "image": ["1", 0], "camera": ["3", 0], "path": ["2", 1], "width": 320, "height": 192, "length": length,
            "count": count, "seed": 0, "depth_kind": "disparity"}},
        "5": {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}},
        "6": {"class_type": "PreviewAny", "inputs": {"source": ["4", 3]}},
    }


def test_node_runs_in_server_and_feeds_wan_track_to_video(comfy, object_info):
    ours = object_info["D2V_CameraTracks"]
    core = object_info["WanTrackToVideo"]["input"]["required"]
    assert ours["output"][:4] == ["STRING", "INT", "INT", "INT"]
    assert ours["output_name"][:4] == ["tracks", "width", "height", "length"]
    for name in ("width", "height", "length"):
        kind, opts = ours["input"]["required"][name]
        assert [kind, {k: v for k, v in opts.items() if k != "tooltip"}] == core[name]
    entry = comfy.run(_graph())
    assert entry["outputs"]["6"]["text"] == ["33"]
    tracks = json.loads(entry["outputs"]["5"]["text"][0])
    assert len(tracks) == 13 and all(1 <= len(t) <= 121 for t in tracks)
    assert all(0 <= p["x"] < 320 and 0 <= p["y"] < 192 for t in tracks for p in t)


def test_bad_inputs_are_refused_with_the_fix(comfy):
    assert "use 33 or 37" in comfy.error_of(_graph(length=34))
    assert "at most 256" in comfy.error_of(_graph(count=256))


def test_wan_ati_workflow_without_models_is_refused_naming_them(comfy):
    """Without Wan files /prompt refuses workflows/api/wan_ati_draw.json naming each missing file (with placeholder
    files it passes validation: test_shipped_workflows)."""
    graph = json.loads((Path(__file__).resolve().parents[2] / "workflows" / "api" / "wan_ati_draw.json").read_text())
    status, body = comfy.queue(graph)
    assert status == 400
    text = json.dumps(body)
    for name in ("Wan2_1-I2V-ATI-14B_fp8_e4m3fn.safetensors", "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
                 "wan_2.1_vae.safetensors", "clip_vision_h.safetensors"):
        assert name in text, name
