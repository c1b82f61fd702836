// Unit tests of the widget's key map (keyCommand in web/js/d2v_path_view.js; pure, no DOM needed).
// Run: node --test tests/web/
import assert from "node:assert/strict";
import { test } from "node:test";

import { keyCommand } from "../../web/js/d2v_path_view.js";

const drawing = { tool: "draw", hasSelection: false, strokeCount: 2, canClose: false };
const selecting = { tool: "select", hasSelection: true, strokeCount: 2, canClose: false };
const key = (k, mods = {}, state = drawing) => keyCommand({ key: k, ...mods }, state);

test("undo, redo, delete and clear", () => {
  assert.deepEqual(key("z"), { cmd: "undo" });
  assert.deepEqual(key("Z", { shiftKey: true }), { cmd: "redo" });
  assert.deepEqual(key("y"), { cmd: "redo" });
  assert.deepEqual(key("Delete"), { cmd: "deleteSelection" });
  assert.deepEqual(key("Backspace"), { cmd: "deleteSelection" });
  assert.deepEqual(key("Delete", { shiftKey: true }), { cmd: "clear" });
});

test("role and tool keys", () => {
  assert.deepEqual(key("c"), { cmd: "role", role: "camera" });
  assert.deepEqual(key("F"), { cmd: "role", role: "focus" });
  assert.deepEqual(key("p"), { cmd: "role", role: "path" });
  assert.equal(key("c", { altKey: true }), null, "Alt+letter is not a role");
  assert.deepEqual(key("v"), { cmd: "toggleSelect" });
  assert.deepEqual(key("S"), { cmd: "toggleSelect" });
  assert.deepEqual(key("d"), { cmd: "draw" });
  assert.equal(key("q"), null);
  assert.equal(key("F5"), null, "named keys are not letters");
});

test("Escape drops the selection first, then closes the editor, else is left to the page", () => {
  assert.deepEqual(key("Escape", {}, selecting), { cmd: "deselect" });
  assert.deepEqual(key("Escape", {}, { ...drawing, canClose: true }), { cmd: "close" });
  assert.equal(key("Escape"), null);
});

test("arrows nudge the selection by a pixel (ten with Shift)", () => {
  assert.deepEqual(key("ArrowLeft", {}, selecting), { cmd: "nudge", dx: -1, dy: 0 });
  assert.deepEqual(key("ArrowDown", { shiftKey: true }, selecting), { cmd: "nudge", dx: 0, dy: 10 });
  assert.equal(key("ArrowUp"), null, "nothing selected: nothing to move");
});

test("Tab cycles through strokes in the select tool only", () => {
  assert.deepEqual(key("Tab", {}, selecting), { cmd: "cycle", back: false });
  assert.deepEqual(key("Tab", { shiftKey: true }, selecting), { cmd: "cycle", back: true });
  assert.equal(key("Tab"), null, "in the draw tool Tab moves the focus on");
  assert.equal(key("Tab", {}, { ...selecting, strokeCount: 0 }), null);
});
