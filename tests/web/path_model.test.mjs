// Unit tests of the widget's model (web/js/d2v_path_model.js) with fake LiteGraph nodes and a fake server.
// Run: node --test tests/web/
import assert from "node:assert/strict";
import { test } from "node:test";

import { D2V_PARAMS } from "../../web/js/d2v_params.js";
import { serializePath } from "../../web/js/d2v_path_core.js";
import {
  ANALYZE_ROUTE, FORWARDED_PARAMS, PathModel, TRAJECTORY_NODE, forwardedValue, trajectoryParams, upstreamImage,
} from "../../web/js/d2v_path_model.js";

const settle = () => new Promise((r) => setTimeout(r, 15));

const CAMERA = { role: "camera", points: [[0.2, 0.5], [0.8, 0.5]] };
const pathWith = (...strokes) => ({ version: 1, width: 640, height: 384, strokes });

/** A D2V_DrawPathInput fed by a LoadImage and feeding a trajectory node with the given widget values. */
function fakeGraph({ pathJson = "", trajectory = null, image = "photos/a b.png [input]" } = {}) {
  const pathWidget = { name: "path_json", value: pathJson, callbackValues: [] };
  pathWidget.callback = (v) => pathWidget.callbackValues.push(v);
  const nodes = new Map();
  const links = {};
  const graph = { getNodeById: (id) => nodes.get(id), getLink: (id) => links[id] };
  const draw = {
    id: 1, type: "D2V_DrawPathInput", graph, widgets: [pathWidget], dirty: 0,
    inputs: [{ name: "image", type: "IMAGE", link: image ? 10 : null }, { name: "path_json", type: "STRING", link: null }],
    outputs: [{ name: "path", type: "D2V_PATH", links: trajectory ? [11] : [] }],
    setDirtyCanvas() { this.dirty++; },
  };
  nodes.set(1, draw);
  if (image) {
    nodes.set(2, { id: 2, type: "LoadImage", graph, widgets: [{ name: "image", value: image }], inputs: [] });
    links[10] = { origin_id: 2, target_id: 1 };
  }
  if (trajectory) {
    const widgets = Object.entries(trajectory).map(([name, value]) => ({ name, value }));
    nodes.set(3, { id: 3, comfyClass: TRAJECTORY_NODE, graph, widgets, inputs: [] });
    links[11] = { origin_id: 1, target_id: 3 };
  }
  return { draw, pathWidget, nodes, links, graph };
}

/** A host whose server answers with `reply(body)` ({status, json}) and records every request. */
function fakeHost(reply = () => ({ status: 200, json: { intent: "truck_right", preset: "truck_right" } })) {
  const host = {
    requests: [],
    checkpoints: 0,
    images: [],
    fetchApi: async (route, init) => {
      const body = JSON.parse(init.body);
      host.requests.push({ route, method: init.method, body });
      const r = await reply(body);
      return { ok: r.status < 400, status: r.status, json: async () => r.json };
    },
    fileUrl: (ref) => `/api/view?f=${ref.filename}&t=${ref.type}&s=${ref.subfolder}`,
    nodeOutputs: () => ({}),
    checkpoint: () => { host.checkpoints++; },
    loadImage: (url) => new Promise((resolve, reject) => host.images.push({ url, resolve, reject })),
  };
  return host;
}

function modelWith(opts = {}, host = fakeHost()) {
  const g = fakeGraph(opts);
  const model = new PathModel(g.draw, host);
  const view = { renders: 0, requestRender() { this.renders++; } };
  model.views.add(view);
  return { ...g, model, host, view };
}

// ---------------------------------------------------------------------------------------------------------
// Params forwarded to the analysis route: one source, core/params.py
// ---------------------------------------------------------------------------------------------------------

test("the forwarded params are exactly the trajectory table's names plus preset", () => {
  const expected = [...Object.keys(D2V_PARAMS.trajectory), "preset"].sort();
  assert.deepEqual([...FORWARDED_PARAMS].sort(), expected);
  assert.equal(new Set(FORWARDED_PARAMS).size, FORWARDED_PARAMS.length, "no name twice");
  assert.ok(!("preset" in D2V_PARAMS.trajectory), "preset names live with the preset data, not the params table");
});

test("every param of the table reaches the route when the trajectory node has it", () => {
  const widgets = { preset: "orbit_left", control_after_generate: "fixed" };
  for (const [name, spec] of Object.entries(D2V_PARAMS.trajectory)) widgets[name] = spec.default;
  const { draw } = fakeGraph({ trajectory: widgets });
  const params = trajectoryParams(draw);
  assert.deepEqual(Object.keys(params).sort(), [...FORWARDED_PARAMS].sort(), "widgets that are not settings stay out");
  assert.equal(params.preset, "orbit_left");
  assert.equal(params.easing, D2V_PARAMS.trajectory.easing.default);
});

test("forwarded values follow the table's types and ranges", () => {
  const t = D2V_PARAMS.trajectory;
  assert.equal(forwardedValue("intensity", t.intensity.max + 50), t.intensity.max, "clamped to the table's max");
  assert.equal(forwardedValue("focal_length_mm", -3), t.focal_length_mm.min, "clamped to the table's min");
  assert.equal(forwardedValue("frames", t.frames.max), Math.min(t.frames.max, D2V_PARAMS.preview_max_frames),
    "the preview never asks for more frames than it builds");
  assert.equal(forwardedValue("frames", 14), 14);
  assert.equal(forwardedValue("fps", Number.NaN), undefined);
  assert.equal(forwardedValue("fps", "12"), undefined, "a number as text is not a number");
  assert.equal(forwardedValue("use_drawing_speed", 1), undefined);
  assert.equal(forwardedValue("use_drawing_speed", true), true);
  assert.equal(forwardedValue("sensor", 3), undefined);
  assert.equal(forwardedValue("sensor", t.sensor.options[1]), t.sensor.options[1]);
  assert.equal(forwardedValue("preset", "dolly_in"), "dolly_in");
  assert.equal(forwardedValue("not_a_param", 1), undefined);
});

test("only a trajectory node fed by the path output counts", () => {
  const { draw, nodes } = fakeGraph({ trajectory: { intensity: 2 } });
  assert.deepEqual(trajectoryParams(draw), { intensity: 2 });
  nodes.get(3).comfyClass = "SomethingElse";
  assert.deepEqual(trajectoryParams(draw), {});
  assert.deepEqual(trajectoryParams(fakeGraph().draw), {});
});

// ---------------------------------------------------------------------------------------------------------
// The background image found upstream
// ---------------------------------------------------------------------------------------------------------

test("upstreamImage: a LoadImage file, through pass-through nodes, else a node's last output", () => {
  const host = fakeHost();
  const { draw, nodes, links, graph } = fakeGraph();
  assert.deepEqual(upstreamImage(draw, "image", host),
    { key: "file:input/photos/a b.png", url: "/api/view?f=a b.png&t=input&s=photos" });
  // Put a resize node between LoadImage and the drawing node.
  nodes.set(4, { id: 4, type: "ImageScale", graph, widgets: [], inputs: [{ name: "image", type: "IMAGE", link: 12 }] });
  links[12] = { origin_id: 2, target_id: 4 };
  links[10] = { origin_id: 4, target_id: 1 };
  assert.equal(upstreamImage(draw, "image", host).key, "file:input/photos/a b.png");
  // Without a LoadImage upstream, the node's last output (after a run) is the picture.
  nodes.get(4).inputs[0].link = null;
  host.nodeOutputs = () => ({ 4: { images: [{ filename: "r.png", subfolder: "", type: "temp" }] } });
  assert.equal(upstreamImage(draw, "image", host).key, "out:temp//r.png");
  host.nodeOutputs = () => ({});
  assert.equal(upstreamImage(draw, "image", host), null);
});

test("the linked image's size is recorded without an undo step; a stale load is ignored", async () => {
  const { model, host, pathWidget } = modelWith();
  model.refreshBackground();
  assert.equal(host.images.length, 1);
  host.images[0].resolve({ naturalWidth: 640, naturalHeight: 384 });
  await settle();
  assert.equal(model.bg.own, false);
  assert.deepEqual(JSON.parse(pathWidget.value), { version: 1, width: 640, height: 384, strokes: [] });
  assert.equal(model.undo.canUndo, false, "not an undoable edit");
  // A run's preview (not the linked image) never changes the recorded size.
  const { model: m2, host: h2 } = modelWith({ image: null });
  m2.setOwnPreview([{ filename: "p.png", subfolder: "", type: "temp" }]);
  h2.images[0].resolve({ naturalWidth: 100, naturalHeight: 100 });
  await settle();
  assert.equal(m2.bg.own, true);
  assert.equal(m2.path.width, 1024);
  // An image that arrives after another one was asked for does not replace it.
  m2.bgKey = "something newer";
  m2.showBackground("own:temp//p.png", { naturalWidth: 5, naturalHeight: 5 }, true);
  assert.equal(m2.bg.img.naturalWidth, 100);
});

// ---------------------------------------------------------------------------------------------------------
// Editing, undo/redo and path_json
// ---------------------------------------------------------------------------------------------------------

test("an edit writes path_json, calls the widget callback and checkpoints the graph", () => {
  const { model, host, pathWidget, view } = modelWith();
  model.commit(pathWith(CAMERA));
  assert.equal(pathWidget.value, serializePath(pathWith(CAMERA)));
  assert.deepEqual(pathWidget.callbackValues, [pathWidget.value]);
  assert.equal(model.written, pathWidget.value, "the model knows its own text (no re-read)");
  assert.equal(host.checkpoints, 1);
  assert.ok(view.renders > 0);
  model.commit(pathWith(CAMERA));
  assert.equal(host.checkpoints, 1, "an edit that changes nothing is not recorded");
  assert.equal(model.undo.undoList.length, 1);
});

test("undo and redo walk the drawing's history and write each state", () => {
  const { model, pathWidget } = modelWith();
  const states = [pathWith(), pathWith(CAMERA), pathWith(CAMERA, { role: "focus", points: [[0.5, 0.3]] })];
  model.commit(states[0]);
  model.commit(states[1]);
  model.commit(states[2]);
  const text = (i) => serializePath(states[i]);
  model.doUndo();
  assert.equal(pathWidget.value, text(1));
  model.doUndo();
  assert.equal(pathWidget.value, text(0));
  model.doRedo();
  assert.equal(pathWidget.value, text(1));
  model.commit(pathWith({ role: "path", points: [[0.1, 0.1], [0.2, 0.2]] }));
  assert.equal(model.undo.canRedo, false, "a new edit drops the redo branch");
  model.doRedo();
  assert.equal(JSON.parse(pathWidget.value).strokes[0].role, "path", "redo with nothing to redo changes nothing");
});

test("clear and delete are undoable edits", () => {
  const { model, pathWidget } = modelWith();
  const full = pathWith(CAMERA, { role: "path", points: [[0.1, 0.1], [0.2, 0.2], [0.3, 0.3]] });
  model.commit(full);
  model.selection = { stroke: 1, point: 1 };
  model.deleteSelection();
  assert.equal(JSON.parse(pathWidget.value).strokes[1].points.length, 2);
  assert.equal(model.selection, null);
  model.selection = { stroke: 0, point: null };
  model.deleteSelection();
  assert.deepEqual(JSON.parse(pathWidget.value).strokes.map((s) => s.role), ["path"]);
  model.clear();
  assert.deepEqual(JSON.parse(pathWidget.value).strokes, []);
  model.doUndo();
  model.doUndo();
  model.doUndo();
  assert.equal(pathWidget.value, serializePath(full));
});

test("text changed outside the widget (paste, load, graph undo) is read back, errors are reported", () => {
  const { model, pathWidget } = modelWith();
  pathWidget.value = serializePath(pathWith(CAMERA));
  assert.equal(model.sync(), true);
  assert.equal(model.path.strokes.length, 1);
  assert.equal(model.undo.canUndo, false, "reading is not an edit");
  assert.equal(model.sync(), false, "nothing new: no work");
  pathWidget.value = "{not json";
  model.sync();
  assert.match(model.parseError, /not valid JSON/);
  assert.deepEqual(model.path.strokes, []);
  pathWidget.value = "   ";
  model.sync();
  assert.equal(model.parseError, null, "an empty input is a blank drawing, not an error");
  pathWidget.value = JSON.stringify({ version: 1, width: 10, height: 10, strokes: [{ role: "camera", points: [[1.5, 0.5], [0.5, 0.5]] }] });
  model.sync();
  assert.equal(model.parseWarnings.length, 1, "clamping is reported");
});

test("tools and roles: choosing a role goes back to drawing; drawing drops the selection", () => {
  const { model } = modelWith();
  model.setTool("select");
  model.selection = { stroke: 0, point: null };
  model.setRole("focus");
  assert.equal(model.tool, "draw");
  assert.equal(model.role, "focus");
  model.setTool("draw");
  assert.equal(model.selection, null);
});

test("the stroke being drawn counts for the analysis before it is finished", () => {
  const { model } = modelWith();
  assert.equal(model.effectivePath(), model.path);
  model.live = { role: "camera", points: [[0.1, 0.5, 0, null], [0.5, 0.5, 30, null], [0.9, 0.5, 60, null]] };
  const eff = model.effectivePath();
  assert.equal(eff.strokes.length, 1);
  assert.equal(eff.strokes[0].role, "camera");
  assert.deepEqual(model.path.strokes, [], "the drawing itself is unchanged until the stroke ends");
});

// ---------------------------------------------------------------------------------------------------------
// The live readout from POST /draw_to_video/analyze
// ---------------------------------------------------------------------------------------------------------

test("an edit asks the server once, with the contract path and the trajectory settings", async () => {
  const { model, host } = modelWith({ trajectory: { intensity: 1.5, frames: 25, easing: "whip" } });
  model.commit(pathWith(CAMERA));
  model.scheduleAnalysis(0);
  await settle();
  assert.equal(host.requests.length, 1, "the same drawing is not asked twice");
  const [req] = host.requests;
  assert.equal(req.route, ANALYZE_ROUTE);
  assert.equal(req.method, "POST");
  assert.deepEqual(req.body, { path: JSON.parse(serializePath(pathWith(CAMERA))), params: { intensity: 1.5, frames: 25, easing: "whip" } });
  assert.equal(model.analysisState, "ok");
  assert.equal(model.analysis.intent, "truck_right");
});

test("without a camera stroke there is no request and no readout", async () => {
  const { model, host } = modelWith();
  model.commit(pathWith({ role: "focus", points: [[0.5, 0.5]] }));
  await settle();
  assert.equal(host.requests.length, 0);
  assert.equal(model.analysis, null);
  assert.equal(model.analysisState, "idle");
});

test("server errors and a missing server become a readable readout", async () => {
  const bad = modelWith({}, fakeHost(() => ({ status: 400, json: { error: "stroke 0 needs two points" } })));
  bad.model.commit(pathWith(CAMERA));
  await settle();
  assert.equal(bad.model.analysisState, "error");
  assert.deepEqual(bad.model.analysis, { error: "stroke 0 needs two points" });
  const silent = modelWith({}, fakeHost(() => ({ status: 502, json: undefined })));
  silent.model.commit(pathWith(CAMERA));
  await settle();
  assert.deepEqual(silent.model.analysis, { error: "server answered 502" });
  const down = modelWith({}, fakeHost(() => { throw new Error("connection refused"); }));
  down.model.commit(pathWith(CAMERA));
  await settle();
  assert.deepEqual(down.model.analysis, { error: "analysis unavailable (connection refused)" });
});

test("one request at a time: an edit during a request is analysed when it returns", async () => {
  let release;
  const host = fakeHost(() => new Promise((r) => { release = () => r({ status: 200, json: { intent: "x" } }); }));
  const { model } = modelWith({}, host);
  model.commit(pathWith(CAMERA));
  await settle();
  assert.equal(model.analysisState, "busy");
  const second = pathWith({ role: "camera", points: [[0.5, 0.2], [0.5, 0.8]] });
  model.commit(second);
  await settle();
  assert.equal(host.requests.length, 1, "no second request while one is in flight");
  release();
  await settle();
  assert.equal(host.requests.length, 2);
  assert.deepEqual(host.requests[1].body.path, JSON.parse(serializePath(second)), "the newest drawing is asked");
});

test("a throttled schedule is not postponed by later pointer moves", async () => {
  const { model, host } = modelWith();
  model.commit(pathWith(CAMERA), { record: false });
  clearTimeout(model._timer);
  model._timer = null;
  model.scheduleAnalysis(20, true);
  const first = model._timer;
  model.scheduleAnalysis(20, true);
  assert.equal(model._timer, first, "the pending request keeps its time");
  await new Promise((r) => setTimeout(r, 40));
  assert.equal(host.requests.length, 1);
  assert.equal(model._timer, null);
});
