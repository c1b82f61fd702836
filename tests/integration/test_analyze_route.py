"""POST /draw_to_video/analyze on a real ComfyUI: the Draw Path widget's live intent + framing readout."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.error
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
    # settings are checked with the nodes' ranges (one line, 400); unknown keys are left alone
    status, body = comfy.post_json(ROUTE, {"path": _line([0.5, 0.8], [0.5, 0.3]),
                                           "params": {"frames": 25, "handheld": 3, "__init__": 1}})
    assert status == 200 and body["intent"] == "dolly_in", body
    for bad, named in [({"frames": 1e9}, "frames"), ({"fps": 0}, "fps"), ({"frames": "many"}, "frames"),
                       ({"seed": 10**40}, "seed"), ({"preset": "no_such_preset"}, "preset"), (7, "params")]:
        status, body = comfy.post_json(ROUTE, {"path": _line([0.5, 0.8], [0.5, 0.3]), "params": bad})
        assert status == 400 and named in body["error"] and "\n" not in body["error"], (bad, status, body)
    # NaN is not JSON, but Python's json (and ComfyUI's clients) send it
    req = urllib.request.Request(comfy.url + ROUTE, headers={"Content-Type": "application/json"},
                                 data=b'{"path": ' + json.dumps(_line([0.5, 0.8], [0.5, 0.3])).encode()
                                 + b', "params": {"intensity": NaN}}')
    try:
        urllib.request.urlopen(req, timeout=30)
        raise AssertionError("NaN intensity accepted")
    except urllib.error.HTTPError as e:
        assert e.code == 400 and "intensity" in json.loads(e.read())["error"]
    big = {"path": {"version": 1, "width": 8, "height": 8, "strokes": [{"role": "camera", "points": [[0.5, 0.5]]}]},
           "padding": "x" * (9 * 1024 * 1024)}
    status, body = comfy.post_json(ROUTE, big)
    assert status == 413 and "too large" in body["error"]
    assert comfy.get_json("/system_stats")["system"], "the server still answers"


def test_stalled_clients_hold_no_analysis_slot(comfy):
    """Sockets that announce a body and send one byte of it must not lock the route: a slot is taken only once the
    whole body is read (with a timeout), so other clients keep getting answers within a second."""
    from urllib.parse import urlparse

    u = urlparse(comfy.url)
    stalled = []
    for _ in range(8):  # twice the route's slots (nodes/routes.MAX_IN_FLIGHT)
        s = socket.create_connection((u.hostname, u.port), timeout=30)
        s.sendall(f"POST {ROUTE} HTTP/1.1\r\nHost: {u.hostname}\r\nContent-Type: application/json\r\n"
                  "Content-Length: 100\r\n\r\n{".encode())
        stalled.append(s)
    try:
        time.sleep(0.3)  # the server has the headers and the byte
        body = {"path": _line([0.5, 0.8], [0.5, 0.3])}
        for _ in range(3):
            t0 = time.perf_counter()
            status, answer = comfy.post_json(ROUTE, body, timeout=10)
            took = time.perf_counter() - t0
            assert status == 200 and answer["intent"] == "dolly_in", (status, answer)
            assert took < 1.0, f"a client waited {took:.2f} s behind stalled sockets"
        # the stalled ones are answered 408 once the read times out, and closed
        for s in stalled:
            s.settimeout(30)  # the read timeout (nodes/routes.READ_TIMEOUT_S) is 5 s
            head = s.recv(4096).decode(errors="replace")
            assert head.startswith("HTTP/1.1 408"), head[:200]
    finally:
        for s in stalled:
            s.close()


def test_analyze_keeps_answering_while_many_clients_stall(comfy):
    """Twenty stalled sockets at once: /system_stats and /analyze still answer within a second."""
    from urllib.parse import urlparse

    u = urlparse(comfy.url)
    stalled, errors = [], []

    def stall():
        try:
            s = socket.create_connection((u.hostname, u.port), timeout=30)
            s.sendall(f"POST {ROUTE} HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n[".encode())
            stalled.append(s)
        except OSError as e:
            errors.append(e)

    threads = [threading.Thread(target=stall) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    try:
        t0 = time.perf_counter()
        assert comfy.get_json("/system_stats", timeout=10)["system"]
        status, _ = comfy.post_json(ROUTE, {"path": _line([0.2, 0.5], [0.8, 0.5])}, timeout=10)
        took = time.perf_counter() - t0
        assert status == 200 and took < 1.0, (status, took)
        assert not errors, errors
    finally:
        for s in stalled:
            s.close()
