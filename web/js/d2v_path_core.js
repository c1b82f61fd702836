// Draw to Video — pure helpers of the Draw Path widget (no DOM, no ComfyUI): testable with `node --test`.
//
// Path model (the "Drawn path JSON" contract of docs/architecture.md):
//   {version: 1, width, height, strokes: [{role: "camera"|"focus"|"path", points: [[x, y, t_ms, pressure], ...]}]}
// x, y are normalized to the image (0..1, origin top-left); t_ms (since the stroke's first point) and
// pressure are optional (null when unknown). All functions here are pure: they return new values.

export const PATH_VERSION = 1;
export const ROLES = Object.freeze(["camera", "focus", "path"]);
export const MAX_POINTS = 100000;
export const DEFAULT_WIDTH = 1024;
export const DEFAULT_HEIGHT = 576;

// ---------------------------------------------------------------------------------------------------------
// Geometry: letterboxing and coordinate conversion
// ---------------------------------------------------------------------------------------------------------

/**
 * The rectangle, inside a box of boxW x boxH, where an image of imgW x imgH is shown whole with its aspect
 * ratio kept (letterbox / "contain"), centred, with `pad` pixels kept free on every side.
 * @returns {{x: number, y: number, w: number, h: number}}
 */
export function fitRect(boxW, boxH, imgW, imgH, pad = 0) {
  const bw = Math.max(0, boxW - 2 * pad);
  const bh = Math.max(0, boxH - 2 * pad);
  if (!(imgW > 0) || !(imgH > 0) || bw <= 0 || bh <= 0) return { x: pad, y: pad, w: bw, h: bh };
  const s = Math.min(bw / imgW, bh / imgH);
  const w = imgW * s;
  const h = imgH * s;
  return { x: pad + (bw - w) / 2, y: pad + (bh - h) / 2, w, h };
}

/** Box pixel -> normalized image coordinates (not clamped). */
export function toNorm(px, py, rect) {
  return [(px - rect.x) / rect.w, (py - rect.y) / rect.h];
}

/** Normalized image coordinates -> box pixel. */
export function toBox(nx, ny, rect) {
  return [rect.x + nx * rect.w, rect.y + ny * rect.h];
}

export const clamp01 = (v) => (v < 0 ? 0 : v > 1 ? 1 : v);

// ---------------------------------------------------------------------------------------------------------
// Stroke processing
// ---------------------------------------------------------------------------------------------------------

/**
 * Drop points closer than `minDist` (normalized units) to the last kept point; the last point is always kept.
 * Points are [x, y, ...rest] arrays; the rest is carried along.
 */
export function decimate(points, minDist = 0.002) {
  if (points.length <= 2) return points.map((p) => p.slice());
  const out = [points[0].slice()];
  for (let i = 1; i < points.length - 1; i++) {
    const q = out[out.length - 1];
    if (Math.hypot(points[i][0] - q[0], points[i][1] - q[1]) >= minDist) out.push(points[i].slice());
  }
  const last = points[points.length - 1];
  const q = out[out.length - 1];
  if (out.length > 1 && Math.hypot(last[0] - q[0], last[1] - q[1]) < minDist * 0.5) out.pop();
  out.push(last.slice());
  return out;
}

/**
 * Smooth the x, y of a hand-drawn stroke with a Gaussian-weighted moving average over `radius` neighbours
 * on each side; t_ms and pressure are kept; the first and last points do not move. Strokes with fewer than
 * 3 points, or radius < 1, come back unchanged (as copies).
 */
export function smoothPoints(points, radius = 2) {
  const n = points.length;
  const r = Math.floor(radius);
  if (n < 3 || r < 1) return points.map((p) => p.slice());
  const sigma = r / 2 + 0.5;
  const w = [];
  for (let k = -r; k <= r; k++) w.push(Math.exp(-(k * k) / (2 * sigma * sigma)));
  const out = points.map((p) => p.slice());
  for (let i = 1; i < n - 1; i++) {
    // Shrink the window near the ends so the ends are not pulled inwards.
    const ri = Math.min(r, i, n - 1 - i);
    let sx = 0, sy = 0, sw = 0;
    for (let k = -ri; k <= ri; k++) {
      const wk = w[k + r];
      sx += points[i + k][0] * wk;
      sy += points[i + k][1] * wk;
      sw += wk;
    }
    out[i][0] = sx / sw;
    out[i][1] = sy / sw;
  }
  return out;
}

/** Total length of a stroke in normalized units. */
export function strokeLength(points) {
  let s = 0;
  for (let i = 1; i < points.length; i++) s += Math.hypot(points[i][0] - points[i - 1][0], points[i][1] - points[i - 1][1]);
  return s;
}

/** [minX, minY, maxX, maxY] of the given points (normalized). */
export function bounds(points) {
  let a = Infinity, b = Infinity, c = -Infinity, d = -Infinity;
  for (const p of points) {
    a = Math.min(a, p[0]); b = Math.min(b, p[1]); c = Math.max(c, p[0]); d = Math.max(d, p[1]);
  }
  return [a, b, c, d];
}

// ---------------------------------------------------------------------------------------------------------
// Serialization (the path_json contract)
// ---------------------------------------------------------------------------------------------------------

const round = (v, digits) => {
  const f = 10 ** digits;
  return Math.round(v * f) / f;
};
const isNum = (v) => typeof v === "number" && Number.isFinite(v);

/** An empty drawing of the given image size. */
export function emptyPath(width = DEFAULT_WIDTH, height = DEFAULT_HEIGHT) {
  return { version: PATH_VERSION, width, height, strokes: [] };
}

/**
 * The path as a plain object in the contract's compact form (the same rows Python's DrawnPath.to_dict writes:
 * [x, y] when there is no timing or pressure, [x, y, t_ms] with timing, [x, y, t_ms|null, pressure] with pressure).
 */
export function toContract(path) {
  return {
    version: PATH_VERSION,
    width: Math.round(path.width),
    height: Math.round(path.height),
    strokes: path.strokes.map((s) => keyframeFields(s, {
      role: s.role,
      points: s.points.map((p) => {
        const row = [round(p[0], 6), round(p[1], 6)];
        const t = p[2], pr = p[3];
        if (isNum(t) || isNum(pr)) row.push(isNum(t) ? round(t, 3) : null);
        if (isNum(pr)) row.push(round(pr, 4));
        return row;
      }),
    })),
  };
}

/** JSON text for the node's path_json input. */
export function serializePath(path) {
  return JSON.stringify(toContract(path));
}

function finite(v, what) {
  if (v === null || v === undefined) return null;
  if (typeof v !== "number") throw new Error(`${what} must be a number, got ${JSON.stringify(v)}`);
  if (!Number.isFinite(v)) throw new Error(`${what} is not finite; every coordinate must be a finite number`);
  return v;
}

function checkSize(w, h, where) {
  for (const [name, v] of [["width", w], ["height", h]]) {
    if (v === null || v === undefined) throw new Error(`${where}: '${name}' is missing; give the image size in pixels`);
    if (typeof v !== "number" || !Number.isFinite(v) || v < 1 || v > 65536)
      throw new Error(`${where}: '${name}' must be a number of pixels between 1 and 65536, got ${JSON.stringify(v)}`);
  }
  return [Math.round(w), Math.round(h)];
}

/**
 * Parse path JSON (text or decoded value) in any accepted form: the contract, a bare list of pixel points
 * {x, y} (needs width/height), or KJNodes SplineEditor `coordinates`. Mirrors camera/path.py parse_path.
 * Points outside the image are clamped; that is reported in `warnings`.
 * @returns {{path: {version, width, height, strokes}, warnings: string[]}}
 * @throws {Error} with a message that says what to fix.
 */
export function parsePath(data, width = null, height = null) {
  if (typeof data === "string") {
    const text = data.trim();
    if (!text) throw new Error("the path JSON is empty: draw a stroke");
    try {
      data = JSON.parse(text);
    } catch (e) {
      throw new Error(`the path is not valid JSON (${e.message})`);
    }
  }
  if (data && typeof data === "object" && !Array.isArray(data)) {
    if ("strokes" in data) return parseContract(data, width, height);
    if ("coordinates" in data) return parsePath(data.coordinates, width ?? data.width ?? null, height ?? data.height ?? null);
    if ("points" in data) return parseContract({ ...data, strokes: [{ role: "camera", points: data.points }] }, width, height);
    throw new Error('the path JSON object needs a "strokes" list (or "coordinates" for KJNodes spline data)');
  }
  if (Array.isArray(data)) return parsePixelPoints(data, width, height);
  throw new Error(`the path must be a JSON object or list, got ${data === null ? "null" : typeof data}`);
}

function finish(w, h, strokes, warnings) {
  const total = strokes.reduce((n, s) => n + s.points.length, 0);
  if (total > MAX_POINTS) throw new Error(`the path has ${total} points; at most ${MAX_POINTS} are accepted`);
  strokes.forEach((s, i) => {
    let outside = 0;
    for (const p of s.points) {
      if (p[0] < 0 || p[0] > 1 || p[1] < 0 || p[1] > 1) {
        outside++;
        p[0] = clamp01(p[0]);
        p[1] = clamp01(p[1]);
      }
    }
    if (outside) warnings.push(`stroke ${i} (${s.role}): ${outside} point(s) outside the image were clamped to its edge`);
  });
  return { path: { version: PATH_VERSION, width: w, height: h, strokes }, warnings };
}

function parseContract(d, width, height) {
  const version = d.version ?? PATH_VERSION;
  if (version !== PATH_VERSION) throw new Error(`path JSON version ${JSON.stringify(version)} is not supported; use version ${PATH_VERSION}`);
  const [w, h] = checkSize(d.width ?? width, d.height ?? height, "path JSON");
  if (!Array.isArray(d.strokes)) throw new Error('"strokes" must be a list of {"role": ..., "points": [[x, y], ...]}');
  const strokes = d.strokes.map((s, i) => {
    if (!s || typeof s !== "object" || Array.isArray(s)) throw new Error(`stroke ${i} must be an object like {"role": "camera", "points": [[x, y], ...]}`);
    const role = s.role ?? "camera";
    if (!ROLES.includes(role)) throw new Error(`stroke ${i} has role ${JSON.stringify(role)}; use one of ${ROLES.join(", ")}`);
    if (!Array.isArray(s.points) || s.points.length === 0) throw new Error(`stroke ${i} (${role}) needs a non-empty 'points' list of [x, y, t_ms?, pressure?]`);
    const points = s.points.map((p, j) => {
      if (p && typeof p === "object" && !Array.isArray(p)) p = [p.x, p.y, p.t_ms ?? p.t ?? null, p.pressure ?? null];
      if (!Array.isArray(p) || p.length < 2 || p.length > 4) throw new Error(`stroke ${i} point ${j} must be [x, y] or [x, y, t_ms, pressure]`);
      const names = ["x", "y", "t_ms", "pressure"];
      const row = [null, null, null, null];
      p.forEach((v, k) => {
        if (k < 2 && (v === null || v === undefined)) throw new Error(`stroke ${i} point ${j}: x and y are required`);
        row[k] = finite(v, `stroke ${i} point ${j} ${names[k]}`);
      });
      return row;
    });
    if ((s.t !== undefined && s.t !== null) || (s.preset !== undefined && s.preset !== null)) {
      if (role !== "camera") throw new Error(`stroke ${i} (${role}): "t" and "preset" belong on camera strokes only; drop them`);
      if (s.t !== undefined && s.t !== null && !(typeof s.t === "number" && Number.isFinite(s.t) && s.t > 0))
        throw new Error(`stroke ${i}: "t" (the time in seconds at which its segment ends) must be a number > 0`);
      if (s.preset !== undefined && s.preset !== null && !(typeof s.preset === "string" && s.preset.length > 0 && s.preset.length <= 64))
        throw new Error(`stroke ${i}: "preset" must be a preset name`);
    }
    return keyframeFields(s, { role, points });
  });
  return finish(w, h, strokes, []);
}

function parsePixelPoints(list, width, height) {
  if (list.length === 0) throw new Error("the path has no points: draw a stroke first");
  const [w, h] = checkSize(width, height, "pixel-point path");
  const nested = Array.isArray(list[0]) && list.every((x) => Array.isArray(x)) && list[0].length > 0 &&
    list[0][0] && typeof list[0][0] === "object" && !Array.isArray(list[0][0]);
  const splines = nested ? list : [list];
  const strokes = splines.map((pts, i) => {
    if (!pts.length) throw new Error(`spline ${i} has no points`);
    const points = pts.map((p, j) => {
      let x, y;
      if (p && typeof p === "object" && !Array.isArray(p)) [x, y] = [p.x, p.y];
      else if (Array.isArray(p) && p.length >= 2) [x, y] = p;
      else throw new Error(`point ${j} must be {"x": px, "y": px} or [x, y]`);
      if (x === null || x === undefined || y === null || y === undefined) throw new Error(`point ${j} needs both "x" and "y"`);
      return [finite(x, `point ${j} x`) / w, finite(y, `point ${j} y`) / h, null, null];
    });
    return { role: i === 0 ? "camera" : "path", points };
  });
  return finish(w, h, strokes, []);
}

/** Parse without throwing: {path, warnings, error}; on error `path` is an empty drawing. */
export function tryParsePath(text, fallbackW = DEFAULT_WIDTH, fallbackH = DEFAULT_HEIGHT) {
  try {
    return { ...parsePath(text, fallbackW, fallbackH), error: null };
  } catch (e) {
    return { path: emptyPath(fallbackW, fallbackH), warnings: [], error: String(e.message || e) };
  }
}

/** `out` with the camera-keyframe fields of stroke `s` (`t`: end time in s, `preset`) copied when present. */
function keyframeFields(s, out) {
  if (s.t !== undefined && s.t !== null) out.t = s.t;
  if (s.preset !== undefined && s.preset !== null) out.preset = s.preset;
  return out;
}

/**
 * Camera keyframes (camera/segments.py): with two or more camera strokes each is a segment of the move, in
 * drawing order, ending at its `t` (seconds) — or, when no stroke has one, at an equal share of the clip.
 * @returns {{stroke: number, index: number, label: string}[]} one label per camera stroke ("1 · 0–1.5 s",
 *   "2 · 1/3–2/3"), empty with fewer than two camera strokes.
 */
export function keyframeLabels(path) {
  const cams = [];
  path.strokes.forEach((s, i) => { if (s.role === "camera") cams.push([i, s]); });
  if (cams.length < 2) return [];
  const timed = cams.every(([, s]) => isNum(s.t));
  const fmt = (v) => String(round(v, 2));
  return cams.map(([i, s], k) => {
    let span;
    if (timed) span = `${fmt(k ? cams[k - 1][1].t : 0)}–${fmt(s.t)} s`;
    else span = `${k ? `${k}/${cams.length}` : "0"}–${k + 1 === cams.length ? "end" : `${k + 1}/${cams.length}`}`;
    const preset = s.preset ? ` ${s.preset}` : "";
    return { stroke: i, index: k + 1, label: `${k + 1} · ${span}${preset}` };
  });
}

/** Deep copy of a path (the undo stack stores these). */
export function clonePath(path) {
  return {
    version: path.version ?? PATH_VERSION,
    width: path.width,
    height: path.height,
    strokes: path.strokes.map((s) => keyframeFields(s, { role: s.role, points: s.points.map((p) => p.slice()) })),
  };
}

// ---------------------------------------------------------------------------------------------------------
// Editing: hit-testing and pure edits
// ---------------------------------------------------------------------------------------------------------

function distToSegment(px, py, ax, ay, bx, by) {
  const dx = bx - ax, dy = by - ay;
  const l2 = dx * dx + dy * dy;
  let t = l2 > 0 ? ((px - ax) * dx + (py - ay) * dy) / l2 : 0;
  t = Math.max(0, Math.min(1, t));
  return Math.hypot(px - (ax + t * dx), py - (ay + t * dy));
}

/**
 * What is under box pixel (px, py)? Points win over segments; later strokes (drawn on top) win over earlier ones.
 * @param rect the letterbox rectangle (box pixels) the normalized points map into
 * @param tol hit tolerance in box pixels
 * @returns {{stroke: number, point: number|null, dist: number} | null} point is null for a hit on a segment
 */
export function hitTest(path, px, py, rect, tol = 8) {
  let best = null;
  for (let si = path.strokes.length - 1; si >= 0; si--) {
    const pts = path.strokes[si].points;
    for (let pi = 0; pi < pts.length; pi++) {
      const [bx, by] = toBox(pts[pi][0], pts[pi][1], rect);
      const d = Math.hypot(px - bx, py - by);
      if (d <= tol && (!best || best.point === null || d < best.dist)) best = { stroke: si, point: pi, dist: d };
    }
    if (best) return best;
  }
  for (let si = path.strokes.length - 1; si >= 0; si--) {
    const pts = path.strokes[si].points;
    for (let pi = 1; pi < pts.length; pi++) {
      const [ax, ay] = toBox(pts[pi - 1][0], pts[pi - 1][1], rect);
      const [bx, by] = toBox(pts[pi][0], pts[pi][1], rect);
      const d = distToSegment(px, py, ax, ay, bx, by);
      if (d <= tol && (!best || d < best.dist)) best = { stroke: si, point: null, dist: d };
    }
    if (best) return best;
  }
  return null;
}

/** Move one point to normalized (nx, ny) (clamped to the image). */
export function movePoint(path, si, pi, nx, ny) {
  const out = clonePath(path);
  const p = out.strokes[si].points[pi];
  p[0] = clamp01(nx);
  p[1] = clamp01(ny);
  return out;
}

/** Translate a whole stroke by (dx, dy) normalized, limited so that it stays inside the image. */
export function moveStroke(path, si, dx, dy) {
  const out = clonePath(path);
  const pts = out.strokes[si].points;
  const [x0, y0, x1, y1] = bounds(pts);
  const ddx = Math.max(-x0, Math.min(1 - x1, dx));
  const ddy = Math.max(-y0, Math.min(1 - y1, dy));
  for (const p of pts) {
    p[0] += ddx;
    p[1] += ddy;
  }
  return out;
}

/** Delete one point; a stroke left empty is removed. */
export function deletePoint(path, si, pi) {
  const out = clonePath(path);
  out.strokes[si].points.splice(pi, 1);
  if (out.strokes[si].points.length === 0) out.strokes.splice(si, 1);
  return out;
}

export function deleteStroke(path, si) {
  const out = clonePath(path);
  out.strokes.splice(si, 1);
  return out;
}

/** Change a stroke's role. The contract keeps one focus point per focus stroke meaningful: its last point. */
export function setRole(path, si, role) {
  if (!ROLES.includes(role)) throw new Error(`unknown role ${role}`);
  const out = clonePath(path);
  out.strokes[si].role = role;
  return out;
}

/**
 * Add a finished stroke. A "camera" stroke replaces an existing camera stroke (there is one camera move);
 * a "focus" stroke is reduced to its last point (a focus point) and replaces the previous focus point.
 */
export function addStroke(path, role, points, { append = false } = {}) {
  const out = clonePath(path);
  if (!points.length) return out;
  let pts = points.map((p) => p.slice());
  if (role === "focus") {
    const last = pts[pts.length - 1];
    pts = [[last[0], last[1], null, last[3] ?? null]];
  }
  // a new camera stroke replaces the old one, unless appended as the next keyframe (Shift while drawing)
  if ((role === "camera" && !append) || role === "focus") out.strokes = out.strokes.filter((s) => s.role !== role);
  out.strokes.push({ role, points: pts });
  return out;
}

/**
 * Turn raw pointer samples of one stroke into stored points: clamp to the image, drop near-duplicates,
 * smooth lightly (xy only) and make t_ms relative to the first sample.
 * @param samples [[nx, ny, tAbsMs, pressure|null], ...]
 */
export function finishSamples(samples, { minDist = 0.002, smoothRadius = 2 } = {}) {
  if (!samples.length) return [];
  const t0 = samples[0][2];
  const pts = samples.map(([x, y, t, p]) => [clamp01(x), clamp01(y), isNum(t) ? Math.max(0, t - t0) : null, isNum(p) ? p : null]);
  return smoothPoints(decimate(pts, minDist), smoothRadius).map((p) => [p[0], p[1], p[2] === null ? null : round(p[2], 1), p[3] === null ? null : round(p[3], 3)]);
}

// ---------------------------------------------------------------------------------------------------------
// Undo stack
// ---------------------------------------------------------------------------------------------------------

/** A bounded undo/redo history of snapshots (the caller stores serialized paths or deep copies). */
export class UndoStack {
  constructor(limit = 100) {
    this.limit = limit;
    this.undoList = [];
    this.redoList = [];
  }
  /** Record `before` (the state that an edit is about to replace). Clears redo. */
  push(before) {
    this.undoList.push(before);
    if (this.undoList.length > this.limit) this.undoList.shift();
    this.redoList.length = 0;
  }
  get canUndo() { return this.undoList.length > 0; }
  get canRedo() { return this.redoList.length > 0; }
  /** Returns the state to restore, or undefined; `current` goes onto the redo list. */
  undo(current) {
    if (!this.undoList.length) return undefined;
    this.redoList.push(current);
    return this.undoList.pop();
  }
  redo(current) {
    if (!this.redoList.length) return undefined;
    this.undoList.push(current);
    return this.redoList.pop();
  }
  clear() {
    this.undoList.length = 0;
    this.redoList.length = 0;
  }
}

// ---------------------------------------------------------------------------------------------------------
// ComfyUI file references (for the background image)
// ---------------------------------------------------------------------------------------------------------

/**
 * Parse a ComfyUI annotated file name as LoadImage's widget holds it: "sub/dir/name.png [input]".
 * @returns {{filename: string, subfolder: string, type: string}}
 */
export function parseAnnotatedFilename(value, defaultType = "input") {
  let s = String(value ?? "").trim();
  let type = defaultType;
  const m = s.match(/^(.*?)\s*\[(input|output|temp)\]$/);
  if (m) {
    s = m[1];
    type = m[2];
  }
  const cut = s.lastIndexOf("/");
  return cut >= 0 ? { filename: s.slice(cut + 1), subfolder: s.slice(0, cut), type } : { filename: s, subfolder: "", type };
}

/** The query string of /view for a file reference (URL-encoded; never HTML). */
export function viewQuery(ref) {
  const q = new URLSearchParams({ filename: ref.filename ?? "", type: ref.type ?? "output", subfolder: ref.subfolder ?? "" });
  return `/view?${q.toString()}`;
}

// ---------------------------------------------------------------------------------------------------------
// Analysis results
// ---------------------------------------------------------------------------------------------------------

/** A short, plain-text line for the intent readout ("orbit → orbit_left · 87%"). Never HTML. */
export function intentLabel(result) {
  if (!result) return "intent: —";
  if (result.error) return `intent: ${String(result.error).slice(0, 120)}`;
  if (!result.intent) return "intent: —";
  const conf = isNum(result.confidence) ? ` · ${Math.round(result.confidence * 100)}%` : "";
  return `intent: ${result.intent} → ${result.preset ?? "?"}${conf}`;
}

/** A stable key of what the analysis depends on (to skip identical requests). */
export function analysisKey(path, params = {}) {
  return serializePath(path) + "|" + JSON.stringify(params);
}
