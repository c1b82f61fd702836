// Build workflows/<name>.json (UI format), workflows/api/<name>.json (API format) and the workflows/<name>.jpg
// thumbnail with the real ComfyUI frontend, so the files are exactly what it writes.
// Usage: node tests/web/browser/make_workflow.mjs <ComfyUI url> <repo root> [name]   (a running server with the pack)
// name: draw_to_video (default; no weights) or draw_to_video_depth (core's Lotus depth feeds the render, node wiring
// and model file names as in core's template image_lotus_depth_v1_1).
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { closeDialogs, launch, openComfy } from "./comfy_page.mjs";

const [url, root, name = "draw_to_video"] = process.argv.slice(2);
if (!["draw_to_video", "draw_to_video_depth"].includes(name)) throw new Error(`unknown workflow ${name}`);
const { page, close } = await launch({ width: 2100, height: 900 });
try {
  await openComfy(page, url);
  const result = await page.evaluate(async (name) => {
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
    const withDepth = name === "draw_to_video_depth";
    if (!withDepth) {
      // (not in the depth workflow: an output that needs no model would let it end "success" without the model)
      const intent = add("PreviewAny", [1300, 60], [260, 120], {}, "Detected intent");
      link(traj, ["STRING"], intent, "source");
    }
    let last;
    if (defs.D2V_CameraMotionRender) {
      const render = add("D2V_CameraMotionRender", [1300, 220], [280, 220]);
      if (withDepth) {
        // core's Lotus depth (template image_lotus_depth_v1_1): one denoising step from sigma 999, inverted so
        // that bright = near, which the render reads as depth_kind "disparity"
        const unet = add("UNETLoader", [30, 600], [320, 90], { unet_name: "lotus-depth-d-v1-1.safetensors" },
          "Lotus depth model");
        const vae = add("VAELoader", [30, 740], [320, 60], { vae_name: "vae-ft-mse-840000-ema-pruned.safetensors" });
        const enc = add("VAEEncode", [380, 600], [200, 50]);
        link(load, ["IMAGE"], enc, "pixels");
        link(vae, ["VAE"], enc, "vae");
        const cond = add("LotusConditioning", [380, 700], [200, 30]);
        const noise = add("DisableNoise", [380, 780], [200, 30]);
        const guider = add("BasicGuider", [620, 600], [200, 50]);
        link(unet, ["MODEL"], guider, "model");
        link(cond, ["CONDITIONING"], guider, "conditioning");
        const sched = add("BasicScheduler", [620, 700], [240, 110], { scheduler: "normal", steps: 1, denoise: 1 });
        link(unet, ["MODEL"], sched, "model");
        const first = add("SetFirstSigma", [620, 850], [240, 60], { sigma: 999.0000000000002 });
        link(sched, ["SIGMAS"], first, "sigmas");
        const sampler = add("KSamplerSelect", [620, 950], [240, 60], { sampler_name: "euler" });
        const run = add("SamplerCustomAdvanced", [930, 600], [260, 330]);
        link(noise, ["NOISE"], run, "noise");
        link(guider, ["GUIDER"], run, "guider");
        link(sampler, ["SAMPLER"], run, "sampler");
        link(first, ["SIGMAS"], run, "sigmas");
        link(enc, ["LATENT"], run, "latent_image");
        const dec = add("VAEDecode", [1300, 620], [200, 50]);
        link(run, ["LATENT"], dec, "samples");
        link(vae, ["VAE"], dec, "vae");
        const inv = add("ImageInvert", [1300, 720], [200, 30], {}, "Lotus depth (bright = near)");
        link(dec, ["IMAGE"], inv, "image");
        link(inv, ["IMAGE"], render, "depth");
        const w = render.widgets?.find((x) => x.name === "depth_kind");
        if (w) w.value = "disparity";
      }
      link(draw, imageOut, render, "image");
      link(traj, ["D2V_CAMERA"], render, "camera");
      const video = add("CreateVideo", [1300, 490], [280, 90]);
      link(render, ["IMAGE"], video, "images");
      link(traj, ["FLOAT"], video, "fps");
      const save = add("SaveVideo", [1610, 60], [380, 460],
        { filename_prefix: withDepth ? "draw_to_video/depth_clip" : "draw_to_video/clip" });
      link(video, ["VIDEO"], save, "video");
      last = save;
    } else {
      const prev = add("PreviewImage", [1300, 230], [360, 320], {}, "Camera preview");
      link(traj, ["IMAGE"], prev, "images");
      last = prev;
    }
    app.canvas.ds.offset = [10, 60];
    app.canvas.ds.scale = withDepth ? 0.75 : 1;
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
  }, name);
  await closeDialogs(page);
  await page.waitForTimeout(800);
  mkdirSync(join(root, "workflows", "api"), { recursive: true });
  writeFileSync(join(root, "workflows", `${name}.json`), JSON.stringify(result.ui, null, 2) + "\n");
  writeFileSync(join(root, "workflows", "api", `${name}.json`), JSON.stringify(result.api, null, 2) + "\n");
  await page.screenshot({ path: join(root, "workflows", `${name}.jpg`), type: "jpeg", quality: 80,
    clip: { x: 40, y: 110, width: name === "draw_to_video_depth" ? 1560 : result.render ? 1990 : 1660, height: name === "draw_to_video_depth" ? 780 : 650 } });
  console.log(JSON.stringify({ render: result.render, nodes: result.ui.nodes.length, links: result.ui.links.length }));
} finally {
  await close();
}
