"""Browser end-to-end test of the Draw Path widget: real ComfyUI + its frontend, Debian Chromium, playwright-core.

The JS driver (tests/web/browser/draw_path_e2e.mjs) loads workflows/draw_to_video.json, draws a left-to-right
stroke with the mouse over the node's canvas, checks undo/redo keys, reloads the graph, queues the prompt from
the UI and opens the large editor in the Vue node mode. This test makes the assertions on what it saw and on what
ComfyUI executed. Screenshots land in $D2V_BROWSER_OUT (default: a pytest temp dir); with
D2V_UPDATE_SCREENSHOTS=1 the node screenshot also replaces assets/draw_path_widget.png (used by the README).
"""

from __future__ import annotations

import io
import json
import math
import os
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image, ImageDraw

from draw_to_video.camera.path import parse_path

REPO = Path(__file__).resolve().parents[2]
DRIVER = REPO / "tests" / "web" / "browser" / "draw_path_e2e.mjs"
WORKFLOW = REPO / "workflows" / "draw_to_video.json"
CHROMIUM = os.environ.get("CHROMIUM", "/usr/bin/chromium")
IMAGE_SIZE = (640, 384)  # not square: the canvas letterboxes it


def _missing() -> str | None:
    if shutil.which("node") is None:
        return "node is not installed (needed to drive the browser)"
    if not Path(CHROMIUM).exists():
        return f"no Chromium at {CHROMIUM}: apt-get install -y chromium (or set CHROMIUM=/path/to/chromium)"
    script = "import('playwright-core').then(() => process.exit(0), () => process.exit(1))"
    probe = subprocess.run(["node", "-e", script], cwd=REPO, capture_output=True)
    if probe.returncode != 0:
        return "playwright-core is not installed: run `npm install` in the repo root (package.json devDependency)"
    return None


pytestmark = pytest.mark.skipif(_missing() is not None, reason=f"browser test skipped: {_missing()}")


def _test_image() -> Image.Image:
    """A textured, non-square picture (so letterboxing and the stroke in the preview are visible)."""
    w, h = IMAGE_SIZE
    yy, xx = np.mgrid[0:h, 0:w]
    arr = np.stack([(xx * 255 // w), (yy * 255 // h), ((xx // 32 + yy // 32) % 2) * 120 + 60], -1).astype(np.uint8)
    img = Image.fromarray(arr)
    ImageDraw.Draw(img).ellipse([w * 0.4, h * 0.2, w * 0.6, h * 0.55], fill=(250, 250, 250))
    return img


@pytest.fixture(scope="module")
def browser_run(comfy, object_info, tmp_path_factory) -> dict:
    if "D2V_DrawPathInput" not in object_info:
        pytest.skip("this checkout has no D2V_DrawPathInput node yet")
    _test_image().save(comfy.base_dir / "input" / "d2v_example.jpg", quality=95)  # the name the workflow loads
    # earlier tests of the session (the bad-input corpus) leave prompts with NaN inputs in the history, which the
    # frontend's queue panel cannot parse as JSON: start the browser on an empty history
    comfy.post_json("/history", {"clear": True})
    out = Path(os.environ.get("D2V_BROWSER_OUT") or tmp_path_factory.mktemp("browser"))
    out.mkdir(parents=True, exist_ok=True)
    proc = subprocess.run(["node", str(DRIVER), comfy.url, str(WORKFLOW), str(out)], cwd=REPO,
                          capture_output=True, text=True, timeout=900)
    assert (out / "result.json").exists(), \
        f"driver failed ({proc.returncode}):\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    result = json.loads((out / "result.json").read_text())
    result["out"] = out
    print(f"browser screenshots in {out}")
    if os.environ.get("D2V_UPDATE_SCREENSHOTS") == "1" and (out / "draw_path_node.png").exists():
        (REPO / "assets").mkdir(exist_ok=True)
        shutil.copy(out / "draw_path_node.png", REPO / "assets" / "draw_path_widget.png")
    assert result.get("error") is None, f"browser run failed: {result['error']}\nsteps: {result['steps']}"
    return result


def test_background_is_the_linked_image_before_any_run(browser_run):
    before = browser_run["before"]
    assert before["bg"] and not before["bgOwn"], "the LoadImage picture should be the background before a run"
    # the drawing records the linked image's size
    assert json.loads(before["pathJson"])["width"] == IMAGE_SIZE[0]


def test_mouse_stroke_lands_in_path_json_normalized_and_timed(browser_run):
    drawn = np.array(browser_run["drawn"])
    path = parse_path(browser_run["after"]["pathJson"])
    assert (path.width, path.height) == IMAGE_SIZE
    cams = [s for s in path.strokes if s.role == "camera"]
    assert len(cams) == 1, "the new camera stroke replaces the example one"
    pts = cams[0].points
    assert len(pts) >= 10
    np.testing.assert_allclose(pts[0, :2], drawn[0], atol=0.01)
    np.testing.assert_allclose(pts[-1, :2], drawn[-1], atol=0.01)
    # every stored point lies on the drawn curve (within ~1% of the image)
    d = np.min(np.linalg.norm(pts[:, None, :2] - drawn[None], axis=2), axis=1)
    assert d.max() < 0.012, f"a stored point is {d.max():.4f} away from the drawn stroke"
    t = pts[:, 2]
    assert t[0] == 0 and np.all(np.diff(t) >= 0) and t[-1] > 100, "t_ms must start at 0 and grow"
    assert np.all(np.isnan(pts[:, 3])), "a mouse has no pressure"


def test_displayed_intent_matches_python_analysis(browser_run):
    after = browser_run["after"]
    intent_mod = pytest.importorskip("draw_to_video.camera.intent")
    expected = intent_mod.analyze_intent(parse_path(after["pathJson"]))
    assert after["intent"] == expected.intent == "truck_right"
    assert after["preset"] == expected.preset
    assert after["intentText"].startswith(f"intent: {expected.intent} → {expected.preset}")
    mid = browser_run["midStroke"]
    assert mid["intent"] == "truck_right", f"no live readout while drawing: {mid['intentText']!r}"
    assert mid["pathJson"] == browser_run["before"]["pathJson"], "path_json changes when the stroke is finished"
    first, last = np.array(after["framing"]["first"]), np.array(after["framing"]["last"])
    np.testing.assert_allclose(first, [[0, 0], [1, 0], [1, 1], [0, 1]], atol=1e-3)
    assert last[:, 0].mean() > first[:, 0].mean() + 0.05, "a truck right frames the image further right at the end"


def test_keyboard_undo_redo_and_graph_reload_keep_the_drawing(browser_run):
    r = browser_run
    assert r["undone"] == r["before"]["pathJson"]
    assert r["redone"] == r["after"]["pathJson"]
    rel = r["reloaded"]
    assert rel["widget"] == r["after"]["pathJson"] and rel["model"] == rel["widget"]
    assert rel["strokes"] == 1 and rel["canvases"] == 1


def test_pen_pressure_and_touch_draw_extra_paths(browser_run):
    path = parse_path(browser_run["penTouch"])
    pen, touch = [s.points for s in path.strokes if s.role == "path"]
    assert len(pen) >= 8 and len(touch) >= 8
    assert pen[0, 3] == pytest.approx(0.3, abs=0.02) and pen[-1, 3] == pytest.approx(0.9, abs=0.02)
    assert np.all(np.diff(pen[:, 3]) >= -1e-6), "pressure rose while drawing"
    np.testing.assert_allclose(pen[[0, -1], :2], [[0.3, 0.2], [0.54, 0.32]], atol=0.01)
    np.testing.assert_allclose(touch[[0, -1], :2], [[0.7, 0.8], [0.9, 0.6]], atol=0.01)
    assert np.all(np.isfinite(touch[:, 3])), "touch points carry the reported force as pressure"
    assert path.camera_stroke() is not None


def test_resizing_the_node_keeps_the_drawing_on_the_image(browser_run):
    rs = browser_run["resize"]
    b, a = rs["before"], rs["after"]
    assert a["client"][0] > b["client"][0] + 100, "the canvas grows with the node"
    for st in (b, a):
        r = st["rect"]
        assert abs(r["w"] / r["h"] - IMAGE_SIZE[0] / IMAGE_SIZE[1]) < 0.01, "letterboxed to the image's aspect"
        assert r["x"] >= 0 and r["y"] >= 0 and r["x"] + r["w"] <= st["client"][0] + 0.5
        # the camera stroke's colour (#ffb020) is drawn exactly where its normalized points map
        for rgb in st["samples"]:
            assert rgb[0] > 200 and 130 < rgb[1] < 215 and rgb[2] < 110, (rgb, st)


def test_graph_undo_and_copy_paste_carry_the_drawing(browser_run):
    r = browser_run
    assert r["graphUndone"] == r["before"]["pathJson"], "Ctrl+Z (graph undo) should revert the drawing"
    assert r["graphRedone"] == r["after"]["pathJson"], "Ctrl+Y (graph redo) should bring it back"
    paste = r["paste"]
    assert paste.get("widget") == r["penTouch"] and paste["model"] == paste["widget"], paste
    assert paste["canvases"] == 2 and paste["canvasesAfterRemove"] == 1, paste


def _history_entry(comfy, prompt_id):
    return comfy.get_json(f"/history/{prompt_id}")[prompt_id]


def test_queued_prompt_executes_the_drawn_stroke(comfy, browser_run):
    r = browser_run
    assert r["promptId"], "no prompt finished after queueing from the UI"
    entry = _history_entry(comfy, r["promptId"])
    assert entry["status"]["status_str"] == "success", json.dumps(entry["status"])[:2000]
    prompt = entry["prompt"][2]
    by_class = {}
    for nid, node in prompt.items():
        by_class.setdefault(node["class_type"], []).append(nid)
    draw_id = by_class["D2V_DrawPathInput"][0]
    # the API prompt carried exactly the drawing shown in the widget (camera stroke + pen and touch paths)
    assert prompt[draw_id]["inputs"]["path_json"] == r["queued"]
    np.testing.assert_array_equal(parse_path(r["queued"]).camera_stroke().points,
                                  parse_path(r["after"]["pathJson"]).camera_stroke().points)
    outputs = entry["outputs"]
    # the trajectory node executed the move the widget announced
    shown = [outputs[nid]["text"][0] for nid in by_class.get("PreviewAny", []) if nid in outputs]
    assert shown == [r["after"]["intent"]], f"executed intent {shown} vs widget {r['after']['intent']}"
    # the node's preview has the stroke where it was drawn
    img = outputs[draw_id]["images"][0]
    preview = np.asarray(Image.open(io.BytesIO(comfy.view(img))).convert("RGB")).astype(float)
    src = np.asarray(_test_image()).astype(float)
    assert preview.shape == src.shape
    diff = np.abs(preview - src).sum(-1)
    w, h = IMAGE_SIZE
    on = [diff[int(y * h), int(x * w)] for x, y in r["drawn"][5:-5]]
    assert np.median(on) > 60, "the preview should show the stroke along the drawn positions"
    assert np.median(diff) < 10, "away from the stroke the preview is the image"
    # with the 2.5D render in the workflow, the clip's content moves left for a truck right
    videos = [v for nid in by_class.get("SaveVideo", []) for v in outputs.get(nid, {}).get("images", [])]
    if videos:
        _check_video_moves_left(comfy, videos[0], r["out"])


def _check_video_moves_left(comfy, file_info, out: Path):
    import cv2

    from draw_to_video.video.read import read_frames

    path = out / file_info["filename"]
    path.write_bytes(comfy.view(file_info))
    frames, _ = read_frames(str(path))
    a = cv2.cvtColor((frames[0] * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    b = cv2.cvtColor((frames[-1] * 255).astype(np.uint8), cv2.COLOR_RGB2GRAY).astype(np.float32)
    (dx, dy), _ = cv2.phaseCorrelate(a, b)
    assert dx < -2 and abs(dx) > abs(dy), f"content shift {dx:.1f},{dy:.1f} px: expected a move to the left"


def test_vue_node_mode_edits_through_the_large_editor(browser_run):
    vue = browser_run["vue"]
    assert vue.get("vueMode") and vue.get("buttons", 0) >= 1, vue
    path = parse_path(vue["pathJson"])
    focus = path.focus_point()
    assert focus is not None and math.dist(focus, (0.5, 0.3)) < 0.01
    assert path.camera_stroke() is not None, "the camera stroke stays"
    assert vue["modalClosed"], "Escape closes the editor"


def test_no_widget_errors_and_no_external_requests(browser_run):
    ours = [e for e in browser_run["pageErrors"] if "draw_to_video" in e or "d2v_" in e]
    assert not ours, ours
    # The frontend itself asks api.comfy.org for release notes (aborted here); nothing else may leave the server.
    others = [u for u in browser_run["external"] if not u.startswith("https://api.comfy.org/")]
    assert not others, others
    assert not [u for u in browser_run["failedResponses"] if "draw_to_video" in u]
    assert (browser_run["out"] / "draw_path_node.png").exists()


def test_shift_drawn_camera_stroke_is_the_next_keyframe_with_labels(browser_run):
    kf = browser_run["keyframes"]
    cams = parse_path(kf["pathJson"]).camera_strokes()
    assert len(cams) == 2, "Shift while drawing appends a camera stroke instead of replacing it"
    assert cams[1].points[0, 0] > 0.75 and cams[1].points[-1, 1] < cams[1].points[0, 1]  # drawn upwards at x 0.8
    assert kf["labels"] == ["1 · 0–1/2", "2 · 1/2–end"]
    assert (browser_run["out"] / "keyframes.png").exists()
