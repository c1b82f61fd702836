"""Camera From Video and the Video Quality Report's camera scores through a real ComfyUI /prompt: a 2.5D render
of a preset is tracked back, and the tracked camera drives a render of another picture."""

import json
import re

import pytest


def _graph(preset: str = "orbit_left", frames: int = 13) -> dict:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": "d2v_example.jpg"}},
        "2": {"class_type": "ImageScale", "inputs": {"image": ["1", 0], "upscale_method": "area", "width": 448,
                                                      "height": 256, "crop": "center"}},
        "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "preset": preset, "frames": frames, "fps": 12.0, "intensity": 1.0, "easing": "auto",
            "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "4": {"class_type": "D2V_CameraMotionRender", "inputs": {  # the exact camera: it is what is tracked back
            "image": ["2", 0], "camera": ["3", 0], "depth_kind": "disparity", "fill": "background",
            "depth_of_field": 0.0, "motion_blur": 0.0, "overscan": 1.0, "move_cap": "off"}},
        "5": {"class_type": "D2V_CameraFromVideo", "inputs": {"frames": ["4", 0], "fov_deg": 54.43, "fps": 12.0}},
        "6": {"class_type": "PreviewAny", "inputs": {"source": ["5", 2]}},
        "7": {"class_type": "D2V_VideoQualityReport", "inputs": {"frames": ["4", 0], "camera": ["3", 0]}},
        "8": {"class_type": "ImageFlip", "inputs": {"image": ["2", 0], "flip_method": "y-axis: horizontally"}},
        "9": {"class_type": "D2V_CameraMotionRender", "inputs": {
            "image": ["8", 0], "camera": ["5", 0], "depth_kind": "disparity", "fill": "background",
            "depth_of_field": 0.0, "motion_blur": 0.0, "overscan": 1.0}},
        "10": {"class_type": "PreviewImage", "inputs": {"images": ["9", 0]}},
    }


def test_schema(object_info):
    info = object_info["D2V_CameraFromVideo"]
    assert info["output"] == ["D2V_CAMERA", "IMAGE", "STRING"]
    assert set(info["input"]["required"]) == {"frames", "fov_deg", "fps"}


def test_render_tracked_back_and_copied_to_another_picture(comfy):
    out = comfy.run(_graph())["outputs"]
    report = json.loads(out["6"]["text"][0])
    assert report["frames"] == 13 and not report["rotation_only"] and report["lost_frames"] == []
    text = out["7"]["text"][0]
    mean_deg = float(re.search(r"\(mean ([0-9.]+) deg a frame\)", text).group(1))
    centre = float(re.search(r"centre error ([0-9.]+) %", text).group(1))
    assert mean_deg < 1.0 and centre < 10.0, (text, report)
    assert len(out["10"]["images"]) == 13, out.keys()  # the copied move rendered on the other picture


def test_one_frame_is_a_clear_node_error(comfy):
    g = _graph()
    g["4"]["inputs"]["camera"] = ["3", 0]
    g["3"]["inputs"]["frames"] = 1
    del g["7"], g["9"], g["10"]
    err = comfy.error_of(g)
    assert "at least 2 frames" in err and "Traceback" not in err.split("exception_message")[1][:300]


@pytest.mark.parametrize("fov", [0.5])
def test_bad_fov_is_a_clear_node_error(comfy, fov):
    g = _graph(frames=5)
    g["5"]["inputs"]["fov_deg"] = fov
    del g["7"], g["9"], g["10"]
    err = comfy.error_of(g)
    assert "fov must be a horizontal field of view" in err
