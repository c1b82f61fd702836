// Build the shipped workflows with the real ComfyUI frontend, so the files are exactly what it writes:
// workflows/<name>.json (UI format), workflows/api/<name>.json (what the frontend's graphToPrompt queues; the unit
// tier checks that tests/workflow_convert.py turns the UI file into exactly this) and, for workflows that need a
// model, the workflows/<name>.jpg thumbnail as a picture of the graph (draw_to_video.jpg is the last frame of its own
// video: python -m draw_to_video remote --set Render.max_size=768, then ffmpeg -sseof -0.1 ... -frames:v 1).
// Usage: node tests/web/browser/make_workflow.mjs <ComfyUI url> <repo root> [name ...]   (a running server with the pack)
// names: draw_to_video (no weights), draw_to_video_depth (core's Lotus depth; node wiring and model file names as in
// core's template image_lotus_depth_v1_1), svd_draw_to_video, svd_image_to_video, text_to_video,
// wan_fun_camera_draw, wan22_fun_camera_draw (core's Fun Camera templates video_wan2.1_fun_camera_v1.1_1.3B and
// video_wan2_2_14B_fun_camera with WanCameraEmbedding replaced by Draw Path -> Camera -> D2V_WanCameraEmbedding;
// same model file names), multi_shot (Shot List: three shots of the example photo joined by a crossfade and
// a whip pan), wan_ati_draw (core's template video_wan_ati with its hand-typed tracks made by Camera Tracks
// from a drawn move), wan_vace_draw and wan22_fun_control_draw (core's templates video_wan_vace_14B_v2v with the
// 1.3B model and video_wan2_2_5B_fun_control, their control video made by Render Guide from a drawn move: VACE gets
// the render, its generate mask and the picture as reference; Fun Control the depth through the camera and the
// picture as ref_image), copy_camera_move (Load Video -> Get Video Components -> Camera From Video: the clip's tracked
// camera renders the example photo, then the usual finish; the clip is assets/example_move.mp4, which the pack copies
// to input/d2v_example_move.mp4 at server start). Default: all.
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import { closeDialogs, launch, openComfy } from "./comfy_page.mjs";

const ALL = ["draw_to_video", "draw_to_video_depth", "svd_draw_to_video", "svd_image_to_video", "text_to_video",
  "wan_fun_camera_draw", "wan22_fun_camera_draw", "multi_shot", "wan_ati_draw", "wan_vace_draw",
  "wan22_fun_control_draw", "copy_camera_move"];
const [url, root, ...names] = process.argv.slice(2);
for (const n of names) if (!ALL.includes(n)) throw new Error(`unknown workflow ${n}; use one of ${ALL.join(", ")}`);

const { page, close } = await launch({ width: 2400, height: 1300 });
try {
  await openComfy(page, url);
  for (const name of names.length ? names : ALL) {
    const result = await page.evaluate(build, name);
    await closeDialogs(page);
    await page.waitForTimeout(800);
    mkdirSync(join(root, "workflows", "api"), { recursive: true });
    writeFileSync(join(root, "workflows", `${name}.json`), JSON.stringify(result.ui, null, 2) + "\n");
    writeFileSync(join(root, "workflows", "api", `${name}.json`), JSON.stringify(result.api, null, 2) + "\n");
    if (result.needsModel || name === "draw_to_video_depth" || name === "multi_shot" ||
        name === "wan_ati_draw" || name === "copy_camera_move") {
      await page.screenshot({ path: join(root, "workflows", `${name}.jpg`), type: "jpeg", quality: 80,
        clip: { x: 40, y: 100, width: 2340, height: 1180 } });
    }
    console.log(JSON.stringify({ name, nodes: result.ui.nodes.length, links: result.ui.links.length }));
  }
} finally {
  await close();
}

async function build(name) {
  const app = window.comfyAPI.app.app;
  const L = window.LiteGraph;
  app.graph.clear();
  const defs = await (await fetch("/api/object_info")).json();
  const add = (type, pos, values = {}, title = null, size = null) => {
    const n = L.createNode(type);
    if (!n) throw new Error(`node type ${type} is not served`);
    n.pos = pos;
    app.graph.add(n);
    if (size) n.setSize([Math.max(size[0], n.size[0]), Math.max(size[1], n.size[1])]);
    for (const [k, v] of Object.entries(values)) {
      const w = n.widgets?.find((x) => x.name === k);
      if (!w) throw new Error(`${type} has no widget ${k}`);
      w.value = v;
    }
    // seeds stay as shipped (a template must give the same video twice)
    for (const w of n.widgets ?? []) if (w.name === "control_after_generate") w.value = "fixed";
    if (title) n.title = title;
    return n;
  };
  const note = (pos, size, text, title = "Note") => {
    const n = add("Note", pos, {}, title, size);
    n.widgets[0].value = text;
    return n;
  };
  // Outputs are picked by type (the nth output of that type): their shown names may change, types do not.
  const out = (n, [type, nth = 0]) => n.outputs.map((o, i) => [o, i]).filter(([o]) => o.type === type)[nth][1];
  const inp = (n, name) => {
    const i = n.inputs.findIndex((x) => x.name === name);
    if (i < 0) throw new Error(`${n.type} has no input ${name}`);
    return i;
  };
  const link = (a, aOut, b, bIn) => a.connect(out(a, aOut), b, inp(b, bIn));
  const finish = async (scale, needsModel) => {
    app.canvas.ds.offset = [10, 60];
    app.canvas.ds.scale = scale;
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
    return { ui, api, needsModel };
  };

  if (name.includes("fun_camera")) {
    // Wan Fun Camera: core's template graph, the camera from the drawing instead of WanCameraEmbedding's presets
    const wan22 = name.startsWith("wan22");
    const Y2 = 600;
    const image = add("LoadImage", [30, 60], { image: "d2v_example.jpg" }, "Image", [320, 380]); // the client sets "Image"
    const draw = add("D2V_DrawPathInput", [380, 60], {}, "Draw Path", [520, 480]);
    link(image, ["IMAGE"], draw, "image");
    const traj = add("D2V_CinematicCameraTrajectory", [930, 60], { frames: 81, fps: 16.0 }, "Camera", [340, 420]);
    link(draw, ["D2V_PATH"], traj, "path");
    link(draw, ["IMAGE"], traj, "image");
    const emb = add("D2V_WanCameraEmbedding", [1300, 60], { width: 832, height: 480, length: 81 },
      "Wan Camera Embedding (drawn)", [300, 170]);
    link(traj, ["D2V_CAMERA"], emb, "camera");
    const unets = wan22
      ? [["wan2.2_fun_camera_high_noise_14B_fp8_scaled.safetensors", "Wan 2.2 high noise model"],
        ["wan2.2_fun_camera_low_noise_14B_fp8_scaled.safetensors", "Wan 2.2 low noise model"]]
      : [["wan2.1_fun_camera_v1.1_1.3B_bf16.safetensors", "Wan 2.1 Fun Camera model"]];
    const models = unets.map(([file, title], i) => {
      const u = add("UNETLoader", [30, Y2 + 110 * i], { unet_name: file, weight_dtype: "default" }, title, [320, 90]);
      const m = add("ModelSamplingSD3", [380, Y2 + 110 * i], { shift: 8.0 }, null, [220, 60]);
      link(u, ["MODEL"], m, "model");
      return m;
    });
    let y = Y2 + 110 * unets.length;
    const clip = add("CLIPLoader", [30, y], { clip_name: "umt5_xxl_fp8_e4m3fn_scaled.safetensors", type: "wan",
      device: "default" }, "Text encoder", [320, 110]);
    const vae = add("VAELoader", [30, y + 140], { vae_name: "wan_2.1_vae.safetensors" }, "VAE", [320, 60]);
    const pos = add("CLIPTextEncode", [640, Y2], { text: "A cinematic shot of the scene, smooth camera movement, " +
      "natural light, rich detail" }, "Positive prompt", [400, 130]);
    const neg = add("CLIPTextEncode", [640, Y2 + 210], { text: "static, still frame, blurry details, subtitles, " +
      "overexposed, worst quality, low quality, JPEG artifacts, ugly, deformed, extra fingers, cluttered background" },
      "Negative prompt", [400, 130]);
    link(clip, ["CLIP"], pos, "clip");
    link(clip, ["CLIP"], neg, "clip");
    const i2v = add("WanCameraImageToVideo", [1300, 270], {}, null, [300, 230]);
    link(pos, ["CONDITIONING"], i2v, "positive");
    link(neg, ["CONDITIONING"], i2v, "negative");
    link(vae, ["VAE"], i2v, "vae");
    link(draw, ["IMAGE"], i2v, "start_image");
    link(emb, ["WAN_CAMERA_EMBEDDING"], i2v, "camera_conditions");
    link(emb, ["INT", 0], i2v, "width");
    link(emb, ["INT", 1], i2v, "height");
    link(emb, ["INT", 2], i2v, "length");
    if (!wan22) {
      const cv = add("CLIPVisionLoader", [30, y + 240], { clip_name: "clip_vision_h.safetensors" }, "CLIP vision",
        [320, 60]);
      const enc = add("CLIPVisionEncode", [640, Y2 + 430], { crop: "none" }, null, [260, 80]);
      link(cv, ["CLIP_VISION"], enc, "clip_vision");
      link(draw, ["IMAGE"], enc, "image");
      link(enc, ["CLIP_VISION_OUTPUT"], i2v, "clip_vision_output");
    }
    let latent;
    if (wan22) {
      // two experts as in core's template: high noise for steps 0-10, low noise for 10-20
      const hi = add("KSamplerAdvanced", [1640, 60], { add_noise: "enable", noise_seed: 42, steps: 20, cfg: 3.5,
        sampler_name: "euler", scheduler: "simple", start_at_step: 0, end_at_step: 10,
        return_with_leftover_noise: "enable" }, "Sampler (high noise)", [300, 330]);
      const lo = add("KSamplerAdvanced", [1960, 60], { add_noise: "disable", noise_seed: 0, steps: 20, cfg: 3.5,
        sampler_name: "euler", scheduler: "simple", start_at_step: 10, end_at_step: 10000,
        return_with_leftover_noise: "disable" }, "Sampler (low noise)", [300, 330]);
      for (const [ks, m] of [[hi, models[0]], [lo, models[1]]]) {
        link(m, ["MODEL"], ks, "model");
        link(i2v, ["CONDITIONING", 0], ks, "positive");
        link(i2v, ["CONDITIONING", 1], ks, "negative");
      }
      link(i2v, ["LATENT"], hi, "latent_image");
      link(hi, ["LATENT"], lo, "latent_image");
      latent = lo;
    } else {
      const ks = add("KSampler", [1640, 60], { seed: 42, steps: 20, cfg: 6.0, sampler_name: "uni_pc",
        scheduler: "simple", denoise: 1.0 }, "Video sampler", [300, 270]);
      link(models[0], ["MODEL"], ks, "model");
      link(i2v, ["CONDITIONING", 0], ks, "positive");
      link(i2v, ["CONDITIONING", 1], ks, "negative");
      link(i2v, ["LATENT"], ks, "latent_image");
      latent = ks;
    }
    const xo = wan22 ? 2280 : 1960;
    const dec = add("VAEDecode", [xo, 60], {}, "Video frames", [200, 50]);
    link(latent, ["LATENT"], dec, "samples");
    link(vae, ["VAE"], dec, "vae");
    const video = add("CreateVideo", [xo, 160], { fps: 16.0 }, "Create Video", [220, 90]);
    link(dec, ["IMAGE"], video, "images");
    const save = add("SaveVideo", [xo, 300], { filename_prefix: `draw_to_video/${name}` }, "Save Video", [380, 420]);
    link(video, ["VIDEO"], save, "video");
    const files = wan22
      ? "models/diffusion_models/wan2.2_fun_camera_high_noise_14B_fp8_scaled.safetensors and " +
        "wan2.2_fun_camera_low_noise_14B_fp8_scaled.safetensors (Comfy-Org/Wan_2.2_ComfyUI_Repackaged), "
      : "models/diffusion_models/wan2.1_fun_camera_v1.1_1.3B_bf16.safetensors, models/clip_vision/" +
        "clip_vision_h.safetensors (Comfy-Org/Wan_2.1_ComfyUI_repackaged), ";
    note(wan22 ? [1640, 440] : [1300, 580], [620, 300], `Models (the names of core's ${wan22
      ? "video_wan2_2_14B_fun_camera" : "video_wan2.1_fun_camera_v1.1_1.3B"} template): ` + files +
      "models/text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors and models/vae/wan_2.1_vae.safetensors " +
      "(Comfy-Org/Wan_2.1_ComfyUI_repackaged on Hugging Face, split_files/<folder>/).\n" +
      "Draw a stroke over the picture in Draw Path (or pick a preset in Camera): Wan Camera Embedding (drawn) " +
      "turns the move into Wan's camera conditioning, resampled to `length` (4n + 1 frames). translation_scale " +
      "(10) makes the move as big as core's fixed moves; lower it for a subtler move, raise it for a bigger one. " +
      "width / height / length feed Wan Camera Image To Video." + (wan22 ? " The 14B experts need about 24 GB " +
      "of VRAM at 640x640 in fp8 (core's figures)." : ""), "Read me");
    return finish(0.6, true);
  }

  if (name === "wan_vace_draw" || name === "wan22_fun_control_draw") {
    // VACE: core's video_wan_vace_14B_v2v wiring (WanVaceToVideo -> KSampler -> TrimVideoLatent -> decode) with the
    // 1.3B model; Fun Control: core's video_wan2_2_5B_fun_control (Wan22FunControlToVideo, 704x704, 121 frames at
    // 24 fps). The control video comes from Render Guide, driven by the drawn move.
    const vace = name === "wan_vace_draw";
    const [w, h, len, fps] = vace ? [832, 480, 81, 16] : [704, 704, 121, 24];
    const image = add("LoadImage", [30, 60], { image: "d2v_example.jpg" }, "Image", [320, 380]);
    const draw = add("D2V_DrawPathInput", [380, 60], {}, "Draw Path", [520, 480]);
    link(image, ["IMAGE"], draw, "image");
    const traj = add("D2V_CinematicCameraTrajectory", [930, 60], { frames: len, fps }, "Camera", [340, 420]);
    link(draw, ["D2V_PATH"], traj, "path");
    link(draw, ["IMAGE"], traj, "image");
    const guide = add("D2V_WanRenderGuide", [1300, 60], { width: w, height: h, length: len }, "Render Guide",
      [320, 330]);
    link(draw, ["IMAGE"], guide, "image");
    link(traj, ["D2V_CAMERA"], guide, "camera");
    const Y2 = 600;
    const unetFile = vace ? "wan2.1_vace_1.3B_fp16.safetensors" : "wan2.2_fun_control_5B_bf16.safetensors";
    const vaeFile = vace ? "wan_2.1_vae.safetensors" : "wan2.2_vae.safetensors";
    const unet = add("UNETLoader", [30, Y2], { unet_name: unetFile, weight_dtype: "default" },
      vace ? "Wan 2.1 VACE model" : "Wan 2.2 Fun Control model", [320, 90]);
    const shift = add("ModelSamplingSD3", [30, Y2 + 130], { shift: 8.0 }, null, [320, 60]);
    link(unet, ["MODEL"], shift, "model");
    const clip = add("CLIPLoader", [30, Y2 + 230], { clip_name: "umt5_xxl_fp8_e4m3fn_scaled.safetensors",
      type: "wan", device: "default" }, "Text encoder", [320, 110]);
    const vae = add("VAELoader", [30, Y2 + 380], { vae_name: vaeFile }, "VAE", [320, 60]);
    const pos = add("CLIPTextEncode", [380, Y2], { text: "A cinematic shot of the scene, smooth camera movement, " +
      "natural light, rich detail, consistent with the picture" }, "Positive prompt", [420, 140]);
    const neg = add("CLIPTextEncode", [380, Y2 + 200], { text: "static, still frame, blurry details, subtitles, " +
      "overexposed, worst quality, low quality, JPEG artifacts, ugly, deformed, smeared, stretched, cluttered " +
      "background" }, "Negative prompt", [420, 140]);
    link(clip, ["CLIP"], pos, "clip");
    link(clip, ["CLIP"], neg, "clip");
    const cond = add(vace ? "WanVaceToVideo" : "Wan22FunControlToVideo", [850, Y2],
      vace ? { batch_size: 1, strength: 1.0 } : { batch_size: 1 }, null, [320, 280]);
    link(pos, ["CONDITIONING"], cond, "positive");
    link(neg, ["CONDITIONING"], cond, "negative");
    link(vae, ["VAE"], cond, "vae");
    link(guide, ["INT", 0], cond, "width");
    link(guide, ["INT", 1], cond, "height");
    link(guide, ["INT", 2], cond, "length");
    if (vace) {
      link(guide, ["IMAGE", 0], cond, "control_video");
      link(guide, ["MASK", 0], cond, "control_masks");
      link(guide, ["IMAGE", 2], cond, "reference_image");
    } else {
      link(guide, ["IMAGE", 1], cond, "control_video");
      link(guide, ["IMAGE", 2], cond, "ref_image");  // core 0.3.64's only picture input (the template's wiring)
    }
    const ks = add("KSampler", [1200, Y2], { seed: 42, steps: 20, cfg: vace ? 6.0 : 5.0, sampler_name: "uni_pc",
      scheduler: "simple", denoise: 1.0 }, "Video sampler", [300, 270]);
    link(shift, ["MODEL"], ks, "model");
    link(cond, ["CONDITIONING", 0], ks, "positive");
    link(cond, ["CONDITIONING", 1], ks, "negative");
    link(cond, ["LATENT"], ks, "latent_image");
    let latent = ks;
    if (vace) {  // the reference image's latent frame comes off before decoding
      const trim = add("TrimVideoLatent", [1530, Y2], {}, null, [240, 60]);
      link(ks, ["LATENT"], trim, "samples");
      link(cond, ["INT"], trim, "trim_amount");
      latent = trim;
    }
    const dec = add("VAEDecode", [1530, Y2 + 100], {}, "Video frames", [200, 50]);
    link(latent, ["LATENT"], dec, "samples");
    link(vae, ["VAE"], dec, "vae");
    const video = add("CreateVideo", [1530, Y2 + 190], { fps }, "Create Video", [240, 90]);
    link(dec, ["IMAGE"], video, "images");
    const save = add("SaveVideo", [1800, Y2], { filename_prefix: `draw_to_video/${name}` }, "Save Video",
      [380, 420]);
    link(video, ["VIDEO"], save, "video");
    const repo = "(Comfy-Org/Wan_2.1_ComfyUI_repackaged on Hugging Face, split_files/<folder>/)";
    const models = vace
      ? "- models/diffusion_models/wan2.1_vace_1.3B_fp16.safetensors " + repo + "; for 720p use " +
        "wan2.1_vace_14B_fp16.safetensors\n- models/text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors " + repo +
        "\n- models/vae/wan_2.1_vae.safetensors " + repo + "\n"
      : "- models/diffusion_models/wan2.2_fun_control_5B_bf16.safetensors (Comfy-Org/Wan_2.2_ComfyUI_Repackaged, " +
        "split_files/diffusion_models/)\n- models/text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors " + repo +
        "\n- models/vae/wan2.2_vae.safetensors (Comfy-Org/Wan_2.2_ComfyUI_Repackaged, split_files/vae/)\n";
    const how = vace
      ? "Render Guide renders the picture along the drawn move (2.5D, the exact camera) and hands WanVaceToVideo " +
        "the frames as control_video, a mask that is 1 where the model must invent (what the picture never " +
        "showed, grown by grow px and feathered, plus stretched smears above `stretch`) as control_masks, and the " +
        "picture as reference_image; TrimVideoLatent drops the reference's latent frame. Raise grow / lower " +
        "stretch to give the model more to repaint."
      : "Render Guide renders the depth of the picture through every frame's camera (near = bright, one range " +
        "for the clip), the control Wan 2.2 Fun Control follows; the picture is its ref_image. Wan 2.2's VAE " +
        "prefers sides that are multiples of 32.";
    note([1660, 60], [640, 440], `Models (the names of core's ${vace ? "video_wan_vace_14B_v2v" :
      "video_wan2_2_5B_fun_control"} template; docs.comfy.org/tutorials/video/wan/${vace ? "vace" : "wan2_2"}):\n` +
      models + "\nDraw the camera move in Draw Path (or pick a preset in Camera). " + how + " Render Guide's " +
      `width, height and length (4n + 1, at most 121) drive the video (${w}x${h}, ${len} frames at ${fps} fps ` +
      "here); the camera is resampled to length. See docs/wan-guide.md.", "Read me");
    return finish(0.6, true);
  }

  if (name === "wan_ati_draw") {
    // core's video_wan_ati template (same loaders, model files, prompts' roles, sampler and video settings); its
    // hand-typed Trajectory JSON is replaced by Draw Path -> Camera -> Camera Tracks, whose width / height /
    // length outputs drive WanTrackToVideo so the tracks and the video agree on the frame
    const image = add("LoadImage", [30, 60], { image: "d2v_example.jpg" }, "Image", [320, 380]);
    const draw = add("D2V_DrawPathInput", [380, 60], {}, "Draw Path", [520, 480]);
    link(image, ["IMAGE"], draw, "image");
    const traj = add("D2V_CinematicCameraTrajectory", [930, 60], { frames: 81, fps: 16.0 }, "Camera", [340, 420]);
    link(draw, ["D2V_PATH"], traj, "path");
    link(draw, ["IMAGE"], traj, "image");
    const tracks = add("D2V_CameraTracks", [1300, 60], { width: 720, height: 480, length: 81, count: 24 },
      "Camera Tracks", [300, 260]);
    link(image, ["IMAGE"], tracks, "image");
    link(traj, ["D2V_CAMERA"], tracks, "camera");
    link(draw, ["D2V_PATH"], tracks, "path");
    const unet = add("UNETLoader", [30, 560], { unet_name: "Wan2_1-I2V-ATI-14B_fp8_e4m3fn.safetensors",
      weight_dtype: "fp8_e4m3fn" }, "Wan ATI model", [320, 90]);
    const shift = add("ModelSamplingSD3", [30, 690], { shift: 8.0 }, null, [320, 60]);
    link(unet, ["MODEL"], shift, "model");
    const clip = add("CLIPLoader", [30, 790], { clip_name: "umt5_xxl_fp8_e4m3fn_scaled.safetensors", type: "wan",
      device: "default" }, "Text encoder", [320, 110]);
    const vae = add("VAELoader", [30, 940], { vae_name: "wan_2.1_vae.safetensors" }, "Wan VAE", [320, 60]);
    const cvl = add("CLIPVisionLoader", [30, 1040], { clip_name: "clip_vision_h.safetensors" }, "CLIP vision",
      [320, 60]);
    const pos = add("CLIPTextEncode", [380, 600], {}, "CLIP Text Encode (Positive Prompt)", [420, 160]);
    pos.widgets[0].value = "A cinematic shot of the scene, the camera moves smoothly and steadily, natural light, " +
      "sharp details, realistic motion.";
    const neg = add("CLIPTextEncode", [380, 800], {}, "CLIP Text Encode (Negative Prompt)", [420, 160]);
    neg.widgets[0].value = "overexposed, static, blurry details, subtitles, style, artwork, painting, still image, " +
      "overall gray, worst quality, low quality, JPEG artifacts, ugly, deformed, extra fingers, poorly drawn " +
      "hands, poorly drawn face, disfigured, fused fingers, cluttered background, walking backwards";
    link(clip, ["CLIP"], pos, "clip");
    link(clip, ["CLIP"], neg, "clip");
    const cve = add("CLIPVisionEncode", [380, 1000], { crop: "none" }, null, [260, 80]);
    link(cvl, ["CLIP_VISION"], cve, "clip_vision");
    link(image, ["IMAGE"], cve, "image");
    const wan = add("WanTrackToVideo", [850, 600], { batch_size: 1, temperature: 220.0, topk: 10 }, null,
      [320, 300]);
    link(pos, ["CONDITIONING"], wan, "positive");
    link(neg, ["CONDITIONING"], wan, "negative");
    link(vae, ["VAE"], wan, "vae");
    link(tracks, ["STRING"], wan, "tracks");
    link(tracks, ["INT", 0], wan, "width");
    link(tracks, ["INT", 1], wan, "height");
    link(tracks, ["INT", 2], wan, "length");
    link(image, ["IMAGE"], wan, "start_image");
    link(cve, ["CLIP_VISION_OUTPUT"], wan, "clip_vision_output");
    const ks = add("KSampler", [1200, 600], { seed: 48, steps: 20, cfg: 3.0, sampler_name: "uni_pc",
      scheduler: "simple", denoise: 1.0 }, null, [300, 270]);
    link(shift, ["MODEL"], ks, "model");
    link(wan, ["CONDITIONING", 0], ks, "positive");
    link(wan, ["CONDITIONING", 1], ks, "negative");
    link(wan, ["LATENT"], ks, "latent_image");
    const dec = add("VAEDecode", [1530, 600], {}, null, [200, 50]);
    link(ks, ["LATENT"], dec, "samples");
    link(vae, ["VAE"], dec, "vae");
    const video = add("CreateVideo", [1530, 700], { fps: 16 }, "Create Video", [260, 90]);
    link(dec, ["IMAGE"], video, "images");
    const save = add("SaveVideo", [1800, 600], { filename_prefix: "draw_to_video/wan_ati_draw" }, "Save Video",
      [380, 420]);
    link(video, ["VIDEO"], save, "video");
    note([1650, 60], [640, 420],
      "Models (as in core's video_wan_ati template; see docs.comfy.org/tutorials/video/wan/wan-ati):\n" +
      "- models/diffusion_models/Wan2_1-I2V-ATI-14B_fp8_e4m3fn.safetensors\n" +
      "- models/text_encoders/umt5_xxl_fp8_e4m3fn_scaled.safetensors\n" +
      "- models/vae/wan_2.1_vae.safetensors\n" +
      "- models/clip_vision/clip_vision_h.safetensors\n\n" +
      "Draw the camera move in Draw Path (or pick a preset in Camera). Camera Tracks moves a seeded grid of " +
      "points (count) through the picture's depth along that move and writes them as WanTrackToVideo's tracks; " +
      "strokes drawn with the path role are added as tracks of their own. Its width, height and length drive " +
      "WanTrackToVideo, so set the video size there (720x480, 81 frames at 16 fps here, as in core's template). " +
      "Connect a depth map (Depth Anything, Lotus) to Camera Tracks' depth for better parallax.", "Read me");
    return finish(0.6, true);
  }

  if (name === "copy_camera_move") {
    // copy a clip's camera move onto another picture: core's Load Video -> Get Video Components -> Camera From
    // Video (tracked, no model) -> Render of the example photo -> the usual finish
    const load = add("LoadVideo", [30, 60], { file: "d2v_example_move.mp4" }, "Video", [320, 420]);
    const parts = add("GetVideoComponents", [30, 520], {}, "Video frames", [320, 90]);
    link(load, ["VIDEO"], parts, "video");
    const track = add("D2V_CameraFromVideo", [380, 60], { fov_deg: 43.2 }, "Camera From Video", [320, 400]);
    link(parts, ["IMAGE"], track, "frames");
    link(parts, ["FLOAT"], track, "fps");
    const report = add("PreviewAny", [380, 500], {}, "Tracking report", [320, 160]);
    link(track, ["STRING"], report, "source");
    const image = add("LoadImage", [730, 60], { image: "d2v_example.jpg" }, "Image", [320, 380]);
    const render = add("D2V_CameraMotionRender", [1080, 60], {}, "Render", [280, 220]);
    link(image, ["IMAGE"], render, "image");
    link(track, ["D2V_CAMERA"], render, "camera");
    const xf = 1390;
    const temporal = add("D2V_TemporalConsistency", [xf, 60], {}, "Temporal Consistency", [300, 150]);
    link(render, ["IMAGE"], temporal, "frames");
    link(render, ["IMAGE"], temporal, "reference");
    const interp = add("D2V_FrameInterpolate", [xf, 250], { multiplier: 2 }, "Frame Interpolate", [300, 180]);
    link(temporal, ["IMAGE"], interp, "frames");
    link(parts, ["FLOAT"], interp, "source_fps");
    const effects = add("D2V_ExclusiveEffects", [xf, 470], {}, "Exclusive Effects", [300, 150]);
    effects.mode = 4; // bypassed, as in the other workflows
    link(interp, ["IMAGE"], effects, "frames");
    link(track, ["D2V_CAMERA"], effects, "camera");
    const video = add("CreateVideo", [xf + 330, 60], {}, "Create Video", [260, 90]);
    link(effects, ["IMAGE"], video, "images");
    link(interp, ["FLOAT"], video, "fps");
    const save = add("SaveVideo", [xf + 330, 200], { filename_prefix: `draw_to_video/${name}` }, "Save Video",
      [380, 420]);
    link(video, ["VIDEO"], save, "video");
    note([730, 520], [640, 250], "No model files needed: the camera is tracked from the clip (feature tracks, " +
      "essential matrix or pure rotation, bundle adjustment) and the 2.5D render estimates depth itself.\n" +
      "Video: upload your clip (the example is a camera arc through a cat photo). Camera From Video: fov_deg is " +
      "the clip's horizontal field of view, 2*atan(sensor width / 2f) (43.2 for the example; a phone's main " +
      "camera is about 65-70); 0 estimates it, which is reliable only when the camera also rotates. The tracker " +
      "assumes a fixed lens: zooms come out wrong. Tracking report: FOV used, pure rotation or not, lost frames, " +
      "reprojection error. Image: the picture that gets the move.\nFinish: Temporal Consistency -> Frame " +
      "Interpolate (multiplier 2, the clip's fps in) -> Exclusive Effects (bypassed: Ctrl+B) -> Create Video -> " +
      "Save Video. docs/camera-io.md has the details.", "Read me");
    return finish(0.85, false);
  }
  const needsModel = name.startsWith("svd") || name === "text_to_video";
  const Y2 = 640; // second row
  const image = name === "text_to_video" ? null : add("LoadImage", [30, 60], { image: "d2v_example.jpg" }, "Image",
    [320, 380]);
  if (name === "multi_shot") {
    const shots = add("D2V_ShotList", [380, 60], {}, "Shots", [520, 560]);
    link(image, ["IMAGE"], shots, "images");
    const video = add("CreateVideo", [930, 60], {}, "Create Video", [260, 80]);
    link(shots, ["IMAGE"], video, "images");
    link(shots, ["FLOAT"], video, "fps");
    const save = add("SaveVideo", [930, 200], { filename_prefix: `draw_to_video/${name}` }, "Save Video",
      [380, 420]);
    link(video, ["VIDEO"], save, "video");
    note([30, 660], [880, 200], "No model files needed: every shot is a 2.5D render of a picture.\n" +
      "Shots: a JSON shot list. Each shot: image (index into the images batch; batch more pictures with core " +
      "Batch Images), preset / path / camera, intensity, frames, and how it comes in from the shot before: " +
      "transition cut / crossfade / whip_pan / morph with transition_frames K. The K frames overlap both shots, " +
      "so the clip has sum(frames) - sum(K) frames (here 24 + 24 + 24 - 8 - 10 = 54). Shots made elsewhere " +
      "(e.g. SVD decodes) go in clip_0..clip_3 and are used with \"clip\": i. docs/shots.md has the details.",
      "Read me");
    return finish(0.85, false);
  }
  let svdCkpt, svdModel;
  if (needsModel) {
    svdCkpt = add("ImageOnlyCheckpointLoader", [30, Y2 + 120], { ckpt_name: "svd_xt.safetensors" },
      "SVD checkpoint", [320, 100]);
    svdModel = add("VideoLinearCFGGuidance", [30, Y2 + 270], { min_cfg: 1.0 }, null, [320, 60]);
    link(svdCkpt, ["MODEL"], svdModel, "model");
  }
  let source = image; // the still every later node starts from
  let keyframeNote = "";
  if (name === "text_to_video") {
    const ckpt = add("CheckpointLoaderSimple", [30, 60], { ckpt_name: "sd_xl_base_1.0.safetensors" },
      "Keyframe checkpoint", [320, 100]);
    const prompt = add("D2V_PromptTemplate", [30, 210], {
      template: "nature", subject: "alpine lake at sunrise", scene: "mist over the water, pine forest",
      style: "cinematic", motion: "smooth" }, "Prompt", [320, 180]);
    const pos = add("CLIPTextEncode", [380, 40], {}, "Positive prompt", [260, 90]);
    const neg = add("CLIPTextEncode", [380, 250], {}, "Negative prompt", [260, 90]);
    link(ckpt, ["CLIP"], pos, "clip");
    link(ckpt, ["CLIP"], neg, "clip");
    link(prompt, ["STRING", 0], pos, "text");
    link(prompt, ["STRING", 1], neg, "text");
    const latent = add("EmptyLatentImage", [380, 460], { width: 1024, height: 576, batch_size: 1 }, null,
      [260, 110]);
    const ks = add("KSampler", [800, 40], { seed: 7, steps: 25, cfg: 7.0, sampler_name: "dpmpp_2m",
      scheduler: "karras", denoise: 1.0 }, "Keyframe sampler", [280, 260]);
    link(ckpt, ["MODEL"], ks, "model");
    link(pos, ["CONDITIONING"], ks, "positive");
    link(neg, ["CONDITIONING"], ks, "negative");
    link(latent, ["LATENT"], ks, "latent_image");
    const dec = add("VAEDecode", [800, 400], {}, "Keyframe", [200, 50]);
    link(ks, ["LATENT"], dec, "samples");
    link(ckpt, ["VAE"], dec, "vae");
    source = dec;
    keyframeNote = "Keyframe: models/checkpoints/sd_xl_base_1.0.safetensors (any SD/SDXL checkpoint works; pick it in " +
      "Keyframe checkpoint). Prompt Template fills a scene template (action, nature, dialogue, product) with " +
      "subject and scene, adds style and motion tags and the matching negative prompt.\n";
  }
  let draw, traj, path;
  const x1 = name === "text_to_video" ? 1130 : 380;
  if (name !== "svd_image_to_video") {
    if (name !== "text_to_video") {
      draw = add("D2V_DrawPathInput", [380, 60], {}, "Draw Path", [520, 480]);
      link(image, ["IMAGE"], draw, "image");
      source = draw; // its image output passes the picture through
    }
    traj = add("D2V_CinematicCameraTrajectory", [draw ? 930 : x1, 60],
      name === "text_to_video" ? { preset: "dolly_in", fps: 6.0 } : needsModel ? { fps: 6.0 } : {}, "Camera",
      [340, 420]);
    if (draw) link(draw, ["D2V_PATH"], traj, "path");
    link(source, ["IMAGE"], traj, "image");
    path = draw;
  }
  const xs = draw ? 1300 : name === "text_to_video" ? 1500 : 380;
  let frames, fps, render;
  if (!needsModel) {
    if (name === "draw_to_video") {
      // (not in the depth workflow: an output that needs no model would let it end "success" without the model)
      const intent = add("PreviewAny", [1300, 60], {}, "Detected intent", [260, 120]);
      link(traj, ["STRING"], intent, "source");
    }
    render = add("D2V_CameraMotionRender", [1300, 220], {}, "Render", [280, 220]);
    if (name === "draw_to_video_depth") {
      // core's Lotus depth (template image_lotus_depth_v1_1): one denoising step from sigma 999, inverted so that
      // bright = near, which the render reads as depth_kind "disparity"
      const unet = add("UNETLoader", [30, Y2], { unet_name: "lotus-depth-d-v1-1.safetensors" }, "Lotus depth model",
        [320, 90]);
      const vae = add("VAELoader", [30, Y2 + 140], { vae_name: "vae-ft-mse-840000-ema-pruned.safetensors" },
        "Lotus VAE", [320, 60]);
      const enc = add("VAEEncode", [380, Y2], {}, null, [200, 50]);
      link(image, ["IMAGE"], enc, "pixels");
      link(vae, ["VAE"], enc, "vae");
      const cond = add("LotusConditioning", [380, Y2 + 100], {}, null, [200, 30]);
      const noise = add("DisableNoise", [380, Y2 + 180], {}, null, [200, 30]);
      const guider = add("BasicGuider", [620, Y2], {}, null, [200, 50]);
      link(unet, ["MODEL"], guider, "model");
      link(cond, ["CONDITIONING"], guider, "conditioning");
      const sched = add("BasicScheduler", [620, Y2 + 100], { scheduler: "normal", steps: 1, denoise: 1 }, null,
        [240, 110]);
      link(unet, ["MODEL"], sched, "model");
      const first = add("SetFirstSigma", [620, Y2 + 250], { sigma: 999.0000000000002 }, null, [240, 60]);
      link(sched, ["SIGMAS"], first, "sigmas");
      const sampler = add("KSamplerSelect", [620, Y2 + 350], { sampler_name: "euler" }, null, [240, 60]);
      const run = add("SamplerCustomAdvanced", [930, Y2], {}, null, [260, 330]);
      link(noise, ["NOISE"], run, "noise");
      link(guider, ["GUIDER"], run, "guider");
      link(sampler, ["SAMPLER"], run, "sampler");
      link(first, ["SIGMAS"], run, "sigmas");
      link(enc, ["LATENT"], run, "latent_image");
      const dec = add("VAEDecode", [1230, Y2], {}, null, [200, 50]);
      link(run, ["LATENT"], dec, "samples");
      link(vae, ["VAE"], dec, "vae");
      const inv = add("ImageInvert", [1230, Y2 + 100], {}, "Lotus depth (bright = near)", [200, 30]);
      link(dec, ["IMAGE"], inv, "image");
      link(inv, ["IMAGE"], render, "depth");
      render.widgets.find((x) => x.name === "depth_kind").value = "disparity";
    }
    link(draw, ["IMAGE"], render, "image");
    link(traj, ["D2V_CAMERA"], render, "camera");
    frames = render;
    fps = [traj, ["FLOAT"]];
  } else {
    const enc = add("D2V_SVDImageEncodeWithMotion", [xs, 60], name === "svd_image_to_video"
      ? { video_frames: 25, motion_bucket_id: 127, guidance: "off" } : { guidance: "dual_clock" }, "SVD Encode",
      [340, 520]);
    link(svdCkpt, ["CLIP_VISION"], enc, "clip_vision");
    link(source, ["IMAGE"], enc, "init_image");
    link(svdCkpt, ["VAE"], enc, "vae");
    link(svdModel, ["MODEL"], enc, "model");
    if (traj) {
      link(traj, ["D2V_CAMERA"], enc, "camera");
      const guide = add("PreviewImage", [xs, Y2], {}, "Guide (renders / mask)", [340, 300]);
      link(enc, ["IMAGE"], guide, "images");
    }
    const ks = add("KSampler", [xs + 370, 60], { seed: 42, steps: 25, cfg: 2.5, sampler_name: "euler",
      scheduler: "karras", denoise: 1.0 }, "Video sampler", [280, 260]);
    link(enc, ["MODEL"], ks, "model");
    link(enc, ["CONDITIONING", 0], ks, "positive");
    link(enc, ["CONDITIONING", 1], ks, "negative");
    link(enc, ["LATENT"], ks, "latent_image");
    const dec = add("VAEDecode", [xs + 370, 360], {}, "Video frames", [200, 50]);
    link(ks, ["LATENT"], dec, "samples");
    link(svdCkpt, ["VAE"], dec, "vae");
    frames = dec;
    if (traj) {
      // the 2.5D render of the same move at SVD's size: Temporal Consistency follows its optical flow
      const scale = add("ImageScale", [xs + 370, 460], { upscale_method: "bilinear", width: 1024, height: 576,
        crop: "center" }, null, [260, 130]);
      link(source, ["IMAGE"], scale, "image");
      render = add("D2V_CameraMotionRender", [xs + 370, Y2], {}, "Render (flow reference)", [280, 220]);
      link(scale, ["IMAGE"], render, "image");
      link(traj, ["D2V_CAMERA"], render, "camera");
      fps = [traj, ["FLOAT"]];
    }
  }
  // the finish: Temporal Consistency -> Frame Interpolate -> Exclusive Effects (bypassed) -> Create Video -> Save
  const xf = needsModel ? xs + 680 : 1610;
  const temporal = add("D2V_TemporalConsistency", [xf, 60], {}, "Temporal Consistency", [300, 150]);
  link(frames, ["IMAGE"], temporal, "frames");
  if (render) link(render, ["IMAGE"], temporal, "reference");
  const interp = add("D2V_FrameInterpolate", [xf, 250], { multiplier: 2, source_fps: 6.0 }, "Frame Interpolate",
    [300, 180]);
  link(temporal, ["IMAGE"], interp, "frames");
  if (fps) link(fps[0], fps[1], interp, "source_fps");
  const effects = add("D2V_ExclusiveEffects", [xf, 470], {}, "Exclusive Effects", [300, 150]);
  effects.mode = 4; // bypassed: the frames pass through until the user turns it on (Ctrl+B)
  link(interp, ["IMAGE"], effects, "frames");
  if (traj) link(traj, ["D2V_CAMERA"], effects, "camera");
  const video = add("CreateVideo", [xf + 330, 60], {}, "Create Video", [260, 90]);
  link(effects, ["IMAGE"], video, "images");
  link(interp, ["FLOAT"], video, "fps");
  const save = add("SaveVideo", [xf + 330, 200], { filename_prefix: `draw_to_video/${name}` }, "Save Video",
    [380, 420]);
  link(video, ["VIDEO"], save, "video");

  const models = needsModel
    ? "Models: models/checkpoints/svd_xt.safetensors (Stable Video Diffusion XT, 25 frames; svd.safetensors = 14 " +
      "frames) - pick it in SVD checkpoint.\n" + keyframeNote
    : name === "draw_to_video_depth"
      ? "Models: models/diffusion_models/lotus-depth-d-v1-1.safetensors and models/vae/vae-ft-mse-840000-ema-pruned" +
        ".safetensors (Lotus depth, as in core's image_lotus_depth_v1_1 template).\n"
      : "No model files needed: the 2.5D render estimates depth itself.\n";
  const knobs = {
    draw_to_video: "Draw a stroke over the picture in Draw Path (or pick a preset in Camera). Render: fill = how " +
      "uncovered areas are filled; overscan zooms in so the move never shows the picture's edges.",
    draw_to_video_depth: "Draw a stroke in Draw Path. Render reads the Lotus depth (bright = near, depth_kind " +
      "disparity) instead of its own estimate.",
    svd_draw_to_video: "Draw a stroke in Draw Path: SVD Encode guides SVD along that camera move (guidance " +
      "dual_clock; release = how long the render holds the picture). recipe sets motion_bucket_id, fps, " +
      "augmentation for portrait / landscape / product_360 / action shots.",
    svd_image_to_video: "No camera: plain SVD. SVD Encode: motion_bucket_id 1-50 subtle, 51-127 moderate, 128-200 " +
      "strong, 201-255 violent; recipe picks values for portrait / landscape / product_360 / action shots.",
    text_to_video: "Prompt -> SDXL keyframe -> SVD along the Camera preset (dolly_in). Change subject, scene, style " +
      "and motion in Prompt; recipe in SVD Encode sets the motion for the kind of shot.",
  }[name];
  note([30, needsModel ? Y2 + 380 : name === "draw_to_video_depth" ? Y2 + 460 : Y2 - 80], [880, 200],
    models + knobs + "\nFinish: Temporal Consistency (deflicker; reference = the 2.5D render's flow) -> Frame " +
    "Interpolate (multiplier 2; its fps output sets Create Video's fps) -> Exclusive Effects (bypassed: select " +
    "it and press Ctrl+B to turn it on, then pick an effect) -> Create Video -> Save Video.", "Read me");

  return finish(needsModel || name === "draw_to_video_depth" ? 0.7 : 0.85, needsModel);
}
