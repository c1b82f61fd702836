// Unit tests of the widget's pure helpers (web/js/d2v_path_core.js). Run: node --test tests/web/
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";

import {
  UndoStack, addStroke, clonePath, decimate, deletePoint, deleteStroke, emptyPath, finishSamples, fitRect,
  hitTest, intentLabel, movePoint, moveStroke, parseAnnotatedFilename, parsePath, serializePath, smoothPoints,
  strokeLength, toBox, toContract, toNorm, tryParsePath, viewQuery,
} from "../../web/js/d2v_path_core.js";

const fixtures = JSON.parse(readFileSync(new URL("./fixtures/path_cases.json", import.meta.url), "utf8"));

const close = (a, b, tol, msg) => assert.ok(Math.abs(a - b) <= tol, `${msg}: ${a} vs ${b}`);

function assertPathClose(actual, expected, tol = 1.5e-6) {
  assert.equal(actual.version, expected.version);
  assert.equal(actual.width, expected.width);
  assert.equal(actual.height, expected.height);
  assert.equal(actual.strokes.length, expected.strokes.length);
  actual.strokes.forEach((s, i) => {
    const e = expected.strokes[i];
    assert.equal(s.role, e.role, `stroke ${i} role`);
    assert.equal(s.points.length, e.points.length, `stroke ${i} length`);
    s.points.forEach((p, j) => {
      assert.equal(p.length, e.points[j].length, `stroke ${i} point ${j} row shape ${JSON.stringify(p)} vs ${JSON.stringify(e.points[j])}`);
      p.forEach((v, k) => {
        if (e.points[j][k] === null) assert.equal(v, null);
        else close(v, e.points[j][k], tol * Math.max(1, Math.abs(e.points[j][k])), `stroke ${i} point ${j}[${k}]`);
      });
    });
  });
}

test("fixtures exported from Python are present", () => {
  assert.ok(fixtures.cases.length >= 15);
});

for (const c of fixtures.cases) {
  test(`parsePath matches Python parse_path: ${c.name}`, () => {
    if (c.error !== undefined) {
      assert.throws(() => parsePath(c.input, c.width, c.height), Error, `Python rejects it: ${c.error}`);
      return;
    }
    const { path, warnings } = parsePath(c.input, c.width, c.height);
    assertPathClose(toContract(path), c.expect);
    assert.deepEqual(warnings, c.warnings);
    // Serialization round trip: what the widget writes parses back to the same drawing.
    const again = parsePath(serializePath(path));
    assertPathClose(toContract(again.path), c.expect);
    assert.deepEqual(again.warnings, []);
  });
}

test("fitRect letterboxes and keeps the aspect ratio", () => {
  const wide = fitRect(400, 400, 1600, 900);
  close(wide.w / wide.h, 16 / 9, 1e-9, "aspect");
  assert.equal(wide.w, 400);
  close(wide.y, (400 - 225) / 2, 1e-9, "centred vertically");
  const tall = fitRect(400, 300, 500, 1000, 10);
  assert.equal(tall.h, 280);
  close(tall.x, 10 + (380 - 140) / 2, 1e-9, "centred horizontally");
  assert.deepEqual(fitRect(0, 100, 10, 10), { x: 0, y: 0, w: 0, h: 100 });
});

test("normalized points stay aligned with the image when the box is resized", () => {
  const p = [0.3, 0.8];
  for (const [bw, bh] of [[300, 200], [640, 200], [200, 640], [1000, 1000]]) {
    const r = fitRect(bw, bh, 1024, 576, 4);
    const [px, py] = toBox(...p, r);
    // The point lies at the same relative place of the shown image, whatever the box.
    close((px - r.x) / r.w, 0.3, 1e-12, "x");
    close((py - r.y) / r.h, 0.8, 1e-12, "y");
    const back = toNorm(px, py, r);
    close(back[0], 0.3, 1e-12, "round trip x");
    close(back[1], 0.8, 1e-12, "round trip y");
  }
});

test("smoothPoints reduces jitter, keeps the ends, t_ms and pressure", () => {
  const n = 60;
  const noisy = Array.from({ length: n }, (_, i) => [i / (n - 1), 0.5 + (i % 2 ? 0.01 : -0.01), i * 10, 0.4]);
  const sm = smoothPoints(noisy, 3);
  const dev = (pts) => pts.slice(5, -5).reduce((s, p) => s + Math.abs(p[1] - 0.5), 0);
  assert.ok(dev(sm) < dev(noisy) * 0.3, `jitter ${dev(sm)} vs ${dev(noisy)}`);
  assert.deepEqual(sm[0], noisy[0]);
  assert.deepEqual(sm[n - 1], noisy[n - 1]);
  sm.forEach((p, i) => { assert.equal(p[2], i * 10); assert.equal(p[3], 0.4); });
  assert.ok(strokeLength(sm) < strokeLength(noisy));
  // A straight line stays straight.
  const line = Array.from({ length: 20 }, (_, i) => [i / 19, i / 38, null, null]);
  smoothPoints(line, 4).forEach((p) => close(p[1], p[0] / 2, 1e-12, "on the line"));
  assert.deepEqual(smoothPoints(line.slice(0, 2), 4), line.slice(0, 2));
});

test("decimate drops near-duplicates but keeps both ends", () => {
  const pts = [[0, 0], [0.0001, 0], [0.0002, 0], [0.5, 0], [0.5001, 0], [1, 0]];
  const d = decimate(pts, 0.01);
  assert.deepEqual(d, [[0, 0], [0.5, 0], [1, 0]]);
  assert.deepEqual(decimate([[0.2, 0.2]], 0.01), [[0.2, 0.2]]);
});

test("finishSamples makes timing relative, clamps and keeps pressure", () => {
  const samples = [[-0.1, 0.5, 1000, 0.2], [0.2, 0.5, 1016, 0.4], [0.4, 0.5, 1032, 0.6], [1.2, 0.5, 1048, 0.8]];
  const pts = finishSamples(samples, { smoothRadius: 0 });
  assert.deepEqual(pts.map((p) => p[2]), [0, 16, 32, 48]);
  assert.deepEqual(pts.map((p) => p[0]), [0, 0.2, 0.4, 1]);
  assert.deepEqual(pts.map((p) => p[3]), [0.2, 0.4, 0.6, 0.8]);
  const mouse = finishSamples([[0.1, 0.1, 5, null], [0.3, 0.3, 9, null]]);
  assert.deepEqual(mouse.map((p) => p[3]), [null, null]);
  const row = toContract({ width: 10, height: 10, strokes: [{ role: "camera", points: mouse }] }).strokes[0].points[1];
  assert.deepEqual(row, [0.3, 0.3, 4]);
});

test("hitTest finds points first, then segments, topmost stroke first", () => {
  const path = { version: 1, width: 100, height: 100, strokes: [
    { role: "camera", points: [[0.1, 0.1], [0.9, 0.1]] },
    { role: "path", points: [[0.5, 0.0], [0.5, 1.0]] },
  ] };
  const rect = { x: 0, y: 0, w: 100, h: 100 };
  assert.deepEqual(hitTest(path, 11, 11, rect, 5), { stroke: 0, point: 0, dist: Math.hypot(1, 1) });
  const seg = hitTest(path, 30, 12, rect, 5);
  assert.equal(seg.stroke, 0);
  assert.equal(seg.point, null);
  assert.equal(hitTest(path, 50, 10, rect, 5).stroke, 1, "the later stroke is on top");
  assert.equal(hitTest(path, 30, 50, rect, 5), null);
});

test("edits are pure and keep points inside the image", () => {
  const path = { version: 1, width: 100, height: 100, strokes: [{ role: "camera", points: [[0.2, 0.2], [0.4, 0.4]] }] };
  const before = serializePath(path);
  const moved = movePoint(path, 0, 1, 1.5, 0.5);
  assert.deepEqual(moved.strokes[0].points[1], [1, 0.5]);
  const shifted = moveStroke(path, 0, 0.9, -0.1);
  assert.deepEqual(shifted.strokes[0].points.map((p) => p.map((v) => Math.round(v * 1e9) / 1e9)), [[0.8, 0.1], [1, 0.3]]);
  assert.equal(deletePoint(path, 0, 0).strokes[0].points.length, 1);
  assert.equal(deletePoint(deletePoint(path, 0, 0), 0, 0).strokes.length, 0, "an emptied stroke is removed");
  assert.equal(deleteStroke(path, 0).strokes.length, 0);
  assert.equal(serializePath(path), before, "the original is untouched");
});

test("addStroke: one camera move, one focus point, any number of extra paths", () => {
  let p = emptyPath(640, 360);
  p = addStroke(p, "camera", [[0.1, 0.1, 0, null], [0.2, 0.2, 10, null]]);
  p = addStroke(p, "path", [[0.3, 0.3], [0.4, 0.4]]);
  p = addStroke(p, "path", [[0.5, 0.5], [0.6, 0.6]]);
  p = addStroke(p, "camera", [[0.7, 0.7, 0, null], [0.8, 0.8, 10, null]]);
  p = addStroke(p, "focus", [[0.1, 0.9, 0, 0.5], [0.2, 0.8, 20, 0.5]]);
  assert.deepEqual(p.strokes.map((s) => s.role), ["path", "path", "camera", "focus"]);
  assert.equal(p.strokes[2].points[0][0], 0.7);
  assert.deepEqual(p.strokes[3].points, [[0.2, 0.8, null, 0.5]]);
});

test("UndoStack undoes and redoes snapshots, bounded", () => {
  const u = new UndoStack(3);
  assert.equal(u.undo("s0"), undefined);
  u.push("s0"); u.push("s1"); u.push("s2"); u.push("s3");
  assert.equal(u.undoList.length, 3, "bounded");
  assert.equal(u.undo("s4"), "s3");
  assert.equal(u.undo("s3"), "s2");
  assert.ok(u.canRedo);
  assert.equal(u.redo("s2"), "s3");
  u.push("s3");
  assert.equal(u.canRedo, false, "a new edit clears redo");
});

test("tryParsePath never throws and reports the problem", () => {
  const r = tryParsePath("{oops", 800, 600);
  assert.match(r.error, /not valid JSON/);
  assert.deepEqual(r.path, emptyPath(800, 600));
  const ok = tryParsePath('{"version":1,"width":8,"height":6,"strokes":[]}');
  assert.equal(ok.error, null);
  assert.equal(ok.path.width, 8);
});

test("clonePath is deep", () => {
  const p = { version: 1, width: 2, height: 2, strokes: [{ role: "camera", points: [[0.1, 0.1]] }] };
  const c = clonePath(p);
  c.strokes[0].points[0][0] = 0.9;
  assert.equal(p.strokes[0].points[0][0], 0.1);
});

test("LoadImage file names become /view queries", () => {
  assert.deepEqual(parseAnnotatedFilename("photos/a b.png [input]"), { filename: "a b.png", subfolder: "photos", type: "input" });
  assert.deepEqual(parseAnnotatedFilename("x.jpg"), { filename: "x.jpg", subfolder: "", type: "input" });
  assert.deepEqual(parseAnnotatedFilename("r.png [output]"), { filename: "r.png", subfolder: "", type: "output" });
  assert.equal(viewQuery({ filename: "a&b.png", subfolder: "s", type: "input" }), "/view?filename=a%26b.png&type=input&subfolder=s");
});

test("intentLabel is plain text", () => {
  assert.equal(intentLabel(null), "intent: —");
  assert.equal(intentLabel({ intent: "orbit", preset: "orbit_left", confidence: 0.874 }), "intent: orbit → orbit_left · 87%");
  assert.equal(intentLabel({ error: "x".repeat(500) }).length, "intent: ".length + 120);
});

test("camera keyframes: t and preset survive parse, clone and serialize; labels give order and time span", async () => {
  const { keyframeLabels } = await import("../../web/js/d2v_path_core.js");
  const text = JSON.stringify({ version: 1, width: 100, height: 50, strokes: [
    { role: "camera", points: [[0.1, 0.1], [0.2, 0.2]], t: 1.5, preset: "dolly_in" },
    { role: "focus", points: [[0.5, 0.5]] },
    { role: "camera", points: [[0.2, 0.2], [0.4, 0.2]], t: 3 },
  ] });
  const { path } = parsePath(text);
  const round = JSON.parse(serializePath(clonePath(path)));
  assert.equal(round.strokes[0].t, 1.5);
  assert.equal(round.strokes[0].preset, "dolly_in");
  assert.equal(round.strokes[2].t, 3);
  assert.equal(round.strokes[1].t, undefined);
  assert.deepEqual(keyframeLabels(path).map((l) => [l.stroke, l.label]),
    [[0, "1 · 0–1.5 s dolly_in"], [2, "2 · 1.5–3 s"]]);
  const first = addStroke(emptyPath(), "camera", [[0, 0], [1, 1]]);
  assert.equal(addStroke(first, "camera", [[1, 1], [0, 1]]).strokes.length, 1);  // a plain stroke replaces
  const untimed = addStroke(first, "camera", [[1, 1], [0, 1]], { append: true });  // Shift: the next keyframe
  assert.deepEqual(keyframeLabels(untimed).map((l) => l.label), ["1 · 0–1/2", "2 · 1/2–end"]);
  assert.deepEqual(keyframeLabels(addStroke(emptyPath(), "camera", [[0, 0], [1, 1]])), []);
  assert.throws(() => parsePath(JSON.stringify({ version: 1, width: 9, height: 9,
    strokes: [{ role: "focus", points: [[0, 0]], t: 1 }] })), /camera strokes only/);
  assert.throws(() => parsePath(JSON.stringify({ version: 1, width: 9, height: 9,
    strokes: [{ role: "camera", points: [[0, 0]], t: -1 }] })), /must be a number > 0/);
});
