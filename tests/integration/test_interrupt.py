"""Cancel ends a long pack node within a second (issue 24): the 2.5D render of 300 frames and Frame Interpolate of
a 300-frame clip, interrupted mid-run through ComfyUI's ``POST /interrupt`` (the nodes' progress callback,
``nodes/common.progress``, is the Cancel checkpoint, called after every frame)."""

from __future__ import annotations

import os
import time

import pytest

INTERRUPT_BOUND_S = 1.0
OVERSUBSCRIBED = 2.0
"""Above this load average per core a frame can take seconds (measured: 2-8 s a 640x360 render frame at load 36 on
2 cores), so the bound is reported, not judged (as in the corpus)."""


def _render_graph() -> dict:
    traj = {"preset": "orbit_left", "frames": 300, "fps": 12, "intensity": 1, "easing": "auto",
            "focal_length_mm": 35, "sensor": "full_frame_36x24", "handheld": 0, "seed": 0,
            "use_drawing_speed": False}
    return {"1": {"class_type": "LoadImage", "inputs": {"image": "d2v_example.jpg"}},
            "3": {"class_type": "D2V_CinematicCameraTrajectory", "inputs": {**traj, "image": ["1", 0]}},
            "5": {"class_type": "D2V_CameraMotionRender",
                  "inputs": {"image": ["1", 0], "camera": ["3", 0], "depth_kind": "disparity", "fill": "background",
                             "depth_of_field": 0, "motion_blur": 0, "max_size": 0, "overscan": 0}},
            "9": {"class_type": "PreviewImage", "inputs": {"images": ["5", 0]}}}


def _interpolate_graph() -> dict:
    frames = {"class_type": "EmptyImage", "inputs": {"width": 640, "height": 360, "batch_size": 300, "color": 0x806040}}
    return {"1": frames,
            "7": {"class_type": "D2V_FrameInterpolate",
                  "inputs": {"frames": ["1", 0], "multiplier": 4, "source_fps": 12.0, "target_fps": 0.0,
                             "loop": False, "quality": "high"}},
            "9": {"class_type": "PreviewImage", "inputs": {"images": ["7", 0]}}}


def _running(comfy, prompt_id: str) -> bool:
    return any(item[1] == prompt_id for item in comfy.get_json("/queue")["queue_running"])


@pytest.mark.parametrize("graph,node", [(_render_graph, "5"), (_interpolate_graph, "7")], ids=["render", "interpolate"])
def test_an_interrupt_ends_the_node_within_a_second(comfy, graph, node):
    status, body = comfy.queue(graph())
    assert status == 200, body
    pid = body["prompt_id"]
    deadline = time.time() + 120
    while not _running(comfy, pid) and time.time() < deadline:
        time.sleep(0.05)
    time.sleep(3.0)  # into the node under test (the render's depth estimate takes about a second)
    assert _running(comfy, pid), "the prompt ended before it could be interrupted: make it longer"
    t0 = time.perf_counter()
    comfy.post_json("/interrupt", {})
    while _running(comfy, pid) and time.perf_counter() - t0 < 60:
        time.sleep(0.02)
    took = time.perf_counter() - t0
    entry = comfy.wait(pid, 60)
    kinds = [m[0] for m in entry["status"]["messages"]]
    print(f"\n[interrupt] {graph.__name__}: ended {took * 1000:.0f} ms after POST /interrupt ({kinds[-1]})")
    assert "execution_interrupted" in kinds, kinds
    load, cores = os.getloadavg()[0], os.cpu_count() or 1
    if load > OVERSUBSCRIBED * cores:
        pytest.skip(f"not judged: load average {load:.1f} on {cores} cores (ended {took:.2f} s after the interrupt)")
    assert took < INTERRUPT_BOUND_S, f"the run went on {took:.2f} s after the interrupt"
