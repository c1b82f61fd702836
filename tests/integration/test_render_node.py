"""Camera Motion Render (2.5D) in a real ComfyUI: image → path → camera → render → core CreateVideo → SaveVideo."""

import shutil
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "d2v_example.jpg"
FRAMES = 8


def _graph(path_json: str, extra: dict | None = None) -> dict:
    graph = {
        "1": {"class_type": "LoadImage", "inputs": {"image": IMAGE}},
        "2": {"class_type": "D2V_DrawPathInput", "inputs": {"image": ["1", 0], "path_json": path_json}},
        "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {
            "path": ["2", 1], "image": ["1", 0], "preset": "auto", "frames": FRAMES, "fps": 8.0, "intensity": 0.6,
            "easing": "auto", "focal_length_mm": 35.0, "sensor": "full_frame_36x24", "handheld": 0.0, "seed": 0,
            "use_drawing_speed": False}},
        "4": {"class_type": "D2V_CameraMotionRender", "inputs": {
            "image": ["1", 0], "camera": ["3", 0], "depth_kind": "disparity", "fill": "background",
            "depth_of_field": 0.0, "motion_blur": 0.5, "overscan": 1.0}},
        "5": {"class_type": "CreateVideo", "inputs": {"images": ["4", 0], "fps": ["3", 4]}},
        "6": {"class_type": "SaveVideo", "inputs": {"video": ["5", 0], "filename_prefix": "video/d2v_render",
                                                    "format": "mp4", "codec": "h264"}},
        "7": {"class_type": "PreviewImage", "inputs": {"images": ["4", 2]}},
    }
    graph.update(extra or {})
    return graph


def _upload_example(comfy) -> None:
    shutil.copy(ROOT / "assets" / "example.jpg", comfy.base_dir / "input" / IMAGE)


def test_render_node_schema(object_info):
    info = object_info["D2V_CameraMotionRender"]
    assert info["output"] == ["IMAGE", "MASK", "IMAGE"]
    assert set(info["input"]["required"]) == {"image", "camera", "depth_kind", "fill", "depth_of_field", "motion_blur"}
    # optional, so API graphs written before they existed still run (default cap, auto overscan)
    assert set(info["input"]["optional"]) == {"depth", "max_size", "overscan", "move_cap"}
    assert info["input"]["optional"]["overscan"][1]["default"] == 0.0  # auto
    assert info["input"]["required"]["fill"][1]["default"] == "background"


def test_render_to_mp4_through_create_and_save_video(comfy, tmp_path):
    _upload_example(comfy)
    path_json = (ROOT / "assets" / "example_path.json").read_text()
    entry = comfy.run(_graph(path_json))
    files = [f for f in entry["outputs"]["6"]["images"] if f["filename"].endswith(".mp4")]
    assert files, entry["outputs"]
    mp4 = tmp_path / "out.mp4"
    mp4.write_bytes(comfy.view(files[0]))
    assert (comfy.base_dir / "output" / files[0]["subfolder"] / files[0]["filename"]).is_file()
    from draw_to_video.video.read import read_frames

    frames, fps = read_frames(mp4)
    assert frames.shape == (FRAMES, 360, 640, 3) and abs(fps - 8.0) < 0.01
    source, _ = read_frames(ROOT / "assets" / "example.jpg")
    assert np.abs(frames[0] - source[0]).mean() < 0.03  # overscan off: frame 0 is the photo (up to H.264)
    assert np.abs(frames[-1] - frames[0]).mean() > 0.02  # and the camera really moved
    assert entry["outputs"]["7"]["images"], "the depth used is previewed"


def test_depth_input_and_bad_depth_error(comfy):
    _upload_example(comfy)
    path_json = (ROOT / "assets" / "example_path.json").read_text()
    # the depth a first render used, fed back as the depth input of a second one
    extra = {"8": {"class_type": "D2V_CameraMotionRender", "inputs": {
        "image": ["1", 0], "camera": ["3", 0], "depth": ["4", 2], "depth_kind": "disparity", "fill": "stretch",
        "depth_of_field": 1.0, "motion_blur": 0.0}},
        "9": {"class_type": "PreviewImage", "inputs": {"images": ["8", 0]}}}
    entry = comfy.run(_graph(path_json, extra))
    assert len(entry["outputs"]["9"]["images"]) == FRAMES
    bad = {"8": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 64, "batch_size": 1, "color": 0}},
           "4": {"class_type": "D2V_CameraMotionRender", "inputs": {
               "image": ["1", 0], "camera": ["3", 0], "depth": ["8", 0], "depth_kind": "depth", "fill": "background",
               "depth_of_field": 0.0, "motion_blur": 0.0}}}
    error = comfy.error_of(_graph(path_json, bad))
    assert "all zeros" in error or "aspect" in error, error
