"""The whole-prompt estimate (pipelines/budget.py): frames and memory carried through an API-format graph."""

from __future__ import annotations

import json
from pathlib import Path

from draw_to_video.core import limits
from draw_to_video.pipelines.budget import estimate_prompt, interpolated_frames
from draw_to_video.video.interpolate import plan_clip

ROOT = Path(__file__).resolve().parents[3]


def shipped(frames=25, multiplier=2, max_size=1536):
    g = json.loads((ROOT / "workflows" / "api" / "draw_to_video.json").read_text())
    for node in g.values():
        if node["class_type"] == "D2V_CinematicCameraTrajectory":
            node["inputs"]["frames"] = frames
        if node["class_type"] == "D2V_FrameInterpolate":
            node["inputs"]["multiplier"] = multiplier
        if node["class_type"] == "D2V_CameraMotionRender":
            node["inputs"]["max_size"] = max_size
    return g


def example_size(name):
    return (640, 360) if name == "d2v_example.jpg" else None


def test_the_shipped_workflow_is_sized_and_passes():
    est = estimate_prompt(shipped(), example_size)
    by = {c.class_type: c for c in est.nodes}
    assert by["D2V_CameraMotionRender"].output.frames == 25
    assert (by["D2V_CameraMotionRender"].output.height, by["D2V_CameraMotionRender"].output.width) == (360, 640)
    assert by["D2V_FrameInterpolate"].output.frames == 49
    assert est.refusal() is None


def test_1000_frames_interpolated_16x_is_refused_naming_frame_interpolate():
    r = estimate_prompt(shipped(frames=1000, multiplier=16, max_size=0), example_size).refusal()
    assert r is not None and r.class_type == "D2V_FrameInterpolate" and r.setting == "multiplier"
    assert r.message.startswith("Frame Interpolate (node 7) would make 15985 frames"), r.message
    assert "\n" not in r.message


def test_over_the_memory_budget_names_the_node_and_setting():
    r = estimate_prompt(shipped(frames=200, multiplier=16), example_size).refusal()
    assert r is not None and r.class_type == "D2V_FrameInterpolate" and "multiplier" in r.message, r
    assert "GB of memory for 3185 frames of 640x360" in r.message and "8.0 GB limit" in r.message, r.message
    assert estimate_prompt(shipped(frames=200, multiplier=16), example_size).refusal(budget=16 * 2**30) is None
    # the render itself over: its max_size is named
    r = estimate_prompt(shipped(frames=1000, multiplier=1, max_size=0),
                        lambda n: (16384, 9216)).refusal()
    assert r is not None and r.class_type == "D2V_CameraMotionRender" and "max_size" in r.message


def test_unknown_sizes_check_nothing():
    assert estimate_prompt(shipped(frames=1000, multiplier=16)).refusal() is None  # image size unknown
    for bad in (None, [], {"1": None}, {"1": {"class_type": "D2V_FrameInterpolate", "inputs": {"frames": ["1", 0]}}},
                {"1": {"class_type": "EmptyImage", "inputs": {"width": "x", "height": 1e400, "batch_size": None}}},
                {"1": {"class_type": "D2V_ShotList", "inputs": {"spec": "{not json"}}}):
        assert estimate_prompt(bad).refusal() is None


def test_a_very_long_chain_does_not_raise():
    g = {"0": {"class_type": "EmptyImage", "inputs": {"width": 64, "height": 48, "batch_size": 2}}}
    for i in range(1, 5000):
        g[str(i)] = {"class_type": "D2V_TemporalConsistency", "inputs": {"frames": [str(i - 1), 0]}}
    estimate_prompt(g).refusal()


def test_interpolated_frames_follows_the_plan():
    for b, m, t, s, loop in [(25, 2, None, None, False), (25, 16, None, None, True), (10, 1, 30, 12, False),
                             (10, 1, 30, 12, True), (1000, 16, None, 12.0, False)]:
        n = interpolated_frames(b, m, t, s, loop)
        assert n == len(plan_clip(b, m, t, s, loop, max_frames=10**6)), (b, m, t, s, loop)


def test_a_shot_list_is_sized_from_its_spec():
    spec = {"version": 1, "width": 4096, "height": 4096, "shots": [{"image": 0, "frames": 1000},
                                                                  {"image": 0, "frames": 1000}]}
    r = estimate_prompt({"4": {"class_type": "D2V_ShotList", "inputs": {"spec": json.dumps(spec)}}}).refusal()
    assert r is not None and r.class_type == "D2V_ShotList" and "spec" in r.message
    assert limits.clip_bytes(2000, 4096, 4096) > limits.MEMORY_BUDGET_BYTES


# --- one step's budget: the same formula for the node, the prompt estimate and the Python API path ---------------

def test_the_prompt_rules_use_the_steps_formulas():
    from draw_to_video.pipelines import budget

    est = estimate_prompt(shipped(frames=25, multiplier=2), example_size)
    cost = {c.class_type: c for c in est.nodes}
    interp, temporal = cost.get("D2V_FrameInterpolate"), cost.get("D2V_TemporalConsistency")
    assert interp is not None
    h, w = interp.output.height, interp.output.width
    assert interp.work_bytes == budget.interpolate_bytes(25, interp.output.frames, h, w)
    if temporal is not None:
        assert temporal.work_bytes == budget.temporal_bytes(temporal.output.frames, h, w)


def test_the_python_api_checks_the_budget_before_the_work(monkeypatch):
    import numpy as np
    import pytest
    import torch

    from draw_to_video.pipelines.director import apply_director_style
    from draw_to_video.pipelines.finish import Interpolate, finish_clip
    from draw_to_video.pipelines.keyframes import keyframe_clip

    clip = torch.rand(4, 64, 64, 3)
    calls = []
    monkeypatch.setattr("draw_to_video.video.interpolate.interpolate_clip", lambda *a, **k: calls.append(a))
    monkeypatch.setenv("D2V_MEMORY_BUDGET_GB", "0.0001")  # 100 kB: less than any of these steps needs
    with pytest.raises(ValueError, match="interpolating 4 frames of 64x64 to 7 needs about"):
        finish_clip(clip, 12.0, interpolate=Interpolate(multiplier=2))
    with pytest.raises(ValueError, match="stabilising 4 frames"):
        finish_clip(clip, 12.0, stabilize=True)
    with pytest.raises(ValueError, match="vignette on 4 frames"):
        finish_clip(clip, 12.0, effects=["vignette"])
    with pytest.raises(ValueError, match="director style on 4 frames"):
        apply_director_style(clip, "hitchcock")
    with pytest.raises(ValueError, match="3 in-between frames of 64x64"):
        keyframe_clip(np.zeros((64, 64, 3), np.float32), np.ones((64, 64, 3), np.float32), frames=3)
    assert not calls
    monkeypatch.setenv("D2V_MEMORY_BUDGET_GB", "8")
    assert finish_clip(clip, 12.0, effects=["vignette"]).frames.shape == clip.shape
