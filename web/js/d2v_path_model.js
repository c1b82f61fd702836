// Draw to Video — the Draw Path widget's model: one drawing per node, its undo history and the live readout
// from the server (POST /draw_to_video/analyze).
//
// No DOM and no ComfyUI import here: what the model needs from the page (fetch, file URLs, the graph's undo
// checkpoint, image loading) comes in as a `host` object, so `node --test tests/web/` runs it with fakes.
// The drawing lives in the node's real `path_json` STRING input; the model mirrors it and writes it back.
import { D2V_PARAMS } from "./d2v_params.js";
import {
  UndoStack, addStroke, analysisKey, clonePath, deletePoint, deleteStroke, emptyPath, finishSamples,
  parseAnnotatedFilename, serializePath, toContract, tryParsePath,
} from "./d2v_path_core.js";

export const PATH_WIDGET = "path_json";
export const TRAJECTORY_NODE = "D2V_CinematicCameraTrajectory";
export const ANALYZE_ROUTE = "/draw_to_video/analyze";
export const UNDO_LIMIT = 200;

const TRAJECTORY_SPECS = D2V_PARAMS.trajectory;

/**
 * The trajectory node's settings the framing preview forwards: every row of core/params.py's TRAJECTORY table,
 * plus "preset", which is not in that table because preset names live with the preset data (camera/presets.py).
 */
export const FORWARDED_PARAMS = Object.freeze(["preset", ...Object.keys(TRAJECTORY_SPECS)]);

/**
 * `value` as the analysis route should get it, or undefined to leave it out. Types follow the params table;
 * numbers are clamped into its range, and frames to what the preview ever builds (it only looks at the first
 * and last frame, so a longer clip would only cost time and re-requests).
 */
export function forwardedValue(name, value) {
  if (name === "preset") return typeof value === "string" ? value : undefined;
  const spec = TRAJECTORY_SPECS[name];
  if (!spec) return undefined;
  if (spec.type === "bool") return typeof value === "boolean" ? value : undefined;
  if (spec.type === "choice") return typeof value === "string" ? value : undefined;
  if (typeof value !== "number" || !Number.isFinite(value)) return undefined;
  const hi = name === "frames" ? Math.min(spec.max, D2V_PARAMS.preview_max_frames) : spec.max;
  return Math.min(Math.max(value, spec.min), hi);
}

// ---------------------------------------------------------------------------------------------------------
// Reading the graph (plain LiteGraph objects: node.inputs/outputs/widgets, graph.getLink/getNodeById)
// ---------------------------------------------------------------------------------------------------------

const getLink = (graph, id) => (graph?.getLink ? graph.getLink(id) : graph?.links?.[id]);

function originOf(node, inputName) {
  const input = node.inputs?.find((i) => i.name === inputName);
  if (!input || input.link == null) return null;
  const link = getLink(node.graph, input.link);
  return link ? node.graph.getNodeById(link.origin_id) : null;
}

/**
 * A previewable image upstream of `node`'s input `inputName`: LoadImage's file, or a node's shown image or last
 * output, following IMAGE inputs through pass-through nodes.
 * @param host {{fileUrl(ref): string, nodeOutputs(): object}}
 * @returns {{key: string, url: string} | null} `key` changes exactly when the picture does
 */
export function upstreamImage(node, inputName, host, depth = 0) {
  const src = originOf(node, inputName);
  if (!src || depth > 8) return null;
  const cls = src.comfyClass || src.type || "";
  const fileWidget = src.widgets?.find((w) => w.name === "image" && typeof w.value === "string");
  if (/LoadImage/.test(cls) && fileWidget && fileWidget.value) {
    const ref = parseAnnotatedFilename(fileWidget.value, "input");
    return { key: `file:${ref.type}/${ref.subfolder}/${ref.filename}`, url: host.fileUrl(ref) };
  }
  const shown = src.imgs?.[0]?.src;
  if (shown) return { key: `img:${shown}`, url: shown };
  const out = host.nodeOutputs()?.[String(src.id)]?.images?.[0];
  if (out?.filename) return { key: `out:${out.type}/${out.subfolder}/${out.filename}`, url: host.fileUrl(out) };
  const next = src.inputs?.find((i) => i.type === "IMAGE" && i.link != null);
  return next ? upstreamImage(src, next.name, host, depth + 1) : null;
}

/** Settings of the trajectory node fed by our `path` output, so the framing preview matches what it will build. */
export function trajectoryParams(node) {
  const out = node.outputs?.find((o) => o.type === "D2V_PATH");
  for (const id of out?.links ?? []) {
    const link = getLink(node.graph, id);
    const target = link && node.graph.getNodeById(link.target_id);
    if (!target || (target.comfyClass || target.type) !== TRAJECTORY_NODE) continue;
    const params = {};
    for (const w of target.widgets ?? []) {
      if (!FORWARDED_PARAMS.includes(w.name)) continue;
      const v = forwardedValue(w.name, w.value);
      if (v !== undefined) params[w.name] = v;
    }
    return params;
  }
  return {};
}

// ---------------------------------------------------------------------------------------------------------
// The per-node model: one drawing, shared by the inline canvas and the large editor
// ---------------------------------------------------------------------------------------------------------

/** What the model asks of the page; the registration passes the real ComfyUI-backed one. */
const NO_HOST = {
  fetchApi: async () => { throw new Error("no server"); },
  fileUrl: () => "",
  nodeOutputs: () => ({}),
  checkpoint: () => {},
  loadImage: () => Promise.reject(new Error("no images")),
};

export class PathModel {
  /**
   * @param node the LiteGraph node of D2V_DrawPathInput
   * @param host {{fetchApi(route, init): Promise<Response>, fileUrl(ref): string, nodeOutputs(): object,
   *   checkpoint(): void, loadImage(url): Promise<HTMLImageElement>}}
   */
  constructor(node, host = {}) {
    this.node = node;
    this.host = { ...NO_HOST, ...host };
    this.path = emptyPath();
    this.written = null; // the path_json text we wrote or last read
    this.parseError = null;
    this.parseWarnings = [];
    this.undo = new UndoStack(UNDO_LIMIT);
    this.role = "camera";
    this.tool = "draw";
    this.selection = null; // {stroke, point|null}
    this.live = null; // in-progress stroke {role, points}
    this.analysis = null;
    this.analysisState = "idle";
    this.bg = null; // {key, img, own}
    this.bgKey = null;
    this.ownPreview = null;
    this.modal = null; // the large editor, while open
    this.views = new Set();
    this._timer = null;
    this._inflight = false;
    this._again = false;
    this._lastKey = null;
  }

  get widget() {
    return this.node.widgets?.find((w) => w.name === PATH_WIDGET);
  }

  /** Read path_json into the model when it changed outside the widget (load, paste, graph undo, typing). */
  sync() {
    const w = this.widget;
    const text = typeof w?.value === "string" ? w.value : "";
    if (text === this.written) return false;
    this.written = text;
    const r = tryParsePath(text, this.path.width, this.path.height);
    this.parseError = text.trim() ? r.error : null;
    this.parseWarnings = r.warnings;
    this.path = r.path;
    this.selection = null;
    this.scheduleAnalysis(0);
    this.render();
    return true;
  }

  /** Replace the drawing after an edit; `record` puts the previous state on the undo stack. */
  commit(next, { record = true } = {}) {
    const before = serializePath(this.path);
    const after = serializePath(next);
    if (before === after) return;
    if (record) this.undo.push(before);
    this.path = next;
    this.write(after);
    this.checkpoint();
  }

  write(text) {
    this.written = text;
    this.parseError = null;
    this.parseWarnings = [];
    const w = this.widget;
    if (w) {
      w.value = text;
      w.callback?.(text);
    }
    this.node.setDirtyCanvas?.(true, true);
    this.scheduleAnalysis(0);
    this.render();
  }

  restore(text) {
    const r = tryParsePath(text, this.path.width, this.path.height);
    this.path = r.path;
    this.selection = null;
    this.write(serializePath(this.path));
    this.checkpoint();
  }

  /** Let the workflow's undo history see the new path_json (graph undo reverts drawings too). */
  checkpoint() {
    try {
      this.host.checkpoint();
    } catch {
      /* the history is a convenience; drawing must not fail because of it */
    }
  }

  doUndo() {
    const prev = this.undo.undo(serializePath(this.path));
    if (prev !== undefined) this.restore(prev);
  }

  doRedo() {
    const next = this.undo.redo(serializePath(this.path));
    if (next !== undefined) this.restore(next);
  }

  clear() {
    if (this.path.strokes.length) this.commit({ ...clonePath(this.path), strokes: [] });
    this.selection = null;
  }

  deleteSelection() {
    const s = this.selection;
    if (!s || !this.path.strokes[s.stroke]) return;
    this.commit(s.point === null ? deleteStroke(this.path, s.stroke) : deletePoint(this.path, s.stroke, s.point));
    this.selection = null;
    this.render();
  }

  setRole(role) {
    this.role = role;
    this.tool = "draw";
    this.render();
  }

  setTool(tool) {
    this.tool = tool;
    if (tool === "draw") this.selection = null;
    this.render();
  }

  /** Pick the background: upstream image before any run, else this node's last executed preview. */
  refreshBackground(force = false) {
    let src = upstreamImage(this.node, "image", this.host);
    if (!src && this.ownPreview) src = { ...this.ownPreview, own: true };
    const key = src?.key ?? null;
    if (!force && key === this.bgKey) return;
    this.bgKey = key;
    if (!src) {
      this.bg = null;
      this.render();
      return;
    }
    this.host.loadImage(src.url).then(
      (img) => this.showBackground(key, img, !!src.own),
      () => {
        if (this.bgKey === key) {
          this.bg = null;
          this.render();
        }
      },
    );
  }

  /** A loaded background; the drawing records the linked image's size (the run preview does not count). */
  showBackground(key, img, own) {
    if (this.bgKey !== key) return; // a newer picture was asked for meanwhile
    this.bg = { key, img, own };
    const { naturalWidth: w, naturalHeight: h } = img;
    if (w > 0 && h > 0 && !own && (w !== this.path.width || h !== this.path.height)) {
      // The drawing is normalized: only the recorded image size changes (not an undoable edit).
      this.path = { ...clonePath(this.path), width: w, height: h };
      this.write(serializePath(this.path));
    }
    this.render();
  }

  setOwnPreview(images) {
    const im = images?.[0];
    if (!im?.filename) return;
    this.ownPreview = { key: `own:${im.type}/${im.subfolder}/${im.filename}`, url: this.host.fileUrl(im) };
    this.refreshBackground();
  }

  /** The drawing as the analysis sees it: the in-progress stroke counts as finished. */
  effectivePath() {
    if (!this.live || this.live.points.length < 2) return this.path;
    return addStroke(this.path, this.live.role, finishSamples(this.live.points), { append: !!this.live.append });
  }

  /** Ask the server for the readout after `delay` ms; with `throttle`, a pending request is not postponed
   * (so it keeps coming while the pointer moves). */
  scheduleAnalysis(delay = 120, throttle = false) {
    if (throttle && this._timer) return;
    clearTimeout(this._timer);
    this._timer = setTimeout(() => {
      this._timer = null;
      this.analyze();
    }, delay);
  }

  async analyze() {
    const path = this.effectivePath();
    const params = trajectoryParams(this.node);
    const key = analysisKey(path, params);
    if (key === this._lastKey) return;
    if (this._inflight) {
      // one request at a time: ask again when it is done
      this._again = true;
      return;
    }
    this._lastKey = key;
    if (!path.strokes.some((s) => s.role === "camera")) {
      this.analysis = null;
      this.analysisState = "idle";
      this.render();
      return;
    }
    this.analysisState = "busy";
    this._inflight = true;
    try {
      const res = await this.host.fetchApi(ANALYZE_ROUTE, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ path: toContract(path), params }),
      });
      const body = await res.json().catch(() => ({}));
      this.analysis = res.ok ? body : { error: body?.error || `server answered ${res.status}` };
      this.analysisState = res.ok ? "ok" : "error";
    } catch (e) {
      this.analysis = { error: `analysis unavailable (${e?.message || e})` };
      this.analysisState = "error";
    } finally {
      this._inflight = false;
    }
    this.render();
    if (this._again) {
      this._again = false;
      this.scheduleAnalysis(0);
    }
  }

  render() {
    for (const v of this.views) v.requestRender();
  }
}
