// Helpers to drive the real ComfyUI frontend with playwright-core and the system Chromium (no downloads).
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { chromium } from "playwright-core";

export const CHROMIUM_ARGS = [
  "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
  "--no-first-run", "--disable-quic", "--disable-sync", "--disable-dev-shm-usage",
];

/** Launch Chromium with a fresh profile; returns {context, page, close()}. */
export async function launch({ executablePath = process.env.CHROMIUM || "/usr/bin/chromium", width = 1500, height = 950 } = {}) {
  const profile = mkdtempSync(join(tmpdir(), "d2v-chromium-"));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath, headless: true, args: CHROMIUM_ARGS, viewport: { width, height }, deviceScaleFactor: 1,
  });
  const page = context.pages()[0] ?? (await context.newPage());
  const close = async () => {
    await context.close().catch(() => {});
    rmSync(profile, { recursive: true, force: true });
  };
  return { context, page, close };
}

/** Collect console errors and refuse any request that leaves the ComfyUI server (no external network). */
export async function guard(page, baseUrl) {
  const errors = [];
  const external = [];
  const origin = new URL(baseUrl).origin;
  page.on("pageerror", (e) => errors.push(String(e?.stack || e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  await page.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith(origin) || url.startsWith("data:") || url.startsWith("blob:")) return route.continue();
    external.push(url);
    return route.abort();
  });
  return { errors, external };
}

/** Open the frontend, wait until the app and its graph exist, and close the dialogs shown on first load. */
/** Returns the titles of the dialogs it closed (the template browser opens on a first visit). */
export async function openComfy(page, baseUrl) {
  await page.goto(baseUrl, { waitUntil: "domcontentloaded" });
  await page.waitForFunction(() => window.comfyAPI?.app?.app?.graph && document.querySelector("#graph-canvas"), null, { timeout: 120000 });
  await page.waitForSelector(".p-dialog", { timeout: 8000 }).catch(() => {});
  await page.waitForTimeout(800);
  const closed = await closeDialogs(page);
  await page.evaluate(async () => {
    // no minimap over the screenshots
    await window.comfyAPI.app.app.extensionManager?.setting?.set("Comfy.Minimap.Visible", false).catch?.(() => {});
  }).catch(() => {});
  return closed;
}

export async function closeDialogs(page) {
  const closed = [];
  for (let i = 0; i < 5; i++) {
    const dialogs = page.locator(".p-dialog:visible");
    if ((await dialogs.count()) === 0) return closed;
    closed.push(((await dialogs.first().innerText().catch(() => "")) || "").split("\n")[0].slice(0, 60));
    const closeBtn = dialogs.first().locator('button[aria-label="Close"], .p-dialog-close-button, .p-dialog-header-close').first();
    if (await closeBtn.count()) await closeBtn.click().catch(() => {});
    else await page.keyboard.press("Escape");
    await page.waitForTimeout(400);
  }
  return closed;
}

/** Load a UI-format workflow through the app (what opening a workflow file does). */
export async function loadWorkflow(page, workflow) {
  await page.evaluate(async (wf) => {
    const app = window.comfyAPI.app.app;
    await app.loadGraphData(wf);
  }, workflow);
  await page.waitForTimeout(800);
  await closeDialogs(page);
}

/** Screen rectangle of a node (title included), for screenshots. */
export async function nodeClip(page, nodeId, margin = 6) {
  return page.evaluate(([id, m]) => {
    const app = window.comfyAPI.app.app;
    const node = app.graph.getNodeById(id);
    const canvas = app.canvas;
    const r = canvas.canvas.getBoundingClientRect();
    const s = canvas.ds.scale;
    const title = window.LiteGraph?.NODE_TITLE_HEIGHT ?? 30;
    const x = r.left + (node.pos[0] + canvas.ds.offset[0]) * s;
    const y = r.top + (node.pos[1] - title + canvas.ds.offset[1]) * s;
    return { x: Math.max(0, x - m), y: Math.max(0, y - m), width: node.size[0] * s + 2 * m, height: (node.size[1] + title) * s + 2 * m };
  }, [nodeId, margin]);
}
