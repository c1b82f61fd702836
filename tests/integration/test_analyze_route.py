"""POST /draw_to_video/analyze on a real ComfyUI: the Draw Path widget's live intent + framing readout."""

from __future__ import annotations

import json
import urllib.request

import numpy as np

from draw_to_video.camera.intent import analyze_intent
from draw_to_video.camera.path import parse_path

ROUTE = "/draw_to_video/analyze"


def _line(a, b):
    return {"version": 1, "width": 64, "height": 64, "strokes": [{"role": "camera", "points": [a, b]}]}


def _circle(n=60, clockwise=True):
    a = np.linspace(0, 2 * np.pi * 0.95, n) * (1 if clockwise else -1)
    return [[0.5 + 0.25 * np.cos(t), 0.5 + 0.25 * np.sin(t), i * 20.0] for i, t in enumerate(a)]


def test_analyze_answers_like_the_python_analysis(comfy):
    path = {"version": 1, "width": 1024, "height": 576, "strokes": [{"role": "camera", "points": _circle()}]}
    status, body = comfy.post_json(ROUTE, {"path": path, "params": {"frames": 14, "preset": "auto"}})
    assert status == 200, body
    expected = analyze_intent(parse_path(path))
    assert (body["intent"], body["preset"]) == (expected.intent, expected.preset) and expected.intent == "orbit"
    assert body["frames"] == 14
    first, last = np.array(body["framing"]["first"]), np.array(body["framing"]["last"])
    assert first.shape == last.shape == (4, 2)
    np.testing.assert_allclose(first, [[0, 0], [1, 0], [1, 1], [0, 1]], atol=1e-3)
    assert np.abs(last - first).max() > 0.02, "an orbit frames the image differently at the end"


def test_analyze_is_served_under_api_too(comfy):
    status, body = comfy.post_json("/api" + ROUTE, {"path": json.dumps(_line([0.2, 0.5], [0.8, 0.5]))})
    assert status == 200 and body["intent"] == "truck_right", body


def test_analyze_refuses_bad_input_without_harming_the_server(comfy):
    cases = [
        {"path": "{not json"},
        {"path": {"version": 1, "width": 10, "height": 10, "strokes": [{"role": "camera", "points": [[0.1, "x"]]}]}},
        {"nopath": 1},
        [1, 2, 3],
    ]
    for payload in cases:
        status, body = comfy.post_json(ROUTE, payload)
        assert status == 400 and body["error"], (payload, status, body)
    req = urllib.request.Request(comfy.url + ROUTE, data=b"\xff\xfe garbage",
                                 headers={"Content-Type": "application/json"})
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("garbage body accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400
    # no camera stroke: a 200 with a hint, no intent
    status, body = comfy.post_json(ROUTE, {"path": {"version": 1, "width": 8, "height": 8,
                                                     "strokes": [{"role": "focus", "points": [[0.5, 0.5]]}]}})
    assert status == 200 and body["intent"] is None and "camera stroke" in body["warnings"][-1]
    # unknown / wrong-typed settings are ignored, not fatal
    bad_params = {"preset": "no_such_preset", "frames": "many", "handheld": 3, "__init__": 1}
    status, body = comfy.post_json(ROUTE, {"path": _line([0.5, 0.8], [0.5, 0.3]), "params": bad_params})
    assert status == 200 and body["intent"] == "dolly_in", body
    big = {"path": {"version": 1, "width": 8, "height": 8, "strokes": [{"role": "camera", "points": [[0.5, 0.5]]}]},
           "padding": "x" * (9 * 1024 * 1024)}
    status, body = comfy.post_json(ROUTE, big)
    assert status == 413 and "too large" in body["error"]
    assert comfy.get_json("/system_stats")["system"], "the server still answers"
