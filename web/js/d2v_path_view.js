// Draw to Video — the Draw Path widget's view: toolbar, canvas and status line bound to a PathModel, used
// inline in the node and in the large editor. DOM, canvas drawing and pointer/keyboard events live here; the
// drawing itself is the model's (d2v_path_model.js). Nothing from the path JSON or the server is ever inserted
// as HTML: every text goes through textContent.
import {
  ROLES, addStroke, clamp01, clonePath, finishSamples, fitRect, hitTest, intentLabel, keyframeLabels, moveStroke,
  movePoint, toBox, toNorm,
} from "./d2v_path_core.js";
import { PATH_WIDGET } from "./d2v_path_model.js";

export const TOOLBAR_H = 30;
export const STATUS_H = 22;
export const MIN_CANVAS_H = 180;
const PAD = 6;

const COLORS = {
  camera: "#ffb020",
  focus: "#ff4fd8",
  path: "#35d0ff",
  first: "#7dff8a",
  last: "#ff6a3d",
  handle: "#ffffff",
};
const ROLE_KEYS = { c: "camera", f: "focus", p: "path" };
const ROLE_TITLES = {
  camera: "Draw the camera move (C); hold Shift while drawing to add the next keyframe segment",
  focus: "Click the focus / look-at point (F)",
  path: "Draw an extra motion path, exported as tracks (P)",
};

let styleInstalled = false;
export function installStyle() {
  if (styleInstalled) return;
  styleInstalled = true;
  const css = `
.d2v-root{display:flex;flex-direction:column;width:100%;height:100%;box-sizing:border-box;gap:2px;
  font:12px/1.2 system-ui,sans-serif;color:var(--input-text,#ddd);outline:none;border-radius:6px;min-height:0}
.d2v-root:focus-visible,.d2v-root:focus-within{box-shadow:0 0 0 2px #4fa3ff}
.d2v-toolbar{display:flex;gap:3px;min-height:${TOOLBAR_H}px;align-items:center;flex-wrap:wrap;flex:0 0 auto}
.d2v-toolbar button{height:24px;min-width:24px;padding:0 5px;border-radius:4px;border:1px solid #555;cursor:pointer;
  background:var(--comfy-input-bg,#222);color:inherit;font:inherit;white-space:nowrap;flex:0 0 auto}
.d2v-toolbar button[aria-pressed="true"]{border-color:#4fa3ff;background:#24466b}
.d2v-toolbar button:disabled{opacity:.4;cursor:default}
.d2v-toolbar button:focus-visible{outline:2px solid #4fa3ff;outline-offset:1px}
.d2v-toolbar .d2v-sep{width:1px;height:18px;background:#555;flex:0 0 auto;margin:0 2px}
.d2v-stage{position:relative;flex:1 1 auto;min-height:0;border-radius:4px;overflow:hidden;background:#151515}
.d2v-stage canvas{position:absolute;inset:0;width:100%;height:100%;touch-action:none;cursor:crosshair;display:block}
.d2v-stage canvas.d2v-select{cursor:default}
.d2v-status{display:flex;gap:8px;height:${STATUS_H}px;min-height:${STATUS_H}px;align-items:center;white-space:nowrap;overflow:hidden}
.d2v-intent{font-weight:600;overflow:hidden;text-overflow:ellipsis;flex:0 1 auto}
.d2v-hint{opacity:.7;overflow:hidden;text-overflow:ellipsis;flex:1 1 auto;text-align:right}
.d2v-modal{position:fixed;inset:6vh 6vw;z-index:10000;background:var(--comfy-menu-bg,#202020);border:1px solid #555;
  border-radius:8px;padding:8px;box-shadow:0 10px 40px #000a;display:flex;flex-direction:column}
`;
  const el = document.createElement("style");
  el.textContent = css;
  document.head.appendChild(el);
}

function el(tag, cls, attrs = {}) {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}


/**
 * The command a key press (without Ctrl/Meta) asks of the widget, or null when the widget leaves the key alone.
 * Pure, so the key map is tested without a DOM.
 * @param e {{key: string, shiftKey?: boolean, altKey?: boolean}}
 * @param state {{tool: string, hasSelection: boolean, strokeCount: number, canClose: boolean}}
 * @returns {{cmd: string, role?: string, dx?: number, dy?: number, back?: boolean} | null}
 *   nudge dx/dy are in canvas pixels (10 with Shift)
 */
export function keyCommand(e, state) {
  const k = e.key;
  const letter = k.length === 1 ? k.toLowerCase() : "";
  if (letter === "z") return { cmd: e.shiftKey ? "redo" : "undo" };
  if (letter === "y") return { cmd: "redo" };
  if (k === "Delete" || k === "Backspace") return { cmd: e.shiftKey ? "clear" : "deleteSelection" };
  if (ROLE_KEYS[letter] && !e.altKey) return { cmd: "role", role: ROLE_KEYS[letter] };
  if (letter === "v" || letter === "s") return { cmd: "toggleSelect" };
  if (letter === "d") return { cmd: "draw" };
  if (k === "Escape") {
    if (state.hasSelection) return { cmd: "deselect" };
    return state.canClose ? { cmd: "close" } : null;
  }
  if (k.startsWith("Arrow") && state.hasSelection) {
    const step = e.shiftKey ? 10 : 1;
    const dx = k === "ArrowLeft" ? -step : k === "ArrowRight" ? step : 0;
    const dy = k === "ArrowUp" ? -step : k === "ArrowDown" ? step : 0;
    return { cmd: "nudge", dx, dy };
  }
  if (k === "Tab" && state.strokeCount && state.tool === "select") return { cmd: "cycle", back: !!e.shiftKey };
  return null;
}

/** Load an image element; resolves once it can be drawn. */
export function loadImageElement(url) {
  return new Promise((resolve, reject) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => reject(new Error(`could not load ${url}`));
    img.src = url;
  });
}

// ---------------------------------------------------------------------------------------------------------
// A view: toolbar + canvas + status line, bound to a model (used inline and in the large editor)
// ---------------------------------------------------------------------------------------------------------

export class PathView {
  constructor(model, { onExpand = null, onClose = null } = {}) {
    this.model = model;
    this.root = el("div", "d2v-root", { tabindex: "0", role: "group", "aria-label": "Draw the camera path over the image" });
    this.toolbar = el("div", "d2v-toolbar", { role: "toolbar", "aria-label": "Drawing tools" });
    this.stage = el("div", "d2v-stage");
    this.canvas = el("canvas", "", { "aria-label": "Drawing canvas: drag to draw, arrow keys move the selected point" });
    this.status = el("div", "d2v-status", { "aria-live": "polite" });
    this.intentEl = el("span", "d2v-intent");
    this.hintEl = el("span", "d2v-hint");
    this.status.append(this.intentEl, this.hintEl);
    this.stage.append(this.canvas);
    this.root.append(this.toolbar, this.stage, this.status);
    this.buttons = {};
    const add = (id, label, title, fn) => {
      const b = el("button", "", { type: "button", title, "aria-label": title });
      b.textContent = label;
      b.addEventListener("click", (e) => {
        e.stopPropagation();
        fn();
        this.root.focus({ preventScroll: true });
      });
      this.toolbar.append(b);
      this.buttons[id] = b;
      return b;
    };
    const sep = () => this.toolbar.append(el("span", "d2v-sep", { "aria-hidden": "true" }));
    add("camera", "Camera", ROLE_TITLES.camera, () => model.setRole("camera"));
    add("focus", "Focus", ROLE_TITLES.focus, () => model.setRole("focus"));
    add("path", "Path", ROLE_TITLES.path, () => model.setRole("path"));
    add("select", "Select", "Select, move (drag) and delete (Del) points or strokes (V)", () => model.setTool(model.tool === "select" ? "draw" : "select"));
    sep();
    add("undo", "↶", "Undo (Z)", () => model.doUndo());
    add("redo", "↷", "Redo (Shift+Z or Y)", () => model.doRedo());
    add("delete", "Del", "Delete the selected point or stroke (Delete)", () => model.deleteSelection());
    add("clear", "Clear", "Clear all strokes (Shift+Delete; undoable)", () => model.clear());
    sep();
    add("json", "{ }", "Show or hide the path JSON", () => this.toggleJson());
    if (onExpand) add("expand", "⤢", "Open the large editor", onExpand);
    if (onClose) add("close", "✕", "Close the large editor (Esc)", onClose);

    this.drag = null;
    this._raf = 0;
    this.rect = { x: 0, y: 0, w: 1, h: 1 };
    this.onClose = onClose;
    this.canvas.addEventListener("pointerdown", (e) => this.onPointerDown(e));
    this.canvas.addEventListener("pointermove", (e) => this.onPointerMove(e));
    this.canvas.addEventListener("pointerup", (e) => this.onPointerUp(e));
    this.canvas.addEventListener("pointercancel", (e) => this.onPointerUp(e, true));
    this.canvas.addEventListener("lostpointercapture", (e) => this.drag && this.onPointerUp(e));
    this.canvas.addEventListener("contextmenu", (e) => e.preventDefault());
    this.root.addEventListener("keydown", (e) => this.onKeyDown(e));
    this.resizeObserver = new ResizeObserver(() => this.requestRender());
    this.resizeObserver.observe(this.stage);
    model.views.add(this);
  }

  dispose() {
    this.resizeObserver.disconnect();
    this.model.views.delete(this);
    cancelAnimationFrame(this._raf);
  }

  toggleJson() {
    const w = this.model.widget;
    if (!w) return;
    setJsonVisible(this.model.node, w, !!w.hidden);
    this.requestRender();
  }

  requestRender() {
    if (this._raf) return;
    this._raf = requestAnimationFrame(() => {
      this._raf = 0;
      this.draw();
    });
  }

  /** Pointer position in the stage's layout pixels (correct under the graph canvas' CSS zoom). */
  local(e) {
    const r = this.canvas.getBoundingClientRect();
    const sx = this.canvas.clientWidth / (r.width || 1);
    const sy = this.canvas.clientHeight / (r.height || 1);
    return [(e.clientX - r.left) * sx, (e.clientY - r.top) * sy];
  }

  imageSize() {
    const img = this.model.bg?.img;
    if (img?.naturalWidth) return [img.naturalWidth, img.naturalHeight];
    return [this.model.path.width || 1024, this.model.path.height || 576];
  }

  layout() {
    const w = this.canvas.clientWidth;
    const h = this.canvas.clientHeight;
    const [iw, ih] = this.imageSize();
    this.rect = fitRect(w, h, iw, ih, PAD);
    return [w, h];
  }

  onPointerDown(e) {
    if (e.button !== 0 && e.pointerType === "mouse") return;
    if (this.drag) return; // one pointer at a time (a second finger does not start another stroke)
    e.preventDefault();
    e.stopPropagation();
    this.root.focus({ preventScroll: true });
    this.canvas.setPointerCapture?.(e.pointerId);
    this.layout();
    const [px, py] = this.local(e);
    const m = this.model;
    const hit = hitTest(m.path, px, py, this.rect, e.pointerType === "touch" ? 16 : 8);
    if (m.tool === "select" || e.altKey) {
      m.selection = hit ? { stroke: hit.stroke, point: hit.point } : null;
      this.drag = hit ? { kind: hit.point === null ? "stroke" : "point", id: e.pointerId, start: toNorm(px, py, this.rect), base: clonePath(m.path), moved: false } : null;
      m.render();
      return;
    }
    const [nx, ny] = toNorm(px, py, this.rect);
    const pressure = e.pointerType === "mouse" ? null : e.pressure;
    m.live = { role: m.role, points: [[clamp01(nx), clamp01(ny), e.timeStamp, pressure]], append: !!e.shiftKey };
    this.drag = { kind: "draw", id: e.pointerId };
    m.render();
  }

  onPointerMove(e) {
    const d = this.drag;
    if (!d || d.id !== e.pointerId) return;
    e.preventDefault();
    e.stopPropagation();
    const m = this.model;
    if (d.kind === "draw") {
      const evs = e.getCoalescedEvents?.() ?? [];
      for (const ev of evs.length ? evs : [e]) {
        const [px, py] = this.local(ev);
        const [nx, ny] = toNorm(px, py, this.rect);
        m.live.points.push([clamp01(nx), clamp01(ny), ev.timeStamp, ev.pointerType === "mouse" ? null : ev.pressure]);
      }
      if (m.live.role === "camera") m.scheduleAnalysis(200, true);
      m.render();
      return;
    }
    const [px, py] = this.local(e);
    const [nx, ny] = toNorm(px, py, this.rect);
    d.moved = true;
    const s = m.selection;
    if (d.kind === "point") m.path = movePoint(d.base, s.stroke, s.point, nx, ny);
    else m.path = moveStroke(d.base, s.stroke, nx - d.start[0], ny - d.start[1]);
    m.render();
  }

  onPointerUp(e, cancelled = false) {
    const d = this.drag;
    if (!d || (e.pointerId !== undefined && d.id !== e.pointerId)) return;
    this.drag = null;
    e.stopPropagation?.();
    this.canvas.releasePointerCapture?.(e.pointerId);
    const m = this.model;
    if (d.kind === "draw") {
      const live = m.live;
      m.live = null;
      const pts = cancelled ? [] : finishSamples(live.points);
      if (pts.length && (pts.length > 1 || live.role === "focus")) m.commit(addStroke(m.path, live.role, pts, { append: live.append }));
      else m.render();
      return;
    }
    if (d.moved) {
      const next = m.path;
      m.path = d.base;
      if (cancelled) m.render();
      else m.commit(next);
    }
  }

  onKeyDown(e) {
    if (e.ctrlKey || e.metaKey) return; // Ctrl+Z etc. stay with the graph (its undo also reverts drawings)
    const m = this.model;
    const command = keyCommand(e, {
      tool: m.tool, hasSelection: !!m.selection, strokeCount: m.path.strokes.length, canClose: !!this.onClose,
    });
    if (command) {
      this.run(command);
      e.preventDefault();
      e.stopPropagation(); // keep Delete & co. away from the graph (it would delete the node)
    } else if (!["Tab", "Escape"].includes(e.key)) {
      e.stopPropagation(); // plain keys typed in the widget are not graph shortcuts
    }
  }

  /** Carry out a command of `keyCommand`. */
  run(command) {
    const m = this.model;
    switch (command.cmd) {
      case "undo": return m.doUndo();
      case "redo": return m.doRedo();
      case "clear": return m.clear();
      case "deleteSelection": return m.deleteSelection();
      case "role": return m.setRole(command.role);
      case "toggleSelect": return m.setTool(m.tool === "select" ? "draw" : "select");
      case "draw": return m.setTool("draw");
      case "deselect":
        m.selection = null;
        return m.render();
      case "close": return this.onClose();
      case "nudge": {
        const scale = 1 / Math.max(1, this.rect.w);
        const [dx, dy] = [command.dx * scale, command.dy * scale];
        const s = m.selection;
        const p = m.path.strokes[s.stroke]?.points[s.point ?? 0];
        if (p) m.commit(s.point === null ? moveStroke(m.path, s.stroke, dx, dy) : movePoint(m.path, s.stroke, s.point, p[0] + dx, p[1] + dy));
        return;
      }
      case "cycle": {
        const n = m.path.strokes.length;
        const cur = m.selection?.stroke ?? -1;
        m.selection = { stroke: (cur + (command.back ? n - 1 : 1)) % n, point: null };
        return m.render();
      }
    }
  }

  updateChrome() {
    const m = this.model;
    for (const r of ROLES) this.buttons[r].setAttribute("aria-pressed", String(m.tool === "draw" && m.role === r));
    this.buttons.select.setAttribute("aria-pressed", String(m.tool === "select"));
    this.buttons.undo.disabled = !m.undo.canUndo;
    this.buttons.redo.disabled = !m.undo.canRedo;
    this.buttons.delete.disabled = !m.selection;
    this.buttons.clear.disabled = !m.path.strokes.length;
    this.buttons.json.setAttribute("aria-pressed", String(!!m.widget && !m.widget.hidden));
    this.canvas.classList.toggle("d2v-select", m.tool === "select");
    let label;
    if (m.parseError) label = `path_json: ${m.parseError}`;
    else if (!m.path.strokes.some((s) => s.role === "camera") && !m.live) label = "intent: — (draw a camera stroke)";
    else label = intentLabel(m.analysis) + (m.analysisState === "busy" ? " …" : "");
    this.intentEl.textContent = label;
    this.intentEl.title = label;
    this.intentEl.dataset.intent = m.analysis?.intent ?? "";
    this.intentEl.dataset.preset = m.analysis?.preset ?? "";
    const bgNote = m.bg ? (m.bg.own ? "last run preview" : "") : "no image yet: link a Load Image";
    const linked = m.node.inputs?.some((i) => i.name === PATH_WIDGET && i.link != null) ? "path_json is linked: the link wins" : "";
    const warn = m.parseWarnings[0] || m.analysis?.warnings?.[0] || "";
    this.hintEl.textContent = [linked, warn, bgNote, m.tool === "select" ? "select: drag to move" : `drawing: ${m.role}`].filter(Boolean).join(" · ");
  }

  draw() {
    this.updateChrome();
    const [w, h] = this.layout();
    if (w < 2 || h < 2) return;
    const r = this.canvas.getBoundingClientRect();
    const zoom = Math.min(4, Math.max(1, (window.devicePixelRatio || 1) * (r.width / w || 1)));
    const bw = Math.round(w * zoom);
    const bh = Math.round(h * zoom);
    if (this.canvas.width !== bw || this.canvas.height !== bh) {
      this.canvas.width = bw;
      this.canvas.height = bh;
    }
    const ctx = this.canvas.getContext("2d");
    ctx.setTransform(zoom, 0, 0, zoom, 0, 0);
    ctx.clearRect(0, 0, w, h);
    const m = this.model;
    const R = this.rect;
    ctx.fillStyle = "#0d0d0d";
    ctx.fillRect(R.x, R.y, R.w, R.h);
    if (m.bg?.img) {
      ctx.globalAlpha = m.bg.own ? 0.55 : 1;
      ctx.drawImage(m.bg.img, R.x, R.y, R.w, R.h);
      ctx.globalAlpha = 1;
    } else {
      ctx.fillStyle = "#888";
      ctx.font = "12px system-ui, sans-serif";
      ctx.textAlign = "center";
      ctx.fillText("Link a Load Image (or run once) to see the picture", R.x + R.w / 2, R.y + R.h / 2);
      ctx.textAlign = "start";
    }
    ctx.strokeStyle = "#ffffff40";
    ctx.lineWidth = 1;
    ctx.strokeRect(R.x + 0.5, R.y + 0.5, R.w - 1, R.h - 1);

    const fr = m.analysis?.framing;
    if (fr && !m.analysis.error) {
      this.drawQuad(ctx, fr.first, COLORS.first, "first", [6, 4]);
      this.drawQuad(ctx, fr.last, COLORS.last, "last", []);
    }
    m.path.strokes.forEach((s, i) => this.drawStroke(ctx, s, m.selection?.stroke === i ? m.selection : null));
    if (m.live) this.drawStroke(ctx, { role: m.live.role, points: m.live.points }, null, true);
    this.drawKeyframeLabels(ctx, m.path);
  }

  /** Camera keyframes: each camera stroke's order and time span, at its start point (two or more strokes). */
  drawKeyframeLabels(ctx, path) {
    const labels = keyframeLabels(path);
    this.keyframeText = labels.map((l) => l.label);
    if (!labels.length) return;
    ctx.save();
    ctx.font = "bold 11px system-ui, sans-serif";
    for (const { stroke, label } of labels) {
      const p = path.strokes[stroke].points[0];
      const [x, y] = toBox(p[0], p[1], this.rect);
      const w = ctx.measureText(label).width + 6;
      const tx = Math.min(Math.max(2, x + 6), this.canvas.clientWidth - w - 2);
      const ty = Math.min(Math.max(14, y - 6), this.canvas.clientHeight - 4);
      ctx.fillStyle = "#000c";
      ctx.fillRect(tx - 3, ty - 11, w, 15);
      ctx.fillStyle = COLORS.camera;
      ctx.fillText(label, tx, ty);
    }
    ctx.restore();
  }

  drawQuad(ctx, quad, color, label, dash) {
    if (!Array.isArray(quad) || quad.length !== 4) return;
    const pts = quad.map(([x, y]) => toBox(x, y, this.rect));
    ctx.save();
    ctx.setLineDash(dash);
    ctx.strokeStyle = color;
    ctx.lineWidth = 2;
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.closePath();
    ctx.stroke();
    ctx.setLineDash([]);
    ctx.font = "11px system-ui, sans-serif";
    const [lx, ly] = pts[0];
    const tx = Math.min(Math.max(2, lx + 4), this.canvas.clientWidth - 30);
    const ty = Math.min(Math.max(14, ly + 15), this.canvas.clientHeight - 4);
    ctx.fillStyle = "#000b";
    ctx.fillRect(tx - 2, ty - 11, ctx.measureText(label).width + 4, 14);
    ctx.fillStyle = color;
    ctx.fillText(label, tx, ty);
    ctx.restore();
  }

  drawStroke(ctx, stroke, sel, live = false) {
    const pts = stroke.points.map((p) => [...toBox(p[0], p[1], this.rect), p[3]]);
    if (!pts.length) return;
    const color = COLORS[stroke.role] || "#fff";
    ctx.save();
    ctx.lineCap = "round";
    ctx.lineJoin = "round";
    if (stroke.role === "focus") {
      const [x, y] = pts[pts.length - 1];
      ctx.strokeStyle = color;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.arc(x, y, 9, 0, Math.PI * 2);
      ctx.moveTo(x - 14, y); ctx.lineTo(x - 4, y);
      ctx.moveTo(x + 4, y); ctx.lineTo(x + 14, y);
      ctx.moveTo(x, y - 14); ctx.lineTo(x, y - 4);
      ctx.moveTo(x, y + 4); ctx.lineTo(x, y + 14);
      ctx.stroke();
    } else {
      const base = stroke.role === "camera" ? 3.5 : 2;
      ctx.strokeStyle = "#000a";
      ctx.lineWidth = base + 3;
      this.polyline(ctx, pts);
      ctx.strokeStyle = color;
      const pressured = pts.some((p) => typeof p[2] === "number");
      if (pressured) {
        for (let i = 1; i < pts.length; i++) {
          ctx.lineWidth = base * (0.5 + (pts[i][2] ?? 0.5));
          ctx.beginPath();
          ctx.moveTo(pts[i - 1][0], pts[i - 1][1]);
          ctx.lineTo(pts[i][0], pts[i][1]);
          ctx.stroke();
        }
      } else {
        ctx.lineWidth = base;
        this.polyline(ctx, pts);
      }
      if (stroke.role === "camera" && pts.length > 1 && !live) this.arrow(ctx, pts, color);
      ctx.fillStyle = color;
      ctx.beginPath();
      ctx.arc(pts[0][0], pts[0][1], 4, 0, Math.PI * 2);
      ctx.fill();
    }
    if (sel) {
      ctx.fillStyle = COLORS.handle;
      ctx.strokeStyle = "#000";
      ctx.lineWidth = 1;
      pts.forEach(([x, y], i) => {
        const big = sel.point === i;
        ctx.beginPath();
        ctx.rect(x - (big ? 5 : 3), y - (big ? 5 : 3), big ? 10 : 6, big ? 10 : 6);
        ctx.fill();
        ctx.stroke();
      });
    }
    ctx.restore();
  }

  polyline(ctx, pts) {
    ctx.beginPath();
    pts.forEach(([x, y], i) => (i ? ctx.lineTo(x, y) : ctx.moveTo(x, y)));
    ctx.stroke();
  }

  arrow(ctx, pts, color) {
    const [x1, y1] = pts[pts.length - 1];
    let j = pts.length - 2;
    while (j > 0 && Math.hypot(x1 - pts[j][0], y1 - pts[j][1]) < 8) j--;
    const a = Math.atan2(y1 - pts[j][1], x1 - pts[j][0]);
    ctx.fillStyle = color;
    ctx.beginPath();
    ctx.moveTo(x1 + Math.cos(a) * 4, y1 + Math.sin(a) * 4);
    ctx.lineTo(x1 + Math.cos(a + 2.5) * 12, y1 + Math.sin(a + 2.5) * 12);
    ctx.lineTo(x1 + Math.cos(a - 2.5) * 12, y1 + Math.sin(a - 2.5) * 12);
    ctx.closePath();
    ctx.fill();
  }
}

// ---------------------------------------------------------------------------------------------------------
// The large editor (also the way to draw in the Vue node mode, which does not show DOM widgets)
// ---------------------------------------------------------------------------------------------------------

export function openEditor(model) {
  model.sync();
  model.refreshBackground();
  if (model.modal) {
    model.modal.view.root.focus();
    return;
  }
  const previous = document.activeElement;
  const panel = el("div", "d2v-modal", { role: "dialog", "aria-modal": "true", "aria-label": "Draw Path editor" });
  const close = () => {
    view.dispose();
    panel.remove();
    model.modal = null;
    previous?.focus?.({ preventScroll: true });
  };
  const view = new PathView(model, { onClose: close });
  panel.append(view.root);
  document.body.append(panel);
  model.modal = { panel, view, close };
  view.root.focus();
  view.requestRender();
}

/** Show or hide the path_json text box; hidden, it takes no room in the node (it stays a real, saved input). */
export function setJsonVisible(node, w, visible) {
  w.hidden = !visible;
  w.options = w.options || {};
  w.options.hidden = !visible;
  if (visible) delete w.computeSize;
  else w.computeSize = () => [0, -4];
  const min = node.computeSize?.();
  if (min) node.setSize?.([Math.max(node.size[0], min[0]), Math.max(node.size[1], min[1])]);
  node.setDirtyCanvas?.(true, true);
}
