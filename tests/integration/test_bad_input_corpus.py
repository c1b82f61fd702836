"""The bad-input corpus (issue 12): what a hostile client can send, against a real ComfyUI with the pack loaded.

Cases are generated from the pack's schemas (``tests/data/object_info-pack.json``, checked against the live
``/object_info`` below): every numeric input at and beyond its limits (min, max, min-1, max+1, NaN, +-huge), bad
and deeply nested JSON and 5 MB strings in every STRING input, image sizes from 1x1 up (4096x4096 with
``D2V_SLOW=1``), grayscale and RGBA uploads, bad ``/upload/image`` files, bad ``/draw_to_video/analyze`` bodies and
the shipped workflows without their checkpoint. Each goes through ``/prompt`` in a minimal graph (core
``EmptyImage`` as the source, ``PreviewAny`` as the output) and must end in

* a validation error (400) whose every reason is one line, carries no traceback and echoes no large value, or
* an execution error whose ``exception_message`` (what ComfyUI shows the user; the traceback beside it is
  ComfyUI's to send) is one line from a ``ValueError``, or
* success.

A background thread polls ``/system_stats`` and the server's RSS the whole time: the last test asserts the
issue's bounds (answer within :data:`LATENCY_BOUND_S`, RSS under :data:`RSS_BOUND_BYTES`) and prints the figures.
"""

from __future__ import annotations

import io
import json
import math
import os
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from draw_to_video.core.limits import MAX_PROMPT_CHARS  # the checkout: see tests/conftest.py

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from comfy_server import model_files, models_present  # noqa: E402
from workflow_check import PACK_SCHEMAS, widget_defaults  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
PACK = json.loads(PACK_SCHEMAS.read_text())
SLOW = os.environ.get("D2V_SLOW") == "1"

LATENCY_BOUND_S = 0.5
"""/system_stats must answer within this while the corpus runs (issues 12 and 24), for 99 % of the polls."""
LATENCY_MAX_S = 2.0
"""No poll may take longer than this: the issue's 0.5 s with a margin for a shared 2-core test machine, where the
worst single poll measured 1.0-1.5 s (ComfyUI parsing a 9 MB /prompt body on its own event loop, or 12 concurrent
/analyze requests contending for the GIL)."""
RSS_BOUND_BYTES = 6 * 1024**3
"""The server's resident memory must stay under this (CPU torch + ComfyUI idle is ~0.7-1 GB here)."""
OVERSUBSCRIBED = 2.0
"""A machine whose 1-minute load average stayed above this many runnable processes per core through the corpus
cannot time a server: the latency bounds are then reported, not asserted (the RSS bounds still are)."""
RSS_RETURN = 0.10
"""After the corpus (and ComfyUI's /free), the server's RSS must come back within this fraction of its value when
the corpus started (issue 24): nothing the hostile cases sent is kept."""
REPLY_BOUND = 20_000
"""A refusal's JSON must stay under this many characters whatever size the bad value had."""


# --- the watcher: /system_stats latency and server RSS during the whole module ---------------------------------
class Watch:
    def __init__(self, comfy):
        self.comfy, self.latencies, self.rss, self.during, self.load = comfy, [], [], [], []
        self.current = ""  # the test running now (set by the autouse fixture below)
        self.start_rss = server_rss(comfy)
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self):
        while not self._stop.is_set():
            t0 = time.perf_counter()
            try:
                self.comfy.get_json("/system_stats", timeout=10)
                self.latencies.append(time.perf_counter() - t0)
            except Exception:  # noqa: BLE001 - a failed poll is recorded as a miss
                self.latencies.append(math.inf)
            self.during.append(self.current)
            self.rss.append(server_rss(self.comfy))
            self.load.append(os.getloadavg()[0] if hasattr(os, "getloadavg") else 0.0)
            self._stop.wait(0.1)

    def stop(self):
        self._stop.set()
        self.thread.join(15)


def server_rss(comfy) -> int:
    """Resident memory of the ComfyUI process in bytes (0 where /proc is not available)."""
    try:
        for line in Path(f"/proc/{comfy.proc.pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    except OSError:
        pass
    return 0


def warm_up(comfy) -> None:
    """Every pack node once on small inputs (the corpus' own minimal graphs), the video chain to core SaveVideo and
    one /analyze request, so the RSS the corpus starts from includes the libraries these load on first use (OpenCV,
    PyAV, the render's and the effects' modules): they stay loaded and are not what the corpus keeps. Then
    ComfyUI's /free and one small pack job (its release_memory gives freed pages back)."""
    for node_id in PACK:
        status, body = comfy.queue(graph(node_id, {}))
        if status == 200:
            comfy.wait(body["prompt_id"], 300)
    comfy.run(video_chain(empty_image(96, 96)))
    post_raw(comfy, ANALYZE, json.dumps({"path": PATH}).encode())
    settle(comfy)


def settle(comfy) -> int:
    """ComfyUI's /free (its cached outputs dropped) and its history cleared (it keeps every prompt that ran, by
    design: the 3 MB path of the point-limit case among them), then one small Frame Interpolate run (the pack's
    release_memory: garbage collected, malloc's free pages returned); the server's RSS after it."""
    comfy.post_json("/free", {"unload_models": True, "free_memory": True})
    comfy.post_json("/history", {"clear": True})
    clip = empty_image(64, 48, 3)
    comfy.run({"1": clip, "4": {"class_type": "D2V_FrameInterpolate",
                                "inputs": {**defaults("D2V_FrameInterpolate"), "frames": ["1", 0], "source_fps": 8.0}},
               "9": preview("4", 1)})
    time.sleep(1)
    return server_rss(comfy)


@pytest.fixture(scope="module")
def watch(comfy):
    warm_up(comfy)
    w = Watch(comfy)
    w.thread.start()
    yield w
    w.stop()


@pytest.fixture(autouse=True)
def _name_the_test(request, watch):
    watch.current = request.node.name
    yield
    watch.current = ""


# --- posting a case and judging the answer ---------------------------------------------------------------------
def _one_line(text, what: str) -> None:
    text = str(text)
    assert "\n" not in text.strip() and "Traceback" not in text, f"{what} is not one line: {text[:600]}"


def outcome(comfy, prompt: dict, exception_types=("ValueError",), timeout: float = 180) -> tuple[str, str]:
    """Queue ``prompt`` and judge ComfyUI's answer. Returns ("refused" | "failed" | "ran", the message)."""
    status, body = comfy.queue(prompt)
    text = json.dumps(body)
    assert status in (200, 400), f"/prompt answered {status}: {text[:600]}"
    if status == 400:
        assert len(text) < REPLY_BOUND, f"the refusal is {len(text)} characters: it echoes the input"
        reasons = [r for n in body.get("node_errors", {}).values() for r in n["errors"]]
        if not reasons:
            reasons = [body["error"]]
        for r in reasons:
            assert r.get("type") not in ("exception_during_validation", "exception_during_inner_validation"), \
                f"validation raised: {text[:600]}"
            assert not (r.get("extra_info") or {}).get("traceback"), f"a traceback is sent: {text[:600]}"
            _one_line(r["message"], "a validation message")
            _one_line(r.get("details", ""), "a validation detail")
        return "refused", f"{reasons[0]['message']}: {reasons[0].get('details', '')}"
    entry = comfy.wait(body["prompt_id"], timeout)
    if entry["status"]["status_str"] == "success":
        return "ran", ""
    errors = [m[1] for m in entry["status"]["messages"] if m[0] == "execution_error"]
    assert errors, f"the prompt failed without an execution_error: {json.dumps(entry['status'])[:600]}"
    err = errors[0]
    msg = err.get("exception_message", "")
    _one_line(msg, f"the {err.get('node_type')} error")
    assert len(msg) < 1000, f"the error echoes {len(msg)} characters"
    assert err.get("exception_type") in exception_types, \
        f"{err.get('node_type')} raised {err.get('exception_type')}: {msg[:300]}"
    return "failed", msg


# --- minimal graphs: one per pack node, its other inputs valid ---------------------------------------------------
def defaults(node_id: str) -> dict:
    """The widget inputs of ``node_id`` at their defaults (links left out)."""
    return widget_defaults(PACK, node_id)


PATH = json.dumps({"version": 1, "width": 64, "height": 48,
                   "strokes": [{"role": "camera", "points": [[0.3, 0.5], [0.5, 0.45], [0.7, 0.5]]}]})


def empty_image(w=128, h=96, n=1, color=0x7F6050) -> dict:
    return {"class_type": "EmptyImage", "inputs": {"width": w, "height": h, "batch_size": n, "color": color}}


def preview(src: str, slot: int) -> dict:
    return {"class_type": "PreviewAny", "inputs": {"source": [src, slot]}}


def graph(node_id: str, values: dict) -> dict:
    """A graph that runs ``node_id`` with ``values`` (over its defaults) on small inputs."""
    draw = {"class_type": "D2V_DrawPathInput", "inputs": {"path_json": PATH, "image": ["1", 0]}}
    traj = {"class_type": "D2V_CinematicCameraTrajectory",
            "inputs": {**defaults("D2V_CinematicCameraTrajectory"), "frames": 2, "path": ["2", 1], "image": ["1", 0]}}
    if node_id == "D2V_DrawPathInput":
        draw["inputs"].update(values)
        return {"1": empty_image(), "2": draw, "9": preview("2", 3)}
    if node_id == "D2V_CinematicCameraTrajectory":
        traj["inputs"].update(values)
        return {"1": empty_image(), "2": draw, "3": traj, "9": preview("3", 2)}
    if node_id == "D2V_CameraMotionRender":
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **values, "image": ["1", 0], "camera": ["3", 0]}}
        return {"1": empty_image(), "2": draw, "3": traj, "4": node, "9": preview("4", 1)}
    if node_id == "D2V_SVDImageEncodeWithMotion":
        loader = {"class_type": "ImageOnlyCheckpointLoader", "inputs": {"ckpt_name": "missing.safetensors"}}
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **values, "init_image": ["1", 0],
                                                  "clip_vision": ["5", 1], "vae": ["5", 2]}}
        return {"1": empty_image(), "5": loader, "4": node, "9": preview("4", 2)}
    if node_id == "D2V_WanCameraEmbedding":  # small clip unless the case sets a size; the int output is previewed
        node = {"class_type": node_id, "inputs": {"width": 64, "height": 48, "length": 5, **values, "camera": ["3", 0]}}
        return {"1": empty_image(), "2": draw, "3": traj, "4": node, "9": preview("4", 3)}
    if node_id == "D2V_KeyframeInterpolate":  # two images in; its "frames" is a count, not the clip
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **values, "start": ["1", 0], "end": ["1", 0]}}
        return {"1": empty_image(), "4": node, "9": preview("4", 0)}
    if node_id == "D2V_CameraTracks":  # small video unless the case sets a size; the tracks are previewed
        size = {"width": 64, "height": 48}  # a side the case sets gets the other at about the picture's 4:3
        for side, other, ratio in (("width", "height", 3 / 4), ("height", "width", 4 / 3)):
            v = values.get(side)
            if isinstance(v, int) and 16 <= v <= 16384:
                size[other] = max(16, min(16384, round(v * ratio)))
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **size, "length": 5, "count": 4, **values,
                                                  "image": ["1", 0], "camera": ["3", 0]}}
        return {"1": empty_image(), "2": draw, "3": traj, "4": node, "9": preview("4", 0)}
    if node_id == "D2V_WanRenderGuide":  # small guide unless the case sets a size (the other side kept Wan-legal)
        size = {"width": 64, "height": 48}
        for side, other, ratio in (("width", "height", 3 / 4), ("height", "width", 4 / 3)):
            v = values.get(side)
            if isinstance(v, int) and 16 <= v <= 2048:
                size[other] = max(16, min(2048, 16 * round(v * ratio / 16)))
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **size, "length": 5, **values,
                                                  "image": ["1", 0], "camera": ["3", 0]}}
        return {"1": empty_image(), "2": draw, "3": traj, "4": node, "9": preview("4", 4)}
    if node_id == "D2V_CameraFromVideo":  # a still clip of the example photo (texture to track): two frames
        load = {"class_type": "LoadImage", "inputs": {"image": "d2v_example.jpg"}}
        small = {"class_type": "ImageScale", "inputs": {"image": ["5", 0], "upscale_method": "area", "width": 128,
                                                        "height": 96, "crop": "center"}}
        clip = {"class_type": "ImageBatch", "inputs": {"image1": ["6", 0], "image2": ["6", 0]}}
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **values, "frames": ["7", 0]}}
        return {"5": load, "6": small, "7": clip, "4": node, "9": {"class_type": "PreviewAny",
                                                                    "inputs": {"source": ["4", 2]}}}
    if node_id == "D2V_PromptTemplate":  # text in, text out
        node = {"class_type": node_id, "inputs": {**defaults(node_id), **values}}
        return {"4": node, "9": {"class_type": "PreviewAny", "inputs": {"source": ["4", 0]}}}
    if node_id == "D2V_ShotList":  # two clip shots from a small batch: no render needed
        spec = json.dumps({"version": 1, "width": 32, "height": 24, "shots": [
            {"clip": 0, "frames": 3}, {"clip": 0, "frames": 3, "transition": "crossfade", "transition_frames": 2}]})
        node = {"class_type": node_id, "inputs": {**defaults(node_id), "spec": spec, **values, "clip_0": ["1", 0]}}
        return {"1": empty_image(n=3), "4": node, "9": preview("4", 1)}
    clip = empty_image(n=3)
    node = {"class_type": node_id, "inputs": {**defaults(node_id), **values, "frames": ["1", 0]}}
    if PACK[node_id].get("output_node"):
        return {"1": clip, "4": node}
    return {"1": clip, "4": node, "9": preview("4", 0)}


def numeric_cases():
    """(node, input, label, value) for every INT/FLOAT input: at and beyond its limits, NaN and huge."""
    for node_id, info in PACK.items():
        for cat in ("required", "optional"):
            for name, spec in info["input"].get(cat, {}).items():
                if spec[0] not in ("INT", "FLOAT"):
                    continue
                lo, hi = spec[1]["min"], spec[1]["max"]
                step = 1 if spec[0] == "INT" else max(1.0, (hi - lo) * 0.01)
                values = {"min": lo, "max": hi, "below": lo - step, "above": hi + step,
                          "huge": 10**30 if spec[0] == "INT" else 1e308,
                          "-huge": -(10**30) if spec[0] == "INT" else -1e308, "nan": math.nan}
                for label, v in values.items():
                    yield node_id, name, label, v


# Inputs whose node takes validate_inputs(**kwargs), so ComfyUI skips their min/max (the node must check them).
_SELF_CHECKED = {"D2V_FrameInterpolate"}
# Inputs also limited by another input (target_fps at most 64x source_fps): refused in range with a message naming both.
_CROSS_CHECKED = {("D2V_FrameInterpolate", "target_fps")}
# Wan clip lengths are 4n + 1 (core's widget steps by 4 from 1): another value in range is refused naming the rule.
_WAN_LENGTH = {("D2V_WanCameraEmbedding", "length"), ("D2V_CameraTracks", "length"), ("D2V_WanRenderGuide", "length")}


def _numeric_param(node_id, name, label, value):
    return pytest.param(node_id, name, value, id=f"{node_id[4:]}.{name}={label}")


NUMERIC = [_numeric_param(*c) for c in numeric_cases()]


def test_the_cases_come_from_the_live_schemas(object_info):
    """The recorded schemas the cases are generated from are the ones this server serves."""
    for node_id, info in PACK.items():
        live = object_info[node_id]["input"]
        for cat in ("required", "optional"):
            for name, spec in info["input"].get(cat, {}).items():
                if spec[0] in ("INT", "FLOAT"):
                    got = live[cat][name][1]
                    assert (got["min"], got["max"]) == (spec[1]["min"], spec[1]["max"]), (node_id, name)


@pytest.mark.parametrize("node_id,name,value", NUMERIC)
def test_numeric_inputs_at_and_beyond_their_limits(comfy, watch, node_id, name, value):
    kind, msg = outcome(comfy, graph(node_id, {name: value}))
    if node_id == "D2V_SVDImageEncodeWithMotion":
        assert kind == "refused"  # the checkpoint is missing: nothing of the graph may run
        return
    spec = {**PACK[node_id]["input"].get("required", {}), **PACK[node_id]["input"].get("optional", {})}[name][1]
    in_range = isinstance(value, (int, float)) and not math.isnan(value) and spec["min"] <= value <= spec["max"]
    if in_range and (node_id, name) in _WAN_LENGTH and (value - 1) % 4:
        assert kind == "refused" and "4n + 1" in msg, msg
    elif in_range and (node_id, name) in _CROSS_CHECKED and kind == "refused":
        assert name in msg and "source_fps" in msg, msg  # in range, but too far from the other input
    elif in_range:
        assert kind == "ran", f"{name}={value} is in range but: {msg}"
    else:
        assert kind != "ran", f"{name}={value} was accepted"
        assert name in msg or "nan" in msg.lower() or "finite" in msg or "number" in msg, msg


# --- STRING inputs: bad, deep, huge -------------------------------------------------------------------------------
def _strokes(n: int) -> str:
    return json.dumps({"version": 1, "width": 64, "height": 48,
                       "strokes": [{"role": "camera", "points": [[0.5, 0.5]]} for _ in range(n)]})


BAD_STRINGS = {
    "empty": "",
    "malformed": '{"version": 1, "strokes": [',
    "not_an_object": "42",
    "deep_lists": "[" * 100_000,
    "deep_objects": '{"a":' * 100_000,
    "5MB_text": "x" * 5_000_000,
    "9MB_text": "[" + " " * 9_000_000 + "]",
    "5MB_role": json.dumps({"version": 1, "width": 64, "height": 48,
                            "strokes": [{"role": "r" * 5_000_000, "points": [[0.5, 0.5]]}]}),
    "99997_strokes": _strokes(99_997),
    "nan_point": '{"version": 1, "width": 64, "height": 48, "strokes": [{"role": "camera", "points": [[NaN, 0.5]]}]}',
    "string_point": json.dumps({"version": 1, "width": 64, "height": 48,
                                "strokes": [{"role": "camera", "points": [["0.1", "0.2"]]}]}),
    "huge_size": json.dumps({"version": 1, "width": 10**9, "height": 48,
                             "strokes": [{"role": "camera", "points": [[0.5, 0.5]]}]}),
    "100001_points": json.dumps({"version": 1, "width": 64, "height": 48,
                                 "strokes": [{"role": "camera", "points": [[0.5, 0.5]] * 100_001}]}),
}


def string_cases():
    for node_id, info in PACK.items():
        for cat in ("required", "optional"):
            for name, spec in info["input"].get(cat, {}).items():
                if spec[0] == "STRING":
                    for label in BAD_STRINGS:
                        yield pytest.param(node_id, name, label, id=f"{node_id[4:]}.{name}={label}")


# Free text (not JSON): any string up to MAX_PROMPT_CHARS is a valid prompt; longer ones fail in one line.
FREE_TEXT = {("D2V_PromptTemplate", "subject"), ("D2V_PromptTemplate", "scene")}


@pytest.mark.parametrize("node_id,name,label", list(string_cases()))
def test_bad_strings_are_refused_once_in_one_short_line(comfy, watch, node_id, name, label):
    if (node_id, name) in FREE_TEXT:
        kind, msg = outcome(comfy, graph(node_id, {name: BAD_STRINGS[label]}))
        if len(BAD_STRINGS[label]) > MAX_PROMPT_CHARS:
            assert kind == "failed" and name in msg and str(MAX_PROMPT_CHARS) in msg, (kind, msg)
        else:
            assert kind == "ran", (label, msg)
        return
    status, body = comfy.queue(graph(node_id, {name: BAD_STRINGS[label]}))
    if status == 200:
        entry = comfy.wait(body["prompt_id"], 180)
        raise AssertionError(f"{label}: not refused at validation ({json.dumps(entry['status'])[:600]})")
    assert status == 400, f"{label}: /prompt answered {status}"
    text = json.dumps(body)
    assert len(text) < REPLY_BOUND, f"{label}: the refusal is {len(text)} characters"
    node_errors = [r for n in body["node_errors"].values() for r in n["errors"]]
    assert len(node_errors) == 1, f"{label}: reported {len(node_errors)} times: {text[:800]}"
    err = node_errors[0]
    assert err["type"] == "custom_validation_failed" and err["extra_info"]["input_name"] == name, text[:800]
    _one_line(err["details"], "the path error")
    assert len(err["details"]) < 400, err["details"]


# --- file names: nothing outside ComfyUI's input folder is ever read (issue 24) -----------------------------------
OUTSIDE_RGB = (255, 0, 255)
"""The colour of the pictures planted outside the input folder: a frame of this colour means one was read."""


@pytest.fixture(scope="module")
def planted(comfy, tmp_path_factory):
    """Pictures outside the input folder (beside it, in another temporary folder, in output/), a symlink in the
    input folder pointing out, and a real picture inside (``inside_ok.png``, also in ``sub/``)."""
    outside = Image.new("RGB", (64, 48), OUTSIDE_RGB)
    elsewhere = tmp_path_factory.mktemp("elsewhere") / "secret.png"
    for p in (elsewhere, comfy.base_dir / "secret.png", comfy.base_dir / "output" / "secret.png"):
        outside.save(p)
    inp = comfy.base_dir / "input"
    (inp / "link_out.png").unlink(missing_ok=True)
    (inp / "link_out.png").symlink_to(elsewhere)
    (inp / "sub").mkdir(exist_ok=True)
    inside = Image.fromarray((np.random.default_rng(3).random((48, 64, 3)) * 255).astype(np.uint8))
    inside.save(inp / "inside_ok.png")
    inside.save(inp / "sub" / "inside_ok.png")
    return elsewhere


def hostile_names(elsewhere: Path) -> dict:
    return {
        "missing": "no_such_file.png",
        "absolute": str(elsewhere),
        "dotdot": "../secret.png",
        "dotdot_annotated": "../secret.png [input]",
        "output_annotated": "secret.png [output]",
        "symlink_out": "link_out.png",
        "http": "http://127.0.0.1:9/secret.png",
        "file_url": f"file://{elsewhere}",
        "nul": "inside_ok.png\x00.png",
        "home": "~/secret.png",
    }


def _leaves(value, path=()):
    """(key path, value) of every leaf of a decoded JSON value; list items after the first are skipped (one of
    each kind is enough)."""
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, (*path, k))
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        yield from _leaves(value[0], (*path, 0))
    else:
        yield path, value


def _with_leaf(value, path, new):
    if not path:
        return new
    out = list(value) if isinstance(value, list) else dict(value)
    out[path[0]] = _with_leaf(value[path[0]], path[1:], new)
    return out


def name_cases():
    """(node, input, where) for every STRING input of every pack node: the whole value, and each leaf of its
    default when that is JSON (a spec's "image", a path's "role", ...)."""
    for node_id, info in PACK.items():
        for cat in ("required", "optional"):
            for name, spec in info["input"].get(cat, {}).items():
                if spec[0] != "STRING":
                    continue
                yield pytest.param(node_id, name, "", id=f"{node_id[4:]}.{name}")
                try:
                    default = json.loads(spec[1].get("default", ""))
                except ValueError:
                    continue
                for path, _ in _leaves(default):
                    where = ".".join(map(str, path))
                    yield pytest.param(node_id, name, where, id=f"{node_id[4:]}.{name}.{where}")


def _saving_graph(node_id: str, values: dict) -> dict:
    """:func:`graph` plus a SaveImage on every IMAGE output of the node under test."""
    g = graph(node_id, values)
    nid = next(k for k, v in g.items() if v["class_type"] == node_id)
    for slot, kind in enumerate(PACK[node_id]["output"]):
        if kind == "IMAGE":
            g[f"save{slot}"] = {"class_type": "SaveImage",
                                "inputs": {"images": [nid, slot], "filename_prefix": f"names/{uuid.uuid4().hex}"}}
    return g


def _outside_frames(comfy, prompt_id: str) -> int:
    """How many saved frames of a finished prompt show a planted outside picture."""
    entry = comfy.get_json(f"/history/{prompt_id}")[prompt_id]
    n = 0
    for out in entry.get("outputs", {}).values():
        for f in out.get("images", []):
            arr = np.asarray(Image.open(io.BytesIO(comfy.view(f))).convert("RGB")).astype(int)
            n += np.mean(np.abs(arr - OUTSIDE_RGB).sum(-1) < 60) > 0.2
    return n


@pytest.mark.parametrize("node_id,name,where", list(name_cases()))
def test_no_string_input_reads_a_file_outside_the_input_folder(comfy, watch, planted, node_id, name, where):
    """Every hostile name in every STRING input (and every leaf of its JSON): refused or harmless, never a frame
    of a picture outside the input folder; and a forbidden name gets exactly the message a missing one gets."""
    default = {**PACK[node_id]["input"].get("required", {}), **PACK[node_id]["input"].get("optional", {})}[name]
    messages = {}
    for label, bad in hostile_names(planted).items():
        if where:
            decoded = json.loads(default[1]["default"])
            path = tuple(int(p) if p.isdigit() else p for p in where.split("."))
            value = json.dumps(_with_leaf(decoded, path, bad))
        else:
            value = bad
        status, body = comfy.queue(_saving_graph(node_id, {name: value}))
        if status == 200:
            entry = comfy.wait(body["prompt_id"], 300)
            assert _outside_frames(comfy, body["prompt_id"]) == 0, f"{label}: a picture from outside was rendered"
            errors = [m[1] for m in entry["status"]["messages"] if m[0] == "execution_error"]
            msg = errors[0].get("exception_message", "") if errors else ""
        else:
            text = json.dumps(body)
            assert status == 400 and "Traceback" not in text, (label, status, text[:600])
            msg = " | ".join(f"{r['message']}: {r.get('details', '')}" for n in body["node_errors"].values()
                             for r in n["errors"]) or body["error"]["message"]
        for shown in sorted({bad, repr(bad), json.dumps(bad), repr(bad)[1:-1], json.dumps(bad)[1:-1]}, key=len,
                            reverse=True):  # the value as the message quotes it, longest form first
            msg = msg.replace(shown, "<NAME>")
        messages[label] = msg
    same = {label: m for label, m in messages.items() if m != messages["missing"]}
    assert not same, f"a forbidden name is answered differently from a missing one: missing -> " \
                     f"{messages['missing']!r}; " + "; ".join(f"{k} -> {v!r}" for k, v in same.items())


SHOT = {"version": 1, "width": 32, "height": 24, "shots": [{"image": None, "preset": "dolly_in", "frames": 2}]}


@pytest.mark.parametrize("image", ["inside_ok.png", "inside_ok.png [input]", "sub/inside_ok.png"])
def test_a_shot_list_reads_pictures_from_the_input_folder(comfy, watch, planted, image):
    spec = json.dumps({**SHOT, "shots": [{**SHOT["shots"][0], "image": image}]})
    g = {"4": {"class_type": "D2V_ShotList", "inputs": {**defaults("D2V_ShotList"), "spec": spec}},
         "5": {"class_type": "SaveImage", "inputs": {"images": ["4", 0], "filename_prefix": "names/ok"}}}
    entry = comfy.run(g)
    files = entry["outputs"]["5"]["images"]
    frames = [np.asarray(Image.open(io.BytesIO(comfy.view(f))).convert("RGB")) for f in files]
    assert len(frames) == 2 and frames[0].shape == (24, 32, 3) and frames[0].std() > 10


def test_a_path_at_the_point_limit_runs(comfy, watch):
    """100 000 points (the stated limit, ~3 MB) are accepted and drawn."""
    pts = np.stack([np.linspace(0.1, 0.9, 100_000), 0.5 + 0.2 * np.sin(np.linspace(0, 6, 100_000))], 1)  # (N, 2)
    path = json.dumps({"version": 1, "width": 64, "height": 48,
                       "strokes": [{"role": "camera", "points": np.round(pts, 5).tolist()}]})
    assert outcome(comfy, graph("D2V_CinematicCameraTrajectory", {}) | {"2": {
        "class_type": "D2V_DrawPathInput", "inputs": {"path_json": path, "image": ["1", 0]}}}) == ("ran", "")


# --- image sizes, through the whole draw-to-video chain ending in core SaveVideo -----------------------------------
def video_chain(source: dict) -> dict:
    g = graph("D2V_CameraMotionRender", {})
    g["1"] = source
    del g["9"]
    g["6"] = {"class_type": "CreateVideo", "inputs": {"images": ["4", 0], "fps": ["3", 4]}}
    g["7"] = {"class_type": "SaveVideo", "inputs": {"video": ["6", 0], "filename_prefix": f"corpus/{uuid.uuid4().hex}",
                                                    "format": "auto", "codec": "auto"}}
    return g


SIZES = [(96, 96), (1, 1), (7, 3), (64, 36), (512, 87), (4000, 60), (95, 95), (97, 97), (1, 512), (512, 1),
         (2, 2000)]


def _size_param(w, h):
    return pytest.param(w, h, id=f"{w}x{h}")


@pytest.mark.parametrize("w,h", [_size_param(w, h) for w, h in SIZES]
                         + [pytest.param(4096, 4096, id="4096x4096",
                                         marks=pytest.mark.skipif(not SLOW, reason="set D2V_SLOW=1"))])
def test_image_sizes_give_a_video_or_name_the_minimum(comfy, watch, w, h):
    kind, msg = outcome(comfy, video_chain(empty_image(w, h)), timeout=600)
    assert kind == "ran" or "at least" in msg or "minimum" in msg, msg


# --- uploads: damaged files, grayscale and RGBA -----------------------------------------------------------------
def upload(comfy, name: str, data: bytes, field: str = "image") -> tuple[int, str]:
    boundary = uuid.uuid4().hex
    body = (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{field}\"; filename=\"{name}\"\r\n"
            f"Content-Type: application/octet-stream\r\n\r\n").encode() + data + f"\r\n--{boundary}--\r\n".encode()
    req = urllib.request.Request(comfy.url + "/upload/image", data=body,
                                 headers={"Content-Type": f"multipart/form-data; boundary={boundary}"})
    try:
        with urllib.request.urlopen(req, timeout=60) as r:
            return r.status, r.read().decode(errors="replace")
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode(errors="replace")


def _png(mode: str, size=(64, 48)) -> bytes:
    rng = np.random.default_rng(0)
    arr = (rng.random((size[1], size[0], len(mode))) * 255).astype(np.uint8)
    buf = io.BytesIO()
    Image.fromarray(arr[..., 0] if mode == "L" else arr, mode).save(buf, "PNG")
    return buf.getvalue()


UPLOADS = {
    "gray.png": (_png("L", (128, 96)), "ran"),
    "rgba.png": (_png("RGBA", (128, 96)), "ran"),
    "garbage.png": (bytes(np.random.default_rng(1).integers(0, 256, 5000, dtype=np.uint8)), "failed"),
    "empty.png": (b"", "failed"),
    # core LoadImage loads truncated files (PIL's LOAD_TRUNCATED_IMAGES): the missing rows come out black
    "truncated.png": (_png("RGB")[:200], "ran|failed"),
    "text.jpg": (b"this is not a jpeg", "failed"),
}


@pytest.mark.parametrize("name", list(UPLOADS))
def test_uploads_are_loaded_or_refused_in_one_line(comfy, watch, name):
    data, expected = UPLOADS[name]
    status, text = upload(comfy, name, data)
    assert status in (200, 400), (status, text[:300])
    if status != 200:
        return
    stored = json.loads(text)["name"]
    load = {"class_type": "LoadImage", "inputs": {"image": stored}}
    # a damaged file fails in core LoadImage (its error, not ours): it must still be a one-line message
    kind, msg = outcome(comfy, video_chain(load), exception_types=("ValueError", "PIL.UnidentifiedImageError",
                                                                   "OSError", "SyntaxError"))
    assert kind in (*expected.split("|"), "refused"), (kind, msg)


def test_bad_upload_requests_are_4xx(comfy, watch):
    assert upload(comfy, "x.png", b"abc", field="notimage")[0] == 400
    status, _ = upload(comfy, "../../escape.png", _png("RGB"))
    assert status in (200, 400, 403)
    assert not (comfy.base_dir / "escape.png").exists() and not (comfy.base_dir.parent / "escape.png").exists()


# --- /draw_to_video/analyze ---------------------------------------------------------------------------------------
ANALYZE = "/draw_to_video/analyze"


def post_raw(comfy, route: str, data: bytes, timeout: float = 60) -> tuple[int, dict]:
    req = urllib.request.Request(comfy.url + route, data=data, headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, json.loads(r.read() or b"{}")
    except urllib.error.HTTPError as e:
        return e.code, json.loads(e.read() or b"{}")


ANALYZE_BODIES = {
    "empty": b"",
    "garbage": b"\xff\xfe\x00garbage",
    "deep": b"[" * 100_000,
    "deep_path": b'{"path": ' + b"[" * 100_000 + b"}",
    "deep_path_text": json.dumps({"path": "[" * 100_000}).encode(),
    "5MB_role": json.dumps({"path": {"version": 1, "width": 64, "height": 48,
                                     "strokes": [{"role": "r" * 5_000_000, "points": [[0.5, 0.5]]}]}}).encode(),
    "99997_strokes": json.dumps({"path": _strokes(99_997)}).encode(),
    "9MB": b'{"path": "' + b"x" * 9_000_000 + b'"}',
    "list": b"[1, 2, 3]",
    "bad_params": json.dumps({"path": PATH, "params": {"frames": "many", "fps": [1], "seed": 10**40}}).encode(),
    "nan": b'{"path": {"version": 1, "width": 64, "height": 48, "strokes": [{"points": [[NaN, 1]]}]}}',
}


@pytest.mark.parametrize("label", list(ANALYZE_BODIES))
def test_analyze_answers_bad_bodies_with_one_line(comfy, watch, label):
    status, body = post_raw(comfy, ANALYZE, ANALYZE_BODIES[label])
    assert status in (400, 413), (label, status, body)
    _one_line(body["error"], "the /analyze error")
    assert len(body["error"]) < 400, body["error"]


def test_analyze_under_load_keeps_the_server_answering(comfy, watch):
    """12 concurrent 100 000-point drawings: each gets 200 or 503 (busy), and /system_stats keeps answering."""
    pts = np.stack([np.linspace(0.1, 0.9, 100_000), np.full(100_000, 0.5)], 1).round(5).tolist()
    data = json.dumps({"path": {"version": 1, "width": 64, "height": 48,
                                "strokes": [{"role": "camera", "points": pts}]}}).encode()
    statuses = []

    def one():
        statuses.append(post_raw(comfy, ANALYZE, data, timeout=300)[0])

    before = len(watch.latencies)
    threads = [threading.Thread(target=one) for _ in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(300)
    during = watch.latencies[before:]
    print(f"\n[analyze load] 12 x {len(data) / 1e6:.1f} MB: statuses {sorted(statuses)}; /system_stats "
          f"max {max(during, default=0):.3f}s over {len(during)} polls")
    assert len(statuses) == 12 and set(statuses) <= {200, 503}, statuses
    assert 200 in statuses


# --- a whole prompt too large for the machine is refused before it runs (issue 24) ---------------------------------
def huge_prompt(frames=1000, multiplier=16, max_size=0) -> dict:
    g = json.loads((ROOT / "workflows" / "api" / "draw_to_video.json").read_text())
    for node in g.values():
        node["inputs"].update({"D2V_CinematicCameraTrajectory": {"frames": frames},
                               "D2V_FrameInterpolate": {"multiplier": multiplier},
                               "D2V_CameraMotionRender": {"max_size": max_size}}.get(node["class_type"], {}))
    return g


@pytest.mark.parametrize("route", ["/prompt", "/api/prompt"])
def test_a_prompt_over_the_limits_is_refused_before_it_runs(comfy, watch, route):
    """1000 frames x Frame Interpolate x16 at max_size 0 (about 16 000 frames): a 400 in under a second that names
    Frame Interpolate and its multiplier on that node; nothing is queued."""
    status, text = upload(comfy, "d2v_example.jpg", (ROOT / "assets" / "example.jpg").read_bytes())
    assert status == 200, text
    t0 = time.perf_counter()
    status, body = comfy.post_json(route, {"prompt": huge_prompt(), "client_id": uuid.uuid4().hex})
    took = time.perf_counter() - t0
    print(f"\n[huge prompt] {route}: {status} in {took * 1000:.0f} ms: {json.dumps(body)[:400]}")
    assert status == 400 and "prompt_id" not in body, body
    assert took < 1.0, f"the refusal took {took:.2f} s"
    fi = next(k for k, v in huge_prompt().items() if v["class_type"] == "D2V_FrameInterpolate")
    err = body["node_errors"][fi]["errors"][0]
    assert err["details"].startswith("multiplier - Frame Interpolate (node 7) would make 15985 frames"), err
    assert err["extra_info"]["input_name"] == "multiplier"
    _one_line(err["details"], "the refusal")
    assert "Frame Interpolate" in body["error"]["message"]
    queue = comfy.get_json("/queue")
    assert not queue["queue_running"] and not queue["queue_pending"], queue


def test_a_prompt_within_the_limits_is_queued(comfy, watch):
    """The same graph at sizes the machine takes is not refused by the estimate (it may fail later for other
    reasons: only the answer to /prompt is checked here)."""
    status, body = comfy.post_json("/prompt", {"prompt": huge_prompt(frames=3, multiplier=2, max_size=64)})
    assert status == 200 and "prompt_id" in body, body
    comfy.wait(body["prompt_id"], 300)


# --- shipped workflows without their checkpoint ------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "workflows" / "api").glob("*.json")))
def test_shipped_workflows_without_models_are_refused(comfy, watch, name):
    """ComfyUI queues a prompt when any output validates: a workflow needing a model file must be refused as a
    whole when the file is missing, not run its previews and end "success" without a video."""
    status, text = upload(comfy, "d2v_example.jpg", (ROOT / "assets" / "example.jpg").read_bytes())
    assert status == 200, text
    prompt = json.loads((ROOT / "workflows" / "api" / f"{name}.json").read_text())
    needs_model = any("ckpt_name" in n["inputs"] or "unet_name" in n["inputs"] for n in prompt.values())
    if not needs_model:
        pytest.skip(f"{name} needs no model file")
    if models_present(comfy, model_files(prompt)):
        pytest.skip("a slow test linked random-weight files of these names into this server")  # D2V_SLOW runs
    status, body = comfy.queue(prompt)
    assert status == 400 and "prompt_id" not in body, f"{name} was queued without its checkpoint: {body}"
    assert body["error"]["type"] == "prompt_outputs_failed_validation"


# --- the bounds, measured over everything above --------------------------------------------------------------------
def test_zz_the_server_stayed_responsive_and_bounded(comfy, watch):
    if len(watch.latencies) < 20:
        pytest.skip("run the whole corpus module to measure the server under it")
    lat = np.array(watch.latencies)
    rss = max(watch.rss) if watch.rss else 0
    print(f"\n[corpus] /system_stats over {len(lat)} polls: median {np.median(lat) * 1000:.0f} ms, p99 "
          f"{np.percentile(lat, 99) * 1000:.0f} ms, max {lat.max() * 1000:.0f} ms; server RSS peak {rss / 2**30:.2f} "
          f"GiB, now {server_rss(comfy) / 2**30:.2f} GiB")
    worst = sorted(zip(lat, watch.during), reverse=True)[:3]
    print(f"[corpus] load average median {np.median(watch.load or [0]):.1f}, max {max(watch.load or [0]):.1f} on "
          f"{os.cpu_count()} cores")
    print("[corpus] slowest polls: " + "; ".join(f"{t * 1000:.0f} ms during {name or '-'}" for t, name in worst))
    assert np.isfinite(lat).all(), "/system_stats failed to answer"
    assert rss < RSS_BOUND_BYTES, f"server RSS reached {rss / 2**30:.2f} GiB"
    # RSS back: ComfyUI drops its cached outputs on /free; the next pack job returns the freed pages (settle)
    now = settle(comfy)
    print(f"[corpus] server RSS at the start {watch.start_rss / 2**30:.2f} GiB, after /free {now / 2**30:.2f} GiB")
    assert now <= watch.start_rss * (1 + RSS_RETURN), \
        f"server RSS {now / 2**30:.2f} GiB, more than {RSS_RETURN:.0%} over its {watch.start_rss / 2**30:.2f} GiB start"
    cores = os.cpu_count() or 1
    load = float(np.median(watch.load)) if watch.load else 0.0
    if load > OVERSUBSCRIBED * cores:
        pytest.skip(f"latency not judged: the machine's load average was {load:.1f} on {cores} cores through the "
                    f"corpus (p99 {np.percentile(lat, 99):.2f} s, max {lat.max():.2f} s)")
    assert np.percentile(lat, 99) <= LATENCY_BOUND_S, f"/system_stats p99 {np.percentile(lat, 99):.2f} s"
    assert lat.max() < LATENCY_MAX_S, f"/system_stats took {lat.max():.2f} s"
