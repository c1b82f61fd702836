// End-to-end run of the Draw Path widget in the real ComfyUI frontend (driven by tests/integration/test_widget_browser.py).
// Usage: node tests/web/browser/draw_path_e2e.mjs <ComfyUI url> <workflow.json> <out dir>
// Prints one JSON line with what it saw; the Python test makes the assertions.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { closeDialogs, guard, launch, loadWorkflow, nodeClip, openComfy } from "./comfy_page.mjs";

const [url, workflowPath, outDir] = process.argv.slice(2);
const workflow = JSON.parse(readFileSync(workflowPath, "utf8"));
const result = { steps: [] };
const step = (s) => result.steps.push(s);
const { page, close } = await launch();
const g = await guard(page, url);
const failedResponses = [];
page.on("response", (r) => { if (r.status() >= 400) failedResponses.push(`${r.status()} ${r.url()}`); });

async function state() {
  return page.evaluate(() => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput");
    const m = node?.d2vPath;
    const el = document.querySelector(".d2v-root .d2v-intent");
    return {
      id: node?.id, pathJson: node?.widgets.find((w) => w.name === "path_json")?.value,
      intentText: el?.textContent ?? null, intent: el?.dataset.intent ?? null, preset: el?.dataset.preset ?? null,
      busy: m?.analysisState === "busy", bg: !!m?.bg, bgOwn: !!m?.bg?.own, undo: m?.undo.undoList.length ?? -1,
      framing: m?.analysis?.framing ?? null,
    };
  });
}

try {
  result.closedDialogs = await openComfy(page, url);
  step("opened");
  await loadWorkflow(page, workflow);
  await page.evaluate(() => {
    const app = window.comfyAPI.app.app;
    app.canvas.ds.offset = [10, 70];
    app.canvas.ds.scale = 1;
    app.graph.setDirtyCanvas(true, true);
  });
  await page.waitForFunction(() => window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput")?.d2vPath?.bg, null, { timeout: 30000 });
  await page.waitForTimeout(500);
  step("workflow loaded, background shown");
  result.before = await state();

  // Draw a left-to-right stroke across the image with the mouse (a truck right).
  const canvas = page.locator(".d2v-root canvas").first();
  const box = await canvas.boundingBox();
  const rect = await page.evaluate(() => window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput").d2vView.rect);
  const toScreen = (nx, ny) => [box.x + rect.x + nx * rect.w, box.y + rect.y + ny * rect.h];
  const drawn = [];
  for (let i = 0; i <= 40; i++) drawn.push([0.2 + 0.6 * (i / 40), 0.6 + 0.004 * Math.sin(i / 3)]);
  await page.mouse.move(...toScreen(...drawn[0]));
  await page.mouse.down();
  for (const [i, p] of drawn.slice(1).entries()) {
    await page.mouse.move(...toScreen(...p), { steps: 2 });
    await page.waitForTimeout(8);
    if (i === 25) {
      // live feedback: the readout follows the stroke before the button is released
      await page.waitForTimeout(700);
      result.midStroke = await state();
    }
  }
  await page.mouse.up();
  result.drawn = drawn;
  step("stroke drawn");
  await page.waitForFunction(() => {
    const el = document.querySelector(".d2v-root .d2v-intent");
    const m = window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput").d2vPath;
    return el?.dataset.intent === "truck_right" && m.analysisState !== "busy" && !m._timer;
  }, null, { timeout: 30000 });
  await page.waitForTimeout(600);
  result.after = await state();
  step("intent shown");

  // Keyboard: undo (Z) brings back the previous drawing, redo (Shift+Z) the stroke.
  await canvas.focus();
  await page.keyboard.press("z");
  await page.waitForTimeout(200);
  result.undone = (await state()).pathJson;
  await page.keyboard.press("Shift+Z");
  await page.waitForTimeout(200);
  result.redone = (await state()).pathJson;
  step("undo/redo by keyboard");

  // The graph's own undo (Ctrl+Z) reverts the drawing too, and its redo (Ctrl+Y) brings it back.
  await canvas.focus();
  await page.keyboard.press("Control+z");
  await page.waitForTimeout(1200);
  result.graphUndone = (await state()).pathJson;
  await page.locator(".d2v-root canvas").first().focus();
  await page.keyboard.press("Control+y");
  await page.waitForTimeout(1200);
  result.graphRedone = (await state()).pathJson;
  step("graph undo/redo");

  // Graph-level round trip: serialize the workflow and load it again (what reload, paste and graph undo do).
  result.reloaded = await page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    const saved = JSON.parse(JSON.stringify(app.graph.serialize()));
    await app.loadGraphData(saved);
    await new Promise((r) => setTimeout(r, 500));
    const n = app.graph.nodes.find((x) => x.type === "D2V_DrawPathInput");
    return { widget: n.widgets.find((w) => w.name === "path_json").value, model: n.d2vPath.written,
      strokes: n.d2vPath.path.strokes.length, canvases: document.querySelectorAll(".d2v-root").length };
  });
  await page.evaluate(() => {
    const app = window.comfyAPI.app.app;
    app.canvas.ds.offset = [10, 70];
    app.canvas.ds.scale = 1;
    app.graph.setDirtyCanvas(true, true);
  });
  await closeDialogs(page);
  await page.waitForTimeout(800);
  step("reloaded");

  // A pen (with pressure) draws an extra path; a finger (touch) draws another one.
  {
    const cdp = await page.context().newCDPSession(page);
    const box2 = await page.locator(".d2v-root canvas").first().boundingBox();
    const rect2 = await page.evaluate(() => window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput").d2vView.rect);
    const at = (nx, ny) => [box2.x + rect2.x + nx * rect2.w, box2.y + rect2.y + ny * rect2.h];
    await page.locator(".d2v-root button", { hasText: "Path" }).first().click();
    const pen = (type, nx, ny, force) => cdp.send("Input.dispatchMouseEvent", {
      type, x: at(nx, ny)[0], y: at(nx, ny)[1], button: "left", buttons: type === "mouseReleased" ? 0 : 1,
      clickCount: 1, pointerType: "pen", force });
    await pen("mousePressed", 0.3, 0.2, 0.3);
    for (let i = 1; i <= 12; i++) await pen("mouseMoved", 0.3 + i * 0.02, 0.2 + i * 0.01, 0.3 + i * 0.05);
    await pen("mouseReleased", 0.54, 0.32, 0.9);
    await page.waitForTimeout(200);
    const touch = (type, pts) => cdp.send("Input.dispatchTouchEvent", { type, touchPoints: pts.map(([nx, ny]) => ({ x: at(nx, ny)[0], y: at(nx, ny)[1], force: 0.5, id: 1 })) });
    await touch("touchStart", [[0.7, 0.8]]);
    for (let i = 1; i <= 10; i++) await touch("touchMove", [[0.7 + i * 0.02, 0.8 - i * 0.02]]);
    await touch("touchEnd", []);
    await page.waitForTimeout(300);
    result.penTouch = (await state()).pathJson;
    await page.locator(".d2v-root button", { hasText: "Camera" }).first().click();
    step("pen and touch");
  }

  // Resizing the node keeps the drawing on the picture: the stroke's pixels stay where its points are.
  const probe = () => page.evaluate(() => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput");
    const view = node.d2vView;
    view.draw();
    const r = view.rect;
    const c = view.canvas;
    const zoom = c.width / c.clientWidth;
    const cam = node.d2vPath.path.strokes.find((s) => s.role === "camera").points;
    const samples = [0.3, 0.5, 0.7].map((f) => {
      const p = cam[Math.round(f * (cam.length - 1))];
      const x = (r.x + p[0] * r.w) * zoom;
      const y = (r.y + p[1] * r.h) * zoom;
      return Array.from(c.getContext("2d").getImageData(Math.round(x), Math.round(y), 1, 1).data.slice(0, 3));
    });
    return { rect: r, client: [c.clientWidth, c.clientHeight], size: [...node.size], samples };
  });
  result.resize = { before: await probe() };
  await page.evaluate(() => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput");
    node.setSize([node.size[0] + 260, node.size[1] + 120]);
    app.graph.setDirtyCanvas(true, true);
  });
  await page.waitForTimeout(800);
  result.resize.after = await probe();
  step("resized");

  // Copy/paste carries the drawing to the new node; removing it removes its canvas.
  result.paste = await page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput");
    const before = new Set(app.graph.nodes.map((n) => n.id));
    app.canvas.copyToClipboard([node]);
    app.canvas.pasteFromClipboard({ position: [node.pos[0] + 40, node.pos[1] + 700] });
    await new Promise((r) => setTimeout(r, 600));
    const pasted = app.graph.nodes.find((n) => !before.has(n.id) && n.type === "D2V_DrawPathInput");
    if (!pasted) return { error: "nothing pasted" };
    const res = { widget: pasted.widgets.find((w) => w.name === "path_json").value, model: pasted.d2vPath?.written,
      canvases: document.querySelectorAll(".d2v-root").length };
    app.graph.remove(pasted);
    await new Promise((r) => setTimeout(r, 300));
    res.canvasesAfterRemove = document.querySelectorAll(".d2v-root").length;
    return res;
  });
  step("copy/paste");

  const clip = await nodeClip(page, result.after.id);
  await page.screenshot({ path: join(outDir, "draw_path_node.png"), clip });
  await page.screenshot({ path: join(outDir, "graph.png") });
  step("screenshots");

  // Queue the prompt from the UI.
  result.queued = (await state()).pathJson;
  const known = new Set(Object.keys(await (await fetch(`${url}/api/history`)).json()));
  await page.evaluate(() => window.comfyAPI.app.app.queuePrompt(0, 1));
  let promptId = null;
  for (let i = 0; i < 1200 && !promptId; i++) {
    await new Promise((r) => setTimeout(r, 500));
    const hist = await (await fetch(`${url}/api/history`)).json();
    for (const [id, entry] of Object.entries(hist)) {
      if (!known.has(id) && entry.status?.completed !== undefined && ["success", "error"].includes(entry.status?.status_str)) promptId = id;
    }
  }
  result.promptId = promptId;
  step("executed");
  await page.waitForTimeout(1000);
  result.afterRun = await state();
  await page.screenshot({ path: join(outDir, "graph_after_run.png") });

  // Camera keyframes: Shift while drawing a camera stroke appends it as the next segment; both get labels.
  {
    await page.evaluate(() => {
      const app = window.comfyAPI.app.app;
      app.canvas.ds.offset = [10, 70];
      app.canvas.ds.scale = 1;
      app.graph.setDirtyCanvas(true, true);
    });
    await page.waitForTimeout(400);
    const kcanvas = page.locator(".d2v-root canvas").first();
    await kcanvas.focus();
    await page.keyboard.press("c");
    const kbox = await kcanvas.boundingBox();
    const krect = await page.evaluate(() => window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput").d2vView.rect);
    const at = (nx, ny) => [kbox.x + krect.x + nx * krect.w, kbox.y + krect.y + ny * krect.h];
    await page.keyboard.down("Shift");
    await page.mouse.move(...at(0.8, 0.6));
    await page.mouse.down();
    for (let i = 1; i <= 20; i++) await page.mouse.move(...at(0.8, 0.6 - 0.4 * (i / 20)), { steps: 2 });
    await page.mouse.up();
    await page.keyboard.up("Shift");
    await page.waitForTimeout(500);
    result.keyframes = await page.evaluate(() => {
      const n = window.comfyAPI.app.app.graph.nodes.find((x) => x.type === "D2V_DrawPathInput");
      return { pathJson: n.widgets.find((w) => w.name === "path_json").value, labels: n.d2vView.keyframeText };
    });
    await page.screenshot({ path: join(outDir, "keyframes.png"), clip: await nodeClip(page, result.after.id) });
    step("keyframes");
  }

  // Vue node mode (Nodes 2.0): the drawing is edited in the large editor opened from the node's button.
  result.vue = await page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    try {
      await app.extensionManager.setting.set("Comfy.VueNodes.Enabled", true);
    } catch (e) {
      return { error: String(e) };
    }
    await new Promise((r) => setTimeout(r, 2500));
    const buttons = [...document.querySelectorAll("button")].filter((b) => /large drawing editor/i.test(b.textContent));
    return { vueMode: !!window.LiteGraph.vueNodesMode, buttons: buttons.length };
  });
  await page.screenshot({ path: join(outDir, "vue_mode.png") });
  if (result.vue.buttons) {
    await page.locator("button", { hasText: /large drawing editor/i }).first().click();
    await page.waitForSelector(".d2v-modal canvas", { timeout: 10000 });
    await page.waitForTimeout(400);
    const mcanvas = page.locator(".d2v-modal canvas");
    const mbox = await mcanvas.boundingBox();
    const mrect = await page.evaluate(() => window.comfyAPI.app.app.graph.nodes.find((n) => n.type === "D2V_DrawPathInput").d2vPath.modal.view.rect);
    // a focus point: one click
    await page.locator(".d2v-modal button", { hasText: "Focus" }).click();
    await page.mouse.click(mbox.x + mrect.x + 0.5 * mrect.w, mbox.y + mrect.y + 0.3 * mrect.h);
    await page.waitForTimeout(300);
    result.vue.pathJson = (await state()).pathJson;
    await page.screenshot({ path: join(outDir, "vue_editor.png") });
    await page.keyboard.press("Escape");
    await page.keyboard.press("Escape");
    await page.waitForTimeout(300);
    result.vue.modalClosed = (await page.locator(".d2v-modal").count()) === 0;
  }
  step("vue mode");
} catch (e) {
  result.error = String(e?.stack || e);
  await page.screenshot({ path: join(outDir, "failure.png") }).catch(() => {});
} finally {
  result.pageErrors = g.errors;
  result.external = g.external;
  result.failedResponses = failedResponses;
  await close();
}
writeFileSync(join(outDir, "result.json"), JSON.stringify(result, null, 1));
console.log(JSON.stringify(result));
