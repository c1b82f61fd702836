// Build workflows/draw_to_video.json (UI format), workflows/api/draw_to_video.json (API format) and the
// workflows/draw_to_video.jpg thumbnail with the real ComfyUI frontend, so the files are exactly what it writes.
// Usage: node tests/web/browser/make_workflow.mjs <ComfyUI url> <repo root>   (needs a running server with the pack)
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { closeDialogs, launch, openComfy } from "./comfy_page.mjs";

const [url, root] = process.argv.slice(2);
const { page, close } = await launch({ width: 2100, height: 900 });
try {
  await openComfy(page, url);
  const result = await page.evaluate(async () => {
    const app = window.comfyAPI.app.app;
    const L = window.LiteGraph;
    app.graph.clear();
    const defs = await (await fetch("/api/object_info")).json();
    const add = (type, pos, size, values = {}, title = null) => {
      const n = L.createNode(type);
      if (!n) return null;
      n.pos = pos;
      app.graph.add(n);
      if (size) n.setSize([Math.max(size[0], n.size[0]), Math.max(size[1], n.size[1])]);
      for (const [k, v] of Object.entries(values)) {
        const w = n.widgets?.find((x) => x.name === k);
        if (w) w.value = v;
      }
      if (title) n.title = title;
      return n;
    };
    // Outputs are picked by type (the nth output of that type): their shown names may change, types do not.
    const out = (n, [type, nth = 0]) => n.outputs.map((o, i) => [o, i]).filter(([o]) => o.type === type)[nth][1];
    const inp = (n, name) => n.inputs.findIndex((i) => i.name === name);
    const link = (a, aOut, b, bIn) => a.connect(out(a, aOut), b, inp(b, bIn));
    const load = add("LoadImage", [30, 60], [320, 380], { image: "example.png" });
    const draw = add("D2V_DrawPathInput", [380, 60], [520, 480]);
    const traj = add("D2V_CinematicCameraTrajectory", [930, 60], [340, 420]);
    const imageOut = ["IMAGE", 0]; // DrawPathInput outputs: image (passthrough), path, preview, tracks
    link(load, ["IMAGE"], draw, "image");
    link(draw, ["D2V_PATH"], traj, "path");
    link(draw, imageOut, traj, "image");
    const intent = add("PreviewAny", [1300, 60], [260, 120], {}, "Detected intent");
    link(traj, ["STRING"], intent, "source");
    let last;
    if (defs.D2V_CameraMotionRender) {
      const render = add("D2V_CameraMotionRender", [1300, 220], [280, 220]);
      link(draw, imageOut, render, "image");
      link(traj, ["D2V_CAMERA"], render, "camera");
      const video = add("CreateVideo", [1300, 490], [280, 90]);
      link(render, ["IMAGE"], video, "images");
      link(traj, ["FLOAT"], video, "fps");
      const save = add("SaveVideo", [1610, 60], [380, 460], { filename_prefix: "draw_to_video/clip" });
      link(video, ["VIDEO"], save, "video");
      last = save;
    } else {
      const prev = add("PreviewImage", [1300, 230], [360, 320], {}, "Camera preview");
      link(traj, ["IMAGE"], prev, "images");
      last = prev;
    }
    app.canvas.ds.offset = [10, 60];
    app.canvas.ds.scale = 1;
    app.graph.setDirtyCanvas(true, true);
    await new Promise((r) => setTimeout(r, 1500));
    const ui = app.graph.serialize();
    const api = (await app.graphToPrompt()).output;
    // Frontend-only display widgets (e.g. Preview Any's text box) are not node inputs: keep the API file clean.
    for (const node of Object.values(api)) {
      const spec = defs[node.class_type]?.input ?? {};
      const known = new Set([...Object.keys(spec.required ?? {}), ...Object.keys(spec.optional ?? {})]);
      for (const k of Object.keys(node.inputs)) if (!known.has(k)) delete node.inputs[k];
    }
    return { ui, api, render: !!defs.D2V_CameraMotionRender, drawId: draw.id, lastId: last.id };
  });
  await closeDialogs(page);
  await page.waitForTimeout(800);
  mkdirSync(join(root, "workflows", "api"), { recursive: true });
  writeFileSync(join(root, "workflows", "draw_to_video.json"), JSON.stringify(result.ui, null, 2) + "\n");
  writeFileSync(join(root, "workflows", "api", "draw_to_video.json"), JSON.stringify(result.api, null, 2) + "\n");
  await page.screenshot({ path: join(root, "workflows", "draw_to_video.jpg"), type: "jpeg", quality: 80,
    clip: { x: 40, y: 110, width: result.render ? 1990 : 1660, height: 650 } });
  console.log(JSON.stringify({ render: result.render, nodes: result.ui.nodes.length, links: result.ui.links.length }));
} finally {
  await close();
}
