"""Shot List in a real ComfyUI: a picture and a ready-made clip joined by a crossfade, out through core
CreateVideo -> SaveVideo; a bad spec refused at validation with what to fix."""

import json
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
IMAGE = "d2v_example.jpg"
SPEC = {"version": 1, "fps": 8, "width": 96, "height": 64, "shots": [
    {"image": 0, "preset": "dolly_in", "frames": 6},
    {"clip": 1, "frames": 5, "transition": "crossfade", "transition_frames": 2}]}


def _graph(spec: str) -> dict:
    return {
        "1": {"class_type": "LoadImage", "inputs": {"image": IMAGE}},
        "2": {"class_type": "ImageInvert", "inputs": {"image": ["1", 0]}},
        "3": {"class_type": "RepeatImageBatch", "inputs": {"image": ["2", 0], "amount": 5}},
        "4": {"class_type": "D2V_ShotList", "inputs": {"spec": spec, "images": ["1", 0], "clip_1": ["3", 0],
                                                        "seed": 0}},
        "5": {"class_type": "CreateVideo", "inputs": {"images": ["4", 0], "fps": ["4", 1]}},
        "6": {"class_type": "SaveVideo", "inputs": {"video": ["5", 0], "filename_prefix": "video/d2v_shots",
                                                    "format": "mp4", "codec": "h264"}},
    }


def test_shot_list_schema(object_info):
    info = object_info["D2V_ShotList"]
    assert info["output"] == ["IMAGE", "FLOAT"]
    assert set(info["input"]["required"]) == {"spec", "seed"}
    assert set(info["input"]["optional"]) == {"images", "clip_0", "clip_1", "clip_2", "clip_3"}


def test_shot_list_renders_the_spec_frame_count(comfy, tmp_path):
    shutil.copy(ROOT / "assets" / "example.jpg", comfy.base_dir / "input" / IMAGE)
    entry = comfy.run(_graph(json.dumps(SPEC)))
    files = [f for f in entry["outputs"]["6"]["images"] if f["filename"].endswith(".mp4")]
    mp4 = tmp_path / "out.mp4"
    mp4.write_bytes(comfy.view(files[0]))
    from draw_to_video.video.read import read_frames

    frames, fps = read_frames(mp4)
    assert frames.shape == (9, 64, 96, 3) and abs(fps - 8.0) < 0.01
    # the last frames are the inverted clip, the first the photo: the crossfade went from one to the other
    assert abs(float(frames[0].mean()) + float(frames[-1].mean()) - 1.0) < 0.1


def test_bad_spec_is_refused_before_running(comfy):
    bad = json.loads(json.dumps(SPEC))
    bad["shots"][1]["transition"] = "dissolve"
    err = comfy.error_of(_graph(json.dumps(bad)))
    assert "shot 1: transition" in err and "crossfade" in err
