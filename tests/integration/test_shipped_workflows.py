"""The shipped workflows and ``draw_to_video.client`` / ``remote`` against a real ComfyUI.

Every API workflow passes ``/prompt`` validation (empty placeholder files where a loader needs a model: execution
then stops at the loader); the no-model workflow renders end to end into an MP4 with the expected frame count and
fps; ``copy_camera_move`` tracks the pack's example clip (core's Load Video) and renders its move on the example
photo; ``remote`` renders the no-model workflow from a fresh upload; each client error path gives one line and its
exit code.
"""

from __future__ import annotations

import json
from pathlib import Path

import av
import numpy as np
import pytest
from comfy_server import model_files, placeholder_models
from PIL import Image

from draw_to_video import client
from draw_to_video.cli import main as cli_main
from draw_to_video.pipelines.inputs import EXAMPLE_CLIP, EXAMPLE_CLIP_NAME
from draw_to_video.pipelines.shots import EXAMPLE_SPEC

ROOT = Path(__file__).resolve().parents[2]
API = sorted((ROOT / "workflows" / "api").glob("*.json"))
SMALL = {"Render.max_size": 256, "Camera.frames": 8}
"""The no-model workflow shrunk for a CPU test: 8 frames of 256 px (x2 interpolation = 15 frames)."""
SMALL_SHOTS = {"Shots.spec": json.dumps({**EXAMPLE_SPEC, "width": 128, "height": 72, "shots": [
    {**s, "frames": 6, **({"transition_frames": 2} if "transition" in s else {})} for s in EXAMPLE_SPEC["shots"]]})}
"""The multi_shot workflow's own spec shrunk: 6-frame shots at 128x72."""
SMALL_COPY = {"Render.max_size": 256}
"""copy_camera_move with the render at 256 px (the clip's 25 frames are all tracked)."""


@pytest.fixture(scope="module")
def photo(tmp_path_factory) -> Path:
    from skimage import data

    p = tmp_path_factory.mktemp("photo") / "chelsea.png"
    Image.fromarray(data.chelsea()).save(p)
    return p


@pytest.fixture(scope="module")
def placeholders(comfy):
    """Empty model files under every name a shipped workflow loads (``ComfyServer`` has its own models folder)."""
    files = {}
    for path in API:
        files.update(model_files(json.loads(path.read_text())))
    with placeholder_models(comfy, files):
        yield


def _video(comfy, info: dict) -> tuple[int, float, tuple[int, int]]:
    with av.open(str(comfy.base_dir / info["type"] / info["subfolder"] / info["filename"])) as c:
        s = c.streams.video[0]
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        return len(frames), float(s.average_rate), frames[0].shape[:2]


def test_the_example_image_is_in_the_input_folder(comfy):
    assert (comfy.base_dir / "input" / "d2v_example.jpg").is_file()
    clip = comfy.base_dir / "input" / EXAMPLE_CLIP_NAME  # copy_camera_move's Load Video: the pack's clip
    assert clip.read_bytes() == EXAMPLE_CLIP.read_bytes()
    assert EXAMPLE_CLIP_NAME in comfy.object_info()["LoadVideo"]["input"]["required"]["file"][1]["options"]


@pytest.mark.parametrize("path", API, ids=[p.name for p in API])
def test_every_api_workflow_passes_validation(comfy, placeholders, path):
    c = client.Client(comfy.url)
    has_image = any(n["class_type"] == "LoadImage" for n in json.loads(path.read_text()).values())
    prompt = client.prepare(path.stem, image=c.upload_image(ROOT / "assets" / "example.jpg") if has_image else None,
                            sets=SMALL if path.stem == "draw_to_video" else SMALL_SHOTS if path.stem == "multi_shot"
                            else SMALL_COPY if path.stem == "copy_camera_move" else {})
    needs_model = bool(set(json.dumps(prompt).split('"')) & {"ckpt_name", "unet_name"})
    if path.stem == "multi_shot":
        n, fps, size = _video(comfy, c.run(prompt, timeout=600).video)
        assert (n, fps, size) == (14, 12.0, (72, 128)), "6 + 6 + 6 frames - 2 - 2 overlapping, at 12 fps"
        return
    if path.stem == "copy_camera_move":
        _copy_camera_move(comfy, c, prompt)
        return
    if not needs_model:
        result = c.run(prompt, timeout=600)
        n, fps, _ = _video(comfy, result.video)
        assert (n, fps) == (15, 24.0), "8 frames x2 interpolation at 12 fps -> 15 frames at 24 fps"
        return
    with pytest.raises(client.ExecutionFailed, match="Loader|loader|safetensors|header"):
        c.run(prompt, timeout=600)  # validated and queued; the placeholder is not a model


def _copy_camera_move(comfy, c: client.Client, prompt: dict) -> None:
    """The shipped clip (core's Load Video) tracked and its move rendered on the example photo at 256 px."""
    result = c.run(prompt, timeout=600)
    n, fps, size = _video(comfy, result.video)
    assert (n, fps, size) == (49, 24.0, (144, 256)), "25 frames x2 interpolation at the clip's 12 fps, 640x360 -> 256"
    outputs = comfy.get_json(f"/history/{result.prompt_id}")[result.prompt_id]["outputs"]
    report = json.loads(outputs[next(k for k, v in prompt.items() if v["_meta"]["title"] == "Tracking report")]
                        ["text"][0])
    # the clip is an arc (parallax): a full camera, every frame tracked, reprojecting well, with the lens given
    assert report["frames"] == 25 and report["fov_deg"] == 43.2 and not report["fov_estimated"], report
    assert not report["rotation_only"] and report["lost_frames"] == [] and report["reprojection_rms_px"] < 1.0
    with av.open(str(comfy.base_dir / "output" / result.video["subfolder"] / result.video["filename"])) as f:
        frames = [x.to_ndarray(format="rgb24").astype(float) for x in f.decode(video=0)]
    # an orbit keeps the rocket centred and sweeps the towers behind it; a still camera leaves < 1 here
    assert np.abs(frames[0] - frames[-1]).mean() > 5, "the copied move moves the picture"
    assert frames[0][..., 2].mean() > frames[0][..., 0].mean(), "the example photo (a blue dusk sky), not the cat"


def test_remote_renders_the_no_model_workflow_from_an_upload(comfy, photo, tmp_path, capsys):
    out = tmp_path / "clip.mp4"
    code = cli_main(["remote", "--server", comfy.url, "--workflow", "draw_to_video", "--image", str(photo),
                     "--preset", "orbit_left", "--set", "Render.max_size=256", "--set", "Camera.frames=6",
                     "--set", "Frame Interpolate.multiplier=3", "--out", str(out)])
    assert code == 0, capsys.readouterr().err
    with av.open(str(out)) as c:
        frames = [f.to_ndarray(format="rgb24") for f in c.decode(video=0)]
        assert len(frames) == 16 and float(c.streams.video[0].average_rate) == 36.0  # (6-1)*3+1 at 12*3 fps
    # it is the uploaded cat (orange-brown), not the example photo, and the camera moved
    assert frames[0][..., 0].mean() > frames[0][..., 2].mean() + 20
    assert np.abs(frames[0].astype(float) - frames[-1].astype(float)).mean() > 3


def _remote(args, capsys) -> tuple[int, str]:
    code = cli_main(["remote", *args])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err[-1] if err else ""


def test_remote_errors_are_one_line_with_their_exit_code(comfy, placeholders, tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text('{"version": 1, "strokes": [{"role": "camera", "points": [[0.1, NaN]]}]}')
    code, line = _remote(["--server", "http://127.0.0.1:9", "--out", str(tmp_path / "a.mp4")], capsys)
    assert code == 3 and ("not answering" in line or "no websocket" in line), line
    code, line = _remote(["--server", comfy.url, "--path", str(bad), "--out", str(tmp_path / "b.mp4")], capsys)
    assert code == 4 and line.startswith("error: the server refused the workflow") and "path" in line, line
    code, line = _remote(["--server", comfy.url, "--workflow", "svd_image_to_video", "--set",
                          "SVD checkpoint.ckpt_name=missing_svd.safetensors", "--out", str(tmp_path / "c.mp4")], capsys)
    assert code == 4 and "'SVD checkpoint'" in line and "model file is missing" in line, line
    code, line = _remote(["--server", comfy.url, "--set", "Nope.x=1"], capsys)
    assert code == 2 and "no node titled 'Nope'" in line, line


def test_interrupt_and_success_without_video_are_reported(comfy):
    c = client.Client(comfy.url)
    prompt = client.prepare("draw_to_video", sets={"Camera.frames": 40})

    def stop(data):
        if data["type"] == "progress":
            c.interrupt()

    with pytest.raises(client.Interrupted) as e:
        c.run(prompt, on_progress=stop, timeout=600)
    assert e.value.exit_code == 6 and "\n" not in str(e.value)
    no_video = {k: v for k, v in prompt.items() if v["class_type"] not in ("SaveVideo", "CreateVideo")}
    with pytest.raises(client.NoVideo) as e:
        c.run(no_video, timeout=600)
    assert e.value.exit_code == 7 and "without a video" in str(e.value)
