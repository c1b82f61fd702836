"""The same prompt gives the same pixels (issue 24): the shipped ``draw_to_video`` workflow, the same image bytes
uploaded under different names, run twice in one server, queued together, while the widget's ``/analyze`` route
is busy, and after a server restart; every frame must be bit-identical.

The workflow runs as shipped (Load Image → Draw Path Input → trajectory → 2.5D render → Temporal Consistency →
Frame Interpolate) with fewer frames (CPU time) and its frames saved as PNG (lossless) instead of the video.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import threading
import urllib.request
import uuid
from pathlib import Path

import numpy as np
from comfy_server import ComfyServer, find_comfyui
from PIL import Image

ROOT = Path(__file__).resolve().parents[2]
FRAMES = int(os.environ.get("D2V_DET_FRAMES", 8))


def upload(comfy, name: str, data: bytes) -> str:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"image\"; filename=\"{name}\"\r\n"
            "Content-Type: image/jpeg\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(comfy.url + "/upload/image", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    with urllib.request.urlopen(req, timeout=60) as r:
        return json.loads(r.read())["name"]


def workflow(image_name: str) -> dict:
    """The shipped draw_to_video API workflow on ``image_name``, FRAMES frames, the interpolated frames saved as
    PNG (the node ids are the shipped file's; the test checks they are what it expects)."""
    g = json.loads((ROOT / "workflows" / "api" / "draw_to_video.json").read_text())
    kinds = {k: v["class_type"] for k, v in g.items()}
    load = next(k for k, c in kinds.items() if c == "LoadImage")
    traj = next(k for k, c in kinds.items() if c == "D2V_CinematicCameraTrajectory")
    interp = next(k for k, c in kinds.items() if c == "D2V_FrameInterpolate")
    assert {"D2V_CameraMotionRender", "D2V_TemporalConsistency"} <= set(kinds.values()), kinds
    g[load]["inputs"]["image"] = image_name
    g[traj]["inputs"]["frames"] = FRAMES
    for k in [k for k, c in kinds.items() if c in ("CreateVideo", "SaveVideo")]:
        del g[k]
    g["90"] = {"class_type": "SaveImage", "inputs": {"images": [interp, 0],
                                                    "filename_prefix": f"determinism/{uuid.uuid4().hex[:8]}"}}
    return g


def other_job() -> dict:
    """The workflow's nodes on another picture, size and settings (nothing saved)."""
    g = workflow("unused.png")
    load = next(k for k, v in g.items() if v["class_type"] == "LoadImage")
    g[load] = {"class_type": "EmptyImage", "inputs": {"width": 200, "height": 150, "batch_size": 1, "color": 0x405070}}
    for v in g.values():
        if v["class_type"] == "D2V_CinematicCameraTrajectory":
            v["inputs"].update(frames=5, preset="orbit_left")
        if v["class_type"] == "D2V_FrameInterpolate":
            v["inputs"]["multiplier"] = 3
    out = next(k for k, v in g.items() if v["class_type"] == "SaveImage")
    g[out] = {"class_type": "PreviewImage", "inputs": {"images": g[out]["inputs"]["images"]}}
    return g


def frames_of(comfy, entry: dict) -> np.ndarray:
    """[N, H, W, 3] uint8 of the SaveImage output of a finished prompt."""
    files = entry["outputs"]["90"]["images"]
    return np.stack([np.asarray(Image.open(io.BytesIO(comfy.view(f))).convert("RGB")) for f in files])


def digest(frames: np.ndarray) -> str:
    return hashlib.sha256(frames.tobytes()).hexdigest()[:16]


def differences(a: np.ndarray, b: np.ndarray) -> str:
    if a.shape != b.shape:
        return f"shapes {a.shape} vs {b.shape}"
    d = np.abs(a.astype(int) - b.astype(int))
    frames = [i for i in range(len(d)) if d[i].any()]
    return f"{len(frames)} of {len(d)} frames differ (max {d.max()} levels, frames {frames[:10]})"


def busy_analyze(comfy, stop: threading.Event) -> None:
    """What the widget does while a prompt runs: /analyze requests, one after another."""
    body = json.dumps({"path": {"version": 1, "width": 640, "height": 360, "strokes": [
        {"role": "camera", "points": [[0.2, 0.5], [0.5, 0.45], [0.8, 0.5]]}]}, "params": {"frames": 25}}).encode()
    while not stop.is_set():
        req = urllib.request.Request(comfy.url + "/draw_to_video/analyze", data=body,
                                     headers={"Content-Type": "application/json"})
        try:
            urllib.request.urlopen(req, timeout=30).read()
        except OSError:
            pass


def test_same_inputs_give_bit_identical_frames(comfy, tmp_path):
    data = (ROOT / "assets" / "example.jpg").read_bytes()
    names = [upload(comfy, f"determinism_{i}.jpg", data) for i in range(5)]
    # twice in a row, each under its own name (so no cached node output is reused), with another job between
    # them (other sizes and settings through the same nodes: caches, allocator and pools in another state)
    runs = [frames_of(comfy, comfy.run(workflow(names[0])))]
    comfy.run(other_job())
    runs.append(frames_of(comfy, comfy.run(workflow(names[1]))))
    # three queued at once, with the widget's route busy on its threads meanwhile
    stop = threading.Event()
    poker = threading.Thread(target=busy_analyze, args=(comfy, stop), daemon=True)
    poker.start()
    try:
        ids = []
        for i in range(2, 5):
            status, body = comfy.queue(workflow(names[i]))
            assert status == 200, body
            ids.append(body["prompt_id"])
        entries = [comfy.wait(pid, 900) for pid in ids]
    finally:
        stop.set()
        poker.join(60)
    for e in entries:
        assert e["status"]["status_str"] == "success", json.dumps(e["status"])[:2000]
        runs.append(frames_of(comfy, e))
    # a fresh server: nothing kept from a run before
    fresh = ComfyServer(find_comfyui()).start()
    try:
        runs.append(frames_of(fresh, fresh.run(workflow(upload(fresh, "determinism_fresh.jpg", data)), 900)))
    finally:
        fresh.cleanup()
    print(f"\n[determinism] {len(runs)} runs of {runs[0].shape}: " + ", ".join(digest(r) for r in runs))
    assert runs[0].shape[0] == 2 * FRAMES - 1 and runs[0].std() > 10, "the frames are not the workflow's output"
    for i, r in enumerate(runs[1:], 1):
        assert np.array_equal(runs[0], r), f"run {i} differs from run 0: {differences(runs[0], r)}"
