"""The foundation in a real ComfyUI: the pack loads, its nodes are listed, and a graph runs through /prompt."""

import json

import numpy as np
import pytest

PACK_NODES = {
    "D2V_DrawPathInput": (["image", "path_json"], ["IMAGE", "D2V_PATH", "IMAGE", "STRING"]),
    "D2V_CinematicCameraTrajectory": (
        ["path", "image", "preset", "frames", "fps", "intensity", "easing", "focal_length_mm", "sensor", "handheld",
         "seed", "use_drawing_speed"],
        ["D2V_CAMERA", "IMAGE", "STRING", "INT", "FLOAT"]),
}

SPIRAL = {"version": 1, "width": 512, "height": 288, "strokes": [{"role": "camera", "points": [
    [0.5 + r * np.cos(t) / 1.78, 0.5 + r * np.sin(t)] for t, r in zip(np.linspace(0, 4 * np.pi, 120),
                                                                      np.linspace(0.32, 0.08, 120))]}]}


def test_pack_loads_without_import_failure(comfy, object_info):
    failed = [line for line in comfy.log().splitlines() if "IMPORT FAILED" in line and "draw_to_video" in line]
    assert not failed, comfy.log()[-3000:]
    assert "Error while calling comfy_entrypoint" not in comfy.log()
    for node_id in PACK_NODES:
        assert node_id in object_info, f"{node_id} missing from /object_info"


@pytest.mark.parametrize("node_id", list(PACK_NODES))
def test_declared_inputs_and_outputs(object_info, node_id):
    inputs, outputs = PACK_NODES[node_id]
    info = object_info[node_id]
    declared = {**info["input"].get("required", {}), **info["input"].get("optional", {})}
    assert set(inputs) <= set(declared), set(inputs) - set(declared)
    assert info["output"] == outputs
    assert info["category"] == "Draw to Video"


def _graph(path_json: str, preset: str = "auto") -> dict:
    return {
        "1": {"class_type": "EmptyImage", "inputs": {"width": 512, "height": 288, "batch_size": 1, "color": 3355443}},
        "2": {"class_type": "D2V_DrawPathInput", "inputs": {"image": ["1", 0], "path_json": path_json}},
        "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "path": ["2", 1], "image": ["2", 0], "preset": preset, "frames": 14, "fps": 7.0, "intensity": 1.0,
            "easing": "auto", "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "4": {"class_type": "PreviewImage", "inputs": {"images": ["3", 1]}},
        "5": {"class_type": "PreviewAny", "inputs": {"source": ["3", 2]}},
    }


def test_draw_path_to_trajectory_graph_runs(comfy):
    entry = comfy.run(_graph(json.dumps(SPIRAL)))
    outputs = entry["outputs"]
    preview = outputs["4"]["images"][0]
    png = comfy.view(preview)
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    assert outputs["5"]["text"] == ["spiral_in"]
    # the nodes' own UI previews (what the widget shows after a run)
    assert outputs["2"]["images"] and outputs["3"]["images"]


def test_bad_path_json_fails_validation_and_server_survives(comfy):
    err = comfy.error_of(_graph('{"version": 1, "strokes": [{"points": [[NaN'))
    assert "path_json" in err and "not valid JSON" in err
    err = comfy.error_of(_graph(json.dumps({"version": 1, "width": 10, "height": 10, "strokes": []}), "auto") | {
        "3": {**_graph("{}")["3"], "inputs": {**_graph("{}")["3"]["inputs"], "frames": 0}}})
    assert "frames" in err
    assert comfy.get_json("/system_stats")  # still up
